# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit trail on the controller: one JSON line per change a rollout makes, appended, never rewritten.

Each line is written with a single write() on a file opened for appending, under an
exclusive lock, then synced: concurrent runs (AWX slices on one controller) cannot
interleave or tear a line, and a crash leaves at most a whole line missing. Lines name
the settings keys that changed, never their values. Unless told otherwise the log lives in
the controller's state folder, with the lockout guard's memory: one trail for every run,
whether or not it wrote a report.
"""

from __future__ import annotations

import fcntl
import json
import os
from typing import Any, List, Mapping, Optional

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._lockout_guard import state_dir

FILE_NAME = "audit.jsonl"


def default_path() -> str:
    """``audit.jsonl`` in the controller's state folder (``MAILCONFIG_STATE_DIR``, else the XDG state home)."""
    return os.path.join(state_dir(), FILE_NAME)


def append(path: str, entry: Mapping[str, Any]) -> None:
    """Append ``entry`` as one line to the log at ``path`` (created 0640, its folder 0700)."""
    line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        written = os.write(descriptor, line)
        if written != len(line):
            raise OSError("audit log %s: short write (%d of %d bytes)" % (path, written, len(line)))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def changed_keys(result: Mapping[str, Any]) -> Optional[List[str]]:
    """Names of the settings keys an apply result changed: its own list, else read off the diff, else None."""
    if isinstance(result.get("changed_keys"), list):
        return sorted(str(key) for key in result["changed_keys"])
    diff = result.get("diff")
    if not isinstance(diff, dict):
        return None
    before, after = (_pairs(diff.get(side)) for side in ("before", "after"))
    return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))


def _pairs(text):
    """``key = value`` lines of a store diff as a mapping (values are already masked there)."""
    pairs = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition(" = ")
        if sep:
            pairs[key.strip()] = value
    return pairs
