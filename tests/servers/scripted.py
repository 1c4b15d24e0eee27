"""Small scripted servers for what Dovecot cannot be made to do on demand.

They answer the way particular providers and broken set-ups answer, so the probes'
diagnoses are exercised end to end over real sockets and real TLS:

- ``smtp_no_starttls``: plain SMTP that never offers STARTTLS;
- ``smtp_exotic_auth``: STARTTLS, then only SASL mechanisms we (and swaks) do not speak;
- ``smtp_provider`` / ``imap_provider`` / ``pop3_provider``: implicit TLS; each login name
  in ``*_ANSWERS`` gets a provider's recorded answer (Gmail, Microsoft 365, Yahoo ...),
  any other login is accepted. ``smtp_provider`` uses a certificate that expires in 10 days;
- ``imap_preauth``: a plaintext IMAP server that greets with PREAUTH;
- ``smtp_expired`` / ``smtp_selfsigned``: ``smtp_provider`` behind an expired or a
  self-signed certificate (clients that skip verification log in fine);
- ``silent``: accepts connections and never says a word.

Run as ``python -m tests.servers.scripted CONFIG.json`` (see ``tests/servers/suite.py``).
"""

import asyncio
import base64
import functools
import json
import ssl
import sys

HOSTS = ["127.0.0.1", "::1"]

# Login name -> the provider's answer to AUTH (SMTP reply lines, without CRLF).
SMTP_ANSWERS = {
    "app-password@gmail.test": [
        "534-5.7.9 Application-specific password required. Learn more at",
        "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor",
    ],
    "wrong@gmail.test": [
        "535-5.7.8 Username and Password not accepted. Learn more at",
        "535 5.7.8  https://support.google.com/mail/?p=BadCredentials",
    ],
    "busy@gmail.test": ["454 4.7.0 Too many login attempts, please try again later."],
    "tenant@m365.test": [
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
        "Visit https://aka.ms/smtp_auth_disabled for more information."
    ],
    "basic@m365.test": ["550 5.7.30 Basic authentication is not supported for Client Submission."],
    "wrong@m365.test": ["535 5.7.3 Authentication unsuccessful"],
    "locked@yahoo.test": ["535 5.7.0 (#AUTH005) Too many bad auth attempts."],
    "expired-token@m365.test": ["535 5.7.3 Authentication unsuccessful"],
}

# The one password the LOGIN-only IMAP server accepts (non-ASCII: it must travel as a UTF-8 literal).
LOGIN_ONLY_PASSWORD = "Login-Only-P\u00e4ss-\u20ac7"

# Login name -> tagged answer to AUTHENTICATE, or to EXAMINE after a successful login.
IMAP_ANSWERS = {
    "app-password@gmail.test": ("authenticate", "NO [ALERT] Application-specific password required: "
                                "https://support.google.com/accounts/answer/185833 (Failure)"),
    "wrong@gmail.test": ("authenticate", "NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"),
    "wrong@m365.test": ("authenticate", "NO AUTHENTICATE failed."),
    "in-use@example.test": ("authenticate", "NO [INUSE] Mailbox is in use by another session."),
    "unavailable@example.test": ("authenticate", "NO [UNAVAILABLE] Temporary authentication failure."),
    "limit@example.test": ("authenticate", "NO [LIMIT] Too many simultaneous connections."),
    "not-connected@m365.test": ("examine", "BAD User is authenticated but not connected."),
    "expired-token@m365.test": ("authenticate", "NO AUTHENTICATE failed."),
}

# Login name -> answer to AUTH / USER+PASS.
POP3_ANSWERS = {
    "wrong@example.test": "-ERR [AUTH] Authentication failed.",
    "in-use@example.test": "-ERR [IN-USE] Unable to lock the maildrop.",
    "temporary@example.test": "-ERR [SYS/TEMP] Temporary server failure, try again later.",
    "delay@example.test": "-ERR [LOGIN-DELAY] Minimum time between mail checks not reached.",
}

# The JSON challenge a provider sends when it rejects an OAuth 2.0 token.
TOKEN_ERROR = base64.b64encode(b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}').decode()


def _login_name(mechanism, first, second=None):
    """The login name in a client's SASL message(s)."""
    decoded = base64.b64decode(first) if first else b""
    if mechanism == "PLAIN":
        return decoded.split(b"\0")[1].decode("utf-8", "replace")
    if mechanism == "LOGIN":
        return decoded.decode("utf-8", "replace")
    if mechanism == "XOAUTH2":
        return decoded.split(b"\x01")[0][len(b"user="):].decode("utf-8", "replace")
    if mechanism == "OAUTHBEARER":
        return decoded.split(b",")[1][len(b"a="):].decode("utf-8", "replace")
    return ""


class Conversation:
    """Line I/O on one client connection, with STARTTLS."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    async def line(self):
        data = await self.reader.readline()
        if not data:
            raise ConnectionError("client left")
        return data.rstrip(b"\r\n").decode("utf-8", "replace")

    async def send(self, *lines):
        self.writer.write(b"".join(line.encode("utf-8") + b"\r\n" for line in lines))
        await self.writer.drain()

    async def start_tls(self, context):
        await self.writer.start_tls(context)


async def _smtp(talk, spec):
    await talk.send("220 scripted.test ESMTP ready")
    secure = spec["tls"] == "implicit"
    while True:
        line = await talk.line()
        verb, _space, rest = line.partition(" ")
        verb = verb.upper()
        if verb in ("EHLO", "HELO"):
            features = ["PIPELINING", "8BITMIME"]
            if spec["tls"] == "starttls" and not secure:
                features.append("STARTTLS")
            auth = spec["auth_after_tls"] if secure else spec["auth_before_tls"]
            if auth:
                features.append("AUTH " + auth)
            lines = ["250-scripted.test"] + ["250-" + feature for feature in features[:-1]] + ["250 " + features[-1]]
            await talk.send(*lines)
        elif verb == "STARTTLS" and spec["tls"] == "starttls" and not secure:
            await talk.send("220 2.0.0 Ready to start TLS")
            await talk.start_tls(spec["context"])
            secure = True
        elif verb == "AUTH":
            await _smtp_auth(talk, rest.split(" "))
        elif verb in ("NOOP", "RSET", "MAIL", "RCPT"):
            await talk.send("250 2.0.0 OK")
        elif verb == "DATA":
            await talk.send("354 End data with <CR><LF>.<CR><LF>")
            while await talk.line() != ".":
                pass
            await talk.send("250 2.0.0 OK queued as SCRIPTED1")
        elif verb == "QUIT":
            await talk.send("221 2.0.0 Bye")
            return
        else:
            await talk.send("502 5.5.2 Command not recognised")


async def _smtp_auth(talk, words):
    mechanism = words[0].upper()
    if mechanism not in ("PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"):
        await talk.send("504 5.5.4 Unrecognized authentication type")
        return
    first = words[1] if len(words) > 1 else None
    if mechanism == "LOGIN":
        await talk.send("334 VXNlcm5hbWU6")
        first = await talk.line()
        await talk.send("334 UGFzc3dvcmQ6")
        await talk.line()
    elif first is None:
        await talk.send("334 ")
        first = await talk.line()
    name = _login_name(mechanism, first)
    if mechanism in ("XOAUTH2", "OAUTHBEARER") and name.startswith("expired-token"):
        await talk.send("334 " + TOKEN_ERROR)
        await talk.line()
    await talk.send(*SMTP_ANSWERS.get(name, ["235 2.7.0 Authentication successful"]))


async def _imap(talk, spec):
    if spec.get("preauth"):
        await talk.send("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] scripted.test logged in as a guest")
    else:
        await talk.send("* OK scripted.test IMAP4rev1 ready")
    user = None
    while True:
        tag, _space, rest = (await talk.line()).partition(" ")
        command, _space, args = rest.partition(" ")
        command = command.upper()
        if command == "CAPABILITY":
            offered = "IMAP4rev1" if spec.get("login_only") else "IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=XOAUTH2"
            await talk.send("* CAPABILITY " + offered, tag + " OK CAPABILITY completed")
        elif command == "LOGIN" and spec.get("login_only"):
            # LOGIN {n} / + / user {m} / + / password: synchronising literals, as RFC 3501 has them
            await talk.send("+ go ahead")
            user = (await talk.line()).rsplit(" {", 1)[0]
            await talk.send("+ go ahead")
            password = await talk.line()
            if password == LOGIN_ONLY_PASSWORD:
                await talk.send(tag + " OK LOGIN completed")
            else:
                await talk.send(tag + " NO [AUTHENTICATIONFAILED] Authentication failed.")
        elif command == "AUTHENTICATE":
            words = args.split(" ")
            first = words[1] if len(words) > 1 else None
            if first is None:
                await talk.send("+ ")
                first = await talk.line()
            user = _login_name(words[0].upper(), first)
            when, answer = IMAP_ANSWERS.get(user, (None, None))
            if when == "authenticate":
                if words[0].upper() in ("XOAUTH2", "OAUTHBEARER"):
                    await talk.send("+ " + TOKEN_ERROR)
                    await talk.line()
                await talk.send(tag + " " + answer)
            else:
                await talk.send(tag + " OK AUTHENTICATE completed")
        elif command == "EXAMINE":
            when, answer = IMAP_ANSWERS.get(user, (None, None))
            if when == "examine":
                await talk.send(tag + " " + answer)
            else:
                await talk.send("* 2 EXISTS", "* 0 RECENT", tag + " OK [READ-ONLY] EXAMINE completed")
        elif command == "LOGOUT":
            await talk.send("* BYE logging out", tag + " OK LOGOUT completed")
            return
        else:
            await talk.send(tag + " BAD unknown command")


async def _pop3(talk, spec):
    await talk.send("+OK scripted.test POP3 ready")
    user = None
    while True:
        verb, _space, rest = (await talk.line()).partition(" ")
        verb = verb.upper()
        if verb == "CAPA":
            await talk.send("+OK", "USER", "SASL PLAIN", ".")
        elif verb == "AUTH":
            words = rest.split(" ")
            first = words[1] if len(words) > 1 else None
            if first is None:
                await talk.send("+ ")
                first = await talk.line()
            user = _login_name(words[0].upper(), first)
            await talk.send(POP3_ANSWERS.get(user, "+OK logged in"))
        elif verb == "STAT":
            await talk.send("+OK 2 640")
        elif verb == "QUIT":
            await talk.send("+OK bye")
            return
        else:
            await talk.send("-ERR unknown command")


async def _silent(talk, spec):
    await asyncio.sleep(spec.get("hold", 300))


PROTOCOLS = {"smtp": _smtp, "imap": _imap, "pop3": _pop3, "silent": _silent}


def _context(cert):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert["cert"], cert["key"])
    return context


async def _handle(spec, reader, writer):
    try:
        await PROTOCOLS[spec["protocol"]](Conversation(reader, writer), spec)
    except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError, IndexError, ValueError):
        pass
    finally:
        writer.close()


async def _serve(config):
    servers = []
    for spec in config["listeners"]:
        spec = dict(spec)
        spec["context"] = _context(spec["cert"]) if spec.get("cert") else None
        implicit = spec["context"] if spec.get("tls") == "implicit" else None
        servers.append(await asyncio.start_server(functools.partial(_handle, spec), HOSTS, spec["port"], ssl=implicit,
                                                  ssl_handshake_timeout=30 if implicit else None))
    await asyncio.gather(*(server.serve_forever() for server in servers))


def main(path):
    with open(path, encoding="utf-8") as handle:
        asyncio.run(_serve(json.load(handle)))


if __name__ == "__main__":
    main(sys.argv[1])
