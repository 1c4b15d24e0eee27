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
import datetime
import os
import sqlite3
from typing import Optional
from urllib.parse import quote

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file, _file_attributes
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import text_value
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._path import store_path
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    ABSENT, Outcome, Plan, ReadBackMismatch, Snapshot, Store, StoreChanged, StoreError, changes, diff_text, intended, key_lines, read_back_mismatch,
    os_cause, secret_texts, unexpected)

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

    def read(self, plan: Plan) -> Snapshot:
        """Our rows as the table holds them now, read without a write lock."""
        path, table, columns = store_path(KIND, self.options), self.options["table"], self.options["columns"]
        if _atomic_file.existing_stat(path) is None:
            return Snapshot(False, {}, changes(plan, {}, text_value, _same))
        try:
            db = sqlite3.connect("file:%s?mode=ro" % quote(os.path.abspath(path)), uri=True, timeout=self.options["lock_timeout"])
            try:
                has_table = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
                current = _read(db, table, columns, plan.values) if has_table else {}
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise StoreError(KIND, path, _cause(exc, self.options))
        except ValueError as exc:
            raise StoreError(KIND, path, str(exc))
        return Snapshot(bool(has_table), current, changes(plan, current, text_value, _same))

    def apply(self, plan: Plan, attributes: _file_attributes.Attributes, backup: bool, check_mode: bool,
              expected: Optional[Snapshot] = None) -> Outcome:
        """Bring the settings table to ``plan`` in one transaction (rolled back in check mode)."""
        return _apply(plan, self.options, attributes, backup, check_mode, expected)


def _apply(plan, store, attributes, backup, check_mode, expected):
    path = store_path(KIND, store)
    store = dict(store, path=path)
    try:
        existing = _atomic_file.existing_stat(path)
    except OSError as exc:
        raise StoreError(KIND, path, "cannot open it: %s" % os_cause(exc))
    if existing is None:
        if plan.state == "absent":
            return Outcome(False, "", "", None)
        if not store["create"]:
            raise StoreError(KIND, path, "does not exist (set store.create: true to create it)")
    connection, created, done = None, False, False
    try:
        connection, created = _connect(path, store, attributes, existing is not None, check_mode)
        outcome = _transaction(connection, plan, store, backup and existing is not None, check_mode, expected)
        done = True
    except sqlite3.Error as exc:
        raise StoreError(KIND, path, _cause(exc, store))
    except ValueError as exc:
        raise StoreError(KIND, path, str(exc))
    except OSError as exc:  # creating the file, or the backup beside it
        raise StoreError(KIND, path, "cannot write it: %s" % os_cause(exc))
    finally:
        if connection is not None:
            connection.close()
        if created and not done:
            os.unlink(path)  # a failed first run leaves no empty database behind
    if existing is not None and _file_attributes.differ(attributes, existing):
        if not check_mode:
            fd = _atomic_file.open_no_follow(path)
            try:
                _file_attributes.apply(fd, attributes)
            finally:
                os.close(fd)
        outcome = outcome._replace(changed=True)
    return outcome


def _transaction(db, plan, store, backup, check_mode, expected):
    path, table, columns = store["path"], store["table"], store["columns"]
    db.execute("BEGIN" if check_mode else "BEGIN IMMEDIATE")  # check mode: a read transaction
    try:
        has_table = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
        if not has_table and plan.state == "present" and not store["create"]:
            raise StoreError(KIND, path, "has no table %s (set store.create: true to create it)" % table)
        current = _read(db, table, columns, plan.values) if has_table else {}
        if unexpected(expected, current):
            raise StoreChanged(KIND, path)
        todo = changes(plan, current, text_value, _same)
        contact = _contact(db, store, plan.contact_email)
        changed = bool(todo) or (contact is not None and contact.needed)
        backup_file = None
        if changed and backup and not check_mode:
            backup_file = _backup(path)
        if todo and not has_table and not check_mode:
            db.execute("CREATE TABLE %s (%s TEXT NOT NULL, %s TEXT NOT NULL, %s TEXT, %s TEXT, PRIMARY KEY (%s, %s))" % (
                _name(table), _name(columns["section"]), _name(columns["key"]), _name(columns["value"]),
                _name(columns["updated_at"]), _name(columns["section"]), _name(columns["key"])))
        if not check_mode:
            _write(db, table, columns, todo, current)
        if contact is not None and contact.needed and not check_mode:
            options = contact.options
            db.execute("UPDATE %s SET %s = ? WHERE %s = ?" % (_name(options["table"]), _name(options["email_column"]), _name(options["key_column"])),
                       (contact.new, options["key_value"]))
        wrong = read_back_mismatch(intended(plan, current, todo), _read(db, table, columns, plan.values), _same) if todo and not check_mode else []
        if wrong:
            raise ReadBackMismatch(KIND, path, wrong)  # the ROLLBACK below puts our previous values back
        before, after = _diff_text(plan, current, todo, contact)
        db.execute("ROLLBACK" if check_mode else "COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return Outcome(changed, before, after, backup_file)


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
    """A consistent copy of the database beside it, with its owner, group and mode; returns its name."""
    name = _atomic_file.backup_name(path)
    temp = name + _atomic_file.TEMP_SUFFIX  # renamed into place only once complete: never a torn backup
    os.close(_atomic_file.create_new(temp, _atomic_file.backup_attributes(os.stat(path))))
    try:
        source = sqlite3.connect("file:%s?mode=ro" % quote(os.path.abspath(path)), uri=True)
        target = sqlite3.connect(temp)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        os.replace(temp, name)
    except BaseException:
        os.unlink(temp)  # a partial copy still holds the secrets
        raise
    _atomic_file.fsync_directory(os.path.dirname(os.path.abspath(path)))
    return name
