# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a POP3 server: greeting, CAPA, STLS, one login, STAT, QUIT; never RETR or DELE.

STAT proves the maildrop opens and counts its messages without reading or
marking any, and QUIT without DELE leaves every message where it was. Login is
SASL (PLAIN, else LOGIN; XOAUTH2/OAUTHBEARER for tokens) when the server lists
mechanisms, else the classic USER/PASS for a password, still one attempt.
"""

from typing import Any, Dict, List, Mapping, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _diagnosis
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._connection import Settings
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._sasl import Credential, Exchange, choose
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import Channel, Stages, open_channel, sign_off


# RFC 5034: an AUTH command with its initial response must fit in 255 octets.
_MAX_COMMAND = 255
_MAX_SASL_ROUNDS = 5


class Session:
    """POP3 commands and their +OK / -ERR / "+ challenge" answers."""

    def __init__(self, channel: Channel, report: Dict[str, Any]) -> None:
        self.channel = channel
        self.report = report

    def answer(self) -> Tuple[str, str]:
        """(kind, text): kind is "+OK", "-ERR" or "+" (a SASL challenge)."""
        line = self.channel.readline().decode("utf-8", "replace")
        self.report["server_response"] = line
        for kind in ("+OK", "-ERR", "+"):
            if line == kind or line.startswith(kind + " "):
                return kind, line[len(kind) + 1:]
        raise Failure("server_error", "%s sent something that is not a POP3 answer" % self.channel.peer, line)

    def command(self, text: str) -> Tuple[str, str]:
        self.channel.send_line(text)
        return self.answer()

    def lines(self) -> List[str]:
        """The rest of a multi-line answer, dot-unstuffed."""
        result = []
        while True:
            line = self.channel.readline().decode("utf-8", "replace")
            if line == ".":
                return result
            result.append(line[1:] if line.startswith("..") else line)


def _capa(session):
    """The CAPA list upper-cased, or None when the server does not know CAPA."""
    kind, _text = session.command("CAPA")
    if kind != "+OK":
        return None
    return [line.upper() for line in session.lines()]


def _sasl_mechanisms(capabilities):
    for line in capabilities or ():
        if line.startswith("SASL "):
            return line.split()[1:]
    return []


def _sasl(session, mechanism, credential, report, where):
    exchange = Exchange(mechanism, credential)
    report["auth_mechanism"] = mechanism
    report["sent"] = exchange.sent
    initial = exchange.initial_response(limit=_MAX_COMMAND - len("AUTH %s \r\n" % mechanism))
    kind, text = session.command("AUTH %s%s" % (mechanism, " " + initial if initial is not None else ""))
    for _round in range(_MAX_SASL_ROUNDS):
        if kind != "+":
            break
        kind, text = session.command(exchange.respond(text.strip()))
    if kind != "+OK":
        raise _diagnosis.pop3("authenticate", text, where, token=exchange.token)


def _user_pass(session, credential, report, where):
    report["auth_mechanism"] = "USER"
    for line in ("USER " + credential.username, "PASS " + credential.secret):
        kind, text = session.command(line)
        if kind != "+OK":
            raise _diagnosis.pop3("authenticate", text, where)


def _authenticate(session, capabilities, credential, settings, server, report, where):
    settings.refuse_plaintext(session.channel, server, where)
    mechanisms = _sasl_mechanisms(capabilities)
    mechanism = choose(mechanisms, credential)
    if mechanism:
        return _sasl(session, mechanism, credential, report, where)
    user_pass = capabilities is None or "USER" in capabilities
    if credential.kind == "password" and user_pass:
        return _user_pass(session, credential, report, where)
    if not mechanisms and not user_pass:
        before_tls = "STLS" in (capabilities or ()) and session.channel.tls is None
        raise Failure("auth_unavailable", "%s offers no login%s" % (where, " before TLS, though it offers STLS" if before_tls else ""))
    raise Failure("auth_mechanism_unavailable", "%s offers %s, none of them usable with %s" % (
        where, " ".join(mechanisms + (["USER"] if user_pass else [])) or "nothing",
        "an OAuth 2.0 token" if credential.kind == "token" else "a password"))


def _stat(session, report, where):
    kind, text = session.command("STAT")
    if kind != "+OK":
        raise _diagnosis.pop3("command", text, where)
    count = text.split()[:1]
    if count and count[0].isdigit():
        report["messages"] = int(count[0])


def probe(server: Mapping[str, Any], credential: Credential, settings: Settings, stages: Stages, report: Dict[str, Any]) -> None:
    """Run every stage against ``server`` (the declaration's incoming block); raise on failure."""
    where = "%s:%d" % (server["host"], server["port"])
    channel = open_channel(server["host"], server["port"], server["security"] == "tls", settings.context, stages, report)
    session = Session(channel, report)
    try:
        with stages("greeting"):
            kind, text = session.answer()
            if kind != "+OK":
                raise _diagnosis.pop3("greeting", text, where)
        with stages("capabilities"):
            capabilities = _capa(session)
        if server["security"] == "starttls":
            with stages("starttls"):
                if "STLS" not in (capabilities or ()):
                    raise Failure("starttls_unavailable", "%s does not offer STLS" % where)
                kind, text = session.command("STLS")
                if kind != "+OK":
                    raise _diagnosis.pop3("starttls", text, where)
                channel.start_tls(settings.context, server["host"])
                report["tls"] = channel.tls
            with stages("capabilities"):
                capabilities = _capa(session)
        report["auth_mechanisms"] = _sasl_mechanisms(capabilities) + (["USER"] if "USER" in (capabilities or ()) else [])
        with stages("authenticate"):
            _authenticate(session, capabilities, credential, settings, server, report, where)
        with stages("command"):
            _stat(session, report, where)
        with stages("logout"):
            sign_off(session, "QUIT")  # without DELE: the maildrop is left exactly as it was
    finally:
        channel.close()
