# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SQLite store: rows ``(section, key, value, updated_at)`` in an application's settings table.

A key ``email.outgoing.host`` is the row ``section='email', key='outgoing.host'``.
Everything happens in one ``BEGIN IMMEDIATE`` transaction (the busy timeout waits for
other writers): read our rows (and refuse to go on when they are not what ``read``
saw), compute the change, write only the rows whose value changes (so only they get a
new ``updated_at``), update the practice contact record when asked, read our rows back
(a trigger of the application's may rewrite them: then ROLLBACK, which puts back our
previous values and nothing else, since no one else can write meanwhile), then COMMIT.
Check mode opens the database read-only and computes the same change in a read
transaction, so it needs no write permission and never blocks a writer. Rows that are
not ours are never read into the change nor touched.
"""

import collections
import contextlib
import datetime
import os
import sqlite3
from typing import Iterator, List, Optional, Tuple
from urllib.parse import quote

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file, _file_attributes
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_lock import DirectoryLock, LockTimeout
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import text_value
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._path import refuse_unwritable, store_path
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    ABSENT, Plan, Session, Store, StoreError, changes, diff_text, intended, key_lines, read_back_mismatch, os_cause, secret_texts)

KIND = "SQLite"

# options: store.contact; stored: the address it holds now; needed: whether any matching row differs.
_Contact = collections.namedtuple("_Contact", "options stored new needed")


def _name(identifier):
    """An SQL identifier, quoted (table and column names come from the task, not from code)."""
    return '"%s"' % identifier.replace('"', '""')


def _split(key):
    if "." not in key:
        raise ValueError("key %s has no section part: key_map it to section.name" % key)
    return tuple(key.split(".", 1))


def _same(old, new):
    """The stored value reads as ``new``; an application's INTEGER 587 counts as ``"587"``."""
    if old is None or new is None:
        return old is None and new is None
    return str(old) == new


def _cause(exc, store):
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith("SQLITE_BUSY") or "database is locked" in str(exc):
        return "locked by another writer for more than %g s" % store["lock_timeout"]
    if name == "SQLITE_NOTADB" or "file is not a database" in str(exc):
        return "is not a SQLite database"
    if name.startswith("SQLITE_CORRUPT"):
        return "the database is corrupt (%s)" % exc
    if name.startswith("SQLITE_READONLY"):
        return "cannot write it (%s)" % exc
    return str(exc)


def _connect(path, store, attributes, exists, check_mode):
    """Open the database (a scratch one in check mode when there is no file yet); returns ``(connection, created)``.

    Check mode opens it read-only: it needs no write permission and takes no write lock.
    """
    if not exists and check_mode:
        return sqlite3.connect(":memory:", isolation_level=None), False
    created = False
    if not exists:
        os.close(_atomic_file.create_new(path, _file_attributes.for_file(attributes, None)))
        created = True
    else:
        try:
            # a clear errno, which sqlite3 would turn into "unable to open"; never through a swapped-in link
            os.close(_atomic_file.open_no_follow(path, os.O_RDONLY if check_mode else os.O_RDWR))
        except IsADirectoryError:
            raise StoreError(KIND, path, "is a directory, not a database file")
        except OSError as exc:
            purpose = "reading" if check_mode else "writing"
            raise StoreError(KIND, path, "cannot open it for %s: %s" % (purpose, os_cause(exc)))
    uri = "file:%s?mode=%s" % (quote(os.path.abspath(path)), "ro" if check_mode else "rw")
    return sqlite3.connect(uri, uri=True, timeout=store["lock_timeout"], isolation_level=None), created


class SqliteStore(Store):
    """A settings table in an application's SQLite database; the default store."""

    NAME = "sqlite"
    KIND = KIND
    DESCRIPTION = "rows of a settings table in a SQLite database"
    CONTACT = True
    OPTIONS = dict(
        table=dict(type="str", default="settings"),
        columns=dict(type="dict", default={}, apply_defaults=True, options=dict(
            section=dict(type="str", default="section"),
            key=dict(type="str", default="key", no_log=False),
            value=dict(type="str", default="value"),
            updated_at=dict(type="str", default="updated_at"),
        )),
        contact=dict(type="dict", options=dict(
            table=dict(type="str", required=True),
            key_column=dict(type="str", required=True, no_log=False),
            key_value=dict(type="raw", required=True, no_log=False),
            email_column=dict(type="str", required=True),
        )),
    )

    def summary(self) -> dict:
        return dict(super().summary(), table=self.options["table"])

    def diff_header(self) -> str:
        return "%s (table %s)" % (self.location, self.options["table"])

    @contextlib.contextmanager
    def transaction(self, plan: Plan, attributes: Optional[_file_attributes.Attributes], check_mode: bool) -> Iterator[Optional[Session]]:
        """One ``BEGIN IMMEDIATE`` transaction (a read transaction on a read-only connection in check mode).

        A first run creates the file; when it fails, no empty database is left behind.
        """
        path = store_path(KIND, self.options)
        options = dict(self.options, path=path)
        try:
            existing = _atomic_file.existing_stat(path)
        except OSError as exc:
            raise StoreError(KIND, path, "cannot open it: %s" % os_cause(exc))
        if existing is None and plan.state == "absent":
            yield None
            return
        if existing is None and not options["create"]:
            raise StoreError(KIND, path, "does not exist (set store.create: true to create it)")
        with contextlib.ExitStack() as lock:
            yield from self._transaction(lock, plan, options, attributes, existing, check_mode)

    def _transaction(self, lock, plan, options, attributes, existing, check_mode):
        """The transaction of ``transaction``; outside check mode first the directory lock that file stores take too, held
        until the backup is kept (COMMIT ends SQLite's own lock; the next run deletes pending backups it finds)."""
        path = options["path"]
        connection, created, session = None, False, None
        try:
            if not check_mode:
                lock.enter_context(DirectoryLock(os.path.dirname(os.path.abspath(path)), options["lock_timeout"]))
            connection, created = _connect(path, options, attributes, existing is not None, check_mode)
            connection.execute("BEGIN" if check_mode else "BEGIN IMMEDIATE")
            session = _SqliteSession(connection, plan, options, attributes, existing, check_mode)
            yield session
        except sqlite3.Error as exc:
            raise StoreError(KIND, path, _cause(exc, options))
        except (ValueError, LockTimeout) as exc:
            raise StoreError(KIND, path, str(exc))
        except OSError as exc:  # creating the file, or the backup beside it
            raise StoreError(KIND, path, "cannot write it: %s" % os_cause(exc))
        finally:
            if connection is not None:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                connection.close()
            if created and not (session and session.committed):
                os.unlink(path)  # a failed first run leaves no empty database behind


class _SqliteSession(Session):
    """Our rows inside the transaction; ROLLBACK (on leaving uncommitted) puts back our previous values and nothing else."""

    def __init__(self, db, plan, store, attributes, existing, check_mode):
        self.db, self.plan, self.store, self.attributes, self.existing = db, plan, store, attributes, existing
        self.path, self.table, self.columns = store["path"], store["table"], store["columns"]
        self.exists = existing is not None
        self.has_table = bool(db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (self.table,)).fetchone())
        self.exists = self.exists and self.has_table
        self.committed = False
        if not self.has_table and existing is not None and plan.state == "present" and not store["create"]:
            raise StoreError(KIND, self.path, "has no table %s (set store.create: true to create it)" % self.table)
        self.contact = _contact(db, store, plan.contact_email)
        if not check_mode:
            _atomic_file.remove_stale_temps(self.path)  # a killed run's pending backups (BEGIN IMMEDIATE is our lock)

    def read(self) -> dict:
        return _read(self.db, self.table, self.columns, self.plan.values) if self.has_table else {}

    def changes(self, current: dict) -> dict:
        return changes(self.plan, current, text_value, _same)

    def other_changes(self) -> bool:
        contact = self.contact is not None and self.contact.needed
        return contact or (self.existing is not None and self.attributes is not None and _file_attributes.differ(self.attributes, self.existing))

    def diff(self, current: dict, todo: dict) -> Tuple[str, str]:
        return _diff_text(self.plan, current, todo, self.contact)

    def check_writable(self, current: dict, todo: dict) -> None:
        refuse_unwritable(KIND, self.path, self.existing is not None)
        del current, todo  # whether the store can be written at all

    def backup(self) -> Optional[_atomic_file.PendingBackup]:
        return _backup(self.path)

    def write(self, current: dict, todo: dict) -> None:
        if todo and not self.has_table:
            columns = self.columns
            self.db.execute("CREATE TABLE %s (%s TEXT NOT NULL, %s TEXT NOT NULL, %s TEXT, %s TEXT, PRIMARY KEY (%s, %s))" % (
                _name(self.table), _name(columns["section"]), _name(columns["key"]), _name(columns["value"]),
                _name(columns["updated_at"]), _name(columns["section"]), _name(columns["key"])))
        _write(self.db, self.table, self.columns, todo, current)
        if self.contact is not None and self.contact.needed:
            options = self.contact.options
            self.db.execute("UPDATE %s SET %s = ? WHERE %s = ?" % (
                _name(options["table"]), _name(options["email_column"]), _name(options["key_column"])), (self.contact.new, options["key_value"]))

    def read_back(self, current: dict, todo: dict) -> List[str]:
        """Our rows read again in the transaction (a trigger of the application's may rewrite them)."""
        return read_back_mismatch(intended(self.plan, current, todo), _read(self.db, self.table, self.columns, self.plan.values), _same)

    def commit(self) -> None:
        """The owner and mode first: when they cannot be given, nothing is committed (ROLLBACK), as the error says."""
        if self.existing is not None and self.attributes is not None and _file_attributes.differ(self.attributes, self.existing):
            fd = _atomic_file.open_no_follow(self.path)
            try:
                _file_attributes.apply(fd, self.attributes)
            finally:
                os.close(fd)
        self.db.execute("COMMIT")
        self.committed = True


def _read(db, table, columns, keys):
    """Our keys' stored values (the first row of each)."""
    sections = sorted(set(_split(key)[0] for key in keys))
    rows = db.execute("SELECT %s, %s, %s FROM %s WHERE %s IN (%s)" % (
        _name(columns["section"]), _name(columns["key"]), _name(columns["value"]), _name(table),
        _name(columns["section"]), ", ".join("?" * len(sections))), sections)
    stored = {}
    for section, key, value in rows:
        stored.setdefault("%s.%s" % (section, key), value)
    return dict((key, stored[key]) for key in keys if key in stored)


def _write(db, table, columns, todo, current):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    where = "WHERE %s = ? AND %s = ?" % (_name(columns["section"]), _name(columns["key"]))
    for key, value in todo.items():
        section, name = _split(key)
        if value is ABSENT:
            db.execute("DELETE FROM %s %s" % (_name(table), where), (section, name))
        elif key in current:
            db.execute("UPDATE %s SET %s = ?, %s = ? %s" % (_name(table), _name(columns["value"]), _name(columns["updated_at"]), where),
                       (value, now, section, name))
        else:
            db.execute("INSERT INTO %s (%s, %s, %s, %s) VALUES (?, ?, ?, ?)" % (
                _name(table), _name(columns["section"]), _name(columns["key"]), _name(columns["value"]), _name(columns["updated_at"])),
                (section, name, value, now))


def _contact(db, store, email):
    """The practice contact record's change when it follows the account (``email`` given), else None."""
    if email is None:
        return None
    options = store["contact"]
    rows = db.execute("SELECT %s FROM %s WHERE %s = ?" % (_name(options["email_column"]), _name(options["table"]), _name(options["key_column"])),
                      (options["key_value"],)).fetchall()
    if not rows:
        raise StoreError(KIND, store["path"], "has no practice contact record in %s where %s = %s" % (
            options["table"], options["key_column"], options["key_value"]))
    return _Contact(options, rows[0][0], email, any(row[0] != email for row in rows))


def _diff_text(plan, current, todo, contact):
    """``section.key = value`` lines of our keys before and after, secrets masked."""
    before, after = key_lines(plan, current, todo)
    if contact is not None:
        options = contact.options
        label = "%s[%s=%s].%s" % (options["table"], options["key_column"], options["key_value"], options["email_column"])
        before.append("%s = %s" % (label, contact.stored or ""))
        after.append("%s = %s" % (label, contact.new))
    secrets = secret_texts(plan, current)
    return tuple(scrub(diff_text(lines), secrets) for lines in (before, after))


def _backup(path):
    """A consistent copy of the database beside it, pending until the change is committed (never a torn backup).

    SQLite writes the copy by name; its bytes are read back through the descriptor that created the file, so the
    MAC covers our copy even if another file is put under that name meanwhile."""
    name = _atomic_file.backup_name(path)
    temp = _atomic_file.pending_name(name)
    fd = _atomic_file.create_new(temp, _atomic_file.backup_attributes())
    try:
        source = sqlite3.connect("file:%s?mode=ro" % quote(os.path.abspath(path)), uri=True)
        target = sqlite3.connect(temp)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read()
    except BaseException:
        os.unlink(temp)  # a partial copy still holds the secrets
        raise
    finally:
        os.close(fd)
    return _atomic_file.PendingBackup(temp, name, data)
