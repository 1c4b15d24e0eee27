# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check an SMTP submission server: greeting, EHLO, STARTTLS, one AUTH, NOOP, QUIT.

Our own small client rather than smtplib: smtplib's login() tries every mechanism
(two failed logins per wrong password) and reports only the last answer, and its
AUTH encodes credentials as ASCII, so non-ASCII passwords fail before reaching the
server. Pre-TLS EHLO capabilities are discarded after STARTTLS; no STARTTLS means failure.
"""

import collections
import email.message
import email.policy
import email.utils
import re
from typing import Any, Dict, Mapping, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _diagnosis
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._connection import Settings
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._sasl import Credential, Exchange, choose
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import Channel, Stages, open_channel


_ENHANCED = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)")
_MAX_SASL_ROUNDS = 5


class Reply(collections.namedtuple("Reply", "code lines")):
    """One SMTP reply: the numeric code and the text of each line."""

    @property
    def enhanced(self) -> Optional[str]:
        match = _ENHANCED.match(self.lines[0]) if self.lines else None
        return match.group(1) if match else None

    @property
    def text(self) -> str:
        """The reply text without the enhanced status code, lines joined."""
        enhanced = self.enhanced
        return " ".join(_ENHANCED.sub("", line, count=1) if enhanced else line for line in self.lines).strip()

    def __str__(self):
        last = len(self.lines) - 1
        return "\n".join("%d%s%s" % (self.code, " " if number == last else "-", line) for number, line in enumerate(self.lines))


def read_reply(channel: Channel) -> Reply:
    """Read one (possibly multi-line) reply."""
    lines = []
    while True:
        line = channel.readline().decode("utf-8", "replace")
        if len(line) < 3 or not line[:3].isdigit() or line[3:4] not in ("", " ", "-"):
            raise Failure("server_error", "%s sent something that is not an SMTP reply" % channel.peer, line)
        lines.append(line[4:])
        if line[3:4] != "-":
            return Reply(int(line[:3]), lines)


def _command(channel, line, report):
    channel.send_line(line)
    reply = read_reply(channel)
    report["server_response"] = str(reply)
    return reply


def _ehlo(channel, report, where):
    """EHLO with our address literal; the server's extensions as {KEYWORD: [params]}."""
    local = channel.sock.getsockname()[0]
    reply = _command(channel, "EHLO [%s%s]" % ("IPv6:" if ":" in local else "", local), report)
    if reply.code != 250:
        raise _diagnosis.smtp("capabilities", reply.code, reply.enhanced, reply.text, where)
    features = {}
    for line in reply.lines[1:]:
        words = re.split(r"[ =]", line.strip())
        features[words[0].upper()] = [word for word in words[1:] if word]
    return features


def _authenticate(channel, features, credential, settings, server, report, where):
    settings.refuse_plaintext(channel, server, where)
    if not features.get("AUTH"):
        before_tls = "STARTTLS" in features and channel.tls is None
        raise Failure("auth_unavailable", "%s offers no AUTH%s" % (where, " before TLS, though it offers STARTTLS" if before_tls else ""))
    mechanism = choose(features["AUTH"], credential)
    if mechanism is None:
        raise Failure("auth_mechanism_unavailable", "%s offers AUTH %s, none of them usable with %s" % (
            where, " ".join(features["AUTH"]), "an OAuth 2.0 token" if credential.kind == "token" else "a password"))
    exchange = Exchange(mechanism, credential)
    report["auth_mechanism"] = mechanism
    report["sent"] = exchange.sent
    initial = exchange.initial_response()
    reply = _command(channel, "AUTH %s%s" % (mechanism, " " + initial if initial is not None else ""), report)
    for _round in range(_MAX_SASL_ROUNDS):
        if reply.code != 334:
            break
        reply = _command(channel, exchange.respond(reply.lines[0].strip()), report)
    if reply.code != 235:
        raise _diagnosis.smtp("authenticate", reply.code, reply.enhanced, reply.text, where, token=exchange.token)


def test_message(sender: str, display_name: Optional[str], recipient: str, where: str) -> bytes:
    """The one message send_test_to asks for; its subject and body say what it is."""
    message = email.message.EmailMessage()
    message["From"] = email.utils.formataddr((display_name or "", sender))
    message["To"] = recipient
    message["Subject"] = "mailconfig test message from %s" % sender
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "This is a test message from mailconfig's mail_verify.\n\n"
        "It checks that the practice mailbox %s can send through %s.\n"
        "No action is needed; you can delete it.\n" % (sender, where))
    return message.as_bytes(policy=email.policy.SMTP)


def _send(channel, settings, server, report, where):
    """MAIL, RCPT, DATA for the test message; the server's queue answer."""
    steps = (("MAIL FROM:<%s>" % settings.sender, (250,)), ("RCPT TO:<%s>" % settings.send_test_to, (250, 251)),
             ("DATA", (354,)))
    for line, expected in steps:
        reply = _command(channel, line, report)
        if reply.code not in expected:
            raise _diagnosis.smtp("send", reply.code, reply.enhanced, reply.text, where)
    body = test_message(settings.sender, settings.display_name, settings.send_test_to, where)
    stuffed = re.sub(rb"(?m)^\.", b"..", body)
    channel.send(stuffed + (b"" if stuffed.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    reply = read_reply(channel)
    report["server_response"] = str(reply)
    if reply.code != 250:
        raise _diagnosis.smtp("send", reply.code, reply.enhanced, reply.text, where)
    return {"to": settings.send_test_to, "sent": True, "server_response": str(reply)}


def _quit(channel):
    """QUIT, best effort: the verdict is in by now, and some servers just close."""
    try:
        channel.send_line("QUIT")
        read_reply(channel)
    except (OSError, EOFError, Failure):
        pass


def probe(server: Mapping[str, Any], credential: Credential, settings: Settings, stages: Stages, report: Dict[str, Any]) -> None:
    """Run every stage against ``server`` (the declaration's outgoing block); raise on failure."""
    where = "%s:%d" % (server["host"], server["port"])
    channel = open_channel(server["host"], server["port"], server["security"] == "tls", settings.context, stages, report)
    try:
        with stages("greeting"):
            reply = read_reply(channel)
            report["server_response"] = str(reply)
            if reply.code != 220:
                raise _diagnosis.smtp("greeting", reply.code, reply.enhanced, reply.text, where)
        with stages("capabilities"):
            features = _ehlo(channel, report, where)
        if server["security"] == "starttls":
            with stages("starttls"):
                if "STARTTLS" not in features:
                    raise Failure("starttls_unavailable", "%s does not offer STARTTLS" % where)
                reply = _command(channel, "STARTTLS", report)
                if reply.code != 220:
                    raise _diagnosis.smtp("starttls", reply.code, reply.enhanced, reply.text, where)
                channel.start_tls(settings.context, server["host"])
                report["tls"] = channel.tls
            with stages("capabilities"):
                features = _ehlo(channel, report, where)
        report["auth_mechanisms"] = features.get("AUTH", [])
        if server["authenticate"]:
            with stages("authenticate"):
                _authenticate(channel, features, credential, settings, server, report, where)
        with stages("command"):
            reply = _command(channel, "NOOP", report)
            if reply.code != 250:
                raise _diagnosis.smtp("command", reply.code, reply.enhanced, reply.text, where)
        if settings.send_test_to and not settings.check_mode:
            with stages("send"):
                report["test_message"] = _send(channel, settings, server, report, where)
        with stages("logout"):
            _quit(channel)
    finally:
        channel.close()
