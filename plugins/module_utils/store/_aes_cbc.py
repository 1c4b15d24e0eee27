# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AES in CBC mode with PKCS7 padding: the block cipher under every application cipher seen so far.

``cryptography`` is imported here only, when a store needs a cipher; it runs where the
database driver does (see ``_mysql``).
"""


def encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """``data`` padded and encrypted under ``key`` (16, 24 or 32 bytes) and ``iv``."""
    from cryptography.hazmat.primitives import padding  # pylint: disable=import-outside-toplevel
    # pylint: disable-next=import-outside-toplevel
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()


def decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """The plain bytes of ``data``; ValueError when it is not whole blocks or does not unpad."""
    from cryptography.hazmat.primitives import padding  # pylint: disable=import-outside-toplevel
    # pylint: disable-next=import-outside-toplevel
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    if not data or len(data) % 16:
        raise ValueError("not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
