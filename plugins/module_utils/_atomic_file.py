# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replace a file so that a reader, or a crash, only ever sees the old or the new content.

The new content goes to a temp file in the same directory (same file system, so the
rename is atomic), gets its owner and mode before any data, is fsynced, renamed over
the old file, and the directory is fsynced so the rename itself survives a power cut.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import errno
import os
import stat
import tempfile

from ansible_collections.mailops.mailconfig.plugins.module_utils import _file_attributes

TEMP_SUFFIX = ".mailconfig-tmp"


def _temp_prefix(path):
    return "." + os.path.basename(path) + "."


def fsync_directory(directory):
    """Make a rename or a new entry in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def existing_stat(path):
    """The file's ``os.lstat``, or None when there is no file yet; ELOOP for a symlink (never followed here)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
    return info


def open_no_follow(path, flags=os.O_RDONLY):
    """A descriptor for ``path`` that is never a symlink's target (O_NOFOLLOW): a link swapped in fails with ELOOP."""
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))


def write(path, data, attributes):
    """Atomically replace ``path`` with the bytes ``data``; see _file_attributes for owner/group/mode."""
    directory = os.path.dirname(os.path.abspath(path))
    final = _file_attributes.for_file(attributes, existing_stat(path))
    fd, temp = tempfile.mkstemp(dir=directory, prefix=_temp_prefix(path), suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
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


def remove_stale_temps(path):
    """Delete temp files a killed writer left beside ``path``; call only while holding the store lock."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = _temp_prefix(path)
    for name in os.listdir(directory):
        if name.startswith(prefix) and name.endswith(TEMP_SUFFIX):
            os.unlink(os.path.join(directory, name))


def backup_name(path):
    """A new timestamped name beside ``path`` for a backup copy."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    return "%s.%s.bak" % (path, stamp)


def create_new(name, attributes):
    """Create the empty file ``name`` (never an existing one) with final ``attributes``; return its descriptor."""
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    _file_attributes.apply(fd, attributes)
    return fd


def backup(path):
    """Copy ``path`` to a timestamped file beside it with the same owner, group and mode; return its name.

    Written like the store itself (temp file, rename), so a crash never leaves a
    torn backup that looks complete.
    """
    with os.fdopen(open_no_follow(path), "rb") as source:
        data = source.read()
        original = os.fstat(source.fileno())
    name = backup_name(path)
    write(name, data, _file_attributes.for_file(_file_attributes.KEEP, original))
    return name
