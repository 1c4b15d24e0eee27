# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep a replaced file's SELinux context, as Ansible's ``module.atomic_move`` does.

A store file is replaced by renaming a temp file over it; without this the file would
take the temp file's context (the directory's default) and a confined application could
lose access to its own settings. The context is the ``security.selinux`` extended
attribute, read and written with the standard library. A new file keeps the context
SELinux gives a new file in its directory: ``atomic_move`` asks libselinux for the
policy's default for the path, which the standard library cannot; run ``restorecon``
where a path rule differs from the directory's.
"""

import errno
import os
from typing import Optional

ATTRIBUTE = "security.selinux"
# No SELinux label here: no such attribute, a file system or kernel without extended attributes.
_UNLABELLED = (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP)


def of(path: str) -> Optional[bytes]:
    """The SELinux context of ``path`` (bytes), or None where it has none or does not exist."""
    try:
        return os.getxattr(path, ATTRIBUTE)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in _UNLABELLED:
            return None
        raise


def give(fd: int, context: Optional[bytes]) -> None:
    """Label the open file ``fd`` with ``context`` (None: leave its default)."""
    if context is not None:
        os.setxattr(fd, ATTRIBUTE, context)
