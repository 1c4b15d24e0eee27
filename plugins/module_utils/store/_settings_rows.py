# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mysql store's "settings" layout: one row per setting in a name/value table (OpenEMR's ``globals``).

The profile's ``settings_table`` names the table, its name, index and value columns and the
index our rows use; the keys of its ``columns`` are row names, and (name, index) must be the
table's primary key. Our rows are read ``FOR UPDATE`` (the store's named lock queues other
applies), changed rows updated and missing ones inserted in one statement, every other row
left alone. A cipher that needs the site's key material (OpenEMR's) gets the
``keys`` table rows the profile names and the key files, from ``store.key_files`` or read
under ``store.site_dir``; a stored password those keys do not open stops the run before
anything is written.
"""

import os
from typing import List, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file, _sql_profile
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    Session,
    StoreError,
    call_before_read_back,
    diff_text,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._cipher import Unreadable, cipher_for, key_files
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql import (
    KIND, _name, refuse_too_long, row_backup, shown_column)


class SettingsRows(Session):
    """One transaction's view of our rows of the settings table, and what a write would change."""

    def __init__(self, store, connection, profile, plan, wanted, secrets, check_mode):
        self.store, self.db, self.profile, self.plan = store, connection, profile, plan
        self.wanted, self.secrets = wanted, secrets
        self.table = profile["settings_table"]
        self.committed = False
        self.dry = check_mode  # the write statement selects no row (``write``)
        self.stored = self._select(not check_mode)
        self.ciphered = [name for name in wanted if profile["columns"][name].get("encoding") == "cipher"]
        for name in self.ciphered:
            if self.stored.get(name):
                secrets.add(str(self.stored[name]))
        self.cipher = self._cipher() if self.ciphered else None

    def read(self) -> dict:
        """Our settings as stored (the password decrypted) over the plan's, and each row as stored."""
        view = dict(self.plan.values)
        for name in self.wanted:
            stored = self.stored.get(name)
            view[self._label(name)] = stored
            spec = self.profile["columns"][name]
            if "setting" in spec and stored is not None:
                view[spec["setting"]] = self._plain(name, stored) if name in self.ciphered else stored
        return view

    def changes(self, current: dict) -> dict:
        """``name -> new stored value`` for the rows that differ (a password compared decrypted) or are missing."""
        todo = {}
        for name, value in self.wanted.items():
            stored = self.stored.get(name)
            if name in self.ciphered:
                if self.plan.update_password == "on_create" and stored:
                    continue
                if stored is None or self._plain(name, stored) != value:
                    todo[name] = self.cipher.encrypt(value)
                    if todo[name]:
                        self.secrets.add(todo[name])
            elif not _sql_profile.same(self.profile["columns"][name].get("encoding", "text"), stored, value):
                todo[name] = value
        return todo

    def pending(self, current: dict, todo: dict) -> dict:
        return _sql_profile.changed_settings(self.profile, self.plan.values, todo, not self.stored)

    def diff(self, current: dict, todo: dict) -> Tuple[str, str]:
        """``table[name] = value`` lines of our rows before and after, secrets masked."""
        before = ["%s = %s" % (self._label(name), shown_column(self.profile, name, self.stored[name]))
                  for name in self.wanted if name in self.stored]
        after = [
            "%s = %s"
            % (self._label(name), shown_column(self.profile, name, todo.get(name, self.stored.get(name)), name in todo))
            for name in self.wanted
        ]
        return scrub(diff_text(before), self.secrets), scrub(diff_text(after), self.secrets)

    def check_writable(self, current: dict, todo: dict) -> None:
        """Run the write's statement matching no row: a missing privilege, a read-only server or a value too long shows
        now."""
        self.write(current, todo)

    def backup(self) -> Optional[_atomic_file.PendingBackup]:
        if not self.stored:
            return None
        return row_backup(
            self.store,
            {"table": self.table["table"], "row": dict((name, self.stored.get(name)) for name in self.wanted)},
            0,
        )

    def write(self, current: dict, todo: dict) -> None:
        """One statement: each changed row updated, each missing one inserted (the table's key is name and index); in
        check mode the same statement selects no row, so the server checks the privileges and writes nothing."""
        refuse_too_long(self.store, self.profile, self.table["table"], todo)
        table = self.table
        rows = [(name, table["index"], value) for name, value in todo.items()][:1 if self.dry else None]
        source = (
            "SELECT %s, %s, %s FROM DUAL WHERE 1 = 0"
            if self.dry
            else "VALUES " + ", ".join(["(%s, %s, %s)"] * len(rows))
        )
        with self.db.cursor() as cursor:
            cursor.execute(
                "INSERT INTO %s (%s, %s, %s) %s ON DUPLICATE KEY UPDATE %s = VALUES(%s)"
                % (
                    _name(table["table"]),
                    _name(table["name_column"]),
                    _name(table["index_column"]),
                    _name(table["value_column"]),
                    source,
                    _name(table["value_column"]),
                    _name(table["value_column"]),
                ),
                [part for row in rows for part in row],
            )

    def read_back(self, current: dict, todo: dict) -> List[str]:
        """The rows that do not hold what was written, or no longer what they held (a trigger, a writer that ignores our
        lock)."""
        call_before_read_back(self.store.location)
        found = self._select(False)
        wrong = []
        for name, value in self.wanted.items():
            stored = found.get(name)
            if name not in todo:
                held = stored == self.stored.get(name)
            elif name in self.ciphered:
                held = stored is not None and self._plain(name, stored, quiet=True) == value
            else:
                held = _sql_profile.same(self.profile["columns"][name].get("encoding", "text"), stored, todo[name])
            if not held:
                wrong.append(self._label(name))
        return wrong

    def commit(self) -> None:
        self.db.commit()
        self.committed = True

    def _label(self, name):
        return "%s[%s]" % (self.table["table"], name)

    def _select(self, lock):
        """``name -> value`` of our rows at the profile's index (names compared as the table's collation does: any
        case)."""
        table, names = self.table, list(self.wanted)
        with self.db.cursor() as cursor:
            cursor.execute(
                "SELECT %s, %s FROM %s WHERE %s = %%s AND %s IN (%s)%s"
                % (
                    _name(table["name_column"]),
                    _name(table["value_column"]),
                    _name(table["table"]),
                    _name(table["index_column"]),
                    _name(table["name_column"]),
                    ", ".join(["%s"] * len(names)),
                    " FOR UPDATE" if lock else "",
                ),
                [table["index"]] + names,
            )
            found = dict((str(row[0]).lower(), row[1]) for row in cursor.fetchall())
        return dict((name, found[name.lower()]) for name in names if name.lower() in found)

    def _cipher(self):
        """The profile's cipher, given the site's key material and the stored password (whose version it keeps)."""
        spec = self.profile["cipher"]
        name = self.ciphered[0]
        site = {"stored": self.stored.get(name)}
        if "keys_table" in spec:
            site["keys"] = self._keys(spec["keys_table"], spec["key_files"]["names"])
        if "key_files" in spec:
            site["key_files"] = self._key_files(spec["key_files"])
        self.secrets.update(
            value for value in list(site.get("keys", {}).values()) + list(site.get("key_files", {}).values()) if value
        )
        try:
            return cipher_for(spec, site)
        except ValueError as exc:
            raise StoreError(KIND, self.store.location, "cannot encrypt %s as %s does: %s; nothing was written" % (
                self._label(name), self.profile.get("title"), exc))

    def _keys(self, where, names):
        with self.db.cursor() as cursor:
            cursor.execute(
                "SELECT %s, %s FROM %s WHERE %s IN (%s)"
                % (
                    _name(where["name_column"]),
                    _name(where["value_column"]),
                    _name(where["table"]),
                    _name(where["name_column"]),
                    ", ".join(["%s"] * len(names)),
                ),
                list(names),
            )
            return dict((str(row[0]), str(row[1] or "")) for row in cursor.fetchall())

    def _key_files(self, spec):
        """The key files' contents: store.key_files (from the vault), else read under store.site_dir on this host."""
        given = self.store.options.get("key_files")
        if given:
            return dict((str(name), str(value)) for name, value in given.items() if name in spec["names"])
        site_dir = self.store.options.get("site_dir")
        if not site_dir:
            raise StoreError(
                KIND,
                self.store.location,
                "%s keeps its password keys in files: set store.site_dir to the site's folder "
                "(such as /var/www/openemr/sites/default) when the module runs on the %s server, or store.key_files "
                "(their contents, from the vault) when it runs elsewhere"
                % (self.profile.get("title"), self.profile.get("title")),
            )
        try:
            return key_files(os.path.join(site_dir, spec["dir"]), spec["names"])
        except ValueError as exc:
            raise StoreError(KIND, self.store.location, str(exc))

    def _plain(self, name, stored, quiet=False):
        """The decrypted stored value; a value the site's keys do not open stops the run (the keys must be wrong)."""
        try:
            return self.cipher.decrypt(stored)
        except Unreadable:
            if quiet:
                return None
            raise StoreError(
                KIND,
                self.store.location,
                "the stored %s does not decrypt with the site's keys (are store.site_dir or "
                "store.key_files this site's?); nothing was written" % self._label(name),
            )
