# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replace a file so that a reader, or a crash, only ever sees the old or the new content.

The new content goes to a temp file in the same directory (same file system, so the
rename is atomic), gets its owner and mode before any data, is fsynced, renamed over
the old file, and the directory is fsynced so the rename itself survives a power cut.
The file it replaces keeps its SELinux context (``_security_context``).
"""

import datetime
import errno
import os
import re
import stat
import tempfile
from typing import List, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _backup_trust, _file_attributes, _security_context

TEMP_SUFFIX = ".mailconfig-tmp"
BACKUP_MODE = 0o600  # a backup holds the previous password: readable by its owner only
_BACKUP_STAMP = re.compile(r"\.\d{8}T\d{6}\.\d{6}Z\.bak$")


def _temp_prefix(path):
    return "." + os.path.basename(path) + "."


def fsync_directory(directory: str) -> None:
    """Make a rename or a new entry in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def existing_stat(path: str) -> Optional[os.stat_result]:
    """The file's ``os.lstat``, or None when there is no file yet; ELOOP for a symlink (never followed here)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
    return info


def open_no_follow(path: str, flags: int = os.O_RDONLY) -> int:
    """A descriptor for ``path`` that is never a symlink's target (O_NOFOLLOW): a link swapped in fails with ELOOP."""
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))


def write(path: str, data: bytes, attributes: _file_attributes.Attributes, like: Optional[str] = None) -> None:
    """Atomically replace ``path`` with the bytes ``data``; see _file_attributes for owner/group/mode.

    The new file gets the SELinux context of ``like`` (default: the file it replaces).
    """
    directory = os.path.dirname(os.path.abspath(path))
    final = _file_attributes.for_file(attributes, existing_stat(path))
    context = _security_context.of(like or path)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=_temp_prefix(path), suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            _security_context.give(handle.fileno(), context)
            _file_attributes.apply(handle.fileno(), final)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    fsync_directory(directory)


def remove_stale_temps(path: str) -> None:
    """Delete temp files a killed writer left beside ``path``, pending backups included; call only while holding the store lock."""
    remove_pending(os.path.dirname(os.path.abspath(path)), os.path.basename(path) + ".")


def remove_pending(directory: str, start: str) -> None:
    """Delete the temp files (``write``'s, ``pending_name``'s) in ``directory`` for names starting with ``start``:
    a killed run's; call only under the store's lock."""
    if not os.path.isdir(directory):
        return
    for name in os.listdir(directory):
        if name.startswith("." + start) and name.endswith(TEMP_SUFFIX):
            os.unlink(os.path.join(directory, name))


def backup_name(path: str) -> str:
    """A new timestamped name beside ``path`` for a backup copy."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return "%s.%s.bak" % (path, stamp)


def create_new(name: str, attributes: _file_attributes.Attributes) -> int:
    """Create the empty file ``name`` (never an existing one) with final ``attributes``; return its descriptor (read and write).

    When the attributes cannot be given (a chown without the right), the file is removed again.
    """
    fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _file_attributes.apply(fd, attributes)
    except BaseException:
        os.close(fd)
        os.unlink(name)
        raise
    return fd


def backup_attributes() -> _file_attributes.Attributes:
    """A backup belongs to the user the run writes as, mode 0600: a restore trusts no other (_backup_trust)."""
    return _file_attributes.Attributes(None, None, BACKUP_MODE)


class PendingBackup:
    """A backup written under a temporary name, put in place only once the change it precedes is committed.

    ``data`` is what was written: the MAC covers those bytes, never whatever lies under the temporary name by then
    (the folder may be writable by the application's user).
    """

    def __init__(self, temp: str, name: str, data: bytes) -> None:
        self.temp, self.name, self.data = temp, name, data

    def keep(self, key: Optional[bytes]) -> str:
        """Write its MAC (with ``key``), then rename it into place; returns its name."""
        if key is not None:
            write(self.name + _backup_trust.MAC_SUFFIX, _backup_trust.mac(key, self.name, self.data).encode("ascii"), backup_attributes())
        os.replace(self.temp, self.name)
        fsync_directory(os.path.dirname(os.path.abspath(self.name)))
        return self.name

    def discard(self) -> None:
        """Remove it: the change was not committed, so the store still holds what it holds."""
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass


def pending_name(name: str) -> str:
    """The temporary name of backup ``name`` until it is kept (a killed run's is removed as a stale temp)."""
    directory, base = os.path.split(name)
    return os.path.join(directory, "." + base + TEMP_SUFFIX)


def backed_up(name: str) -> Optional[str]:
    """The store path a backup ``name`` (from ``backup_name``) was made of; None for a backup named otherwise."""
    stamp = _BACKUP_STAMP.search(name)
    return name[:stamp.start()] if stamp else None


def backups(path: str) -> List[str]:
    """The backups of ``path`` made by ``backup``, oldest first (none when its folder does not exist)."""
    directory, base = os.path.split(os.path.abspath(path))
    if not os.path.isdir(directory):
        return []
    names = [name for name in os.listdir(directory) if name.startswith(base) and _BACKUP_STAMP.fullmatch(name[len(base):])]
    return [os.path.join(directory, name) for name in sorted(names)]


def remove_backup(name: str) -> None:
    """Delete a backup and its MAC."""
    for each in (name, name + _backup_trust.MAC_SUFFIX):
        try:
            os.unlink(each)
        except FileNotFoundError:
            pass


def prune_backups(path: str, keep: int) -> List[str]:
    """Delete the oldest backups of ``path`` beyond the newest ``keep``; return the names deleted."""
    old = backups(path)[:-keep] if keep > 0 else []
    for name in old:
        remove_backup(name)
    return old


def backup(path: str) -> PendingBackup:
    """Copy ``path`` to a pending backup beside it (the running user's, mode 0600), kept once the change is committed.

    Written like the store itself (temp file, fsync), so a crash never leaves a torn
    backup that looks complete.
    """
    with os.fdopen(open_no_follow(path), "rb") as source:
        data = source.read()
    return pending_backup(backup_name(path), data, _security_context.of(path))


def pending_backup(name: str, data: bytes, context: Optional[bytes] = None) -> PendingBackup:
    """``data`` written (fsynced) under the temporary name of backup ``name``, the running user's, mode 0600; removed
    again when the write fails (a partial copy still holds the secrets)."""
    temp = pending_name(name)
    fd = create_new(temp, backup_attributes())
    try:
        with os.fdopen(fd, "wb") as handle:
            _security_context.give(handle.fileno(), context)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(temp)
        raise
    return PendingBackup(temp, name, data)
