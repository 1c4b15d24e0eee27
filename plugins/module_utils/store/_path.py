# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Store paths that another local user could redirect are refused, unless ``store.follow`` says the link is intended.

The module often runs as root while the application's own, less privileged user can
write the application's folder. Were a symlink followed there, that user could point
the store at any file and have root rewrite (or chown) it. So by default a store path
whose last component is a symlink is refused, and so is a path through a symlinked
directory that a user other than root and the store's owner could replace. Files
are then opened with ``O_NOFOLLOW`` and replaced by rename, so a link swapped in
between this check and the write is not followed either.
"""

import os
import stat
from typing import Any, Dict

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError, os_cause

NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_HINT = " (set store.follow: true if the link is intended and only trusted users can change it)"


def _replaceable(directory, link_uid, trusted):
    """Whether a user outside ``trusted`` can replace an entry (owned by ``link_uid``) of ``directory``."""
    info = os.stat(directory)
    if info.st_uid not in trusted:
        return True
    others_write = info.st_mode & stat.S_IWOTH or (info.st_mode & stat.S_IWGRP and info.st_gid != 0)
    protected = info.st_mode & stat.S_ISVTX and link_uid in trusted  # sticky: only the link's owner may replace it
    return bool(others_write) and not protected


def refuse_redirectable(kind: str, path: str, follow: bool) -> None:
    """Raise StoreError when ``path`` goes through a symlink that is not safe to follow; nothing when ``follow``."""
    if follow:
        return
    path = os.path.abspath(path)
    try:
        last = os.lstat(path)
    except FileNotFoundError:
        last = None
    except OSError as exc:
        raise StoreError(kind, path, "cannot inspect it: %s" % os_cause(exc))
    if last is not None and stat.S_ISLNK(last.st_mode):
        raise StoreError(kind, path, "is a symbolic link; it is not followed%s" % _HINT)
    trusted = {0, os.geteuid()} | ({last.st_uid} if last is not None else set())
    reached = os.sep
    for part in os.path.dirname(path).split(os.sep):
        if not part:
            continue
        candidate = os.path.join(reached, part)
        try:
            info = os.lstat(candidate)
        except OSError:
            return  # a missing directory is reported by the store itself
        if stat.S_ISLNK(info.st_mode):
            if _replaceable(reached, info.st_uid, trusted):
                raise StoreError(
                    kind,
                    path,
                    "its directory is reached through the symbolic link %s, which a user other than "
                    "root and the store's owner could replace%s" % (candidate, _HINT),
                )
            candidate = os.path.realpath(candidate)
        reached = candidate


def store_path(kind: str, options: Dict[str, Any]) -> str:
    """The path to work on: the link's target with ``store.follow``, else the path itself once it passed the check."""
    if options.get("follow"):
        return os.path.realpath(options["path"])
    refuse_redirectable(kind, options["path"], False)
    return options["path"]


def refuse_unwritable(kind: str, path: str, exists: bool) -> None:
    """In check mode, fail as the real run would when the store cannot be written (its folder, or the file itself)."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise StoreError(kind, path, "cannot write it: its directory %s does not exist" % directory)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise StoreError(
            kind, path, "cannot write it: permission denied (its directory %s is not writable by this user)" % directory
        )
    if exists and not os.access(path, os.W_OK):
        raise StoreError(kind, path, "cannot write it: permission denied")
