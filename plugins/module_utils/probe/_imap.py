# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check an IMAP server: greeting, CAPABILITY, STARTTLS, one AUTHENTICATE, EXAMINE INBOX, LOGOUT.

Our own small client rather than imaplib: imaplib's login() sends the password as
an ASCII quoted string, and its authenticate() hides the raw challenge we need to
answer a failed XOAUTH2 exchange. A PREAUTH greeting on a connection that should
be upgraded is refused (it rules out STARTTLS). EXAMINE opens INBOX read-only:
Microsoft 365 can accept a login and then fail every command, so a login alone
proves too little.
"""

import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _diagnosis
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._connection import Settings
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._sasl import Credential, Exchange, choose
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import MAX_LITERAL, Channel, Stages, open_channel, sign_off


_LITERAL = re.compile(rb"\{(\d+)\+?\}$")
_LITERAL_DIGITS = 9  # a longer size is beyond any literal we read (and int() of a huge one is slow)
_CAPABILITY = re.compile(r"\[CAPABILITY ([^\]]*)\]", re.I)
_MAX_SASL_ROUNDS = 5


class Session:
    """Tagged commands over a channel, with literals and continuations handled."""

    def __init__(self, channel: Channel, report: Dict[str, Any]) -> None:
        self.channel = channel
        self.report = report
        self._counter = 0

    def read_line(self) -> str:
        line = self.channel.readline()
        match = _LITERAL.search(line)
        while match:
            digits = match.group(1)
            size = int(digits) if len(digits) <= _LITERAL_DIGITS else MAX_LITERAL + 1
            line += b"\r\n" + self.channel.read_exactly(size) + self.channel.readline()
            match = _LITERAL.search(line)
        return line.decode("utf-8", "replace")

    def command(self, text: str,
                continue_with: Optional[Callable[[str], Optional[Union[str, bytes]]]] = None) -> Tuple[str, str, List[str]]:
        """Send ``text``; return (status, rest, untagged lines). ``continue_with`` answers "+" lines."""
        self._counter += 1
        tag = "mc%d" % self._counter
        self.channel.send_line("%s %s" % (tag, text))
        untagged, rounds = [], 0
        while True:
            line = self.read_line()
            if line.startswith(tag + " "):
                status, _space, rest = line[len(tag) + 1:].partition(" ")
                self.report["server_response"] = line[len(tag) + 1:]
                return status.upper(), rest, untagged
            if line.startswith("+"):
                rounds += 1
                if continue_with is None or rounds > _MAX_SASL_ROUNDS:
                    raise Failure("server_error", "%s asked for more input than the command has" % self.channel.peer, line)
                answer = continue_with(line[1:].strip())
                if answer is None:
                    raise Failure("server_error", "%s asked for more input than the command has" % self.channel.peer, line)
                self.channel.send_line(answer)
                continue
            untagged.append(line)


def _capabilities(text):
    return [word.upper() for word in text.split()]


def _capability_command(session, where):
    status, rest, untagged = session.command("CAPABILITY")
    if status != "OK":
        raise _diagnosis.imap("capabilities", status, rest, where)
    for line in untagged:
        if line.upper().startswith("* CAPABILITY "):
            return _capabilities(line[len("* CAPABILITY "):])
    match = _CAPABILITY.search(rest)
    return _capabilities(match.group(1)) if match else []


def _greeting(session, server, where):
    """Read the greeting; the capabilities it carries, or None."""
    line = session.read_line()
    session.report["server_response"] = line
    upper = line.upper()
    if upper.startswith("* PREAUTH"):
        if server["security"] == "starttls":
            raise Failure("starttls_unavailable", "%s greeted with PREAUTH: the connection is logged in before it "
                          "could be upgraded with STARTTLS" % where, line)
        raise Failure("auth_unavailable", "%s greeted with PREAUTH, so the credentials cannot be tested" % where, line)
    if upper.startswith("* BYE"):
        raise _diagnosis.imap("greeting", "BYE", line[5:].strip(), where)
    if not upper.startswith("* OK"):
        raise Failure("server_error", "%s sent something that is not an IMAP greeting" % where, line)
    match = _CAPABILITY.search(line)
    return _capabilities(match.group(1)) if match else None


def _authenticate(session, capabilities, credential, settings, server, report, where):
    settings.refuse_plaintext(session.channel, server, where)
    mechanisms = [word[len("AUTH="):] for word in capabilities if word.startswith("AUTH=")]
    if not mechanisms and "LOGINDISABLED" not in capabilities and credential.kind == "password":
        return _login_command(session, credential, report, where)
    if "LOGINDISABLED" in capabilities or not mechanisms:
        before_tls = "STARTTLS" in capabilities and session.channel.tls is None
        raise Failure("auth_unavailable", "%s does not allow logging in%s" % (where, " before TLS, though it offers STARTTLS" if before_tls else ""))
    mechanism = choose(mechanisms, credential)
    if mechanism is None:
        raise Failure("auth_mechanism_unavailable", "%s offers %s, none of them usable with %s" % (
            where, " ".join("AUTH=" + name for name in mechanisms), "an OAuth 2.0 token" if credential.kind == "token" else "a password"))
    exchange = Exchange(mechanism, credential)
    report["auth_mechanism"] = mechanism
    report["sent"] = exchange.sent
    initial = exchange.initial_response() if "SASL-IR" in capabilities else None
    command = "AUTHENTICATE %s%s" % (mechanism, " " + initial if initial is not None else "")
    status, rest, _untagged = session.command(command, continue_with=exchange.respond)
    if status != "OK":
        raise _diagnosis.imap("authenticate", status, rest, where, token=exchange.token)


def _login_command(session, credential, report, where):
    """IMAP's own LOGIN, for a server that offers no SASL mechanism (RFC 3501 allows it unless
    LOGINDISABLED). Both strings go as synchronising literals, so any UTF-8 password works."""
    user, secret = credential.username.encode("utf-8"), credential.secret.encode("utf-8")
    parts = iter([user + b" {%d}" % len(secret), secret])
    report["auth_mechanism"] = "LOGIN command"
    status, rest, _untagged = session.command("LOGIN {%d}" % len(user), continue_with=lambda _prompt: next(parts, None))
    if status != "OK":
        raise _diagnosis.imap("authenticate", status, rest, where)


def _examine(session, report, where):
    status, rest, untagged = session.command("EXAMINE INBOX")
    if status != "OK":
        raise _diagnosis.imap("command", status, rest, where)
    for line in untagged:
        match = re.match(r"\* (\d+) EXISTS", line, re.I)
        if match:
            report["messages"] = int(match.group(1))


def probe(server: Mapping[str, Any], credential: Credential, settings: Settings, stages: Stages, report: Dict[str, Any]) -> None:
    """Run every stage against ``server`` (the declaration's incoming block); raise on failure."""
    where = "%s:%d" % (server["host"], server["port"])
    channel = open_channel(server["host"], server["port"], server["security"] == "tls", settings.context, stages, report)
    session = Session(channel, report)
    try:
        with stages("greeting"):
            capabilities = _greeting(session, server, where)
        if capabilities is None:
            with stages("capabilities"):
                capabilities = _capability_command(session, where)
        if server["security"] == "starttls":
            with stages("starttls"):
                if "STARTTLS" not in capabilities:
                    raise Failure("starttls_unavailable", "%s does not offer STARTTLS" % where)
                status, rest, _untagged = session.command("STARTTLS")
                if status != "OK":
                    raise _diagnosis.imap("starttls", status, rest, where)
                channel.start_tls(settings.context, server["host"])
                report["tls"] = channel.tls
            with stages("capabilities"):
                capabilities = _capability_command(session, where)
        report["auth_mechanisms"] = [word[len("AUTH="):] for word in capabilities if word.startswith("AUTH=")]
        with stages("authenticate"):
            _authenticate(session, capabilities, credential, settings, server, report, where)
        with stages("command"):
            _examine(session, report, where)
        with stages("logout"):
            sign_off(session, "LOGOUT")
    finally:
        channel.close()
