# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mysql store's "row" layout: one row per account, chosen by a pointer row (Open Dental's ``emailaddress``).

The profile's ``account`` names the table, its key, the owner column that marks a practice's
own address and the pointers (the default address, a clinic's); a new row is inserted and
pointed at when the pointer names none or a row another clinic shares, and the profile's
reload signal is written for each changed table. Kept apart from the store so that a run on
another layout (OpenEMR's settings rows) does not compile it: on the target every module_utils
file is compiled from source on every run.
"""

from typing import List, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file, _sql_profile
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    Session,
    StoreError,
    call_before_read_back,
    diff_text,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql import (
    KIND, _name, refuse_too_long, row_backup, shown_column)

_NEW = "new"


class AccountRow(Session):
    """One transaction's view of the account row: the pointer, the row, and what a write would change."""

    def __init__(self, store, connection, profile, plan, wanted, cipher, secrets, check_mode):
        self.store, self.db, self.profile, self.plan = store, connection, profile, plan
        self.wanted, self.cipher, self.secrets = wanted, cipher, secrets
        self.account = profile["account"]
        self.clinic = store.options.get("clinic")
        self.committed = False
        self.dry = check_mode  # write statements match no row (_insert_row)
        self.spec, self.label, self.present, self.number = self._pointer(check_mode)
        self.row = self._current(self.number, self.label, check_mode) if self.number else None
        self.new_row = self.row is None or (self.clinic is not None and self._shared(self.number))
        for column in wanted:
            if self.row is not None and self.row.get(column) and profile["columns"][column].get("encoding") == "cipher":
                secrets.add(str(self.row[column]))

    def _rows(self, query, args=()):
        with self.db.cursor() as cursor:
            cursor.execute(query, args)
            return cursor.fetchall()

    def read(self) -> dict:
        return self._view(self.label, self.number, self.row)

    def changes(self, current: dict) -> dict:
        return self._new_row() if self.new_row else self._changes(self.row)

    def pending(self, current: dict, todo: dict) -> dict:
        return _sql_profile.changed_settings(self.profile, self.plan.values, todo, self.row is None)

    def diff(self, current: dict, todo: dict) -> Tuple[str, str]:
        return self._diff(self.row, todo, self.new_row, self.label, self.present, self.number)

    def check_writable(self, current: dict, todo: dict) -> None:
        """Run the write's statements matching no row: a missing privilege, a read-only server or a value too long
        shows now."""
        self.write(current, todo)

    def backup(self) -> Optional[_atomic_file.PendingBackup]:
        if self.row is None:
            return None
        return row_backup(
            self.store, {"pointer": self.label, "table": self.account["table"], "row": self.row}, self.number
        )

    def write(self, current: dict, todo: dict) -> None:
        refuse_too_long(self.store, self.profile, self.account["table"], todo)
        table = self.account["table"]
        if self.new_row and self.row is not None:
            self.store.notes.append(
                "%s row %d is shared with the default address or another clinic; clinic %s gets a row of its own"
                % (table, self.number, self.clinic)
            )
        if self.new_row:
            self.written = self._insert(todo)
            self._point(self.spec, self.present, self.written)
            self._signal({table, self.spec["table"]})
        else:
            self.written = self.number
            self._update(todo, self.number)
            self._signal({table})

    def read_back(self, current: dict, todo: dict) -> List[str]:
        return self._read_back(self.spec, self.written, todo, self.row)

    def commit(self) -> None:
        self.db.commit()
        self.committed = True

    def _view(self, label, number, current):
        """Our settings as stored (see ``MysqlStore.read``), each wanted column as stored, and the pointer."""
        view = dict(self.plan.values)
        view[label] = number
        for column in self.wanted:
            stored = None if current is None else current.get(column)
            view["%s.%s" % (self.account["table"], column)] = stored
            spec = self.profile["columns"][column]
            if "setting" in spec:
                if current is None:
                    view.pop(spec["setting"], None)
                elif spec.get("encoding") == "cipher":
                    view[spec["setting"]] = self._decrypted(column, stored, note=False)
                else:
                    view[spec["setting"]] = stored
        return view

    def _select_pointer(self, spec, key, lock):
        return self._rows("SELECT %s FROM %s WHERE %s = %%s ORDER BY 1%s" % (
            _name(spec["value_column"]), _name(spec["table"]), _name(spec["key_column"]), lock), (key,))

    def _pointer(self, check_mode):
        """``(spec, label, present, number)`` of the pointer that chooses the row, locked for update."""
        lock = "" if check_mode else " FOR UPDATE"
        if self.clinic is not None:
            spec = self.account["pointers"]["clinic"]
            rows = self._select_pointer(spec, self.clinic, lock)
            if not rows:
                raise StoreError(KIND, self.store.location, "has no %s row with %s = %s (check store.clinic)" % (
                    spec["table"], spec["key_column"], self.clinic))
            return (
                spec,
                "%s[%s=%s].%s" % (spec["table"], spec["key_column"], self.clinic, spec["value_column"]),
                True,
                int(rows[0][0] or 0),
            )
        spec = self.account["pointers"]["default"]
        rows = self._select_pointer(spec, spec["key"], lock)
        label = "%s[%s=%s].%s" % (spec["table"], spec["key_column"], spec["key"], spec["value_column"])
        if not rows:
            return spec, label, False, 0
        try:
            return spec, label, True, _sql_profile.pointer_number(rows[0][0])
        except ValueError as exc:
            raise StoreError(KIND, self.store.location, "%s %s" % (label, exc))

    def _shared(self, number):
        """Whether another pointer of the profile names row ``number`` (a clinic then gets a row of its own)."""
        for spec in self.account.get("shared_with", ()):
            if "key" in spec:
                rows = self._select_pointer(spec, spec["key"], "")
                if any(
                    _sql_profile.pointer_number(row[0]) == number for row in rows if str(row[0] or "").strip().isdigit()
                ):
                    return True
            else:
                rows = self._rows(
                    "SELECT COUNT(*) FROM %s WHERE %s = %%s AND %s <> %%s"
                    % (_name(spec["table"]), _name(spec["value_column"]), _name(spec["key_column"])),
                    (number, self.clinic),
                )
                if rows[0][0]:
                    return True
        return False

    def _current(self, number, label, check_mode):
        """The row the pointer names, locked; StoreError when it is missing or a user's own."""
        table, key, owner = self.account["table"], self.account["key"], self.account["owner"]
        with self.db.cursor() as cursor:
            cursor.execute(
                "SELECT * FROM %s WHERE %s = %%s%s" % (_name(table), _name(key), "" if check_mode else " FOR UPDATE"),
                (number,),
            )
            row = cursor.fetchone()
            names = [column[0] for column in cursor.description or ()]
        if row is None:
            raise StoreError(
                KIND,
                self.store.location,
                "%s points at %s row %s = %d, which does not exist; choose the address again in %s "
                "(or set the pointer to 0 so a new row is made)"
                % (label, table, key, number, self.profile.get("title")),
            )
        current = dict(zip(names, row))
        if current[owner["column"]] != owner["value"]:
            raise StoreError(
                KIND,
                self.store.location,
                "%s points at %s row %d, which is one user's own address (%s = %s), not the practice's; "
                "it is left alone: choose a practice address in %s"
                % (label, table, number, owner["column"], current[owner["column"]], self.profile.get("title")),
            )
        return current

    def _changes(self, current):
        """``column -> new stored value`` for columns that differ (password compared decrypted)."""
        todo = {}
        for column, value in self.wanted.items():
            spec = self.profile["columns"][column]
            encoding = spec.get("encoding", "text")
            stored = None if current is None else current.get(column)
            if encoding == "cipher":
                if current is not None and self.plan.update_password == "on_create" and stored:
                    continue
                if stored:
                    self.secrets.add(str(stored))  # the key is public: the stored text is as secret as the password
                plain = self._decrypted(column, stored)
                if plain is None or plain != value:
                    todo[column] = self.cipher.encrypt(value)
                    self.secrets.add(todo[column])
            elif current is None or not _sql_profile.same(encoding, stored, value):
                todo[column] = value
        return todo

    def _new_row(self):
        """Every column of a new row, the cipher columns encrypted."""
        todo = {}
        for column, value in self.wanted.items():
            if self.profile["columns"][column].get("encoding") == "cipher":
                value = self.cipher.encrypt(value)
                self.secrets.add(value)
            todo[column] = value
        return todo

    def _decrypted(self, column, stored, note=True):
        if stored in (None, ""):
            return "" if stored == "" else None
        try:
            return self.cipher.decrypt(stored)
        except Exception:  # pylint: disable=broad-except  # Unreadable, whatever shape the stored text has
            if note:
                self.store.notes.append(
                    "the stored %s.%s could not be decrypted; it was unreadable and is replaced "
                    "(its value is not shown)" % (self.account["table"], column)
                )
            return None

    def _read_back(self, spec, number, todo, before):
        """Read the pointer and the row again in the transaction: each written column must hold what was written,
        each other one what it held before; else ReadBackMismatch (then ROLLBACK), for a trigger or a writer that
        ignores our lock."""
        call_before_read_back(self.store.location)
        _spec, _label, _present, pointed = self._pointer(False)
        wrong = [] if pointed == number else ["%s.%s" % (spec["table"], spec["value_column"])]
        row = self._current(number, "the new row", False) if pointed == number else {}
        for column, value in self.wanted.items():
            encoding = self.profile["columns"][column].get("encoding", "text")
            stored = row.get(column)
            if column not in todo:
                held = before is not None and stored == before.get(column)
            elif encoding == "cipher":
                held = self._decrypted(column, stored, note=False) == value
            else:
                held = _sql_profile.same(encoding, stored, value)
            if not held:
                wrong.append("%s.%s" % (self.account["table"], column))
        return wrong

    def _insert(self, todo):
        row = dict(self.account.get("insert", {}))
        row.update(todo)
        return self._insert_row(self.account["table"], row)

    def _point(self, spec, present, number):
        if "key" not in spec:
            self._update_rows(spec["table"], {spec["value_column"]: number}, {spec["key_column"]: self.clinic})
        elif present:
            self._update_rows(spec["table"], {spec["value_column"]: str(number) if spec.get("text") else number},
                              {spec["key_column"]: spec["key"]})
        else:
            self._insert_row(
                spec["table"],
                {spec["key_column"]: spec["key"], spec["value_column"]: str(number) if spec.get("text") else number},
            )

    def _update(self, todo, number):
        owner = self.account["owner"]
        self._update_rows(self.account["table"], todo, {self.account["key"]: number, owner["column"]: owner["value"]})

    def _signal(self, tables):
        """One reload signal per changed table the profile names, so the application's clients refresh their caches."""
        signal = self.profile.get("signal")
        if not signal:
            return
        for table in sorted(tables):
            kind = signal["kinds"].get(table)
            if kind is None:
                continue
            row = dict(signal.get("columns", {}))
            row[signal["kind_column"]] = kind
            self._insert_row(signal["table"], row, now=signal.get("now"))

    def _insert_row(self, table, row, now=None):
        """INSERT ``row`` (and the column ``now`` set to NOW()); its number. In check mode the same INSERT selects no
        row: the server still checks the privileges and refuses a read-only database, but nothing is written (MyISAM
        has no rollback), no row number is used up and no row is locked."""
        columns = ", ".join([_name(column) for column in row] + ([_name(now)] if now else []))
        values = ", ".join(["%s"] * len(row) + (["NOW()"] if now else []))
        shape = "INSERT INTO %s (%s) SELECT %s FROM DUAL WHERE 1 = 0" if self.dry else "INSERT INTO %s (%s) VALUES (%s)"
        with self.db.cursor() as cursor:
            cursor.execute(shape % (_name(table), columns, values), list(row.values()))
            return cursor.lastrowid

    def _update_rows(self, table, values, where):
        """UPDATE ``values`` in the rows where each ``where`` column holds its value; in check mode the same UPDATE
        matches no row (see ``_insert_row``)."""
        query = "UPDATE %s SET %s WHERE %s" % (
            _name(table),
            ", ".join("%s = %%s" % _name(column) for column in values),
            " AND ".join("%s = %%s" % _name(column) for column in where),
        )
        self._rows(query + (" AND 1 = 0" if self.dry else ""), list(values.values()) + list(where.values()))

    def _diff(self, current, todo, new_row, label, present, number):
        """``table[key=n].column = value`` lines before and after, secrets masked."""
        table, key = self.account["table"], self.account["key"]
        before, after = [], []
        if present:
            before.append("%s = %s" % (label, number))
        if current is not None:
            where = "%s[%s=%s]" % (table, key, number)
            before.extend(
                "%s.%s = %s" % (where, column, shown_column(self.profile, column, current.get(column)))
                for column in self.wanted
            )
        if new_row:
            after.append("%s = (the new row)" % label)
            where = "%s[%s=%s]" % (table, key, _NEW)
            after.extend(
                "%s.%s = %s" % (where, column, shown_column(self.profile, column, todo[column], True))
                for column in self.wanted
            )
        else:
            after.append("%s = %s" % (label, number))
            where = "%s[%s=%s]" % (table, key, number)
            after.extend(
                "%s.%s = %s"
                % (
                    where,
                    column,
                    shown_column(self.profile, column, todo.get(column, current.get(column)), column in todo),
                )
                for column in self.wanted
            )
        return tuple(scrub(diff_text(lines), self.secrets) for lines in (before, after))
