# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SASL for the probes: pick one mechanism, build its messages, answer the server's challenges.

One mechanism and one attempt per service, chosen by the kind of credential:
PLAIN (else LOGIN) for a password, XOAUTH2 (else OAUTHBEARER) for an OAuth 2.0 access
token. Trying mechanism after mechanism, as smtplib's login() does, doubles failed
logins and can lock the account. Every message is UTF-8, so non-ASCII passwords work.
"""

import base64
import binascii
import collections
import json
from typing import Iterable, Optional

Credential = collections.namedtuple("Credential", "kind username secret")
"""``kind`` is "password" or "token"; ``secret`` the password or the access token."""

PREFERENCE = {"password": ("PLAIN", "LOGIN"), "token": ("XOAUTH2", "OAUTHBEARER")}


def choose(offered: Iterable[str], credential: Credential) -> Optional[str]:
    """The mechanism to use from ``offered`` (names as the server lists them), or None."""
    offered = {name.upper() for name in offered}
    for mechanism in PREFERENCE[credential.kind]:
        if mechanism in offered:
            return mechanism
    return None


def _saslname(name):
    """RFC 5801 escaping of the authorisation identity in a GS2 header."""
    return name.replace("=", "=3D").replace(",", "=2C")


def _messages(mechanism, credential):
    user, secret = credential.username.encode("utf-8"), credential.secret.encode("utf-8")
    if mechanism == "PLAIN":
        return [b"\0" + user + b"\0" + secret]
    if mechanism == "LOGIN":
        return [user, secret]
    if mechanism == "XOAUTH2":
        return [b"user=" + user + b"\x01auth=Bearer " + secret + b"\x01\x01"]
    if mechanism == "OAUTHBEARER":
        return [b"n,a=" + _saslname(credential.username).encode("utf-8") + b",\x01auth=Bearer " + secret + b"\x01\x01"]
    raise ValueError("unsupported SASL mechanism %s" % mechanism)


class Exchange:
    """The client side of one SASL authentication; messages go out base64-encoded."""

    def __init__(self, mechanism, credential):
        self.mechanism = mechanism
        self.token = credential.kind == "token"
        self.error = None
        self.sent = []
        self._pending = _messages(mechanism, credential)

    def _next(self):
        encoded = base64.b64encode(self._pending.pop(0)).decode("ascii")
        self.sent.append(encoded)
        return encoded

    def initial_response(self, limit: Optional[int] = None) -> Optional[str]:
        """The first message, to carry in the AUTH command; None for LOGIN or beyond ``limit`` characters."""
        if self.mechanism == "LOGIN" or limit is not None and 4 * ((len(self._pending[0]) + 2) // 3) > limit:
            return None
        return self._next()

    def respond(self, challenge: str) -> str:
        """The answer to a base64 ``challenge``.

        Once our messages are spent, a further challenge is the server's error report
        (XOAUTH2/OAUTHBEARER send a JSON status): keep it, and answer with the dummy
        response the mechanism defines so the server finishes with its failure reply.
        """
        if self._pending:
            return self._next()
        try:
            self.error = json.loads(base64.b64decode(challenge).decode("utf-8"))
        except (binascii.Error, ValueError):
            self.error = None
        return "AQ==" if self.mechanism == "OAUTHBEARER" else ""
