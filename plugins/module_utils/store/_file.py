# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read, compare and write a store kept in a text file, whatever its format.

The directory lock wraps the whole read-compare-write, so two writers never lose
each other's keys. Check mode takes no lock and writes nothing: it only reads, and a
reader always sees a whole file because writers replace it by rename. A format
(``JsonStore``, ``IniStore``) is a ``FileStore`` that supplies
parse/current/encode/same/edit/escaped.
"""

import contextlib
import errno
import os
from typing import Any, Iterable, Optional, Set

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file, _file_attributes

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_lock import DirectoryLock, LockTimeout
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import text_value
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._path import store_path
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    Outcome, Plan, ReadBackMismatch, Snapshot, Store, StoreChanged, StoreError, call_before_read_back, changes, diff_text, intended, key_lines,
    os_cause, read_back_mismatch, secret_texts, undo, unexpected)


def read_text(kind: str, path: str) -> Optional[str]:
    """The file's text, or None when it does not exist."""
    try:
        with os.fdopen(_atomic_file.open_no_follow(path), "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise StoreError(kind, path, "is a directory, not a file")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreError(kind, path, "became a symbolic link during the run; it is not followed")
        raise StoreError(kind, path, "cannot read it: %s" % os_cause(exc))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StoreError(kind, path, "is not UTF-8 text (invalid byte at offset %d)" % exc.start)


class FileStore(Store):
    """A store kept in one text file; subclasses are the formats."""

    def parse(self, text: Optional[str]) -> Any:
        """The document in ``text`` (None: a new, empty one); ValueError when the format cannot read it."""
        raise NotImplementedError

    def current(self, document: Any, keys: Iterable[str]) -> dict:
        """Our keys present in the document, with their stored values."""
        raise NotImplementedError

    def encode(self, value: Any) -> Any:
        """A canonical value as this format stores it."""
        raise NotImplementedError

    def same(self, old: Any, new: Any) -> bool:
        """The stored value ``old`` already reads as ``new``."""
        raise NotImplementedError

    def edit(self, document: Any, todo: dict) -> str:
        """The file text after applying ``todo`` (key -> value or ABSENT); the document is not modified."""
        raise NotImplementedError

    def escaped(self, secret: str) -> Set[str]:
        """Every way ``secret`` can be spelled in the file, for scrubbing."""
        raise NotImplementedError

    def display(self, value: Any) -> Optional[str]:
        """A stored value as the diff shows it."""
        return text_value(value)

    def read(self, plan: Plan) -> Snapshot:
        """Our keys as the file holds them now; no lock is needed, since writers replace it by rename."""
        path = store_path(self.KIND, self.options)
        text = read_text(self.KIND, path)
        try:
            current = self.current(self.parse(text), plan.values)
        except ValueError as exc:
            raise StoreError(self.KIND, path, str(exc))
        return Snapshot(text is not None, current, changes(plan, current, self.encode, self.same))

    def apply(self, plan: Plan, attributes: _file_attributes.Attributes, backup: bool, check_mode: bool,
              expected: Optional[Snapshot] = None) -> Outcome:
        """Bring the file to ``plan``; return an Outcome.

        A symlinked store is refused (store/_path.py) unless ``store.follow``; then the
        file it points to is replaced (and locked), never the link itself.
        """
        return _apply(self, plan, dict(self.options, path=store_path(self.KIND, self.options)), attributes, backup, check_mode, expected)


def _read_back(fmt, plan, path, attributes, current, todo):
    """Read the written file again through the format; on a mismatch put back our previous values and fail."""
    call_before_read_back(path)
    try:
        document = fmt.parse(read_text(fmt.KIND, path))
        wrong = read_back_mismatch(intended(plan, current, todo), fmt.current(document, plan.values), fmt.same)
        if wrong:
            _atomic_file.write(path, fmt.edit(document, undo(current, todo)).encode("utf-8"), attributes)
    except ValueError as exc:
        raise StoreError(fmt.KIND, path, "cannot read it back after writing (%s)" % exc)
    if wrong:
        raise ReadBackMismatch(fmt.KIND, path, wrong)


def _apply(fmt, plan, store, attributes, backup, check_mode, expected):
    path = store["path"]
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise StoreError(fmt.KIND, path, "its directory %s does not exist" % directory)
    lock = contextlib.nullcontext() if check_mode else DirectoryLock(directory, store["lock_timeout"])
    try:
        with lock:
            return _apply_locked(fmt, plan, store, attributes, backup, check_mode, expected)
    except LockTimeout as exc:
        raise StoreError(fmt.KIND, path, str(exc))
    except PermissionError as exc:  # opening the directory for the lock
        raise StoreError(fmt.KIND, path, "cannot lock its directory: %s" % os_cause(exc))


def _apply_locked(fmt, plan, store, attributes, backup, check_mode, expected):
    path = store["path"]
    text = read_text(fmt.KIND, path)
    if text is None:
        if plan.state == "absent":
            return Outcome(False, "", "", None)
        if not store["create"]:
            raise StoreError(fmt.KIND, path, "does not exist (set store.create: true to create it)")
    try:
        document = fmt.parse(text)
        current = fmt.current(document, plan.values)
        if unexpected(expected, current):
            raise StoreChanged(fmt.KIND, path)
        todo = changes(plan, current, fmt.encode, fmt.same)
        new_text = fmt.edit(document, todo) if todo else text
    except ValueError as exc:
        raise StoreError(fmt.KIND, path, str(exc))

    existing = _atomic_file.existing_stat(path) if text is not None else None
    changed = bool(todo) or (existing is not None and _file_attributes.differ(attributes, existing))
    # The diff shows our keys only, each secret as the mask; scrub() is the second line of defence.
    secrets = secret_texts(plan, current)
    forms = set(form for secret in secrets for form in fmt.escaped(secret))
    before, after = key_lines(plan, current, todo, fmt.display)
    outcome = Outcome(changed, scrub(diff_text(before), secrets, forms), scrub(diff_text(after), secrets, forms), None)
    if not changed or check_mode:
        return outcome
    try:
        if not todo:
            fd = _atomic_file.open_no_follow(path)
            try:
                _file_attributes.apply(fd, attributes)
            finally:
                os.close(fd)
            return outcome
        backup_file = _atomic_file.backup(path) if backup and text is not None else None
        _atomic_file.remove_stale_temps(path)
        _atomic_file.write(path, new_text.encode("utf-8"), attributes)
        _read_back(fmt, plan, path, attributes, current, todo)
    except OSError as exc:
        raise StoreError(fmt.KIND, path, "cannot write it: %s" % os_cause(exc))
    return outcome._replace(backup_file=backup_file)
