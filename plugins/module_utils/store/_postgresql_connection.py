# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A PostgreSQL connection of our own, standard library only, that gives nothing away to an unproven server.

Protocol 3.0 (https://www.postgresql.org/docs/15/protocol-flow.html), only what a store run
uses: TLS by SSLRequest, the startup message, authentication, and each statement by the
extended query protocol, its parameters sent as text for the server to type from the
statement, its rows read as text (booleans and integers decoded, the rest left text). A
driver would cost the module tens of milliseconds of imports per practice and a Python
3.11 on the application's host (pg8000's scramp); this needs neither.

Unless TLS is verified (CA and host name) it refuses clear-text and MD5 password requests
before sending anything and, over TCP, a login the server did not earn with a completed
SCRAM exchange (``_scram`` checks the server's signature and, over TLS that is not
verified, requires the exchange bound to the certificate): libpq's ``require_auth`` would
do this, but came only with PostgreSQL 16. Over the local socket peer authentication sends
no secret and is accepted. Every read goes through ``_read_budget``: bounded in bytes and in
time; a message that is not what it says ends the exchange (``InterfaceError``), and the
connection is not used again.
"""

import hashlib
import re
import socket
import ssl
import struct
from typing import Any, Dict, List, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_auth import unsendable
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_tls import verified
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._read_budget import BoundedReads, Budget
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._scram import Exchange, ScramFailed

_PROTOCOL, _SSL_REQUEST = 196608, 80877103
_OK, _CLEAR_TEXT, _MD5, _SASL, _SASL_CONTINUE, _SASL_FINAL = 0, 3, 5, 10, 11, 12
_BOOLEAN, _INTEGERS = 16, frozenset((20, 21, 23, 26))  # type OIDs: bool; int8, int2, int4, oid
_INTEGER = re.compile(rb"-?[0-9]{1,20}")  # a 64-bit integer's text, checked before int() reads it
# A named parameter (:name) outside quoted text and identifiers, and not a cast (::type).
_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|::|:([A-Za-z_][A-Za-z0-9_]*)""")


class Error(Exception):
    """Anything this connection reports: the server's error, a refusal, a broken exchange."""


class DatabaseError(Error):
    """The server's ErrorResponse; ``args[0]`` is its fields by code (``C`` the SQLSTATE, ``M`` the message)."""


class InterfaceError(Error):
    """The exchange with the server cannot go on."""


class AuthenticationRefused(InterfaceError):
    """The server asked for something we do not do without verified TLS; no secret was sent."""


def driver_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from the connection or the network (TLS errors are OSErrors)."""
    return isinstance(exc, (Error, OSError))


def quoted(identifier: str) -> str:
    """A quoted SQL identifier for PostgreSQL (``"user"`` is a reserved word there)."""
    return '"%s"' % str(identifier).replace('"', '""')


def placeholder(name: str) -> str:
    """The named placeholder ``run`` takes for the parameter ``name``."""
    return ":%s" % name


def _text(value: Any) -> Optional[bytes]:
    """A parameter as PostgreSQL's text input reads it; None for NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, (int, float)):
        return repr(value).encode("ascii")
    if isinstance(value, (list, tuple)):  # an array literal of text
        return ("{%s}" % ",".join(
            "NULL" if item is None else '"%s"' % str(item).replace("\\", "\\\\").replace('"', '\\"') for item in value
        )).encode("utf-8")
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError("a statement parameter of type %s" % type(value).__name__)


def _message(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def _fields(data: bytes) -> Dict[str, str]:
    """An ErrorResponse's or NoticeResponse's fields by their one-letter code."""
    return dict((part[:1].decode("ascii", "replace"), part[1:].decode("utf-8", "replace"))
                for part in data.split(b"\0") if part)


def _types(data: bytes) -> List[int]:
    """A RowDescription's column type OIDs."""
    count, at, types = struct.unpack("!h", data[:2])[0], 2, []
    for _column in range(count):
        at = data.index(b"\0", at) + 1  # after the column's name: table OID, column number, then the type OID
        types.append(struct.unpack("!i", data[at + 6:at + 10])[0])
        at += 18
    return types


def _row(data: bytes, types: List[int]) -> list:
    """A DataRow's values, decoded by the types the RowDescription gave."""
    count, at, row = struct.unpack("!h", data[:2])[0], 2, []
    if count != len(types):
        raise InterfaceError("the server sent a row that does not match its description")
    for oid in types:
        length = struct.unpack("!i", data[at:at + 4])[0]
        value, at = data[at + 4:at + 4 + max(length, 0)], at + 4 + max(length, 0)
        if at > len(data) or length < -1:
            raise ValueError("a value longer than its row, or a length no value has")
        if length == -1:
            row.append(None)
        elif oid == _BOOLEAN:
            row.append(value == b"t" if value in (b"t", b"f") else _malformed())
        elif oid in _INTEGERS:
            row.append(int(value) if _INTEGER.fullmatch(value) else _malformed())
        else:
            try:
                row.append(value.decode("utf-8"))
            except UnicodeDecodeError:
                raise InterfaceError("the server sent text that is not UTF-8") from None
    if at != len(data):
        raise ValueError("bytes after the row's values")
    return row


def _malformed():
    raise ValueError("not a value of its column's type")


class Connection:
    """One connection: ``run(statement, **parameters)`` returns the rows as lists; ``close()``."""

    def __init__(self, sock: socket.socket, user: str, database: str, password: Optional[str] = None,
                 ssl_context: Optional[ssl.SSLContext] = None, host: Optional[str] = None,
                 startup: Optional[Dict[str, str]] = None, read_seconds: Optional[float] = None) -> None:
        """Take ``sock`` (closed on failure), make it TLS with ``ssl_context`` (for ``host``), log in as ``user``."""
        self.socket, self._file, self._broken = sock, None, False
        parameters = dict(user=user, database=database, client_encoding="UTF8", **(startup or {}))
        try:
            problem = unsendable([(name, str(value)) for name, value in parameters.items()] + [
                ("password", password or "")])
            if problem:  # before anything is sent
                raise InterfaceError(problem)
            local = sock.family == getattr(socket, "AF_UNIX", None)
            certificate = None
            if ssl_context is not None:
                sock.sendall(struct.pack("!ii", 8, _SSL_REQUEST))
                if sock.recv(1) != b"S":
                    raise InterfaceError("the server refuses SSL (TLS)")
                self.socket = sock = ssl_context.wrap_socket(sock, server_hostname=host)
                certificate = sock.getpeercert(binary_form=True)
            self._file = BoundedReads(sock.makefile("rb"), sock, Budget(read_seconds))
            body = struct.pack("!i", _PROTOCOL) + b"".join(
                b"%s\0%s\0" % (name.encode("utf-8"), str(value).encode("utf-8")) for name, value in parameters.items()
            ) + b"\0"
            sock.sendall(struct.pack("!i", len(body) + 4) + body)
            self._log_in(user, password, local, verified(ssl_context), certificate)
        except BaseException:
            self._close_socket()
            raise

    def _receive(self):
        """The next message: its kind and body (the read budget refuses a length beyond any answer)."""
        header = self._exactly(5)
        kind, length = header[:1], struct.unpack("!i", header[1:])[0]
        return kind, self._exactly(length - 4)

    def _exactly(self, size: int) -> bytes:
        data = self._file.read(size)
        if len(data) < size:
            raise InterfaceError("the server closed the connection")
        return data

    def _log_in(self, user: str, password: Optional[str], local: bool, tls_verified: bool,
                certificate: Optional[bytes]) -> None:
        """Authenticate, then read the server's settings up to ReadyForQuery; a login the server did not earn
        (unless TLS is verified or the socket is local) is refused before ReadyForQuery can be taken for one."""
        scram, authenticated = None, False
        while True:
            kind, data = self._receive()
            if kind == b"E":
                raise DatabaseError(_fields(data))
            if kind in (b"N", b"v"):  # a notice; NegotiateProtocolVersion (3.0 is what every server speaks)
                continue
            if authenticated and kind in (b"S", b"K"):  # ParameterStatus, BackendKeyData
                continue
            if authenticated and kind == b"Z":
                return
            if kind != b"R" or authenticated or len(data) < 4:
                raise AuthenticationRefused(
                    "the server sent %s while logging us in; refused before any statement was sent"
                    % ("a malformed authentication request" if kind == b"R" and not authenticated else
                       "message %r out of turn" % kind.decode("ascii", "replace")))
            code = struct.unpack("!i", data[:4])[0]
            if code in (_CLEAR_TEXT, _MD5) and not tls_verified:
                raise AuthenticationRefused(
                    "the server asked for the password %s over a connection without verified TLS; refused, nothing "
                    "was sent (use scram-sha-256 in pg_hba.conf, or TLS with store.tls_verify and store.ca_path)"
                    % ("in clear text" if code == _CLEAR_TEXT else "as an MD5 hash"))
            if code == _OK:
                if not (local or tls_verified or (scram is not None and scram.verified)):
                    raise AuthenticationRefused(
                        "the server let us in without proving who it is (trust, or no completed SCRAM exchange) over "
                        "a connection without verified TLS; refused before any statement was sent (use scram-sha-256, "
                        "or verified TLS)")
                authenticated = True
                continue
            if password is None:
                raise InterfaceError("the server asks for a password for user %s and store.password is not set" % user)
            try:
                scram = self._answer(code, data[4:], user, password, scram, tls_verified, certificate)
            except ScramFailed as exc:
                raise AuthenticationRefused("%s; refused" % exc) from None

    def _answer(self, code: int, data: bytes, user: str, password: str, scram: Optional[Exchange],
                tls_verified: bool, certificate: Optional[bytes]) -> Optional[Exchange]:
        """Answer authentication request ``code``; the SCRAM exchange under way, if any."""
        if code == _CLEAR_TEXT:
            self.socket.sendall(_message(b"p", password.encode("utf-8") + b"\0"))
        elif code == _MD5:
            inner = hashlib.md5((password + user).encode("utf-8")).hexdigest().encode("ascii")
            self.socket.sendall(_message(b"p", b"md5" + hashlib.md5(inner + data[:4]).hexdigest().encode() + b"\0"))
        elif code == _SASL and scram is None:
            mechanisms = [name.decode("ascii", "replace") for name in data.split(b"\0") if name]
            scram = Exchange(user, password, mechanisms, certificate, tls_verified)
            self.socket.sendall(_message(b"p", scram.first()))
        elif code == _SASL_CONTINUE and scram is not None:
            self.socket.sendall(_message(b"p", scram.final(data)))
        elif code == _SASL_FINAL and scram is not None:
            scram.check(data)
        elif code in (_SASL, _SASL_CONTINUE, _SASL_FINAL):
            raise ScramFailed("the server's SCRAM messages are out of order")
        else:
            raise InterfaceError("the server asks for authentication method %d, which this store does not use "
                                 "(use scram-sha-256 in pg_hba.conf)" % code)
        return scram

    def run(self, statement: str, **parameters: Any) -> List[list]:
        """Run ``statement`` with its ``:name`` parameters; its rows (empty for a statement without rows).

        ``:name`` is found outside '...' literals and "..." identifiers, never in a ``::`` cast; the statements
        are the store's own, which use no other quoting (no E'...', dollar quotes or comments).
        """
        if self._broken:
            raise InterfaceError("the connection was broken by an earlier answer; not used again")
        names: List[str] = []

        def numbered(match):
            if match.group(1) is None:
                return match.group(0)
            if match.group(1) not in names:
                names.append(match.group(1))
            return "$%d" % (names.index(match.group(1)) + 1)

        try:
            text = _TOKENS.sub(numbered, statement).encode("utf-8")
            values = [_text(parameters[name]) for name in names]
        except UnicodeEncodeError:
            raise InterfaceError("a statement or one of its values is not valid Unicode text") from None
        bind = b"\0\0\0\0" + struct.pack("!h", len(values)) + b"".join(
            struct.pack("!i", -1) if value is None else struct.pack("!i", len(value)) + value for value in values
        ) + b"\0\0"
        self._broken = True  # until the server's answer has been read to its end
        self.socket.sendall(
            _message(b"P", b"\0" + text + b"\0\0\0") + _message(b"B", bind) + _message(b"D", b"P\0")
            + _message(b"E", b"\0\0\0\0\0") + _message(b"S")
        )
        rows, types, error = [], [], None
        while True:
            kind, data = self._receive()
            try:
                if kind == b"T":
                    types = _types(data)
                elif kind == b"D":
                    rows.append(_row(data, types))
            except (struct.error, ValueError):  # not what the message says it is
                raise InterfaceError("the server sent a malformed %s message" % kind.decode("ascii", "replace"))
            if kind == b"E":
                error = error or _fields(data)
            elif kind == b"Z":
                break
        self._broken = False
        if error is not None:
            raise DatabaseError(error)
        return rows

    def close(self) -> None:
        """Say goodbye (Terminate) and close; a connection already gone is closed all the same."""
        try:
            self.socket.sendall(_message(b"X"))
        except OSError:
            pass
        finally:
            self._close_socket()

    def _close_socket(self) -> None:
        if self._file is not None:  # the socket's file holds it open until closed too
            self._file.close()
        self.socket.close()
