"""An impostor on the database's address: speaks just enough of the MySQL handshake to ask for the password.

``Impostor(script, tls)`` listens on loopback; each connection gets a greeting naming
``script.greeting``, then the packets of ``script.ask`` (an auth switch, a "full
authentication please", ...), each after the client's answer to the one before. Whatever the client sends is
kept in ``received``, after TLS and, when it was encrypted with the impostor's own RSA
key, decrypted and unmasked too: what a real attacker would hold. A request for the
public key is answered with that key; ``script.accept`` ends a good login with OK.
"""

import collections
import socket
import ssl
import struct
import threading

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# client capability flags (MySQL's CLIENT_*) the impostor offers
_CAPABILITIES = 0x1 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x80000 | 0x200000
_SSL = 0x800
SALT = bytes(range(65, 85))  # 20 printable bytes: "ABCD..."
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_KEY = _KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
_OK = b"\x00\x00\x00\x02\x00\x00\x00"
_DENIED = b"\xff\x15\x04#28000Access denied"

Script = collections.namedtuple("Script", "greeting ask accept")


def switch(method, data=SALT + b"\0"):
    """An AuthSwitchRequest to ``method``."""
    return b"\xfe" + method.encode() + b"\0" + data


def unmasked(data):
    """What an RSA-encrypted answer holds: the password XOR the salt, undone."""
    try:
        plain = _KEY.decrypt(data, padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
    except ValueError:
        return b""
    return bytes(byte ^ SALT[at % len(SALT)] for at, byte in enumerate(plain))


class _Wire:
    """MySQL packets (3-byte length, sequence number) over one socket."""

    def __init__(self, sock):
        self.sock, self.seq = sock, 0

    def _exactly(self, size):
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def read(self):
        header = self._exactly(4)
        self.seq = header[3] + 1
        return self._exactly(int.from_bytes(header[:3], "little"))

    def send(self, payload):
        self.sock.sendall(len(payload).to_bytes(3, "little") + bytes([self.seq & 0xFF]) + payload)
        self.seq += 1


class Impostor:
    """A loopback listener running ``script`` on every connection; ``received`` holds what clients sent."""

    def __init__(self, script, tls=None):
        self.script, self.tls = script, tls
        self.received = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join(5)
        self.listener.close()

    def holds(self, secret):
        """Whether anything received carries ``secret`` (raw, NUL-ended, or XOR the salt as sha256 sends it)."""
        raw = secret.encode()
        masked = bytes(byte ^ SALT[at % len(SALT)] for at, byte in enumerate(raw + b"\0"))
        return any(raw in data or masked in data for data in self.received)

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _address = self.listener.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    self._talk(_Wire(conn))
                except (EOFError, OSError):
                    pass

    def _greeting(self):
        capabilities = _CAPABILITIES | (_SSL if self.tls else 0)
        return (b"\x0a5.7.99-impostor\0" + struct.pack("<I", 7) + SALT[:8] + b"\0" + struct.pack("<H", capabilities & 0xFFFF)
                + bytes([45]) + struct.pack("<H", 2) + struct.pack("<H", capabilities >> 16) + bytes([21]) + b"\0" * 10
                + SALT[8:] + b"\0" + self.script.greeting.encode() + b"\0")

    def _keep(self, data):
        self.received.append(data)
        self.received.append(unmasked(data))

    def _talk(self, wire):
        wire.send(self._greeting())
        answer = wire.read()
        if self.tls and len(answer) == 32:  # SSLRequest: the rest goes over TLS
            wire.sock = self.tls.wrap_socket(wire.sock, server_side=True)
            answer = wire.read()
        self._keep(answer)
        if self.script.accept:
            wire.send(_OK)
            while wire.read()[:1] != b"\x01":  # every command gets OK until COM_QUIT
                wire.send(_OK)
            return
        if not self.script.ask:
            wire.send(_DENIED)
        for number, packet in enumerate(self.script.ask):
            if number:
                self._keep(wire.read())  # the client's answer to the packet before
            wire.send(packet)
        while True:
            data = wire.read()
            self._keep(data)
            wire.send(b"\x01" + PUBLIC_KEY if data in (b"\x01", b"\x02") else _DENIED)


def tls_context(cert, key):
    """The impostor's TLS: any certificate will do for a client that does not verify."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
