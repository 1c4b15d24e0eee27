"""The SQLite store against real SQLite databases: idempotence, check mode, contact, every error branch."""

import os
import sqlite3
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._sqlite import SqliteStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import Attributes
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from tests.unit.plugins.module_utils.store.store_helpers import (
    OAUTH2_RAW,
    PASSWORD_A,
    PASSWORD_B,
    SECRETS,
    apply,
    as_nobody,
    file_bytes,
    no_secret_in,
    plain_plan,
    plan,
    raw_declaration,
    shared_dir,
    store,
)

OLD = "2000-01-01T00:00:00Z"


def make_db(path, extra_rows=(("general", "theme", "dark"), ("email", "signature", "Kind regards"))):
    """An application database: a settings table with rows of its own and a practice table."""
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE settings (section TEXT NOT NULL, key TEXT NOT NULL, value TEXT, updated_at TEXT, PRIMARY KEY (section, key));
        CREATE TABLE practice (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
        INSERT INTO practice VALUES (1, 'Smiles Dental', 'old@smiles-dental.co.uk');
    """)
    db.executemany("INSERT INTO settings VALUES (?, ?, ?, ?)", [row + (OLD,) for row in extra_rows])
    db.commit()
    db.close()
    return str(path)


def rows(path, table="settings"):
    db = sqlite3.connect(path)
    try:
        return {"%s.%s" % r[:2]: r[2:] for r in db.execute("SELECT * FROM %s" % table)}
    finally:
        db.close()


def practice_email(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT email FROM practice WHERE id = 1").fetchone()[0]
    finally:
        db.close()


def test_first_run_writes_our_rows_and_leaves_the_others(tmp_path):
    path = make_db(tmp_path / "app.db")
    outcome = apply(SqliteStore, plan(), store("sqlite", path))
    stored = rows(path)
    assert outcome.changed
    assert stored["general.theme"] == ("dark", OLD) and stored["email.signature"] == ("Kind regards", OLD)
    assert stored["email.outgoing.host"][0] == "smtp.ionos.co.uk"
    assert stored["email.outgoing.port"][0] == "465" and stored["email.incoming.enabled"][0] == "true"
    assert stored["email.display_name"][0] is None
    assert stored["email.auth.password"][0] == PASSWORD_A
    assert stored["email.auth.password"][1] != OLD


def test_second_run_changes_nothing_and_writes_nothing(tmp_path):
    path = make_db(tmp_path / "app.db")
    apply(SqliteStore, plan(), store("sqlite", path))
    before, mtime = file_bytes(path), os.stat(path).st_mtime_ns
    outcome = apply(SqliteStore, plan(), store("sqlite", path))
    assert not outcome.changed
    assert file_bytes(path) == before and os.stat(path).st_mtime_ns == mtime
    assert outcome.before == outcome.after


def test_updated_at_changes_only_on_rows_whose_value_changes(tmp_path):
    path = make_db(tmp_path / "app.db")
    apply(SqliteStore, plan(), store("sqlite", path))
    db = sqlite3.connect(path)
    db.execute("UPDATE settings SET updated_at = ?", (OLD,))
    db.commit()
    db.close()
    outcome = apply(SqliteStore, plan(raw_declaration(password=PASSWORD_B)), store("sqlite", path))
    changed = {key for key, (_value, updated) in rows(path).items() if updated != OLD}
    assert outcome.changed and changed == {"email.auth.password"}


def test_check_mode_reports_the_real_change_and_writes_nothing(tmp_path):
    path = make_db(tmp_path / "app.db")
    before = file_bytes(path)
    checked = apply(SqliteStore, plan(), store("sqlite", path), check_mode=True)
    assert file_bytes(path) == before and sorted(os.listdir(tmp_path)) == ["app.db"]
    real = apply(SqliteStore, plan(), store("sqlite", path))
    assert checked == real and checked.changed


def test_check_mode_on_a_missing_database_creates_nothing(tmp_path):
    path = tmp_path / "new.db"
    checked = apply(SqliteStore, plan(), store("sqlite", path, create=True), check_mode=True)
    assert checked.changed and not os.path.exists(path)
    real = apply(SqliteStore, plan(), store("sqlite", path, create=True))
    assert real == checked
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert len(rows(path)) == len(plan().values)


def test_missing_table_is_created_only_when_asked(tmp_path):
    path = str(tmp_path / "empty.db")
    sqlite3.connect(path).close()
    with pytest.raises(StoreError, match="has no table settings .set store.create: true"):
        apply(SqliteStore, plan(), store("sqlite", path))
    assert not sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert apply(SqliteStore, plan(), store("sqlite", path, create=True)).changed
    assert len(rows(path)) == len(plan().values)


def test_configurable_table_and_columns(tmp_path):
    path = str(tmp_path / "custom.db")
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE config (grp TEXT, name TEXT, val TEXT, changed TEXT)")
    db.commit()
    db.close()
    options = store("sqlite", path, table="config", columns={"section": "grp", "key": "name", "value": "val", "updated_at": "changed"})
    assert apply(SqliteStore, plan(), options).changed
    assert rows(path, "config")["email.outgoing.host"][0] == "smtp.ionos.co.uk"
    assert not apply(SqliteStore, plan(), options).changed


def test_a_missing_column_is_named(tmp_path):
    path = make_db(tmp_path / "app.db")
    with pytest.raises(StoreError, match="table settings has no column named modified"):
        apply(SqliteStore, plan(), store("sqlite", path, columns={"updated_at": "modified"}))
    assert "email.address" not in rows(path)


def test_an_integer_the_application_stored_counts_as_equal(tmp_path):
    path = make_db(tmp_path / "app.db")
    apply(SqliteStore, plan(), store("sqlite", path))
    db = sqlite3.connect(path)
    db.execute("UPDATE settings SET value = 465 WHERE key = 'outgoing.port'")
    db.commit()
    db.close()
    assert not apply(SqliteStore, plan(), store("sqlite", path)).changed


def test_contact_record_follows_the_address_in_the_same_run(tmp_path):
    path = make_db(tmp_path / "app.db")
    contact = {"table": "practice", "key_column": "id", "key_value": 1, "email_column": "email"}
    outcome = apply(SqliteStore, plan(contact_email="reception@smiles-dental.co.uk"), store("sqlite", path, contact=contact))
    assert outcome.changed and practice_email(path) == "reception@smiles-dental.co.uk"
    assert "practice[id=1].email = old@smiles-dental.co.uk" in outcome.before
    assert "practice[id=1].email = reception@smiles-dental.co.uk" in outcome.after
    assert not apply(SqliteStore, plan(contact_email="reception@smiles-dental.co.uk"), store("sqlite", path, contact=contact)).changed


def test_contact_update_failure_rolls_back_the_settings_too(tmp_path):
    """The contact record is updated in the settings' transaction: when it fails, no setting is written."""
    path = make_db(tmp_path / "app.db")
    db = sqlite3.connect(path)
    db.execute("CREATE TRIGGER frozen BEFORE UPDATE ON practice BEGIN SELECT RAISE(ABORT, 'practice record is frozen'); END")
    db.commit()
    db.close()
    contact = {"table": "practice", "key_column": "id", "key_value": 1, "email_column": "email"}
    with pytest.raises(StoreError, match="practice record is frozen"):
        apply(SqliteStore, plan(contact_email="reception@smiles-dental.co.uk"), store("sqlite", path, contact=contact))
    assert "email.address" not in rows(path) and practice_email(path) == "old@smiles-dental.co.uk"


def test_missing_contact_record_fails_and_writes_nothing(tmp_path):
    path = make_db(tmp_path / "app.db")
    contact = {"table": "practice", "key_column": "id", "key_value": 9, "email_column": "email"}
    with pytest.raises(StoreError, match="has no practice contact record in practice where id = 9"):
        apply(SqliteStore, plan(contact_email="reception@smiles-dental.co.uk"), store("sqlite", path, contact=contact))
    assert "email.address" not in rows(path)


def test_failed_first_run_leaves_no_database_behind(tmp_path):
    path = tmp_path / "new.db"
    contact = {"table": "practice", "key_column": "id", "key_value": 1, "email_column": "email"}
    with pytest.raises(StoreError, match="no such table: practice"):
        apply(SqliteStore, plan(contact_email="x@example.org"), store("sqlite", path, create=True, contact=contact))
    assert os.listdir(tmp_path) == []


def test_absent_removes_only_our_rows(tmp_path):
    path = make_db(tmp_path / "app.db")
    apply(SqliteStore, plan(), store("sqlite", path))
    outcome = apply(SqliteStore, plan(state="absent"), store("sqlite", path))
    assert outcome.changed and outcome.after == ""
    assert rows(path) == {"general.theme": ("dark", OLD), "email.signature": ("Kind regards", OLD)}
    assert not apply(SqliteStore, plan(state="absent"), store("sqlite", path)).changed


def test_absent_on_a_missing_database_is_already_done(tmp_path):
    outcome = apply(SqliteStore, plan(state="absent"), store("sqlite", tmp_path / "none.db", create=True))
    assert not outcome.changed and os.listdir(tmp_path) == []


def test_update_password_on_create_keeps_a_stored_password(tmp_path):
    path = make_db(tmp_path / "app.db")
    apply(SqliteStore, plan(), store("sqlite", path))
    on_create = plan(raw_declaration(password=PASSWORD_B), update_password="on_create")
    assert not apply(SqliteStore, on_create, store("sqlite", path)).changed
    assert rows(path)["email.auth.password"][0] == PASSWORD_A
    db = sqlite3.connect(path)
    db.execute("UPDATE settings SET value = '' WHERE key = 'auth.password'")
    db.commit()
    db.close()
    assert apply(SqliteStore, on_create, store("sqlite", path)).changed
    assert rows(path)["email.auth.password"][0] == PASSWORD_B


def test_diff_masks_secrets_and_marks_the_changed_one(tmp_path):
    path = make_db(tmp_path / "app.db")
    apply(SqliteStore, plan(), store("sqlite", path))
    db = sqlite3.connect(path)  # the old password also sits in a row that is not ours: scrubbed too
    db.execute("INSERT INTO settings VALUES ('email', 'note', ?, '')", (PASSWORD_A,))
    db.commit()
    db.close()
    outcome = apply(SqliteStore, plan(raw_declaration(password=PASSWORD_B), key_map={"email.auth.password": "email.note"}),
                    store("sqlite", path))
    assert "email.note = ********\n" in outcome.before
    assert "email.note = ******** (changed)\n" in outcome.after
    assert not no_secret_in(outcome.before + outcome.after)


def test_oauth2_secrets_are_masked(tmp_path):
    path = make_db(tmp_path / "app.db")
    outcome = apply(SqliteStore, plan(OAUTH2_RAW), store("sqlite", path))
    assert "email.oauth2.refresh_token = ******** (changed)" in outcome.after
    assert "email.oauth2.client_secret = ******** (changed)" in outcome.after
    assert not no_secret_in(outcome.after, SECRETS)


def test_backup_copies_the_database_before_a_change_only(tmp_path):
    path = make_db(tmp_path / "app.db")
    os.chmod(path, 0o640)
    outcome = apply(SqliteStore, plan(), store("sqlite", path), backup=True)
    assert outcome.backup_file and os.path.dirname(outcome.backup_file) == str(tmp_path)
    assert "email.address" not in rows(outcome.backup_file) and "general.theme" in rows(outcome.backup_file)
    assert os.stat(outcome.backup_file).st_mode & 0o777 == 0o600  # it holds the previous password
    assert apply(SqliteStore, plan(), store("sqlite", path), backup=True).backup_file is None
    assert len(os.listdir(tmp_path)) == 2


def test_explicit_mode_is_applied_and_counts_as_a_change(tmp_path):
    path = make_db(tmp_path / "app.db")
    apply(SqliteStore, plan(), store("sqlite", path))
    os.chmod(path, 0o644)
    wanted = Attributes(None, None, 0o600)
    assert apply(SqliteStore, plan(), store("sqlite", path), check_mode=True, attributes=wanted).changed
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert apply(SqliteStore, plan(), store("sqlite", path), attributes=wanted).changed
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert not apply(SqliteStore, plan(), store("sqlite", path), attributes=wanted).changed


def test_key_without_section_is_refused(tmp_path):
    path = make_db(tmp_path / "app.db")
    with pytest.raises(StoreError, match="key smtp_host has no section part"):
        apply(SqliteStore, plain_plan({"smtp_host": "x"}), store("sqlite", path))


# Error branches: each names the path and the cause, and writes nothing.

def test_missing_database(tmp_path):
    path = tmp_path / "missing.db"
    with pytest.raises(StoreError) as error:
        apply(SqliteStore, plan(), store("sqlite", path))
    assert str(error.value) == "SQLite store %s: does not exist (set store.create: true to create it)" % path
    assert not os.path.exists(path)


def test_not_a_sqlite_file(tmp_path):
    path = tmp_path / "settings.db"
    path.write_text("[email]\naddress = x\n" * 100)
    before = file_bytes(path)
    with pytest.raises(StoreError) as error:
        apply(SqliteStore, plan(), store("sqlite", path, create=True))
    assert str(error.value) == "SQLite store %s: is not a SQLite database" % path
    assert file_bytes(path) == before and os.listdir(tmp_path) == ["settings.db"]


def test_corrupt_database(tmp_path):
    path = make_db(tmp_path / "app.db")
    data = bytearray(file_bytes(path))
    data[4096:8192] = b"\xa5" * 4096  # the second page (a table's b-tree) becomes garbage
    with open(path, "wb") as handle:
        handle.write(bytes(data))
    with pytest.raises(StoreError, match=r"SQLite store .*app.db: the database is corrupt \(database disk image is malformed\)"):
        apply(SqliteStore, plan(), store("sqlite", path))
    assert file_bytes(path) == bytes(data)


def test_a_directory_is_not_a_database(tmp_path):
    with pytest.raises(StoreError, match="is a directory, not a database file"):
        apply(SqliteStore, plan(), store("sqlite", tmp_path))


def test_permission_denied_as_an_unprivileged_user():
    with shared_dir() as directory:
        path = make_db(os.path.join(directory, "app.db"))
        os.chmod(path, 0o644)  # readable, not writable, by nobody
        before = file_bytes(path)
        status, message = as_nobody(lambda: apply(SqliteStore, plan(), store("sqlite", path)))
        after = file_bytes(path)
    assert status == "error"
    assert message == "StoreError: SQLite store %s: cannot open it for writing: permission denied" % path
    assert after == before


def test_unwritable_directory_as_an_unprivileged_user():
    """No new database, and no backup, where the user cannot create files."""
    with shared_dir() as directory:
        path = make_db(os.path.join(directory, "app.db"))
        os.chmod(path, 0o666)
        created = as_nobody(lambda: apply(SqliteStore, plan(), store("sqlite", os.path.join(directory, "new.db"), create=True)))
        backed_up = as_nobody(lambda: apply(SqliteStore, plan(), store("sqlite", path), backup=True))
        listing = sorted(os.listdir(directory))
        stored = rows(path)
    assert created == ("error", "StoreError: SQLite store %s/new.db: cannot write it: permission denied" % directory)
    assert backed_up == ("error", "StoreError: SQLite store %s: cannot write it: permission denied" % path)
    assert listing == ["app.db"] and "email.address" not in stored


def test_an_owner_that_cannot_be_given_leaves_the_rows_as_they_were():
    """The owner or mode is set before COMMIT: when it fails, "nothing was written" is true and no backup is kept."""
    with shared_dir() as directory:
        os.chown(directory, 65534, 65534)
        path = make_db(os.path.join(directory, "app.db"))
        os.chown(path, 65534, 65534)
        before = rows(path)
        status, message = as_nobody(lambda: apply(SqliteStore, plan(), store("sqlite", path), backup=True,
                                                  attributes=Attributes(0, None, None)))
        after, listing = rows(path), sorted(os.listdir(directory))
    assert status == "error" and "operation not permitted" in message, message
    assert after == before and listing == ["app.db"]


def test_locked_past_the_timeout(tmp_path):
    path = make_db(tmp_path / "app.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(StoreError) as error:
            apply(SqliteStore, plan(), store("sqlite", path, lock_timeout=0.3))
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(error.value) == "SQLite store %s: locked by another writer for more than 0.3 s" % path
    assert 0.3 <= waited < 5
    assert "email.address" not in rows(path)


def test_error_messages_never_quote_a_secret(tmp_path):
    path = tmp_path / "settings.db"
    path.write_text(PASSWORD_A * 50)
    with pytest.raises(StoreError) as error:
        apply(SqliteStore, plan(), store("sqlite", path))
    assert not no_secret_in(str(error.value))
