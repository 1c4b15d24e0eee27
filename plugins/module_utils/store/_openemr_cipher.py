# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenEMR's CryptoGen values (the profile's ``cipher.name: openemr``), as its encrypted globals hold them.

A value is a three-digit key version and Base64 of HMAC-SHA384 (48 bytes) over IV and
ciphertext, the IV (16 random bytes) and AES-256-CBC ciphertext (docs/applications.md,
"OpenEMR", names the source). Values in the database are sealed with the site's *drive*
keys: the key files ``<word>a`` (AES) and ``<word>b`` (HMAC) of the site's methods folder,
each itself such a value, sealed with the ``keys`` table pair of the version *its own*
prefix names (an 8.0 site may hold ``sixa`` files sealed as ``007``).

We write the version the site already uses: that of the stored value, else the newest
whose key files exist. We never create keys (OpenEMR would then hold keys it cannot match)
and refuse versions we do not know.
"""

import base64
import binascii
import hashlib
import hmac
import os
from typing import Dict, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _aes_cbc
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._cipher import Cipher, Unreadable

# The versions we read and write, and their key word: 006 is what OpenEMR 7.0.3 writes, 007 what 8.0 writes.
WORDS = {6: "six", 7: "seven"}
KEY_NAMES = tuple(word + half for word in WORDS.values() for half in "ab")
_MAC, _IV, _KEY = 48, 16, 32
_KNOWN = "006 (OpenEMR 7.0.3) and 007 (OpenEMR 8.0)"


def version_of(stored: str) -> int:
    """The key version a stored value's prefix names; ValueError unless it is three digits."""
    prefix = stored[:3]
    if len(stored) < 4 or not (prefix.isascii() and prefix.isdigit()):
        raise ValueError("it does not start with a CryptoGen version (three digits), so OpenEMR would not read it")
    return int(prefix)


def _unseal(pair: Tuple[bytes, bytes], stored: str) -> bytes:
    """The plain bytes of a stored value under ``(aes key, hmac key)``; Unreadable when they do not open it."""
    try:
        blob = base64.b64decode(stored[3:], validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable()
    mac, body = blob[:_MAC], blob[_MAC:]
    if len(body) <= _IV or not hmac.compare_digest(mac, hmac.new(pair[1], body, hashlib.sha384).digest()):
        raise Unreadable()
    try:
        return _aes_cbc.decrypt(pair[0], body[:_IV], body[_IV:])
    except ValueError:
        raise Unreadable()


def seal(pair: Tuple[bytes, bytes], version: int, data: bytes) -> str:
    """``data`` as CryptoGen stores it under ``(aes key, hmac key)``, with a new random IV."""
    iv = os.urandom(_IV)
    body = iv + _aes_cbc.encrypt(pair[0], iv, data)
    return "%03d%s" % (
        version,
        base64.b64encode(hmac.new(pair[1], body, hashlib.sha384).digest() + body).decode("ascii"),
    )


class OpenemrCipher(Cipher):
    """SMTP_PASS and the other encrypted globals of one OpenEMR site.

    ``site`` holds ``keys`` (the ``keys`` table: name -> Base64 key), ``key_files`` (file
    name -> content) and ``stored`` (the value the column holds now, or empty).
    """

    SITE = True

    @staticmethod
    def stored_length(size: int) -> int:
        """The prefix, then Base64 of the HMAC, the IV and whole AES blocks after PKCS7 (111 bytes take 239
        characters)."""
        return 3 + 4 * -(-(_MAC + _IV + 16 * (size // 16 + 1)) // 3)

    def __init__(self, site: dict) -> None:
        self._table = site.get("keys") or {}
        self._files = site.get("key_files") or {}
        self._pairs: Dict[int, Tuple[bytes, bytes]] = {}
        stored = site.get("stored")
        if stored:
            self.version = version_of(stored)
            if self.version not in WORDS:
                raise ValueError(
                    "it is sealed with CryptoGen version %03d, which mailconfig does not know (it reads and writes %s)"
                    % (self.version, _KNOWN)
                )
        else:
            present = [
                version for version, word in WORDS.items() if word + "a" in self._files and word + "b" in self._files
            ]
            if not present:
                raise ValueError(
                    "the site has no key files %s: mailconfig never creates OpenEMR keys (save any encrypted "
                    "setting once in OpenEMR's Administration, Globals, and OpenEMR creates them)"
                    % ", ".join(KEY_NAMES)
                )
            self.version = max(present)
        self._drive(self.version)  # the keys must open before anything is compared or written

    def encrypt(self, text: str) -> str:
        """What OpenEMR stores for ``text``; an empty password is stored empty, as OpenEMR's own screen does."""
        return seal(self._drive(self.version), self.version, text.encode("utf-8")) if text else ""

    def decrypt(self, stored: str) -> str:
        if not stored:
            return ""
        try:
            version = version_of(stored)
        except ValueError:
            raise Unreadable()
        if version not in WORDS:
            raise Unreadable()
        try:
            return _unseal(self._drive(version), stored).decode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable()

    def _drive(self, version: int) -> Tuple[bytes, bytes]:
        """The key pair of version ``version``'s key files, opened with the ``keys`` table pair each file names."""
        if version not in self._pairs:
            keys = []
            for half in "ab":
                name = WORDS[version] + half
                if name not in self._files:
                    raise ValueError("the key file %s (for version %03d) is missing" % (name, version))
                try:
                    keys.append(_unseal(self._database(version_of(self._files[name])), self._files[name]))
                except (Unreadable, ValueError):
                    raise ValueError(
                        "the key file %s does not open with the site's keys table (wrong site, or the file was "
                        "replaced)" % name
                    )
                if len(keys[-1]) != _KEY:
                    raise ValueError("the key file %s holds no %d-byte key" % (name, _KEY))
            self._pairs[version] = (keys[0], keys[1])
        return self._pairs[version]

    def _database(self, version: int) -> Tuple[bytes, bytes]:
        """The ``keys`` table pair of ``version`` (the one that seals key files)."""
        if version not in WORDS:
            raise ValueError("unknown version")
        pair = []
        for half in "ab":
            try:
                pair.append(base64.b64decode(self._table[WORDS[version] + half], validate=True))
            except (KeyError, binascii.Error, ValueError, TypeError):
                raise ValueError("no key")
        return pair[0], pair[1]
