"""Dovecot from a config file of our own: IMAP, POP3 and SMTP submission on loopback high ports.

Six listeners, each on 127.0.0.1, 127.0.0.2 and ::1:

- ``imaps``/``pop3s``/``submissions``: implicit TLS (993/995/465 style);
- ``imap``/``pop3``/``submission``: plaintext greeting, upgraded with STARTTLS (143/110/587 style).

Choices that keep the tests fast and independent of the machine:

- a fresh ``base_dir`` per start (a stale anvil socket stalls authentication);
- ``auth_failure_delay = 0`` and the anvil penalty socket made unusable (mode 0), so
  a failed login answers within half a second and does not slow the tests after it;
- ``chroot =`` for the login services, so the same config runs as root or not;
- 127.0.0.1 talking to 127.0.0.1 counts as "secured" for Dovecot (plaintext AUTH is
  offered before TLS); the same listeners reached at 127.0.0.2 are not secured, so
  there Dovecot offers no AUTH before STARTTLS, as a real server on the internet does.

``throughput=True`` (benchmarks only) runs Dovecot in its documented high-performance
mode: login and post-login processes serve many connections instead of one process
started per connection. The server shares this machine's two cores with the client it
answers, so in its default mode a benchmark of many logins mostly measures Dovecot
starting processes, which a provider's servers do not charge to the client.

Passwords live in a passwd-file: one non-ASCII, one with ':' (stored as {PLAIN.b64}), and
VIRTUAL_USERS numbered practices for batch checks.
OAuth 2.0 access tokens (XOAUTH2, OAUTHBEARER) go to ``passdb { driver = oauth2 }`` with
``introspection_mode = local``: Dovecot checks an HS256 JWT's signature with OAUTH2_KEY
(stored as ``keys/<azp>/<alg>/<kid>``, all "default" here), its exp/nbf/iat, and takes the
user from its ``email`` claim; no web service is involved. tests/servers/tokens.py signs them.
"""

import base64
import grp
import os
import pwd
import shutil
import ssl

from tests.servers import process

EXECUTABLE = shutil.which("dovecot") or "/usr/sbin/dovecot"

LISTENERS = (
    ("imap", "imap", False), ("imaps", "imap", True),
    ("pop3", "pop3", False), ("pop3s", "pop3", True),
    ("submission", "submission", False), ("submissions", "submission", True),
)

GREETINGS = {"imap": b"* OK", "pop3": b"+OK", "submission": b"220 "}

# name -> (login, password). Distinctive strings, so tests can grep every output for them.
USERS = {
    "alice": ("alice@example.test", "Alice-Verify-7Qz!pw"),
    "jose": ("jose@example.test", "Zahn\u00e4rztin-P\u00e4ssw\u00f6rt-\u20ac9"),
    "colon": ("colon@example.test", "colon:in:the:pass-4Kd"),
    "keeper": ("keeper@example.test", "Keeper-Pop3-Msgs-8Lm"),
}

# Virtual practices for batch checks and benchmarks: practice0000@fleet.example.test ... with their own passwords.
VIRTUAL_USERS = 1000
VIRTUAL_LOGIN = "practice%04d@fleet.example.test"
VIRTUAL_PASSWORD = "Fleet-Practice-%04d-Pw"

# Messages in keeper's mailbox: the POP3 check must leave every one of them there.
KEEPER_MESSAGES = 3

# HMAC key of the HS256 access tokens Dovecot accepts.
OAUTH2_KEY = b"mailconfig-test-oauth2-hs256-key-0001"
# Without an ``issuers`` line Dovecot accepts a token from any issuer signed with the key.
OAUTH2_ISSUER = "https://tokens.example.test/"


def _passwd_line(login, password):
    if ":" in password:
        return "%s:{PLAIN.b64}%s::::::\n" % (login, base64.b64encode(password.encode("utf-8")).decode("ascii"))
    return "%s:{PLAIN}%s::::::\n" % (login, password)


def _passdbs(folder):
    """passdb blocks: passwords from the passwd-file of USERS, tokens validated locally."""
    return """passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%%u %s/users
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = %s/oauth2.conf.ext
}
""" % (folder, folder)


def _write_oauth2(folder):
    """The oauth2 passdb's settings and its one signing key."""
    keys = os.path.join(folder, "keys")
    os.makedirs(os.path.join(keys, "default", "HS256"), exist_ok=True)
    with open(os.path.join(keys, "default", "HS256", "default"), "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(OAUTH2_KEY).decode("ascii"))
    with open(os.path.join(folder, "oauth2.conf.ext"), "w", encoding="ascii") as handle:
        handle.write("introspection_mode = local\nlocal_validation_key_dict = fs:posix:prefix=%s/\n"
                     "username_attribute = email\nissuers = %s\n" % (keys, OAUTH2_ISSUER))
    for root, dirs, files in os.walk(keys):
        for name in [root] + [os.path.join(root, entry) for entry in dirs + files]:
            os.chmod(name, 0o755 if os.path.isdir(name) else 0o644)


def _identity():
    """Users Dovecot runs as: its own system users when we are root, else ourselves."""
    if os.geteuid() == 0:
        internal, login = pwd.getpwnam("dovecot"), pwd.getpwnam("dovenull")
        return internal, login
    me = pwd.getpwuid(os.geteuid())
    return me, me


# Dovecot's high-performance mode: a login process serves many connections, and a post-login
# process many sessions one after another (still one client at a time).
_THROUGHPUT = """service imap {
  service_count = 0
  process_min_avail = 2
}
service submission {
  service_count = 0
  process_min_avail = 2
}
"""


def config(folder, ports, tls, relay_port, throughput=False):
    """The dovecot.conf text for ``ports`` (listener name -> port)."""
    internal, login = _identity()
    services = []
    for service in ("imap", "pop3", "submission"):
        blocks = []
        for name, owner, implicit in LISTENERS:
            if owner == service:
                blocks.append(
                    "  inet_listener %s {\n    port = %d\n%s  }\n"
                    % (name, ports[name], "    ssl = yes\n" if implicit else "")
                )
        tuning = "  service_count = 0\n  process_min_avail = 2\n" if throughput else ""
        services.append("service %s-login {\n  chroot =\n%s%s}\n" % (service, tuning, "".join(blocks)))
    return """# Written by tests/servers/dovecot.py for one test run; not for production.
base_dir = {folder}/run
state_dir = {folder}/state
instance_name = mailconfig-test
log_path = {folder}/dovecot.log
listen = {listen}
protocols = imap pop3 submission
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {uid}
first_valid_gid = {gid}
hostname = mail.example.test
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_dh = <{dh}
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
auth_verbose = yes
mail_location = maildir:{folder}/mail/%u
mail_max_userip_connections = 200
submission_relay_host = 127.0.0.1
submission_relay_port = {relay_port}
submission_relay_trusted = yes
{passdbs}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={folder}/mail/%u
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{services}""".format(
        folder=folder,
        listen=", ".join(process.LOOPBACK),
        internal=internal.pw_name,
        internal_group=grp.getgrgid(internal.pw_gid).gr_name,
        login=login.pw_name,
        uid=internal.pw_uid,
        gid=internal.pw_gid,
        cert=tls["valid"]["cert"],
        key=tls["valid"]["key"],
        dh=tls["dh"],
        relay_port=relay_port,
        passdbs=_passdbs(folder),
        services="".join(services) + (_THROUGHPUT if throughput else ""),
    )


def _seed_keeper(folder, uid, gid):
    """Put KEEPER_MESSAGES messages in keeper's maildir."""
    maildir = os.path.join(folder, "mail", USERS["keeper"][0])
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    for number in range(1, KEEPER_MESSAGES + 1):
        with open(
            os.path.join(maildir, "new", "170000000%d.M%dP1.test" % (number, number)), "w", encoding="ascii"
        ) as handle:
            handle.write("From: patient%d@example.test\r\nTo: keeper@example.test\r\nSubject: appointment %d\r\n\r\n"
                         "Please confirm my appointment.\r\n" % (number, number))
    for root, dirs, files in os.walk(os.path.join(folder, "mail")):
        for name in [root] + [os.path.join(root, entry) for entry in dirs + files]:
            os.chown(name, uid, gid)


def _check_traversable(folder):
    """As root, Dovecot's own users must reach ``folder``: refuse a path they cannot traverse."""
    path = os.path.dirname(folder)
    while path and path != os.path.dirname(path):
        if not os.stat(path).st_mode & 0o001:
            raise RuntimeError("Dovecot's users cannot traverse %s; use a folder under /tmp" % path)
        path = os.path.dirname(path)
    os.chmod(folder, 0o711)


def start(folder, ports, tls, relay_port, throughput=False):
    """Write the config and users, start ``dovecot -F`` and wait for all six greetings."""
    folder = os.path.join(folder, "dovecot")
    os.makedirs(os.path.join(folder, "state"), exist_ok=True)
    internal = _identity()[0]
    if os.geteuid() == 0:
        _check_traversable(os.path.dirname(folder))
        os.chmod(folder, 0o711)
        os.chmod(os.path.dirname(tls["ca"]), 0o755)
    with open(os.path.join(folder, "users"), "w", encoding="utf-8") as handle:
        handle.writelines(_passwd_line(login, password) for login, password in USERS.values())
        handle.writelines(_passwd_line(VIRTUAL_LOGIN % n, VIRTUAL_PASSWORD % n) for n in range(VIRTUAL_USERS))
    os.chmod(os.path.join(folder, "users"), 0o644)
    _seed_keeper(folder, internal.pw_uid, internal.pw_gid)
    _write_oauth2(folder)
    conf = os.path.join(folder, "dovecot.conf")
    with open(conf, "w", encoding="utf-8") as handle:
        handle.write(config(folder, ports, tls, relay_port, throughput))
    child = process.spawn([EXECUTABLE, "-F", "-c", conf], os.path.join(folder, "stdout.log"))
    trusting = ssl.create_default_context(cafile=tls["ca"])
    process.wait_for_greetings([("127.0.0.1", ports[name], trusting if implicit else None, GREETINGS[owner])
                                for name, owner, implicit in LISTENERS], child)
    return {"pid": child.pid, "marker": conf, "config": conf, "log": os.path.join(folder, "dovecot.log")}
