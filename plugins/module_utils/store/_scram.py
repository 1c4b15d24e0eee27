# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SCRAM-SHA-256 as PostgreSQL speaks it, the client's side: a login that proves the password without sending it.

RFC 5802 and RFC 7677, with PostgreSQL's choices (https://www.postgresql.org/docs/15/sasl-authentication.html):
the server takes the user from the startup message and ignores the one in the exchange, and the
password is prepared with SASLprep (RFC 4013) unless the profile refuses it, in which case
the raw password is used, as the server did when it stored the verifier. Over TLS the
exchange is bound to the server's certificate (``tls-server-end-point``, RFC 5929): a man in
the middle cannot relay it to the real server. Over TLS that is not verified the binding is
required; over verified TLS it is used when offered. The server's signature is checked before
the login counts as earned.
"""

import base64
import hashlib
import hmac
import os
import struct
from typing import List, Optional

PLAIN, BOUND = "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"
MAX_ITERATIONS = 1000000  # PostgreSQL's default is 4096; a server asking for more is making us burn CPU
# RFC 7677's least: a server not proven by verified TLS that asks for fewer gets a proof cheap to guess from.
MIN_UNPROVEN_ITERATIONS = 4096
# The certificate's signature algorithm (DER of its OID) -> the hash RFC 5929 binds with (MD5 and SHA-1 give SHA-256).
_SIGNATURE_HASHES = {
    bytes.fromhex("2a864886f70d010104"): "sha256",  # md5WithRSAEncryption
    bytes.fromhex("2a864886f70d010105"): "sha256",  # sha1WithRSAEncryption
    bytes.fromhex("2a864886f70d01010e"): "sha224",  # sha224WithRSAEncryption
    bytes.fromhex("2a864886f70d01010b"): "sha256",  # sha256WithRSAEncryption
    bytes.fromhex("2a864886f70d01010c"): "sha384",  # sha384WithRSAEncryption
    bytes.fromhex("2a864886f70d01010d"): "sha512",  # sha512WithRSAEncryption
    bytes.fromhex("2a8648ce3d0401"): "sha256",  # ecdsa-with-SHA1
    bytes.fromhex("2a8648ce3d040301"): "sha224",  # ecdsa-with-SHA224
    bytes.fromhex("2a8648ce3d040302"): "sha256",  # ecdsa-with-SHA256
    bytes.fromhex("2a8648ce3d040303"): "sha384",  # ecdsa-with-SHA384
    bytes.fromhex("2a8648ce3d040304"): "sha512",  # ecdsa-with-SHA512
}


class ScramFailed(Exception):
    """The exchange cannot go on: the server's answer is malformed or not the server's, or nothing fits."""


def saslprep(password: str) -> str:
    """The password as PostgreSQL hashes it: SASLprep (RFC 4013) if the profile allows it, else unchanged.

    As PostgreSQL's ``pg_saslprep`` (src/common/saslprep.c) does it: the prohibited, unassigned and
    bidirectional checks look at the mapped password before normalisation, and NFKC gives the result.
    """
    if password.isascii():
        return password
    import stringprep  # pylint: disable=import-outside-toplevel  # its tables matter only for non-ASCII passwords
    import unicodedata  # pylint: disable=import-outside-toplevel

    mapped = "".join(" " if stringprep.in_table_c12(char) else char
                     for char in password if not stringprep.in_table_b1(char))
    prohibited = (stringprep.in_table_a1, stringprep.in_table_c12, stringprep.in_table_c21_c22, stringprep.in_table_c3,
                  stringprep.in_table_c4, stringprep.in_table_c5, stringprep.in_table_c6, stringprep.in_table_c7,
                  stringprep.in_table_c8, stringprep.in_table_c9)
    if not mapped or any(test(char) for char in mapped for test in prohibited):
        return password
    if any(stringprep.in_table_d1(char) for char in mapped):  # right-to-left text must be wholly so
        if (any(stringprep.in_table_d2(char) for char in mapped)
                or not (stringprep.in_table_d1(mapped[0]) and stringprep.in_table_d1(mapped[-1]))):
            return password
    return unicodedata.normalize("NFKC", mapped)


def _element(der: bytes, at: int):
    """The DER element at ``at``: its tag, and where its content starts and ends."""
    if at + 2 > len(der):
        raise ValueError("truncated")
    tag, length, at = der[at], der[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4 or at + count > len(der):
            raise ValueError("bad length")
        length, at = int.from_bytes(der[at:at + count], "big"), at + count
    if at + length > len(der):
        raise ValueError("truncated")
    return tag, at, at + length


def end_point_hash(der: bytes) -> Optional[str]:
    """The hash ``tls-server-end-point`` binds a certificate with, from its signature algorithm; None if unknown."""
    try:
        _tag, start, _end = _element(der, 0)  # Certificate
        _tag, _start, after_tbs = _element(der, start)  # tbsCertificate
        _tag, algorithm, _end = _element(der, after_tbs)  # signatureAlgorithm
        tag, oid_start, oid_end = _element(der, algorithm)
    except ValueError:
        return None
    return _SIGNATURE_HASHES.get(der[oid_start:oid_end]) if tag == 0x06 else None


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


class Exchange:
    """One SCRAM-SHA-256 login: ``first()``, ``final(server_first)``, ``check(server_final)``; ``verified`` after."""

    def __init__(self, user: str, password: str, mechanisms: List[str], certificate: Optional[bytes],
                 verified_tls: bool, nonce: Optional[str] = None) -> None:
        """``certificate`` is the server's (DER) when the connection is TLS, verified or not."""
        binding = None
        name = end_point_hash(certificate) if certificate is not None and BOUND in mechanisms else None
        if name is not None:
            binding = hashlib.new(name, certificate).digest()
        elif certificate is not None and not verified_tls:
            # Over TLS that is not verified, only a login bound to the certificate we see defeats a relay to the
            # real server (which, reached in clear, would not offer binding and would accept "y").
            raise ScramFailed(
                "cannot bind the login to the server's certificate (%s) over TLS that is not verified, so it could be "
                "relayed; use verified TLS (store.tls_verify and store.ca_path)"
                % ("the server does not offer SCRAM-SHA-256-PLUS" if BOUND not in mechanisms else
                   "its signature algorithm is not one RFC 5929 names"))
        self._verified_tls = verified_tls
        if binding is not None:
            self.mechanism, self._header = BOUND, b"p=tls-server-end-point,,"
        elif PLAIN in mechanisms:
            # "y": we could bind but the server did not offer to, which a server that can will refuse (a downgrade)
            could_bind = certificate is not None and BOUND not in mechanisms
            self.mechanism, self._header = PLAIN, b"y,," if could_bind else b"n,,"
        else:
            raise ScramFailed("the server offers %s; this store logs in with %s" % (", ".join(mechanisms) or "nothing",
                                                                                    PLAIN))
        self._binding = binding or b""
        self._password = saslprep(password).encode("utf-8")
        self._nonce = nonce or base64.b64encode(os.urandom(18)).decode("ascii")
        self._first_bare = "n=%s,r=%s" % (user.replace("=", "=3D").replace(",", "=2C"), self._nonce)
        self._expected = None
        self.verified = False

    def first(self) -> bytes:
        """The SASLInitialResponse's body: the mechanism and the client-first message."""
        message = self._header + self._first_bare.encode("utf-8")
        return self.mechanism.encode("ascii") + b"\0" + struct.pack("!i", len(message)) + message

    def final(self, server_first: bytes) -> bytes:
        """The client-final message, with the proof, for the server's first message."""
        if self._expected is not None:
            raise ScramFailed("the server's SCRAM messages are out of order")
        try:
            text = server_first.decode("ascii")
            fields = dict(part.split("=", 1) for part in text.split(","))
            nonce, salt, count = fields["r"], base64.b64decode(fields["s"], validate=True), fields["i"]
            if not text.startswith("r=") or not (count.isdigit() and len(count) <= 9):  # "m=": no extension
                raise ValueError(text)
            iterations = int(count)
        except (ValueError, KeyError, UnicodeDecodeError):
            raise ScramFailed("the server's SCRAM challenge is malformed")
        if not nonce.startswith(self._nonce) or len(nonce) == len(self._nonce):
            raise ScramFailed("the server's SCRAM challenge does not continue our nonce")
        if not 0 < iterations <= MAX_ITERATIONS:
            raise ScramFailed("the server asks for %d SCRAM iterations (at most %d)" % (iterations, MAX_ITERATIONS))
        if iterations < MIN_UNPROVEN_ITERATIONS and not self._verified_tls:
            raise ScramFailed(
                "the server asks for only %d SCRAM iterations, which would make our answer cheap to guess the password "
                "from; without verified TLS at least %d" % (iterations, MIN_UNPROVEN_ITERATIONS))
        salted = hashlib.pbkdf2_hmac("sha256", self._password, salt, iterations)
        client_key = _hmac(salted, b"Client Key")
        without_proof = "c=%s,r=%s" % (base64.b64encode(self._header + self._binding).decode("ascii"), nonce)
        message = ",".join((self._first_bare, text, without_proof)).encode("utf-8")
        signature = _hmac(hashlib.sha256(client_key).digest(), message)
        proof = bytes(key ^ sign for key, sign in zip(client_key, signature))
        self._expected = _hmac(_hmac(salted, b"Server Key"), message)
        return ("%s,p=%s" % (without_proof, base64.b64encode(proof).decode("ascii"))).encode("ascii")

    def check(self, server_final: bytes) -> None:
        """Accept the server's final message only if it proves the server holds the password's verifier."""
        try:
            fields = dict(part.split("=", 1) for part in server_final.decode("ascii").split(","))
            signature = base64.b64decode(fields["v"], validate=True)
        except (ValueError, KeyError, UnicodeDecodeError):
            raise ScramFailed("the server's SCRAM answer is malformed or an error")
        if self._expected is None or not hmac.compare_digest(signature, self._expected):
            raise ScramFailed("the server's SCRAM signature is wrong: it does not know the password")
        self.verified = True
