# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PostgreSQL store: an application's own records, reached over the network or the local socket (Odoo).

Which tables, records and columns hold the settings comes from the application profile
(``store.profile``, read on the controller from data/applications/<name>.yml); the layout
(``_records``: existing records, updated only) supplies the primitives, this file the engine:
the connection, the schema check, one transaction under an advisory lock, and row backups.

The connection is our own (``_postgresql_connection``, standard library only), imported only
here: it refuses clear-text and MD5 password requests (and an unearned login) unless TLS is
verified. It runs on the controller or a jump host over TCP, or on the application's host
through the local socket with peer authentication, with nothing to install on either.
"""

import contextlib
import hashlib
import json
import os
from typing import Iterator, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import (
    _atomic_file,
    _backup_trust,
    _database_socket,
    _database_tls,
    _read_budget,
    _row_backups,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _file_attributes, _sql_profile
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import Plan, Session, StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_store import DatabaseStore

KIND = "PostgreSQL"
_SOCKET_FILE = ".s.PGSQL.%d"
# SQLSTATEs with a user's sentence (https://www.postgresql.org/docs/15/errcodes-appendix.html)
_BAD_PASSWORD, _REFUSED, _NO_DATABASE, _PRIVILEGE, _LOCKED, _CANCELLED = (
    "28P01",
    "28000",
    "3D000",
    "42501",
    "55P03",
    "57014",
)


class PostgresqlStore(DatabaseStore):
    """An application's records in PostgreSQL, through its profile (Odoo's database)."""

    NAME = "postgresql"
    KIND = KIND
    PORT = 5432
    SUMMARY = ("host", "port", "unix_socket", "database", "record_name", "from_filter")
    DESCRIPTION = (
        "an application's own records in a PostgreSQL database, reached over the network or the local socket, as its "
        "application profile maps them (Odoo); existing records are updated, never created"
    )
    REQUIRED = ("user", "database", "application")
    OPTIONS = _database_tls.store_options(
        unix_socket=dict(type="path"),
        record_name=dict(type="str"),
        incoming_record_name=dict(type="str"),
        from_filter=dict(type="str"),
    )

    @property
    def location(self) -> str:
        return "%s@%s/%s" % (self.options.get("user"), self.server(), self.options.get("database"))

    def contact_target(self) -> Optional[dict]:
        return None

    def backup_prefix(self) -> str:
        """The start of this store's backup names: server, database and the options that choose the records."""
        options = self.options
        return "%s_" % _row_backups.safe_name(
            options.get("host") or "socket",
            options["port"],
            options["database"],
            options.get("from_filter") or "",
            options.get("record_name") or "",
            options.get("incoming_record_name") or "",
        )

    def pending_backup(self, records: list) -> _atomic_file.PendingBackup:
        """The records' previous columns as JSON, pending until the change is committed."""
        record = {
            "store": self.summary(),
            "records": [
                dict(entry, row=dict((column, _row_backups.plain(value)) for column, value in entry["row"].items()))
                for entry in records
            ],
        }
        return _row_backups.pending(
            self.backup_folder(), self.backup_prefix(), records[0]["number"] if records else 0, record
        )

    def restored(self, values: dict, secrets: frozenset, unverified: Optional[str] = None) -> Tuple[dict, str]:
        """The settings of the newest backup of this store's records, and its path (ours only)."""
        del secrets  # the backup keeps the passwords as the application does
        found = self._backups()
        if not found:
            raise ValueError(
                "state restored: %s has no backup in %s (backups are made when backup is true)"
                % (self.location, self.backup_folder())
            )
        data = _backup_trust.verified_bytes(found[-1], self.backup_key, unverified, _row_backups.LIMIT)
        profile = self._profile()
        try:
            records = json.loads(data.decode("utf-8"))["records"]
            columns, row = {}, {}
            for spec in profile["records"]:
                for entry in records:
                    if entry["table"] == spec["table"]:
                        columns.update(
                            ("%s.%s" % (spec["table"], name), column) for name, column in spec["columns"].items()
                        )
                        row.update(("%s.%s" % (spec["table"], name), value) for name, value in entry["row"].items())
            return _sql_profile.settings_of(
                dict(profile, columns=columns), row, values, lambda stored: stored or ""
            ), found[-1]
        except (ValueError, KeyError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
            raise ValueError("state restored: %s cannot be restored from %s: %s" % (self.location, found[-1], exc))

    def _profile(self) -> dict:
        profile = super()._profile()
        layout = profile.get("layout")
        if layout != "records":
            raise StoreError(
                KIND, self.location, "the profile names layout %r, which this store does not know (records)" % (layout,)
            )
        ciphered = [
            "%s.%s" % (spec.get("table"), column)
            for spec in profile.get("records") or ()
            for column, column_spec in (spec.get("columns") or {}).items()
            if column_spec.get("encoding") == "cipher"
        ]
        if profile.get("cipher") or ciphered:
            raise StoreError(
                KIND,
                self.location,
                "the records layout writes each value as it is and has no cipher; the profile asks for one (%s)"
                % (", ".join(ciphered) or "cipher: %s" % profile.get("cipher")),
            )
        return profile

    @contextlib.contextmanager
    def transaction(
        self, plan: Plan, attributes: Optional[_file_attributes.Attributes], check_mode: bool
    ) -> Iterator[Optional[Session]]:
        """Connect, check the schema, hold one transaction (an advisory lock outside check mode) around a session."""
        del attributes  # a database row has no owner or mode
        profile = self._profile()
        if plan.state == "absent":
            raise StoreError(
                KIND, self.location, "state absent is not supported: archive the records in the application itself"
            )
        if not (self.options.get("host") or self.options.get("unix_socket")):
            raise StoreError(
                KIND, self.location, "set store.host (over the network) or store.unix_socket (on the database's host)"
            )
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _postgresql_connection as strict
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.mailops.mailconfig.plugins.module_utils.store._records import Engine, RecordsSession

        secrets = set(str(plan.values[key]) for key in plan.secrets if plan.values.get(key))
        secrets.add(self.options.get("password") or "")
        kept = self._idle.take(lambda idle: idle.run("SELECT 1"))
        connection = kept or self._connect(strict, secrets)
        session, clean = None, False

        def run(statement, params):
            return connection.run(statement, **params)

        try:
            engine = Engine(run, strict.quoted, strict.placeholder, "(now() at time zone 'UTC')")
            if kept is None:  # a kept connection was checked by the read that kept it
                self._check_schema(engine, profile)
            run("BEGIN", {})
            if not check_mode:
                run("SELECT pg_advisory_xact_lock(:key)", {"key": self._lock_key()})
            session = RecordsSession(self, engine, profile, plan, secrets, check_mode)
            yield session
            clean = True
        except Exception as exc:  # pylint: disable=broad-except  # the connection's errors, OSError
            if isinstance(exc, StoreError) or not strict.driver_error(exc):
                raise
            raise StoreError(KIND, self.location, scrub(self._cause(exc), secrets))
        finally:
            try:
                if not (session and session.committed):
                    connection.run("ROLLBACK")
            except Exception:  # pylint: disable=broad-except  # lost: the server rolled back and released the lock
                clean = False
            if clean and check_mode:
                self._idle.keep(connection)  # for the apply that follows this read
            else:
                with contextlib.suppress(Exception):
                    connection.close()

    def _lock_key(self):
        """The advisory lock of this database's practice records: concurrent applies queue instead of racing."""
        name = "mailconfig/%s/%s" % (self.options["database"], self.backup_prefix())
        return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)

    def _connect(self, strict, secrets):
        options = self.options
        lock = int(1000 * options["lock_timeout"])  # milliseconds
        context = None
        try:
            if options.get("unix_socket"):
                path = options["unix_socket"]
                path = os.path.join(path, _SOCKET_FILE % options["port"]) if os.path.isdir(path) else path
                sock = _database_socket.local(path, options["connect_timeout"])
            else:
                try:
                    context = _database_tls.context(options)
                except OSError as exc:  # a bad ca_path
                    raise StoreError(
                        KIND, self.location, "cannot set up TLS: %s" % (getattr(exc, "strerror", None) or exc)
                    )
                sock = _database_socket.tcp(options["host"], options["port"], options["connect_timeout"])
            connection = strict.Connection(
                sock,
                options["user"],
                options["database"],
                password=options.get("password") or None,
                ssl_context=context,
                host=options.get("host"),
                # Sent with the startup message (no round trip): no lock wait, no statement runs past these.
                startup=dict(
                    application_name="mailconfig",
                    lock_timeout=str(lock),
                    statement_timeout=str(lock + int(1000 * options["connect_timeout"])),
                ),
                read_seconds=self.read_seconds(),
            )
        except _database_socket.UnsafeSocketFolder as exc:
            raise StoreError(KIND, self.location, str(exc))
        except Exception as exc:  # pylint: disable=broad-except
            if isinstance(exc, StoreError) or not strict.driver_error(exc):
                raise
            raise StoreError(KIND, self.location, scrub(self._cause(exc), secrets))
        # The handshake had connect_timeout to answer; statements may wait up to lock_timeout for a lock.
        connection.socket.settimeout(options["lock_timeout"] + 2 * options["connect_timeout"])
        return connection

    def _check_schema(self, engine, profile):
        """Refuse a database without the profile's tables (not this application), columns or release."""
        schema = profile["schema"]
        found = {}
        for table, column in engine.run(
            # pg_catalog, not information_schema: its views cost a fresh backend tens of milliseconds to plan
            "SELECT c.relname, a.attname FROM pg_catalog.pg_attribute a "
            "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(:tables) "
            "AND c.relkind IN ('r', 'p', 'v') AND a.attnum > 0 AND NOT a.attisdropped",
            {"tables": list(schema["tables"]) + [schema.get("version", {}).get("table", "")]},
        ):
            found.setdefault(table.lower(), set()).add(column.lower())

        def version():
            where = schema.get("version")
            if not where or where["table"].lower() not in found:
                return None
            rows = engine.run(
                "SELECT left(%s, 40) FROM %s WHERE %s = :key"
                % tuple(engine.quoted(where[name]) for name in ("value_column", "table", "key_column")),
                {"key": where["key"]},
            )
            return str(rows[0][0]) if rows and rows[0][0] else None

        problem = _sql_profile.schema_problem(profile, found, version)
        if problem:
            raise StoreError(KIND, self.location, problem)

    def _cause(self, exc):
        """A user's sentence for a driver error; never a value we sent."""
        options, where = self.options, self.server()
        detail = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
        code, text = detail.get("C"), str(detail.get("M") or exc)
        if type(exc).__name__ == "AuthenticationRefused":
            return str(exc)
        refused = _read_budget.refusal(exc)
        if refused:
            return "%s: %s" % (where, refused)
        if code == _BAD_PASSWORD:
            return (
                "password authentication failed for user %s (check store.user and the database password in the vault)"
                % options["user"]
            )
        if code == _REFUSED:
            return "the server refused user %s: %s" % (options["user"], text)
        if code == _NO_DATABASE:
            return "the server has no database %s (check store.database)" % options["database"]
        if code == _PRIVILEGE:
            return "user %s lacks a privilege it needs (SELECT and UPDATE on the application's mail tables): %s" % (
                options["user"],
                text,
            )
        if code == _LOCKED:
            return "another writer held the records for more than %g s (store.lock_timeout)" % options["lock_timeout"]
        if code == _CANCELLED:
            return "a statement took longer than %g s and was cancelled" % (
                options["lock_timeout"] + options["connect_timeout"]
            )
        lowered = text.lower()
        if "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
            if "refuses ssl" in lowered:
                return (
                    "the server at %s offers no TLS (set store.tls: false only on a trusted network: the site VPN)"
                    % where
                )
            return "TLS to %s failed: %s (store.ca_path names the CA that signed the server's certificate)" % (
                where,
                text,
            )
        if (
            isinstance(exc, OSError)
            or "timed out" in lowered
            or "communication error" in lowered
            or "can't create a connection" in lowered
        ):
            cause = exc.__cause__ or exc
            return "cannot connect to %s: %s (is the database server running and reachable within %g s?)" % (
                where,
                getattr(cause, "strerror", None) or cause,
                options["connect_timeout"],
            )
        return text
