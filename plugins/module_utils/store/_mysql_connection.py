# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A MySQL/MariaDB connection of our own, standard library only, that gives the password to no unproven server.

The client/server protocol 4.1 (https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html),
only what a store run uses: the greeting, TLS by SSLRequest, the handshake response and
authentication, and text queries (COM_QUERY) whose rows come back as text: integer
columns decoded, binary strings kept as bytes, the rest text. A driver (PyMySQL with the
parts of ``cryptography`` it loads for RSA) cost every practice's module tens of
milliseconds of imports; this costs a few.

Authentication follows ``_database_auth``: unless TLS is verified only challenge-response
methods are answered (mysql_native_password, the caching_sha2_password fast path), checked
before each answer; with verified TLS a method that wants the password itself
(mysql_clear_password, sha256_password, caching_sha2_password's full authentication) gets
it over that TLS, never encrypted with a key the server supplies. Statement parameters go
as literals that no SQL mode reads differently (numbers, and text as ``_utf8mb4 X'...'``).
Every read goes through ``_read_budget``: bounded in bytes and in time. A packet that is
not what it says ends the exchange (``InterfaceError``) and the connection is not used again.
"""

import contextlib
import hashlib
import math
import re
import socket
import ssl
import struct
from typing import Any, List, Optional, Sequence, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_auth import (
    NO_TLS,
    UNVERIFIED_TLS,
    VERIFIED,
    refuse_unless_safe,
    unsendable,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_tls import verified
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._read_budget import BoundedReads, Budget

# Capability flags (CLIENT_*): 4.1 protocol, secure (20-byte) scramble, plugin names, the database at login.
_LONG_PASSWORD, _LONG_FLAG, _WITH_DB, _PROTOCOL_41 = 0x1, 0x4, 0x8, 0x200
_SSL, _TRANSACTIONS, _SECURE, _PLUGIN_AUTH, _LENENC_AUTH = 0x800, 0x2000, 0x8000, 0x80000, 0x200000
_CLIENT = _LONG_PASSWORD | _LONG_FLAG | _WITH_DB | _PROTOCOL_41 | _TRANSACTIONS | _SECURE | _PLUGIN_AUTH
_UTF8MB4 = 45  # utf8mb4_general_ci: a collation MySQL and MariaDB both have
_MAX_PACKET = 1 << 24
_QUIT, _QUERY, _PING = 1, 3, 14
_OK, _EOF, _ERR, _NULL, _MORE_AUTH = 0x00, 0xFE, 0xFF, 0xFB, 0x01
_INTEGER_TYPES = frozenset((1, 2, 3, 8, 9, 13))  # TINY, SHORT, LONG, LONGLONG, INT24, YEAR
# The other numbers, dates and times: their text is ASCII whatever the character set says.
_TEXT_TYPES = frozenset((0, 4, 5, 6, 7, 10, 11, 12, 14, 17, 18, 19, 246))
_BINARY = 63  # the character set of binary strings (and of every number and date)
_INTEGER = re.compile(rb"-?[0-9]{1,20}")
_FAST_PATH_DONE, _FULL_AUTHENTICATION = b"\x03", b"\x04"  # caching_sha2_password's "more data" answers
_CLEAR = ("mysql_clear_password", "sha256_password")  # the password itself: only over verified TLS
_ROUNDS = 4  # authentication packets answered at most: a server that keeps switching is not logging us in


class Error(Exception):
    """Anything this connection reports."""


class DatabaseError(Error):
    """The server's ERR packet: ``args`` are its error number and message."""


class OperationalError(Error):
    """The network failed: ``args`` are a client error number (2013 lost, 2026 TLS) and text."""


class InterfaceError(Error):
    """The server's answer is not what the protocol allows; the connection is not used again."""


def native_scramble(password: bytes, salt: bytes) -> bytes:
    """mysql_native_password: SHA1(password) XOR SHA1(salt + SHA1(SHA1(password)))."""
    if not password:
        return b""
    stage1 = hashlib.sha1(password).digest()
    mask = hashlib.sha1(salt + hashlib.sha1(stage1).digest()).digest()
    return bytes(a ^ b for a, b in zip(stage1, mask))


def sha2_scramble(password: bytes, salt: bytes) -> bytes:
    """caching_sha2_password's fast path: SHA256(password) XOR SHA256(SHA256(SHA256(password)) + salt)."""
    if not password:
        return b""
    stage1 = hashlib.sha256(password).digest()
    mask = hashlib.sha256(hashlib.sha256(stage1).digest() + salt).digest()
    return bytes(a ^ b for a, b in zip(stage1, mask))


def literal(value: Any) -> str:
    """``value`` as SQL text that every SQL mode reads the same way (no quotes, so no escaping)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InterfaceError("a statement value is not a finite number")
        return repr(value)
    if isinstance(value, str):
        try:
            return "_utf8mb4 X'%s'" % value.encode("utf-8").hex()
        except UnicodeEncodeError:
            raise InterfaceError("a statement value is not valid Unicode text") from None
    if isinstance(value, bytes):
        return "_binary X'%s'" % value.hex()
    raise TypeError("a statement parameter of type %s" % type(value).__name__)


def _lenenc(data: bytes, at: int) -> Tuple[Optional[int], int]:
    """A length-encoded integer at ``at`` (None for the NULL marker) and where the next field starts."""
    first = data[at]
    if first < _NULL:
        return first, at + 1
    if first == _NULL:
        return None, at + 1
    size = {0xFC: 2, 0xFD: 3, 0xFE: 8}.get(first)
    if size is None or at + 1 + size > len(data):
        raise ValueError("not a length-encoded integer")
    return int.from_bytes(data[at + 1:at + 1 + size], "little"), at + 1 + size


def _lenenc_bytes(data: bytes, at: int) -> Tuple[Optional[bytes], int]:
    length, at = _lenenc(data, at)
    if length is None:
        return None, at
    if at + length > len(data):
        raise ValueError("a value longer than its packet")
    return data[at:at + length], at + length


def _nul_ended(data: bytes, at: int) -> Tuple[bytes, int]:
    end = data.index(b"\0", at)
    return data[at:end], end + 1


def _server_error(data: bytes) -> DatabaseError:
    """An ERR packet as DatabaseError(number, message); the SQLSTATE marker is skipped. ValueError for one too short
    to be an ERR packet."""
    if len(data) < 3:
        raise ValueError("an error packet without its number")
    code = struct.unpack("<H", data[1:3])[0]
    message = (data[9:] if data[3:4] == b"#" else data[3:])[:1000].decode("utf-8", "replace")
    return DatabaseError(code, message or "error %d, without a message" % code)


class _Column:
    """What the rows of a result need from a column definition: its name, type and character set."""

    __slots__ = ("name", "type", "charset")

    def __init__(self, data: bytes) -> None:
        at = 0
        for _field in range(4):  # catalog, schema, table, original table
            _skipped, at = _lenenc_bytes(data, at)
        name, at = _lenenc_bytes(data, at)
        _original, at = _lenenc_bytes(data, at)
        if name is None or at + 9 > len(data):
            raise ValueError("a column definition shorter than its fields")
        self.name = name.decode("utf-8", "replace")
        self.charset = struct.unpack("<H", data[at + 1:at + 3])[0]
        self.type = data[at + 7]

    def value(self, raw: Optional[bytes]) -> Any:
        if raw is None:
            return None
        if self.type in _INTEGER_TYPES:
            if not _INTEGER.fullmatch(raw):
                raise ValueError("not an integer")
            return int(raw)
        if self.charset == _BINARY and self.type not in _TEXT_TYPES:  # BLOB, BIT, GEOMETRY, VECTOR...
            return raw
        return raw.decode("utf-8")  # UnicodeDecodeError is a ValueError


class Cursor:
    """One statement's result, as the store's layouts read it (``execute`` then ``fetchone``/``fetchall``)."""

    def __init__(self, connection: "Connection") -> None:
        self._connection = connection
        self.description: Optional[List[Tuple[str]]] = None
        self.lastrowid: Optional[int] = None
        self._rows: List[tuple] = []

    def __enter__(self) -> "Cursor":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._rows = []

    def execute(self, statement: str, args: Optional[Sequence[Any]] = None) -> None:
        """Run ``statement``, its ``%s`` replaced by the literals of ``args`` (``%%`` is a percent sign then)."""
        if args is not None:
            statement = statement % tuple(literal(value) for value in args)
        self.description, self._rows, self.lastrowid = self._connection.query(statement)

    def fetchone(self) -> Optional[tuple]:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> List[tuple]:
        rows, self._rows = self._rows, []
        return rows


class Connection:
    """One logged-in connection: ``cursor()``, ``begin``/``commit``/``rollback``, ``ping`` and ``close``."""

    def __init__(self, sock: socket.socket, where: str, user: str, password: str, database: str, over: str,
                 ssl_context: Any = None, host: Optional[str] = None, read_seconds: Optional[float] = None) -> None:
        """Log in over ``sock`` (``_database_socket``: closed on failure), the server at ``where``, made TLS with
        ``ssl_context`` for ``host``; ``over`` (``_database_auth``'s channel) decides which authentication methods
        may be answered. Network failures raise OperationalError."""
        if over == VERIFIED and not verified(ssl_context):  # what the context does decides, not what we are told
            over = UNVERIFIED_TLS if ssl_context is not None else NO_TLS
        self.socket, self.where, self._over, self._broken = sock, where, over, False
        self._file: Any = None
        self._budget = Budget(read_seconds)
        try:
            problem = unsendable((("user", user), ("database", database), ("password", password)))
            if problem:  # before anything is sent
                raise InterfaceError(problem)
            self._wire(lambda: self._log_in(host, user, password, database, ssl_context))
        except BaseException:
            self._close_socket()
            raise

    # -- packets

    def _read(self) -> bytes:
        """The next packet's payload (its sequence number checked); the read budget refuses a length beyond any
        answer before anything is allocated."""
        header = self._exactly(4)
        if header[3] != self._sequence:
            raise InterfaceError("the server sent packet %d where %d was due" % (header[3], self._sequence))
        self._sequence = (self._sequence + 1) & 0xFF
        payload = self._exactly(int.from_bytes(header[:3], "little"))
        if not payload:
            raise InterfaceError("the server sent an empty packet")
        return payload

    def _exactly(self, size: int) -> bytes:
        data = self._file.read(size)
        if len(data) < size:
            raise OSError("the server closed the connection")
        return data

    def _send(self, payload: bytes) -> None:
        self.socket.sendall(len(payload).to_bytes(3, "little") + bytes((self._sequence,)) + payload)
        self._sequence = (self._sequence + 1) & 0xFF

    def _wire(self, exchange: Any) -> Any:
        """``exchange()``; the socket's errors as OperationalError, a malformed packet as InterfaceError. Until it has
        read the whole answer the connection is marked broken: a failed exchange leaves it unusable."""
        if self._broken:
            raise InterfaceError("the connection was broken by an earlier answer; not used again")
        self._broken = True
        try:
            result = exchange()
        except DatabaseError:  # the server's refusal ends its answer: the connection goes on
            self._broken = False
            raise
        except socket.timeout as exc:
            raise OperationalError(2013, "timed out") from exc
        except ssl.SSLError as exc:  # before ValueError: a failed certificate check is both
            raise OperationalError(2026, "TLS failed: %s" % (exc.strerror or exc)) from exc
        except (struct.error, IndexError, ValueError) as exc:  # a packet shorter than its fields, or bad text
            raise InterfaceError("the server sent a malformed packet") from exc
        except OSError as exc:
            raise OperationalError(2013, exc.strerror or str(exc)) from exc
        self._broken = False
        return result

    # -- logging in

    def _log_in(self, host: str, user: str, password: str, database: str, ssl_context: Any) -> None:
        self._sequence = 0
        self._file = BoundedReads(self.socket.makefile("rb"), self.socket, self._budget)
        greeting = self._read()
        if greeting[0] == _ERR:
            raise _server_error(greeting)
        if greeting[0] != 10:
            raise InterfaceError("the server speaks protocol %d, not 10" % greeting[0])
        _version, at = _nul_ended(greeting, 1)
        salt, at = greeting[at + 4:at + 12], at + 13  # after the connection id; then a filler byte
        capabilities = struct.unpack("<H", greeting[at:at + 2])[0]
        method = "mysql_native_password"
        if len(greeting) > at + 2:
            capabilities |= struct.unpack("<H", greeting[at + 5:at + 7])[0] << 16
            salt_length = greeting[at + 7]
            at += 18  # character set, status, upper capabilities, scramble length, 10 reserved bytes
            if capabilities & _SECURE:  # the scramble's second part, NUL-ended
                part = max(13, salt_length - 8)
                salt, at = salt + greeting[at:at + part].rstrip(b"\0"), at + part
            if capabilities & _PLUGIN_AUTH and at < len(greeting):
                method = greeting[at:].split(b"\0", 1)[0].decode("ascii", "replace")
        if not capabilities & _PROTOCOL_41 or not capabilities & _SECURE:
            raise InterfaceError("the server does not speak the MySQL 4.1 protocol, the only one this store knows")
        flags = _CLIENT | (capabilities & _LENENC_AUTH)
        if ssl_context is not None:
            if not capabilities & _SSL:
                raise OperationalError(2026, "the server does not support SSL (TLS)")
            flags |= _SSL
            self._send(struct.pack("<IIB", flags, _MAX_PACKET, _UTF8MB4) + bytes(23))
            self._file.close()
            self.socket = ssl_context.wrap_socket(self.socket, server_hostname=host)
            self._file = BoundedReads(self.socket.makefile("rb"), self.socket, self._budget)
        secret = password.encode("utf-8")
        refuse_unless_safe(method, self._over, self.where)
        answer = self._answer(method, secret, salt)
        if len(answer) > (0xFFFF if flags & _LENENC_AUTH else 0xFF):
            raise InterfaceError("the password is longer than this server's handshake can carry")
        length = bytes((len(answer),)) if len(answer) < _NULL else b"\xfc" + struct.pack("<H", len(answer))
        self._send(
            struct.pack("<IIB", flags, _MAX_PACKET, _UTF8MB4) + bytes(23) + user.encode("utf-8") + b"\0"
            + (length if flags & _LENENC_AUTH else bytes((len(answer),))) + answer
            + database.encode("utf-8") + b"\0" + method.encode("ascii", "replace") + b"\0"
        )
        self._authenticate(method, secret)

    def _answer(self, method: str, secret: bytes, salt: bytes) -> bytes:
        """What ``method`` sends for the password: a scramble, or the password itself (reached only over verified
        TLS, ``refuse_unless_safe`` having been asked first)."""
        salt = salt[:20]
        if method == "mysql_native_password":
            return native_scramble(secret, salt)
        if method == "caching_sha2_password":
            return sha2_scramble(secret, salt)
        if method in _CLEAR and self._over == VERIFIED:
            return secret + b"\0"
        raise InterfaceError(
            "the server asks for authentication method %s, which this store does not use (give the database user "
            "mysql_native_password, or caching_sha2_password on MySQL 8)" % method[:64])

    def _authenticate(self, method: str, secret: bytes) -> None:
        """Answer the server's switches and requests until it says OK (or refuses)."""
        for _round in range(_ROUNDS):
            packet = self._read()
            if packet[0] == _OK:
                return
            if packet[0] == _ERR:
                raise _server_error(packet)
            if packet[0] == _EOF:  # an authentication switch; without a name, to the pre-4.1 scheme
                name, at = _nul_ended(packet, 1) if len(packet) > 1 else (b"mysql_old_password", 1)
                method = name.decode("ascii", "replace")
                salt = packet[at:]
                refuse_unless_safe(method, self._over, self.where)
                self._send(self._answer(method, secret, salt[:-1] if salt.endswith(b"\0") else salt))
            elif packet[0] == _MORE_AUTH and method == "caching_sha2_password" and packet[1:] == _FAST_PATH_DONE:
                continue  # the scramble matched the server's cache: OK follows
            elif packet[0] == _MORE_AUTH and method == "caching_sha2_password" and packet[1:] == _FULL_AUTHENTICATION:
                refuse_unless_safe("caching_sha2_password full authentication", self._over, self.where)
                self._send(secret + b"\0")  # over verified TLS only
            else:
                raise InterfaceError("the server sent an authentication packet this store does not know")
        raise InterfaceError("the server kept asking for authentication; refused")

    # -- statements

    def query(self, statement: str) -> Tuple[Optional[List[Tuple[str]]], List[tuple], Optional[int]]:
        """Run one statement: its columns (as ``description``), its rows, and the last insert id."""
        try:
            text = statement.encode("utf-8")
        except UnicodeEncodeError:
            raise InterfaceError("a statement is not valid Unicode text") from None
        if len(text) >= 0xFFFFFF - 1:  # would need continuation packets, which no statement of a store run needs
            raise InterfaceError("a statement of %d bytes is longer than this client sends" % len(text))
        return self._wire(lambda: self._query(text))

    def _query(self, statement: bytes) -> Tuple[Optional[List[Tuple[str]]], List[tuple], Optional[int]]:
        self._sequence = 0
        self._send(bytes((_QUERY,)) + statement)
        first = self._read()
        if first[0] == _ERR:
            raise _server_error(first)
        if first[0] == _OK:
            _affected, at = _lenenc(first, 1)
            return None, [], _lenenc(first, at)[0]
        if first[0] == _NULL:  # LOCAL INFILE: a client file asked for, which no statement of ours does
            raise InterfaceError("the server asked for a file from this host; refused")
        count = _lenenc(first, 0)[0]
        columns = [_Column(self._read()) for _column in range(count or 0)]
        self._end_of(self._read())
        rows = []
        while True:
            packet = self._read()
            if packet[0] == _EOF and len(packet) < 9:
                break
            if packet[0] == _ERR:
                raise _server_error(packet)
            at, row = 0, []
            for column in columns:
                raw, at = _lenenc_bytes(packet, at)
                row.append(column.value(raw))
            if at != len(packet):
                raise ValueError("bytes after the row's values")
            rows.append(tuple(row))
        return [(column.name,) for column in columns], rows, None

    @staticmethod
    def _end_of(packet: bytes) -> None:
        if packet[0] != _EOF or len(packet) >= 9:
            raise InterfaceError("the server sent more column definitions than it announced")

    def cursor(self) -> Cursor:
        return Cursor(self)

    def begin(self) -> None:
        self.query("BEGIN")

    def commit(self) -> None:
        self.query("COMMIT")

    def rollback(self) -> None:
        self.query("ROLLBACK")

    def ping(self) -> None:
        """Whether the server still answers (OperationalError if not)."""

        def ping():
            self._sequence = 0
            self._send(bytes((_PING,)))
            packet = self._read()
            if packet[0] != _OK:
                raise InterfaceError("the server did not answer a ping with OK")

        self._wire(ping)

    def settimeout(self, seconds: float) -> None:
        """How long one wait for the server may take from now on (a statement may wait for a row lock)."""
        self.socket.settimeout(seconds)

    def close(self) -> None:
        """Say goodbye (COM_QUIT) and close; a connection already gone is closed all the same."""
        self._sequence = 0
        with contextlib.suppress(OSError):
            self._send(bytes((_QUIT,)))
        self._close_socket()

    def _close_socket(self) -> None:
        for held in (self._file, self.socket):  # the socket's file holds it open until closed too
            if held is not None:
                held.close()
