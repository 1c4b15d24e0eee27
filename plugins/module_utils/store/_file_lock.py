# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An advisory ``flock`` on a directory, taken with a timeout.

File stores replace the file by renaming a new one over it, so a lock on the file
itself would be held on an inode that is about to disappear. The directory stays,
exists before the file does, and needs no lock file left beside the application's
config. Only writers that take the same lock (ours) are serialised.
"""

import fcntl
import os
import time


class LockTimeout(Exception):
    """Another writer held the lock for longer than the timeout."""


class DirectoryLock(object):
    """Context manager: exclusive lock on ``directory``, waiting at most ``timeout`` seconds."""

    def __init__(self, directory, timeout):
        self.directory = directory
        self.timeout = timeout
        self._fd = None

    def __enter__(self):
        self._fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        deadline = time.monotonic() + self.timeout
        pause = 0.001
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    os.close(self._fd)
                    self._fd = None
                    raise LockTimeout("locked by another writer for more than %g s" % self.timeout)
                time.sleep(min(pause, remaining))
                pause = min(pause * 2, 0.05)

    def __exit__(self, *exc_info):
        os.close(self._fd)  # closing the descriptor releases the lock
        self._fd = None
