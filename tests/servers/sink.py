"""The SMTP relay that Dovecot's submission service hands accepted mail to.

aiosmtpd's Mailbox handler stores each message in a maildir, so a test can read
the test message mail_verify sent and check what it says.
"""

import mailbox
import os
import sys

from tests.servers import process


def start(folder, port):
    """Run aiosmtpd on 127.0.0.1:``port`` storing into ``folder``/sink-maildir."""
    maildir = os.path.join(folder, "sink-maildir")
    child = process.spawn([sys.executable, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:%d" % port,
                           "-c", "aiosmtpd.handlers.Mailbox", maildir], os.path.join(folder, "sink.log"))
    process.wait_for_greetings([("127.0.0.1", port, None, b"220 ")], child)
    return {"pid": child.pid, "marker": maildir, "maildir": maildir}


def messages(maildir):
    """The messages the sink has received so far."""
    if not os.path.isdir(maildir):
        return []
    box = mailbox.Maildir(maildir, create=False)
    return [box[key] for key in box.keys()]
