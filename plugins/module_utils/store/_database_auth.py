# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""May a database password go to the server in this authentication method over this channel?

The server picks the method, and an impostor on the database's address picks one that
hands it the password: MySQL's ``mysql_clear_password`` and ``dialog``, the full
authentication of ``sha256_password`` and ``caching_sha2_password`` (the password in
clear over TLS, or encrypted with a public key the server itself supplies),
PostgreSQL's ``password``. Drivers follow such a switch. Only a verified certificate
tells the real server from an impostor, so without one only challenge-response
methods are allowed: the server learns that we know the password, not the password.
Any database store's driver asks ``refuse_unless_safe`` before answering the server.
"""

from typing import Iterable, Optional, Tuple

VERIFIED, UNVERIFIED_TLS, NO_TLS, LOCAL = "verified TLS", "unverified TLS", "no TLS", "local socket"
# The server's answer proves only that we know the password (offline guessing stays possible: use a long one).
CHALLENGE_RESPONSE = frozenset(
    ("mysql_native_password", "client_ed25519", "caching_sha2_password", "scram-sha-256", "md5")
)
# What the methods we refuse would give away; any other method not in CHALLENGE_RESPONSE is refused as well.
GIVES_AWAY = {
    "mysql_clear_password": "in clear text",
    "dialog": "in clear text, typed into the server's prompt",
    "mysql_old_password": "hashed with MySQL's broken pre-4.1 scheme",
    "sha256_password": "in clear text over TLS, or encrypted with a public key the server itself supplies",
    "caching_sha2_password full authentication": "in clear text over TLS, or encrypted with a public key the "
                                                 "server itself supplies",
    "password": "in clear text",
}
_CHANNELS = {
    UNVERIFIED_TLS: "TLS whose certificate was not verified (store.tls_verify false)",
    NO_TLS: "a connection without TLS (store.tls false)",
    LOCAL: "the server's local socket (store.unix_socket)",
}


class PasswordRefused(Exception):
    """The server asked for the password in a way that would give it away over an unverified channel."""


def channel(tls: bool, tls_verify: bool) -> str:
    """The channel the store's options give: VERIFIED, UNVERIFIED_TLS or NO_TLS."""
    if not tls:
        return NO_TLS
    return VERIFIED if tls_verify else UNVERIFIED_TLS


def unsendable(values: Iterable[Tuple[str, str]]) -> Optional[str]:
    """Why one of the login ``(name, value)`` pairs (user, database, password) cannot go to the server as it is, or
    None: both protocols end a value at a NUL character (the rest would be read as the next field), and send UTF-8."""
    for name, value in values:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "the %s is not valid Unicode text" % name
        if "\0" in value:
            return "the %s contains a NUL character, which the database's protocol cannot carry" % name
    return None


def refuse_unless_safe(method: str, over: str, where: str) -> None:
    """Raise PasswordRefused unless the password may go ``method`` over channel ``over`` to the server at ``where``."""
    if over == VERIFIED or method in CHALLENGE_RESPONSE:
        return
    how = "%s (%s)" % (GIVES_AWAY[method], method) if method in GIVES_AWAY else \
        "in an authentication method that is not challenge-response"  # a name the server made up is not quoted
    fix = ("give the database user a challenge-response method (mysql_native_password, or caching_sha2_password on "
           "MySQL 8, whose fast path needs the password in the server's cache; scram-sha-256 for PostgreSQL)")
    if over != LOCAL:
        fix = ("set store.tls_verify true with store.ca_path naming the CA that signed the database server's "
               "certificate (docs/security.md), or " + fix)
    raise PasswordRefused(
        "the server at %s asked for the password %s over %s; refused, nothing was sent: an impostor at that address "
        "would have received it. %s" % (where, how, _CHANNELS[over], fix[0].upper() + fix[1:]))
