# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups of database rows: JSON files on the host that runs the module, one folder for every database store.

A database store has no file to copy, so it keeps the previous rows of what it changes as
JSON, mode 0600, named by a prefix (server, database, table, which account), a row number and
the UTC time, pending until the change is committed, then authenticated with a MAC
(``_backup_trust``). The MySQL and PostgreSQL stores share these helpers.
"""

import datetime
import hashlib
import json
import os
import re
from typing import List, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file

DEFAULT_FOLDER = "~/.mailconfig/backups"
_NAME = re.compile(r"\d+\.(\d{8}T\d{6}\.\d{6}Z)\.json")  # after the prefix: row number, UTC time
LIMIT = 1 << 20  # bytes read from a row backup


def folder(backup_dir: Optional[str]) -> str:
    """Where row backups live (``store.backup_dir``, else the default), on the host that runs the module."""
    return os.path.expanduser(backup_dir or DEFAULT_FOLDER)


def found(where: str, prefix: str) -> List[str]:
    """The row backups in ``where`` whose names start with ``prefix``, oldest first."""
    if not os.path.isdir(where):
        return []
    names = [name for name in os.listdir(where) if name.startswith(prefix) and _NAME.fullmatch(name[len(prefix) :])]
    return [
        os.path.join(where, name)
        for name in sorted(names, key=lambda name: _NAME.fullmatch(name[len(prefix) :]).group(1))
    ]


def prune(backups: List[str], keep: int) -> None:
    """Delete all but the newest ``keep`` of ``backups`` (oldest first; 0 keeps all)."""
    for name in backups[:-keep] if keep > 0 else []:
        _atomic_file.remove_backup(name)


def pending(where: str, prefix: str, number: int, record: dict) -> _atomic_file.PendingBackup:
    """``record`` written as JSON under a temporary name, mode 0600, kept once the change is committed."""
    os.makedirs(where, mode=0o700, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    name = os.path.join(where, "%s%d.%s.json" % (prefix, number, stamp))
    return _atomic_file.pending_backup(name, json.dumps(record, indent=1, sort_keys=True).encode("utf-8"))


def plain(value: object) -> object:
    """A column value as JSON keeps it: numbers, text and None as they are, anything else as text."""
    return value if isinstance(value, (int, str)) or value is None else str(value)


def safe_name(*parts, limit: int = 120) -> str:
    """``parts`` joined into one file or lock name: only letters, digits, ``._-`` kept, never ``..``; a hash of
    the original parts is added when anything was replaced or the name is longer than ``limit`` (so two stores
    never share one)."""
    raw = "_".join(str(part) for part in parts)
    clean = re.sub(r"\.\.+", "-", re.sub(r"[^A-Za-z0-9._-]", "-", raw))
    if clean == raw and len(clean) <= limit:
        return clean
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]
    return "%s_%s" % (clean[: limit - 13], digest)
