# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A pg8000 connection that gives nothing away to a server that has not proved who it is.

pg8000 (pure Python, so no compiler or libpq where the module runs) answers whatever a
server asks: a clear-text password request gets the password, an MD5 request a hash that
can be replayed, and ``trust`` lets the statements that follow (they carry the mail
account's password) go to whoever answered. libpq's ``require_auth`` would refuse them but
came only with PostgreSQL 16. So, unless TLS is verified (CA and host name), this connection
refuses clear-text and MD5 requests before sending anything and, over TCP, refuses a login
the server did not earn with a completed SCRAM exchange (scramp checks the server's
signature). Over the local socket peer authentication sends no secret and is accepted.
"""

import socket
import ssl
import struct
from typing import Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._read_budget import file_attribute, set_budget

try:
    from pg8000.exceptions import Error, InterfaceError
    from pg8000.native import Connection
    from scramp import ScramException
except ImportError:  # the store says where to install pg8000 (_postgresql._driver)
    Connection, Error, InterfaceError, ScramException = object, Exception, Exception, Exception

_OK, _CLEAR_TEXT, _MD5, _SASL, _SASL_FINAL = 0, 3, 5, 10, 12


class AuthenticationRefused(InterfaceError):
    """The server asked for something we do not do without verified TLS; no secret was sent."""


def verified(context: object) -> bool:
    """Whether ``context`` checks the server's certificate and host name."""
    return isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


class StrictConnection(Connection):
    """pg8000's connection refusing clear-text and MD5 passwords and an unearned TCP login, unless TLS is verified,
    and reading no more from the server, nor for longer, than a store run needs (``read_seconds`` in all)."""

    def __init__(self, *args, read_seconds: Optional[float] = None, **kwargs) -> None:
        set_budget(self, read_seconds)
        # Decided from what we pass in, before the first byte is sent.
        self._verified_tls = verified(kwargs.get("ssl_context"))
        self._local = kwargs.get("unix_sock") is not None
        self._scram_verified = False
        super().__init__(*args, **kwargs)

    _sock = file_attribute("pg8000's buffered socket file, its reads bounded: pg8000 reads what a length says",
                           "_usock")

    # pylint: disable-next=invalid-name  # pg8000's name
    def handle_AUTHENTICATION_REQUEST(self, data: bytes, context: object) -> None:
        code = struct.unpack("!i", data[:4])[0]
        if code in (_CLEAR_TEXT, _MD5) and not self._verified_tls:
            raise AuthenticationRefused(
                "the server asked for the password %s over a connection without verified TLS; refused, nothing was "
                "sent "
                "(use scram-sha-256 in pg_hba.conf, or TLS with store.tls_verify and store.ca_path)"
                % ("in clear text" if code == _CLEAR_TEXT else "as an MD5 hash")
            )
        if code == _OK and not (self._local or self._verified_tls or self._scram_verified):
            raise AuthenticationRefused(
                "the server let us in without proving who it is (trust, or no completed SCRAM exchange) over a "
                "connection "
                "without verified TLS; refused before any statement was sent (use scram-sha-256, or verified TLS)"
            )
        super().handle_AUTHENTICATION_REQUEST(data, context)
        if code == _SASL_FINAL:
            self._scram_verified = True  # scramp checked the server's signature, or raised


def tcp_socket(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection for pg8000 with Nagle's algorithm off, as PyMySQL and libpq do.

    pg8000 leaves it on, and over TLS its small writes then wait for the server's delayed
    acknowledgement: tens of milliseconds per connection.
    """
    sock = socket.create_connection((host, port), timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)  # what pg8000 sets on the sockets it makes
    return sock


def driver_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from the driver, the SCRAM exchange or the network (TLS errors are OSErrors)."""
    return isinstance(exc, (Error, ScramException, OSError))


def quoted(identifier: str) -> str:
    """A quoted SQL identifier for PostgreSQL (``"user"`` is a reserved word there)."""
    return '"%s"' % str(identifier).replace('"', '""')


def placeholder(name: str) -> str:
    """pg8000.native's named placeholder for the parameter ``name``."""
    return ":%s" % name
