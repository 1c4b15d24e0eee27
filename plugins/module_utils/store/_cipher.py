# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One interface for the cipher an application puts on its password, chosen by the profile's ``cipher.name``.

A cipher turns text into what the application stores (``encrypt``) and back (``decrypt``,
``Unreadable`` when it is not its output); stores compare decrypted values, so an unchanged
password is never rewritten. ``fixed_key`` (Open Dental) needs only the profile; ``openemr``
(CryptoGen) needs the site's key material, which the store reads and passes as ``site``.
"""

import errno
import os
from typing import Dict, Iterable, Optional, Type

_KEY_FILE_LIMIT = 4096  # bytes read from one key file (OpenEMR's are about 130)


class Unreadable(Exception):
    """A stored value that does not decrypt (never carries the value)."""


class Cipher:
    """What every application cipher offers a store (and lint: ``stored_length``)."""

    SITE = False  # made from the site's key material (``site``) rather than the profile's ``cipher``

    @staticmethod
    def stored_length(size: int) -> int:
        """How many characters the stored text of a ``size``-byte value takes."""
        raise NotImplementedError

    def encrypt(self, text: str) -> str:
        raise NotImplementedError

    def decrypt(self, stored: str) -> str:
        raise NotImplementedError


def cipher_class(spec: dict) -> Type[Cipher]:
    """The class of the cipher ``spec`` (the profile's ``cipher``) names; ValueError for one this collection does not
    know."""
    name = spec.get("name")
    if name == "fixed_key":
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.mailops.mailconfig.plugins.module_utils.store._column_cipher import (
            ColumnCipher)
        return ColumnCipher
    if name == "openemr":
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.mailops.mailconfig.plugins.module_utils.store._openemr_cipher import (
            OpenemrCipher)
        return OpenemrCipher
    raise ValueError("the profile names cipher %r, which this store does not know (fixed_key, openemr)" % (name,))


def cipher_for(spec: dict, site: Optional[dict] = None) -> Cipher:
    """The cipher ``spec`` names, given the site's key material when it needs some (``site``)."""
    kind = cipher_class(spec)
    return kind(site or {}) if kind.SITE else kind(spec)


def key_files(folder: str, names: Iterable[str]) -> Dict[str, str]:
    """The contents of the key files ``names`` found in ``folder`` (missing ones left out), each read bounded and
    never through a symbolic link; ValueError naming the folder or file that cannot be read."""
    if not os.path.isdir(folder):
        raise ValueError(
            "there is no key folder %s (check store.site_dir, or pass the key files as store.key_files)" % folder
        )
    found = {}
    for name in names:
        path = os.path.join(folder, name)
        try:
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                continue
            raise ValueError(
                "cannot read the key file %s: %s (run the module as the web server's user, or with become)"
                % (path, (exc.strerror or str(exc)).lower())
            )
        with os.fdopen(handle, "rb") as stream:
            data = stream.read(_KEY_FILE_LIMIT + 1)
        if len(data) > _KEY_FILE_LIMIT:
            raise ValueError("the key file %s is longer than %d bytes: not a key file" % (path, _KEY_FILE_LIMIT))
        try:
            found[name] = data.decode("ascii")
        except UnicodeDecodeError:
            raise ValueError("the key file %s is not text: not a key file" % path)
    return found
