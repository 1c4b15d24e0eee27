# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The byte stream under every probe: resolve, connect (IPv6 or IPv4), TLS, timed stages.

``timeout`` bounds each stage as a whole (a deadline), not each recv, so a server
that dribbles bytes cannot stretch a stage. Certificates are verified with
``ssl.create_default_context`` unless the caller explicitly asked not to.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import datetime
import os
import socket
import ssl
import threading
import time

from ansible_collections.mailops.mailconfig.plugins.module_utils._diagnosis import Failure

MAX_LINE = 65536

_NAME_FIELDS = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU", "countryName": "C",
                "localityName": "L", "stateOrProvinceName": "ST"}


class Stages:
    """Names and times the stages of one probe; the last one entered is where a failure happened."""

    def __init__(self, timeout):
        self.timeout = timeout
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
        finally:
            record["elapsed_ms"] = round((time.monotonic() - started) * 1000, 1)

    def remaining(self):
        """Seconds left in the current stage; raises socket.timeout when none are."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("stage %s timed out" % self.current)
        return left


class Channel:
    """A line-oriented connection that can switch to TLS in place (STARTTLS)."""

    def __init__(self, sock, stages, peer):
        self.sock = sock
        self.stages = stages
        self.peer = peer
        self.tls = None
        self._buffer = b""

    def send(self, data):
        self.sock.settimeout(self.stages.remaining())
        self.sock.sendall(data)

    def _fill(self):
        self.sock.settimeout(self.stages.remaining())
        chunk = self.sock.recv(16384)
        if not chunk:
            raise EOFError("connection closed by the server")
        self._buffer += chunk

    def readline(self):
        """One line without its line ending."""
        while b"\n" not in self._buffer:
            if len(self._buffer) > MAX_LINE:
                raise EOFError("line longer than %d bytes" % MAX_LINE)
            self._fill()
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.rstrip(b"\r")

    def read_exactly(self, size):
        while len(self._buffer) < size:
            self._fill()
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def start_tls(self, context, host):
        """Upgrade in place. Bytes already received in clear would be an injection: refuse them."""
        if self._buffer:
            raise Failure("starttls_unavailable", "%s sent data after agreeing to start TLS (possible command injection)" % self.peer)
        self.sock.settimeout(self.stages.remaining())
        self.sock = context.wrap_socket(self.sock, server_hostname=_host(host))
        self.tls = tls_details(self.sock)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class CAPathError(ValueError):
    """``ca_path`` cannot be used: a configuration mistake, reported before any connection."""


def tls_context(ca_path=None, validate_certs=True):
    """The client context: system trust store, or ``ca_path`` (a PEM file or a hashed folder)."""
    try:
        if ca_path and os.path.isdir(ca_path):
            context = ssl.create_default_context(capath=ca_path)
        else:
            context = ssl.create_default_context(cafile=ca_path or None)
    except (OSError, ssl.SSLError) as exc:
        raise CAPathError("ca_path %s cannot be used as a CA bundle: %s" % (ca_path, getattr(exc, "strerror", None) or exc))
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _name(parts):
    return ", ".join("%s=%s" % (_NAME_FIELDS.get(key, key), value) for rdn in parts for key, value in rdn) or None


def tls_details(sock, now=None):
    """Version, cipher and (when verified) the certificate's subject, issuer and expiry."""
    cert = sock.getpeercert() or {}
    details = {"version": sock.version(), "cipher": (sock.cipher() or (None,))[0],
               "subject": _name(cert.get("subject", ())), "issuer": _name(cert.get("issuer", ())),
               "not_after": None, "days_left": None}
    if cert.get("notAfter"):
        expires = ssl.cert_time_to_seconds(cert["notAfter"])
        details["not_after"] = datetime.datetime.fromtimestamp(expires, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        details["days_left"] = int((expires - (now or time.time())) // 86400)
    return details


def _host(host):
    """A host as getaddrinfo wants it: IPv6 literals without brackets."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def resolve(host, port, stages):
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


def connect(addresses, stages):
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


def open_channel(host, port, implicit_tls, context, stages, report):
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


def speaks_tls(address, port, context, timeout):
    """Whether ``address``:``port`` completes (or fails only on the certificate) a TLS handshake."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=address):
                return True
    except ssl.SSLCertVerificationError:
        return True
    except (OSError, ssl.SSLError):
        return False


def sign_off(session, command):
    """Send LOGOUT or QUIT, best effort: the verdict is in, and the answer worth reporting came before it."""
    answer = session.report["server_response"]
    try:
        session.command(command)
    except (OSError, EOFError, Failure):
        pass
    session.report["server_response"] = answer
