# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The MySQL/MariaDB store: an application's own tables, reached over the network.

Which tables and columns hold the settings, how values are encoded and how the row is
chosen come from the application profile (``store.profile``, read on the controller from
data/applications/<name>.yml); this file knows no application.

The connection is our own (``_mysql_connection``, standard library only); a profile with a
cipher needs ``cryptography`` for its AES, imported only then. It runs on the controller or a
jump host (``delegate_to``), as community.mysql's modules do, or on the application's server
(OpenEMR's, which holds the site's key files); practice workstations need nothing.

One apply is one transaction under a named lock per database and row pointer, around the
session of the profile's layout (``_account_row``: the account row and its pointer, Open
Dental; ``_settings_rows``: one row per setting, OpenEMR): read our rows ``FOR UPDATE``,
compare column by column (the password by decrypting the stored value), write only what
changed, read it back, COMMIT. Check mode reads without locking and runs the write statements
matching no row. Other users' rows and other clinics' rows are never written.
"""

import contextlib
import json
import re
import socket
from typing import Iterator, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import (
    _atomic_file,
    _backup_trust,
    _database_socket,
    _database_tls,
    _file_attributes,
    _row_backups,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import MASK, scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import CHANGED_MARK
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._row_backups import safe_name
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _mysql_connection as mysql
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _read_budget, _sql_profile
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_auth import (
    LOCAL, PasswordRefused, channel)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_store import DatabaseStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    Outcome, Plan, Session, Snapshot, Store, StoreError, os_cause)

KIND = "MySQL"
_DEADLOCK, _LOCK_WAIT = 1213, 1205
_HEX_LITERAL = re.compile(r"X'[0-9A-Fa-f]*'?")
_RETRIES = 3


def _name(identifier):
    """A quoted SQL identifier (table and column names come from the profile)."""
    return "`%s`" % str(identifier).replace("`", "``")


def _cipher_library(location):
    """Check that ``cryptography`` (the AES under every application cipher) imports, or say where to install it."""
    try:
        import cryptography  # noqa: F401 pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        raise StoreError(
            KIND,
            location,
            "needs cryptography (for the application's cipher) on the host that runs the module; install it there "
            "(pip install cryptography), or run the apply from the controller or a jump host that has it "
            "(mail_account_apply_from)",
        ) from None


def _cause(exc, options, where):
    """A user's sentence for a connection error (or the socket's, reaching the server at ``where``); never a value
    we sent."""
    refused = _read_budget.refusal(exc)
    if refused:
        return "%s: %s" % (where, refused)
    if isinstance(exc, socket.timeout):
        return "no answer from %s within %g s (server down, firewall or VPN)" % (where, options["connect_timeout"])
    if isinstance(exc, OSError):
        return "cannot connect to %s: %s (is the database server running and reachable?)" % (
            where, exc.strerror or exc)
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    # A server's message may quote the statement, whose values went as hex literals (even cut short): not shown.
    text = _HEX_LITERAL.sub("X'...'", str(exc.args[1]) if len(exc.args) > 1 else str(exc))
    if code == 1045:
        return "access denied for user %s (check store.user and the database password in the vault)" % options["user"]
    if code == 1044:
        return "user %s may not use database %s (it does not exist, or the user has no rights on it)" % (
            options["user"],
            options["database"],
        )
    if code == 1049:
        return "the server has no database %s (check store.database)" % options["database"]
    if code in (1142, 1143):
        return "user %s lacks a privilege it needs (SELECT, INSERT and UPDATE on the database): %s" % (
            options["user"],
            text,
        )
    if code == _LOCK_WAIT:
        return "another writer held the rows for more than %g s (store.lock_timeout)" % options["lock_timeout"]
    lowered = text.lower()
    if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
        if "doesn't support" in lowered or "does not support" in lowered:
            return (
                "the server at %s offers no TLS (set store.tls: false only on a trusted network such as the site VPN)"
                % where
            )
        return "TLS to %s failed: %s (store.ca_path names the CA that signed the server's certificate)" % (where, text)
    if code == 2013 and "timed out" in lowered:
        return "no answer from %s within %g s (server down, firewall or VPN)" % (where, options["connect_timeout"])
    if code == 2013:
        return "the connection to %s was lost (%s)" % (where, text)
    return text


class MysqlStore(DatabaseStore):
    """An application's tables in MySQL or MariaDB, through its profile (Open Dental's database)."""

    NAME = "mysql"
    KIND = KIND
    PORT = 3306
    SUMMARY = ("host", "port", "database", "clinic")
    DESCRIPTION = (
        "an application's own tables in a MySQL or MariaDB database reached over the network, as its application "
        "profile maps them (Open Dental, OpenEMR); a cipher needs cryptography where the module runs"
    )
    REQUIRED = ("user", "database", "application")
    CONTACT = True
    OPTIONS = _database_tls.store_options(
        unix_socket=dict(type="path"),
        clinic=dict(type="int"),
        site_dir=dict(type="path"),
        key_files=dict(type="dict", no_log=True),
    )

    @property
    def location(self) -> str:
        where = "%s@%s/%s" % (self.options.get("user"), self.server(), self.options.get("database"))
        return where + (" clinic %s" % self.options["clinic"] if self.options.get("clinic") is not None else "")

    def contact_target(self) -> Optional[dict]:
        return (self.options.get("profile") or {}).get("contact")

    def read(self, plan: Plan) -> Snapshot:
        """Our settings as the account row holds them, and what ``apply`` would change, from a read-only transaction.

        ``current`` has each setting a column holds (the password decrypted, so a test under
        ``update_password: on_create`` logs in with the stored one), the settings no column
        holds as the plan has them, and every column and the pointer as stored, which ``apply``
        compares with ``expected`` under its lock.
        """
        return _retried(lambda: super(MysqlStore, self).read(plan))

    def apply(self, plan: Plan, attributes: _file_attributes.Attributes, backup: bool, check_mode: bool,
              expected: Optional[Snapshot] = None) -> Outcome:
        """``Store.apply``, run again when InnoDB picked its transaction as a deadlock victim (rolled back whole)."""
        return _retried(lambda: super(MysqlStore, self).apply(plan, attributes, backup, check_mode, expected))

    def restored(self, values: dict, secrets: frozenset, unverified: Optional[str] = None) -> Tuple[dict, str]:
        """The settings of the newest row backup of this store's account (the password decrypted), and its path.

        Only a backup this collection wrote is read (``_backup_trust``), unless ``unverified`` names it."""
        del secrets  # a row backup keeps the password encrypted, as the column does
        found = self._backups()
        if not found:
            raise ValueError("state restored: %s has no row backup in %s (backups are made when backup is true)" % (
                self.location, self.backup_folder()))
        profile = self._profile()
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.mailops.mailconfig.plugins.module_utils.store._cipher import Unreadable
        data = _backup_trust.verified_bytes(found[-1], self.backup_key, unverified, _row_backups.LIMIT)
        cipher = self._backup_cipher(profile, values)
        try:
            row = json.loads(data.decode("utf-8"))["row"]
            return _sql_profile.settings_of(
                profile, row, values, lambda stored: cipher.decrypt(stored) if stored else ""
            ), found[-1]
        except Unreadable:
            raise ValueError(
                "state restored: the password in %s does not decrypt; restore it in the application" % found[-1]
            )
        except (ValueError, KeyError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
            raise ValueError("state restored: %s cannot be restored from %s: %s" % (self.location, found[-1], exc))

    def _backup_cipher(self, profile, values):
        """The cipher that reads a backup's password: the profile's, with the site's key material when it keeps some."""
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.mailops.mailconfig.plugins.module_utils.store._cipher import cipher_for
        if not profile.get("cipher"):
            return None
        if profile.get("layout") != "settings":
            return cipher_for(profile["cipher"])
        with self.transaction(Plan(values, frozenset(), "present", "always", None), None, True) as session:
            return session.cipher

    def backup_prefix(self) -> str:
        """The start of this store's row backup names: server, database, table and which address (default or clinic)."""
        options = self.options
        scope = "clinic%s" % options["clinic"] if options.get("clinic") is not None else "default"
        return "%s_" % safe_name(
            options.get("host") or "socket", options["port"], options["database"], table_of(self._profile()), scope
        )

    @contextlib.contextmanager
    def transaction(
        self, plan: Plan, attributes: Optional[_file_attributes.Attributes], check_mode: bool
    ) -> Iterator[Optional[Session]]:
        """Connect (or take the read's kept connection), check the schema, and hold one transaction (under a
        named lock, unless in check mode) around a session."""
        del attributes  # a database row has no owner or mode
        profile = self._profile()
        if plan.state == "absent":
            raise StoreError(
                KIND, self.location, "state absent is not supported: remove the address in the application itself"
            )
        if profile.get("cipher"):
            _cipher_library(self.location)
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.mailops.mailconfig.plugins.module_utils.store._cipher import cipher_for
        layout = profile.get("layout", "row")
        try:
            wanted = _sql_profile.desired(profile["columns"], plan.values)
            if layout not in ("row", "settings"):
                raise ValueError(
                    "the profile names layout %r, which this store does not know (row, settings)" % (layout,)
                )
            if not profile.get("cipher") and any(
                spec.get("encoding") == "cipher" for spec in profile["columns"].values()
            ):
                raise ValueError("the profile has a cipher column but no cipher")
            # The settings layout's cipher may need the site's key material: its session makes it.
            cipher = cipher_for(profile["cipher"]) if profile.get("cipher") and layout == "row" else None
        except ValueError as exc:
            raise StoreError(KIND, self.location, str(exc))
        secrets = set(str(plan.values[key]) for key in plan.secrets if plan.values.get(key))
        secrets.add(self.options.get("password") or "")
        kept = self._idle.take(lambda idle: idle.ping())
        connection = kept or self._connect(secrets)
        session, lock, clean = None, None, False
        try:
            if kept is None:  # a kept connection was checked and set up by the read that kept it
                _check_schema(connection, profile, self.location)
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SET SESSION innodb_lock_wait_timeout = %s", (max(1, int(self.options["lock_timeout"])),)
                    )
            lock = None if check_mode else self._lock(connection)
            if lock:  # a killed run's pending row backup (the previous password, encrypted): ours to delete
                _atomic_file.remove_pending(self.backup_folder(), self.backup_prefix())
            connection.begin()
            if layout == "settings":
                # pylint: disable-next=import-outside-toplevel
                from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _settings_rows
                session = _settings_rows.SettingsRows(self, connection, profile, plan, wanted, secrets, check_mode)
            else:
                # pylint: disable-next=import-outside-toplevel
                from ansible_collections.mailops.mailconfig.plugins.module_utils.store._account_row import AccountRow
                session = AccountRow(self, connection, profile, plan, wanted, cipher, secrets, check_mode)
            yield session
            clean = True
        except mysql.Error as exc:
            error = _Deadlock if exc.args and exc.args[0] == _DEADLOCK else StoreError
            raise error(KIND, self.location, scrub(_cause(exc, self.options, self.server()), secrets))
        except (IndexError, KeyError, TypeError, AttributeError) as exc:  # rows of another shape than the statement's
            raise StoreError(KIND, self.location, "the server answered a statement with rows of another shape than "
                             "asked for (%s)%s" % (type(exc).__name__, "" if session and session.committed else
                                                   "; nothing was written"))
        except OSError as exc:  # the row backup's folder or file
            raise StoreError(
                KIND, self.location, "cannot write its row backup in %s: %s" % (self.backup_folder(), os_cause(exc))
            )
        finally:
            try:
                if not (session and session.committed):
                    connection.rollback()
                if lock:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT RELEASE_LOCK(%s)", (lock,))
            except mysql.Error:  # the connection is gone: the server rolled back and released the lock itself
                clean = False
            if clean and check_mode:
                self._idle.keep(connection)  # for the apply that follows this read
            else:
                connection.close()

    def _connect(self, secrets):
        """Log in over TCP (with TLS unless ``tls: false``) or through the server's local socket (no TLS: nothing
        crosses a network; the password still goes only to a challenge-response method)."""
        options, where = self.options, self.server()
        if not (options.get("host") or options.get("unix_socket")):
            raise StoreError(KIND, self.location, "set store.host (over the network) or store.unix_socket (on the "
                             "database's own host, such as /run/mysqld/mysqld.sock)")
        context, over = None, LOCAL
        if not options.get("unix_socket"):
            over = channel(options["tls"], options["tls_verify"])
            try:
                context = _database_tls.context(options)
            except OSError as exc:  # a bad ca_path (ssl.SSLError is an OSError)
                raise StoreError(KIND, self.location, "cannot set up TLS: %s" % (
                    getattr(exc, "strerror", None) or exc))
        try:
            if options.get("unix_socket"):
                sock = _database_socket.local(options["unix_socket"], options["connect_timeout"])
            else:
                sock = _database_socket.tcp(options["host"], options["port"], options["connect_timeout"])
            connection = mysql.Connection(sock, where, options["user"], options.get("password") or "",
                                          options["database"], over, context, host=options.get("host"),
                                          read_seconds=self.read_seconds())
        except _database_socket.UnsafeSocketFolder as exc:
            raise StoreError(KIND, self.location, str(exc))
        except (mysql.Error, OSError) as exc:
            raise StoreError(KIND, self.location, scrub(_cause(exc, options, where), secrets))
        except PasswordRefused as exc:
            raise StoreError(KIND, self.location, str(exc))
        # The handshake had connect_timeout to answer; statements may wait up to lock_timeout for a lock.
        connection.settimeout(options["lock_timeout"] + options["connect_timeout"])
        return connection

    def _lock(self, connection):
        """A named lock per database and pointer: concurrent applies to one row queue instead of racing."""
        scope = "clinic-%s" % self.options.get("clinic") if self.options.get("clinic") is not None else "default"
        name = "mailconfig/" + safe_name(self.options["database"], scope, limit=52)
        with connection.cursor() as cursor:
            cursor.execute("SELECT GET_LOCK(%s, %s)", (name, self.options["lock_timeout"]))
            got = cursor.fetchone()[0]
        if got != 1:
            raise StoreError(
                KIND,
                self.location,
                "another apply held the lock %s for more than %g s (store.lock_timeout)"
                % (name, self.options["lock_timeout"]),
            )
        return name


class _Deadlock(StoreError):
    """InnoDB chose this transaction as a deadlock victim and rolled it back whole."""


def _retried(work):
    """``work()``, run again (up to ``_RETRIES`` times in all) when it was a deadlock victim."""
    for attempt in range(1, _RETRIES + 1):
        try:
            return work()
        except _Deadlock:
            if attempt == _RETRIES:
                raise
    raise AssertionError("unreachable")


def table_of(profile: dict) -> str:
    """The table that holds the profile's settings: the account row's, or the settings rows'."""
    return profile["settings_table"]["table"] if profile.get("layout") == "settings" else profile["account"]["table"]


def refuse_too_long(store: Store, profile: dict, table: str, todo: dict) -> None:
    """A value longer than its column (the profile's ``width``) would be cut by a lenient SQL mode: say so before
    writing."""
    found = _sql_profile.too_long(profile["columns"], todo)
    if found:
        column, width, length = found
        what = (
            "encrypted, the password takes"
            if profile["columns"][column].get("encoding") == "cipher"
            else "the value takes"
        )
        raise StoreError(
            KIND,
            store.location,
            "%s.%s holds %d characters and, %s %d: %s would cut it (use a shorter one; "
            "the lint rule for this application says how long it may be)"
            % (table, column, width, what, length, profile.get("title")),
        )


def shown_column(profile: dict, column: str, value: object, changed: bool = False) -> str:
    """A stored value as a diff shows it: a secret column's masked."""
    if profile["columns"].get(column, {}).get("secret") and value not in (None, ""):
        return MASK + (CHANGED_MARK if changed else "")
    return "" if value is None else str(value)


def row_backup(store: "MysqlStore", record: dict, number: int) -> _atomic_file.PendingBackup:
    """``record`` (the rows as stored, the password still encrypted) as a pending row backup (``_row_backups``);
    ``number`` (the row's key, 0 for settings rows) goes into its name."""
    record = dict(
        record,
        store=store.summary(),
        row=dict((column, _row_backups.plain(value)) for column, value in record["row"].items()),
    )
    return _row_backups.pending(store.backup_folder(), store.backup_prefix(), number, record)


def _check_schema(connection, profile, location):
    """Refuse a database without the profile's tables (not this application) or columns (too old)."""
    schema = profile["schema"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                       "AND TABLE_NAME IN (%s)" % ", ".join(["%s"] * len(schema["tables"])), list(schema["tables"]))
        found = {}
        for row in cursor.fetchall():  # indexed: rows of another shape are an IndexError (see ``transaction``)
            found.setdefault(str(row[0]).lower(), set()).add(str(row[1]).lower())
    problem = _sql_profile.schema_problem(profile, found, lambda: _version(connection, schema.get("version")))
    if problem:
        raise StoreError(KIND, location, problem)


def _version(connection, where):
    """The application's release: a key/value row's value, or the ``columns`` of a one-row table joined by dots."""
    if not where:
        return None
    with connection.cursor() as cursor:
        if "columns" in where:
            cursor.execute(
                "SELECT CONCAT_WS('.', %s) FROM %s LIMIT 1"
                % (", ".join(_name(c) for c in where["columns"]), _name(where["table"]))
            )
        else:
            cursor.execute(
                "SELECT %s FROM %s WHERE %s = %%s"
                % (_name(where["value_column"]), _name(where["table"]), _name(where["key_column"])),
                (where["key"],),
            )
        row = cursor.fetchone()
    return row[0] if row else None
