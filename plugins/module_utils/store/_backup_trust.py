# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore only from backups this collection wrote: ours by owner, mode and name, and by a keyed MAC.

A file store's backups sit beside it, in a folder the application's user can write; a
planted file with the right name would otherwise be restored (an attacker's server and
password, a login test that passes on the attacker's server). Each backup gets a sidecar
``<backup>.mac``: HMAC-SHA256, under the backup key, of the backup's name and bytes, so a
backup can neither be forged nor passed off under another name. The key comes from the
controller (docs/security.md, "Backups"). A restore reads the bytes once, through a
descriptor that never follows a link, checks them, and works on a private copy.
"""

import contextlib
import hashlib
import hmac
import os
import shutil
import stat
import tempfile
from typing import Iterator, Optional

MAC_SUFFIX = ".mac"
_MAC_FORMAT = "mailconfig-backup-mac v1 hmac-sha256 %s\n"
_LIMIT = 64 << 20  # bytes read from one backup: a settings file or an application's settings database


def mac(key: bytes, name: str, data: bytes) -> str:
    """The sidecar text for backup ``name`` holding ``data``."""
    digest = hmac.new(
        key, b"mailconfig backup v1\0" + os.path.basename(name).encode("utf-8") + b"\0" + data, hashlib.sha256
    )
    return _MAC_FORMAT % digest.hexdigest()


def _read_ours(path: str, limit: int) -> bytes:
    """The bytes of ``path`` when it is a regular file of the running user with mode 0600; ValueError naming why not."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise ValueError("%s cannot be opened (%s; links are not followed)" % (path, exc.strerror or exc))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("%s is not a regular file" % path)
        if info.st_uid != os.geteuid():
            raise ValueError(
                "%s is owned by uid %d, not by the user this run writes backups as (uid %d)"
                % (path, info.st_uid, os.geteuid())
            )
        if stat.S_IMODE(info.st_mode) != 0o600:
            raise ValueError(
                "%s has mode %04o, not 0600 as every backup this collection writes" % (path, stat.S_IMODE(info.st_mode))
            )
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError("%s is larger than %d bytes" % (path, limit))
    return data


def _refusal(path: str, why: str) -> ValueError:
    return ValueError(
        "state restored: %s was not written by this collection, so it is not restored: %s. If you put it there "
        "yourself and trust it, name it in restore_unverified (mail_account_restore_unverified) to restore it once"
        % (path, why)
    )


def verified_bytes(path: str, key: Optional[bytes], unverified: Optional[str] = None, limit: int = _LIMIT) -> bytes:
    """The backup's bytes once it is proved ours; ``unverified`` (the file's path or name) accepts that one file as it is."""
    if unverified and unverified in (path, os.path.basename(path)):
        try:
            with open(path, "rb") as handle:
                return handle.read(limit)
        except OSError as exc:
            raise ValueError("state restored: %s cannot be read (%s)" % (path, exc.strerror or exc))
    try:
        data = _read_ours(path, limit)
        if key is None:
            raise ValueError("no backup key was given to check it with (backup_key)")
        try:
            sidecar = _read_ours(path + MAC_SUFFIX, 256).decode("ascii")
        except UnicodeDecodeError:
            raise ValueError("its MAC file is not ours")
        except ValueError as exc:
            raise ValueError("its MAC file is missing or not ours (%s)" % exc)
        if not hmac.compare_digest(sidecar, mac(key, path, data)):
            raise ValueError("its MAC does not match (altered, renamed, or written under another backup key)")
    except ValueError as exc:
        raise _refusal(path, str(exc))
    return data


@contextlib.contextmanager
def verified(path: str, key: Optional[bytes], unverified: Optional[str] = None) -> Iterator[str]:
    """A private copy of a proved backup, for a store of its kind to read; removed afterwards."""
    data = verified_bytes(path, key, unverified)
    folder = tempfile.mkdtemp(prefix="mailconfig-restore-")
    try:
        copy = os.path.join(folder, os.path.basename(path))
        with os.fdopen(os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(data)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)
