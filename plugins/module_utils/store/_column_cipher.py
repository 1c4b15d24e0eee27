# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A password column's cipher with one fixed key (the profile's ``cipher.name: fixed_key``).

Open Dental's is AES-128-CBC with PKCS7 padding, a fixed public key and a zero IV, stored
as Base64: obfuscation that any reader of its source can undo, not protection. We store
what the application can read.
"""

import base64
import binascii
from typing import Dict, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _aes_cbc
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._cipher import Cipher, Unreadable

_KEY_BITS = {"AES-128-CBC": 128, "AES-192-CBC": 192, "AES-256-CBC": 256}
_ZERO_IV = bytes(16)


class ColumnCipher(Cipher):
    """Encrypt and decrypt one column's text the way the application does."""

    def __init__(self, spec: Dict[str, str]) -> None:
        algorithm = spec.get("algorithm")
        if (
            algorithm not in _KEY_BITS
            or spec.get("iv") != "zero"
            or spec.get("padding") != "PKCS7"
            or spec.get("output") != "base64"
        ):
            raise ValueError(
                "the profile's cipher is not one this store knows (AES-128/192/256-CBC, PKCS7, zero IV, base64)"
            )
        self.key = spec["key"].encode("utf-8")
        if len(self.key) * 8 != _KEY_BITS[algorithm]:
            raise ValueError(
                "the profile's %s key is %d bytes, not %d" % (algorithm, len(self.key), _KEY_BITS[algorithm] // 8)
            )
        self.encoding = spec.get("text", "utf-8")

    @staticmethod
    def stored_length(size: int) -> int:
        """How many characters the stored text of a ``size``-byte value takes: whole AES blocks after PKCS7, in
        Base64."""
        blocks = size // 16 + 1
        return 4 * -(-(16 * blocks) // 3)

    def encrypt(self, text: str) -> str:
        return base64.b64encode(_aes_cbc.encrypt(self.key, _ZERO_IV, text.encode(self.encoding))).decode("ascii")

    def decrypt(self, stored: Optional[str]) -> str:
        """The plain text of a stored value; ``Unreadable`` when it is not this cipher's output."""
        try:
            return _aes_cbc.decrypt(self.key, _ZERO_IV, base64.b64decode(stored or "", validate=True)).decode(
                self.encoding
            )
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise Unreadable()
