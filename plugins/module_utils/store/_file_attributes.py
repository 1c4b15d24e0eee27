# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Owner, group and mode of a store file: asked for, kept, or 0600 for a new one.

A store file holds a password, so a file we create is 0600. An existing file keeps
its owner, group and mode unless the task sets them: the application that reads it
may run under its own user or group, and a rewrite must not lock it out.
"""

import collections
import grp
import os
import pwd
import stat
from typing import Optional, Union

NEW_FILE_MODE = 0o600

# uid, gid, mode: numbers, or None where the task did not ask.
Attributes = collections.namedtuple("Attributes", "uid gid mode")
KEEP = Attributes(None, None, None)


def _id(name, lookup, field, what):
    if name is None:
        return None
    text = str(name).strip()
    if text.isdigit():
        return int(text)
    try:
        return getattr(lookup(text), field)
    except KeyError:
        raise ValueError("unknown %s %s" % (what, text))


def _mode(mode):
    if mode is None or isinstance(mode, int):
        value = mode
    else:
        text = str(mode).strip()
        if not text or any(c not in "01234567" for c in text):
            raise ValueError("mode must be an octal number such as '0600', not %r" % text)
        value = int(text, 8)
    if value is not None and not 0 <= value <= 0o7777:
        raise ValueError("mode %o is out of range" % value)
    return value


def resolve(owner: Optional[str], group: Optional[str], mode: Optional[Union[str, int]]) -> Attributes:
    """Attributes from the task's owner/group names (or ids) and octal mode; ValueError when unknown."""
    return Attributes(
        _id(owner, pwd.getpwnam, "pw_uid", "user"), _id(group, grp.getgrnam, "gr_gid", "group"), _mode(mode)
    )


def for_file(attributes: Attributes, existing: Optional[os.stat_result]) -> Attributes:
    """The attributes a (re)written file gets, given the ``os.stat`` result of the file it replaces or None."""
    if existing is None:
        return Attributes(attributes.uid, attributes.gid, NEW_FILE_MODE if attributes.mode is None else attributes.mode)
    return Attributes(
        existing.st_uid if attributes.uid is None else attributes.uid,
        existing.st_gid if attributes.gid is None else attributes.gid,
        stat.S_IMODE(existing.st_mode) if attributes.mode is None else attributes.mode,
    )


def differ(attributes: Attributes, existing: os.stat_result) -> bool:
    """Whether an existing file lacks an owner, group or mode the task asked for."""
    return ((attributes.uid is not None and attributes.uid != existing.st_uid)
            or (attributes.gid is not None and attributes.gid != existing.st_gid)
            or (attributes.mode is not None and attributes.mode != stat.S_IMODE(existing.st_mode)))


def apply(target: Union[str, int], attributes: Attributes) -> None:
    """Set the asked-for attributes on ``target``, a path or an open descriptor."""
    if attributes.uid is not None or attributes.gid is not None:
        os.chown(
            target, -1 if attributes.uid is None else attributes.uid, -1 if attributes.gid is None else attributes.gid
        )
    if attributes.mode is not None:
        os.chmod(target, attributes.mode)
