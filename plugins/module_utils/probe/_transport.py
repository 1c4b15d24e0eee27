# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The byte stream under every probe: resolve, connect (IPv6 or IPv4), TLS, timed stages.

``timeout`` bounds each stage as a whole, not each recv, and the check's ``deadline``
bounds every stage of every side together, so a server that dribbles bytes can
stretch neither. What a server sends between two of our commands is bounded too (its
lines, bytes and IMAP literal sizes): a reply beyond any real server's is a
``protocol_violation``, so a hostile peer cannot fill the site machine's memory. No
line we send may carry a control character: a value with CR or LF in it would inject
a command. Certificates are verified with ``ssl.create_default_context`` unless the
caller explicitly asked not to.
"""

import contextlib
import datetime
import os
import socket
import ssl
import threading
import time
from typing import Any, Dict, List, Optional, Protocol, Sequence, Tuple, Union

from ansible_collections.mailops.mailconfig.plugins.module_utils._control_characters import first_control_character
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure

# What a server may send in answer to one command (or as its greeting). Real servers
# stay far below: an EHLO or CAPA answer is a few dozen short lines, a greeting one line.
MAX_LINE = 16384
MAX_REPLY_LINES = 500
MAX_REPLY_BYTES = 256 * 1024
MAX_LITERAL = 64 * 1024
# One getaddrinfo answer: family, socket type, protocol, canonical name, socket address.
AddressInfo = Tuple[int, int, int, str, Tuple[Any, ...]]


class DeadlineExceeded(socket.timeout):
    """The whole check's ``deadline`` passed (rather than one stage's ``timeout``)."""

    deadline = True


class Deadline:
    """The moment by which the whole check must be over; shared by both sides and the token request."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return self.at - time.monotonic()


_NAME_FIELDS = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU", "countryName": "C",
                "localityName": "L", "stateOrProvinceName": "ST"}


class Stages:
    """Names and times the stages of one probe; the last one entered is where a failure happened."""

    def __init__(self, timeout, deadline=None):
        self.timeout = timeout
        self.deadline = deadline
        self.records = []
        self.current = None
        self._deadline = None

    @contextlib.contextmanager
    def __call__(self, name):
        started = time.monotonic()
        record = {"name": name, "status": "failed", "elapsed_ms": 0.0}
        self.records.append(record)
        self.current, self._deadline = name, started + self.timeout
        try:
            yield
            record["status"] = "ok"
        except socket.timeout as exc:
            if not isinstance(exc, DeadlineExceeded) and self._deadline_binding():
                raise DeadlineExceeded("the check's deadline passed during stage %s" % name) from exc
            raise
        finally:
            record["elapsed_ms"] = round((time.monotonic() - started) * 1000, 1)

    def _deadline_binding(self):
        return self.deadline is not None and self.deadline.at <= self._deadline

    def remaining(self) -> float:
        """Seconds left in the current stage and the check; raises socket.timeout when none are."""
        if self._deadline_binding():
            left = self.deadline.left()
            if left <= 0:
                raise DeadlineExceeded("the check's deadline passed during stage %s" % self.current)
            return left
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("stage %s timed out" % self.current)
        return left


class Channel:
    """A line-oriented connection that can switch to TLS in place (STARTTLS).

    Each line we send starts a new reply budget; what the server sends until our next
    line must fit in it.
    """

    def __init__(self, sock, stages, peer):
        self.sock = sock
        self.stages = stages
        self.peer = peer
        self.tls = None
        self._buffer = b""
        self._lines = self._bytes = 0

    def _violation(self, what):
        return Failure(
            "protocol_violation", "%s sent %s, more than any mail server sends in one reply" % (self.peer, what)
        )

    def send(self, data: bytes) -> None:
        """Send raw bytes (a message body); lines go through send_line."""
        self.sock.settimeout(self.stages.remaining())
        self.sock.sendall(data)
        self._lines = self._bytes = 0

    def send_line(self, line: Union[str, bytes]) -> None:
        """Send one command line (str or bytes) with CRLF; refuse one carrying a control character."""
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        found = first_control_character(text)
        if found is not None:
            raise Failure("control_character_refused", "a command for %s contains the control character %s; it was not "
                          "sent" % (self.peer, found))
        self.send((line if isinstance(line, bytes) else line.encode("utf-8")) + b"\r\n")

    def _fill(self):
        self.sock.settimeout(self.stages.remaining())
        chunk = self.sock.recv(16384)
        if not chunk:
            raise EOFError("connection closed by the server")
        self._bytes += len(chunk)
        if self._bytes > MAX_REPLY_BYTES:
            raise self._violation("more than %d bytes" % MAX_REPLY_BYTES)
        self._buffer += chunk

    def readline(self) -> bytes:
        """One line without its line ending."""
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_LINE:
                raise self._violation("a line longer than %d bytes" % MAX_LINE)
            self._fill()
        line, self._buffer = self._buffer.split(b"\n", 1)
        if len(line) > MAX_LINE:
            raise self._violation("a line longer than %d bytes" % MAX_LINE)
        self._lines += 1
        if self._lines > MAX_REPLY_LINES:
            raise self._violation("more than %d lines" % MAX_REPLY_LINES)
        return line.rstrip(b"\r")

    def read_exactly(self, size: int) -> bytes:
        """``size`` bytes (an IMAP literal), refused before reading when larger than MAX_LITERAL."""
        if size > MAX_LITERAL:
            raise self._violation("a literal of %d bytes" % size)
        while len(self._buffer) < size:
            self._fill()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def start_tls(self, context: ssl.SSLContext, host: str) -> None:
        """Upgrade in place. Bytes already received in clear would be an injection: refuse them."""
        if self._buffer:
            raise Failure(
                "starttls_unavailable",
                "%s sent data after agreeing to start TLS (possible command injection)" % self.peer,
            )
        self.sock.settimeout(self.stages.remaining())
        self.sock = context.wrap_socket(self.sock, server_hostname=_host(host))
        self.tls = tls_details(self.sock)
        self._lines = self._bytes = 0

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class CAPathError(ValueError):
    """``ca_path`` cannot be used: a configuration mistake, reported before any connection."""


def tls_context(ca_path: Optional[str] = None, validate_certs: bool = True) -> ssl.SSLContext:
    """The client context: system trust store, or ``ca_path`` (a PEM file or a hashed folder)."""
    try:
        if ca_path and os.path.isdir(ca_path):
            context = ssl.create_default_context(capath=ca_path)
        else:
            context = ssl.create_default_context(cafile=ca_path or None)
    except (OSError, ssl.SSLError) as exc:
        raise CAPathError(
            "ca_path %s cannot be used as a CA bundle: %s" % (ca_path, getattr(exc, "strerror", None) or exc)
        )
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _name(parts):
    return ", ".join("%s=%s" % (_NAME_FIELDS.get(key, key), value) for rdn in parts for key, value in rdn) or None


def tls_details(sock: ssl.SSLSocket, now: Optional[float] = None) -> Dict[str, Optional[Union[str, int]]]:
    """Version, cipher and (when verified) the certificate's subject, issuer and expiry."""
    cert = sock.getpeercert() or {}
    details = {"version": sock.version(), "cipher": (sock.cipher() or (None,))[0],
               "subject": _name(cert.get("subject", ())), "issuer": _name(cert.get("issuer", ())),
               "not_after": None, "days_left": None}
    if cert.get("notAfter"):
        expires = ssl.cert_time_to_seconds(cert["notAfter"])
        details["not_after"] = datetime.datetime.fromtimestamp(expires, datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        details["days_left"] = int((expires - (now or time.time())) // 86400)
    return details


def _host(host):
    """A host as getaddrinfo wants it: IPv6 literals without brackets."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def resolve(host: str, port: int, stages: Stages) -> List[AddressInfo]:
    """Addresses for ``host`` (IPv6 and IPv4), bounded by the stage deadline.

    getaddrinfo cannot be interrupted, so it runs in a daemon thread we stop waiting for.
    """
    outcome = {}

    def lookup():
        try:
            outcome["addresses"] = socket.getaddrinfo(_host(host), port, socket.AF_UNSPEC, socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=lookup, name="resolve %s" % host)
    worker.daemon = True
    worker.start()
    worker.join(stages.remaining())
    if worker.is_alive():
        raise socket.timeout("DNS lookup timed out")
    if "error" in outcome:
        error = outcome["error"]
        raise error if isinstance(error, socket.gaierror) else socket.gaierror(str(error))
    return outcome["addresses"]


def connect(addresses: Sequence[AddressInfo], stages: Stages) -> Tuple[socket.socket, str]:
    """The first address that accepts; the first error if none does."""
    errors = []
    for family, kind, proto, _canonical, sockaddr in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(stages.remaining())
            sock.connect(sockaddr)
            return sock, sockaddr[0]
        except OSError as exc:
            sock.close()
            errors.append(exc)
            if isinstance(exc, socket.timeout):
                break
    raise errors[0]


def open_channel(host: str, port: int, implicit_tls: bool, context: ssl.SSLContext, stages: Stages,
                 report: Dict[str, Any]) -> Channel:
    """Resolve, connect and (for implicit TLS) handshake; ``report`` gets address and tls as known."""
    with stages("resolve"):
        addresses = resolve(host, port, stages)
    with stages("connect"):
        sock, address = connect(addresses, stages)
    report["address"] = address
    channel = Channel(sock, stages, address)
    if implicit_tls:
        with stages("tls"):
            channel.start_tls(context, host)
        report["tls"] = channel.tls
    return channel


def speaks_tls(address: str, port: int, context: ssl.SSLContext, timeout: float) -> bool:
    """Whether ``address``:``port`` completes (or fails only on the certificate) a TLS handshake."""
    if timeout <= 0:
        return False
    try:
        with socket.create_connection((address, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=address):
                return True
    except ssl.SSLCertVerificationError:
        return True
    except (OSError, ssl.SSLError):
        return False


class _Session(Protocol):
    """What sign_off needs of an IMAP or POP3 session."""

    report: Dict[str, Any]

    def command(self, text: str) -> Any:
        ...


def sign_off(session: _Session, command: str) -> None:
    """Send LOGOUT or QUIT, best effort: the verdict is in, and the answer worth reporting came before it."""
    answer = session.report["server_response"]
    try:
        session.command(command)
    except (OSError, EOFError, Failure):
        pass
    session.report["server_response"] = answer
