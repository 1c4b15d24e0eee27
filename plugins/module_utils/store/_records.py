# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``records`` layout: an account spread over existing records of several tables, updated only (Odoo).

An application whose own code keeps bookkeeping around its records (Odoo: a confirmed state,
a scheduled job switched on at confirmation) is written only where it already holds the
practice's records: each record is chosen by a store option (a name, a sender filter), must be
the only match and hold what the profile requires; only its mapped columns and its time stamp
are updated. Nothing is inserted or deleted, other records are never touched.

These are ``Session`` primitives over one database transaction (``Store.apply`` runs them);
the engine's own bits come in as an ``Engine``.
"""

import typing

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import MASK, scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _sql_profile
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    Session,
    StoreError,
    call_before_read_back,
    diff_text,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import CHANGED_MARK, CONNECTION_KEYS

_MATCHES = 5  # records read to report an ambiguous choice
VALUE_LIMIT = 4096  # characters read from a text column: a hostile database cannot flood the module


class Engine(typing.NamedTuple):
    """What differs between SQL engines, for a layout: running a statement, quoting, placeholders, the time."""

    run: typing.Callable[[str, dict], list]  # statement, named parameters -> rows
    quoted: typing.Callable[[str], str]  # a quoted identifier
    placeholder: typing.Callable[[str], str]  # the placeholder of a named parameter
    now_utc: str  # an expression for the current time in UTC, as the application stores it


class _Record(typing.NamedTuple):
    spec: dict  # the profile's record entry
    number: int  # its key
    row: dict  # column -> stored value, as read
    wanted: dict  # column -> value it must hold


def covers(sender_filter: typing.Optional[str], address: typing.Optional[str]) -> bool:
    """Whether a sender filter (addresses or domains, comma-separated: Odoo's from_filter) lets ``address`` send."""
    entries = [entry.strip().lower() for entry in (sender_filter or "").split(",") if entry.strip()]
    if not entries or not address:
        return True
    address = address.strip().lower()
    return address in entries or address.rpartition("@")[2] in entries


class RecordsSession(Session):
    """One transaction's view of the practice's records and what a write would change."""

    def __init__(self, store, engine: Engine, profile: dict, plan, secrets: set, check_mode: bool) -> None:
        self.store, self.engine, self.profile, self.plan, self.secrets = store, engine, profile, plan, secrets
        self.committed = False
        self.records = []
        for spec in profile["records"]:
            if not _sql_profile.matches(spec.get("when"), plan.values):
                continue
            try:
                wanted = _sql_profile.desired(spec["columns"], plan.values)
            except ValueError as exc:
                raise StoreError(store.KIND, store.location, str(exc))
            row = self._chosen(spec, check_mode)
            self.records.append(_Record(spec, row[spec["key"]], row, wanted))
            secrets.update(
                str(row[column])
                for column, column_spec in spec["columns"].items()
                if column_spec.get("secret") and row.get(column)
            )

    def _select(self, spec, where, params, lock):
        """The key, the mapped, required and sender-filter columns of the records ``where`` selects."""
        quoted = self.engine.quoted
        columns = [spec["key"]] + list(spec["columns"]) + [need["column"] for need in spec.get("require", ())]
        columns += [spec["sender_filter"]] if spec.get("sender_filter") else []
        columns = list(dict.fromkeys(columns))
        texts = set(
            column for column, column_spec in spec["columns"].items() if column_spec.get("encoding", "text") == "text"
        )
        texts.update(need["column"] for need in spec.get("require", ()) if isinstance(need["value"], str))
        texts.update([spec["sender_filter"]] if spec.get("sender_filter") else [])
        shown = [
            "left(%s, %d)" % (quoted(column), VALUE_LIMIT) if column in texts else quoted(column) for column in columns
        ]
        rows = self.engine.run(
            "SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d%s"
            % (
                ", ".join(shown),
                quoted(spec["table"]),
                where,
                quoted(spec["key"]),
                _MATCHES,
                " FOR UPDATE" if lock else "",
            ),
            params,
        )
        return [dict(zip(columns, row)) for row in rows]

    def _chosen(self, spec, check_mode):
        """The one record the store options choose, locked outside check mode; StoreError naming the fix otherwise."""
        given = [(option, column) for option, column in spec["choose"].items() if self.store.options.get(option)]
        if not given:
            raise StoreError(
                self.store.KIND,
                self.store.location,
                "no store option chooses the practice's %s (%s): set store.%s"
                % (spec["role"], spec["table"], " or store.".join(spec["choose"])),
            )
        option, column = given[0]
        value = self.store.options[option]
        rows = self._select(
            spec,
            "%s = %s" % (self.engine.quoted(column), self.engine.placeholder("chosen")),
            {"chosen": value},
            not check_mode,
        )
        title = self.profile.get("title")
        where = "%s %s = %r (store.%s)" % (spec["table"], column, value, option)
        if not rows:
            raise StoreError(
                self.store.KIND,
                self.store.location,
                "has no %s record with %s: create the practice's %s in %s first "
                "(and confirm it there); mail_account only updates existing records, it never creates one"
                % (spec["role"], where, spec["role"], title),
            )
        if len(rows) > 1:
            raise StoreError(
                self.store.KIND,
                self.store.location,
                "%s matches %s records (%s %s), so which one is the practice's "
                "cannot be told; give the practice's record a name of its own in %s, or choose it by another store option"
                % (
                    where,
                    "%d" % len(rows) if len(rows) < _MATCHES else "%d or more" % _MATCHES,
                    spec["key"],
                    ", ".join(str(row[spec["key"]]) for row in rows),
                    title,
                ),
            )
        row = rows[0]
        for need in spec.get("require", ()):
            if row.get(need["column"]) != need["value"]:
                raise StoreError(
                    self.store.KIND,
                    self.store.location,
                    "the practice's %s (%s, %s %s) is not ready: %s; nothing was written"
                    % (spec["role"], where, spec["key"], row[spec["key"]], need["fix"]),
                )
        address = self.plan.values.get("email.address")
        if spec.get("sender_filter") and not covers(row.get(spec["sender_filter"]), address):
            raise StoreError(
                self.store.KIND,
                self.store.location,
                "%s (%s %s) is not the practice's: its %s %r does not cover %s, so %s "
                "would not send the practice's mail through it; choose the practice's record, or correct its %s in %s"
                % (
                    where,
                    spec["key"],
                    row[spec["key"]],
                    spec["sender_filter"],
                    row.get(spec["sender_filter"]),
                    address,
                    title,
                    spec["sender_filter"],
                    title,
                ),
            )
        return row

    def _label(self, record, column):
        return "%s[%s=%s].%s" % (record.spec["table"], record.spec["key"], record.number, column)

    def read(self) -> dict:
        """The plan's settings, each column as stored (``table[key=n].column``), and the settings they hold."""
        view = dict(self.plan.values)
        for record in self.records:
            for column, spec in record.spec["columns"].items():
                view[self._label(record, column)] = record.row.get(column)
                if "setting" in spec:
                    view[spec["setting"]] = record.row.get(column)
        return view

    def changes(self, current: dict) -> dict:
        """``table[key=n].column -> new value`` for the columns that differ."""
        todo = {}
        for record in self.records:
            for column, value in record.wanted.items():
                spec = record.spec["columns"][column]
                stored = record.row.get(column)
                if spec.get("secret") and self.plan.update_password == "on_create" and stored:
                    continue
                if not _sql_profile.same(spec.get("encoding", "text"), stored, value):
                    todo[self._label(record, column)] = value
        return todo

    def pending(self, current: dict, todo: dict) -> dict:
        """The settings a change stands for: a column's own; for a column rules fill, every connection setting."""
        changed = {}
        for record in self.records:
            for column, spec in record.spec["columns"].items():
                if self._label(record, column) not in todo:
                    continue
                keys = (
                    [spec["setting"]]
                    if "setting" in spec
                    else [key for key in self.plan.values if key in CONNECTION_KEYS]
                )
                changed.update((key, self.plan.values[key]) for key in keys)
        return changed

    def diff(self, current: dict, todo: dict) -> typing.Tuple[str, str]:
        before, after = [], []
        for record in self.records:
            for column, spec in record.spec["columns"].items():
                label = self._label(record, column)
                before.append("%s = %s" % (label, _shown(spec, record.row.get(column))))
                after.append("%s = %s" % (label, _shown(spec, todo.get(label, record.row.get(column)), label in todo)))
        return scrub(diff_text(before), self.secrets), scrub(diff_text(after), self.secrets)

    def check_writable(self, current: dict, todo: dict) -> None:
        """Write in the check-mode transaction, which is rolled back: a missing privilege shows now."""
        self.write(current, todo)

    def backup(self) -> typing.Optional[typing.Any]:
        """The records' previous columns as JSON (Odoo keeps passwords in clear: so does the backup, mode 0600)."""
        records = [
            {
                "table": record.spec["table"],
                "key": record.spec["key"],
                "number": record.number,
                "row": dict((column, record.row.get(column)) for column in record.spec["columns"]),
            }
            for record in self.records
        ]
        return self.store.pending_backup(records)

    def write(self, current: dict, todo: dict) -> None:
        quoted, placeholder = self.engine.quoted, self.engine.placeholder
        for record in self.records:
            columns = dict(
                (column, value) for column, value in record.wanted.items() if self._label(record, column) in todo
            )
            if not columns:
                continue
            self._refuse_too_long(record, columns)
            params = dict(("v%d" % index, value) for index, value in enumerate(columns.values()))
            params["number"] = record.number
            assignments = [
                "%s = %s" % (quoted(column), placeholder("v%d" % index)) for index, column in enumerate(columns)
            ]
            if record.spec.get("stamp"):
                assignments.append("%s = %s" % (quoted(record.spec["stamp"]), self.engine.now_utc))
            self.engine.run(
                "UPDATE %s SET %s WHERE %s = %s"
                % (
                    quoted(record.spec["table"]),
                    ", ".join(assignments),
                    quoted(record.spec["key"]),
                    placeholder("number"),
                ),
                params,
            )

    def _refuse_too_long(self, record, columns):
        found = _sql_profile.too_long(record.spec["columns"], columns)
        if found:
            column, width, length = found
            raise StoreError(
                self.store.KIND,
                self.store.location,
                "%s.%s holds %d characters and the value takes %d: %s would cut it "
                "(use a shorter one)" % (record.spec["table"], column, width, length, self.profile.get("title")),
            )

    def read_back(self, current: dict, todo: dict) -> typing.List[str]:
        """Each record read again in the transaction: written columns hold what was written, others what they held."""
        call_before_read_back(self.store.location)
        wrong = []
        for record in self.records:
            quoted = self.engine.quoted
            rows = self._select(
                record.spec,
                "%s = %s" % (quoted(record.spec["key"]), self.engine.placeholder("number")),
                {"number": record.number},
                False,
            )
            row = rows[0] if rows else {}
            for column, value in record.wanted.items():
                label = self._label(record, column)
                encoding = record.spec["columns"][column].get("encoding", "text")
                held = (
                    _sql_profile.same(encoding, row.get(column), value)
                    if label in todo
                    else row.get(column) == record.row.get(column)
                )
                if not held:
                    wrong.append(label)
        return wrong

    def commit(self) -> None:
        self.engine.run("COMMIT", {})
        self.committed = True


def _shown(spec, value, changed=False):
    if spec.get("secret") and value not in (None, ""):
        return MASK + (CHANGED_MARK if changed else "")
    return "" if value is None else str(value)
