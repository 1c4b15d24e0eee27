# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The primitives of a store kept in a text file, whatever its format.

The directory lock is the transaction: it wraps the whole read-compare-write of
``Store.apply``, so two writers never lose each other's keys. Check mode takes no lock and
writes nothing: it only reads, and a reader always sees a whole file because writers
replace it by rename. A format (``JsonStore``, ``IniStore``) is a ``FileStore`` that
supplies parse/current/encode/same/edit/escaped.
"""

import contextlib
import errno
import os
from typing import Any, Iterable, Iterator, List, Optional, Set, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file, _file_attributes

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_lock import DirectoryLock, LockTimeout
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import text_value
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._path import refuse_unwritable, store_path
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    Plan, Session, Store, StoreError, call_before_read_back, changes, diff_text, intended, key_lines, os_cause, read_back_mismatch,
    secret_texts, undo)


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

    @contextlib.contextmanager
    def transaction(self, plan: Plan, attributes: Optional[_file_attributes.Attributes], check_mode: bool) -> Iterator[Optional[Session]]:
        """The directory lock (none in check mode: a reader always sees a whole file) around a ``_FileSession``.

        A symlinked store is refused (store/_path.py) unless ``store.follow``; then the
        file it points to is replaced (and locked), never the link itself.
        """
        path = store_path(self.KIND, self.options)
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise StoreError(self.KIND, path, "its directory %s does not exist" % directory)
        lock = contextlib.nullcontext() if check_mode else DirectoryLock(directory, self.options["lock_timeout"])
        try:
            with lock:
                text = read_text(self.KIND, path)
                if text is None and plan.state == "absent":
                    yield None
                    return
                if text is None and not self.options["create"]:
                    raise StoreError(self.KIND, path, "does not exist (set store.create: true to create it)")
                try:
                    yield _FileSession(self, plan, path, text, attributes, check_mode)
                except ValueError as exc:
                    raise StoreError(self.KIND, path, str(exc))
                except OSError as exc:
                    raise StoreError(self.KIND, path, "cannot write it: %s" % os_cause(exc))
        except LockTimeout as exc:
            raise StoreError(self.KIND, path, str(exc))
        except PermissionError as exc:  # opening the directory for the lock
            raise StoreError(self.KIND, path, "cannot lock its directory: %s" % os_cause(exc))


class _FileSession(Session):
    """The file as read under the lock; the write replaces it by rename, the undo writes it once more."""

    def __init__(self, fmt: FileStore, plan: Plan, path: str, text: Optional[str], attributes, check_mode: bool) -> None:
        self.fmt, self.plan, self.path, self.text, self.attributes = fmt, plan, path, text, attributes
        self.exists = text is not None
        self.document = fmt.parse(text)
        self.existing = _atomic_file.existing_stat(path) if self.exists else None
        self.written = None  # the document read back after the write
        if not check_mode:
            _atomic_file.remove_stale_temps(path)  # a killed writer's temp files, pending backups included

    def read(self) -> dict:
        return self.fmt.current(self.document, self.plan.values)

    def changes(self, current: dict) -> dict:
        return changes(self.plan, current, self.fmt.encode, self.fmt.same)

    def other_changes(self) -> bool:
        return self.existing is not None and self.attributes is not None and _file_attributes.differ(self.attributes, self.existing)

    def diff(self, current: dict, todo: dict) -> Tuple[str, str]:
        """Our keys only, each secret as the mask; scrub() is the second line of defence."""
        secrets = secret_texts(self.plan, current)
        forms = set(form for secret in secrets for form in self.fmt.escaped(secret))
        before, after = key_lines(self.plan, current, todo, self.fmt.display)
        return scrub(diff_text(before), secrets, forms), scrub(diff_text(after), secrets, forms)

    def check_writable(self, current: dict, todo: dict) -> None:
        refuse_unwritable(self.fmt.KIND, self.path, self.exists)
        del current, todo  # whether the store can be written at all

    def backup(self) -> Optional[_atomic_file.PendingBackup]:
        return _atomic_file.backup(self.path)

    def write(self, current: dict, todo: dict) -> None:
        if todo:
            _atomic_file.write(self.path, self.fmt.edit(self.document, todo).encode("utf-8"), self.attributes)
            return
        fd = _atomic_file.open_no_follow(self.path)  # only the owner, group or mode change
        try:
            _file_attributes.apply(fd, self.attributes)
        finally:
            os.close(fd)

    def read_back(self, current: dict, todo: dict) -> List[str]:
        """Read the written file again through the format."""
        call_before_read_back(self.path)
        try:
            self.written = self.fmt.parse(read_text(self.fmt.KIND, self.path))
        except ValueError as exc:
            raise StoreError(self.fmt.KIND, self.path, "cannot read it back after writing (%s)" % exc)
        return read_back_mismatch(intended(self.plan, current, todo), self.fmt.current(self.written, self.plan.values), self.fmt.same)

    def undo(self, current: dict, todo: dict) -> None:
        _atomic_file.write(self.path, self.fmt.edit(self.written, undo(current, todo)).encode("utf-8"), self.attributes)
