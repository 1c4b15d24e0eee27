"""The mysql store with the Open Dental profile, against a real MariaDB (Debian's mariadbd, unprivileged).

Each test gets its own Open Dental-shaped database with realistic seed rows (two clinics
with their own addresses, a user's personal address, a default address whose password
Open Dental encrypted), and asserts on the rows, the reload signals and every output.
"""

import concurrent.futures
import json
import os
import signal
import stat
import subprocess
import sys
import time
import uuid

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    ReadBackMismatch,
    StoreChanged,
    StoreError,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._column_cipher import ColumnCipher, Unreadable
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql import MysqlStore
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import for_store
from tests.servers import mariadb
from tests.unit.plugins.module_utils.store.store_helpers import (
    target_options,
    PASSWORD_A,
    PASSWORD_B,
    SECRETS,
    keyed,
    no_secret_in,
    plan,
    raw_declaration,
)
from tests.paths import REPO_ROOT

DB_PASSWORD = "Db-Echo-3c71f0"
SECRETS_ALL = SECRETS + (DB_PASSWORD,)
PROFILE = for_store("opendental")
STRICT = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION"
SEEDED_PASSWORDS = {1: "Old-Default-Pass", 2: "North-Pass-1", 3: "South-Pass-1", 4: "Jones-Personal"}
POP3 = {"protocol": "pop3", "acknowledge_mail_removal": True}


def gmail(password=PASSWORD_A, **changes):
    """A declaration Open Dental can hold: Gmail, 465, POP3 with the removal acknowledged."""
    raw = raw_declaration(provider="gmail", password=password, incoming=dict(POP3))
    raw.update(changes)
    return raw


def opendental_database(server):
    """A fresh Open Dental database with the seed rows and its own user; the target dict."""
    name = "od_" + uuid.uuid4().hex[:10]
    mariadb.create_opendental(server, name, "od_" + name[3:9], DB_PASSWORD)
    return {"server": server, "name": name, "user": "od_" + name[3:9]}


@pytest.fixture
def database(mariadb_server):
    return opendental_database(mariadb_server)


def options(target, **changes):
    return target_options(target, DB_PASSWORD, **dict(
        dict(type="mysql", application="opendental", host="127.0.0.1", lock_timeout=20), **changes))


def apply(target, raw=None, check_mode=False, backup=False, update_password="always", **changes):
    store = keyed(MysqlStore(options(target, **changes)))
    outcome = store.apply(plan(raw or gmail(), update_password=update_password), KEEP, backup, check_mode)
    return outcome, store


def backups(folder):
    """The row backups in ``folder`` (not their MAC files), oldest first."""
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".json"))


def rows(database, query):
    return mariadb.rows(database["server"], query, database["name"])


def account(database, number):
    found = rows(
        database,
        "SELECT SMTPserver, EmailUsername, EmailPassword, ServerPort, UseSSL, SenderAddress, Pop3ServerIncoming, "
        "ServerPortIncoming, UserNum, AuthenticationType FROM emailaddress WHERE EmailAddressNum = %d" % number,
    )
    keys = (
        "SMTPserver",
        "EmailUsername",
        "EmailPassword",
        "ServerPort",
        "UseSSL",
        "SenderAddress",
        "Pop3ServerIncoming",
        "ServerPortIncoming",
        "UserNum",
        "AuthenticationType",
    )
    return dict(zip(keys, found[0])) if found else None


def signals(database):
    return [int(row[0]) for row in rows(database, "SELECT IType FROM signalod ORDER BY SignalNum")]


def checksums(database):
    return rows(database, "CHECKSUM TABLE emailaddress, preference, clinic, signalod EXTENDED")


def pointer(database, name="EmailDefaultAddressNum"):
    found = rows(database, "SELECT ValueString FROM preference WHERE PrefName = '%s'" % name)
    return found[0][0] if found else None


CIPHER = ColumnCipher(PROFILE["cipher"])


def test_the_cipher_matches_open_dental_s_test_vector_and_round_trips():
    assert CIPHER.encrypt("") == "ozsJiDp34NcZ/32SEQxlgQ=="
    assert CIPHER.decrypt("ozsJiDp34NcZ/32SEQxlgQ==") == ""
    for text in ("Old-Default-Pass", "pässwörd with ünïcode", "x" * 100):
        assert CIPHER.decrypt(CIPHER.encrypt(text)) == text
    with pytest.raises(Unreadable):
        CIPHER.decrypt("not base64!")
    with pytest.raises(Unreadable):
        CIPHER.decrypt("AAAAAAAAAAAAAAAAAAAAAA==")  # one block that does not unpad


def test_the_seeded_passwords_decrypt_as_open_dental_stored_them(database):
    for number, password in SEEDED_PASSWORDS.items():
        assert CIPHER.decrypt(account(database, number)["EmailPassword"]) == password


@pytest.mark.parametrize("sql_mode", [STRICT, ""], ids=["strict", "empty"])
def test_first_apply_makes_the_row_and_sets_the_preference_then_changes_nothing(database, sql_mode):
    server = database["server"]
    mariadb.sql(server, "SET GLOBAL sql_mode = '%s';" % sql_mode)
    try:
        mariadb.sql(
            server,
            "UPDATE preference SET ValueString = '' WHERE PrefName = 'EmailDefaultAddressNum';",
            database["name"],
        )
        before_signals = signals(database)
        outcome, _store = apply(database)
        assert outcome.changed
        number = int(pointer(database))
        assert number == 5
        row = account(database, number)
        assert row["SMTPserver"] == "smtp.gmail.com" and row["ServerPort"] == "465" and row["UseSSL"] == "1"
        assert row["Pop3ServerIncoming"] == "pop.gmail.com" and row["ServerPortIncoming"] == "995"
        assert row["UserNum"] == "0" and row["AuthenticationType"] == "0"
        assert CIPHER.decrypt(row["EmailPassword"]) == PASSWORD_A
        assert signals(database) == before_signals + [15, 5]
        again, _store = apply(database)
        assert not again.changed
        assert signals(database) == before_signals + [15, 5]  # no signal without a change
        assert int(rows(database, "SELECT COUNT(*) FROM emailaddress")[0][0]) == 5
    finally:
        mariadb.sql(server, "SET GLOBAL sql_mode = '%s';" % STRICT)


def test_a_missing_preference_row_is_inserted(database):
    mariadb.sql(
        database["server"], "DELETE FROM preference WHERE PrefName = 'EmailDefaultAddressNum';", database["name"]
    )
    outcome, _store = apply(database)
    assert outcome.changed and pointer(database) == "5"


def test_an_existing_default_row_gets_only_its_changed_columns_and_one_signal(database):
    outcome, _store = apply(database)
    assert outcome.changed and pointer(database) == "1"
    assert signals(database) == [14, 15]
    before = account(database, 1)
    outcome, _store = apply(database, gmail(password=PASSWORD_B))
    assert outcome.changed
    after = account(database, 1)
    assert [key for key in before if before[key] != after[key]] == ["EmailPassword"]
    assert CIPHER.decrypt(after["EmailPassword"]) == PASSWORD_B
    assert "EmailPassword = ******** (changed)" in outcome.after
    assert "SMTPserver = smtp.gmail.com" in outcome.after and "(changed)" not in outcome.after.replace(
        "EmailPassword = ******** (changed)", ""
    )
    assert signals(database) == [14, 15, 15]
    for number in (2, 3, 4):  # the clinics' and the user's rows are untouched
        assert CIPHER.decrypt(account(database, number)["EmailPassword"]) == SEEDED_PASSWORDS[number]


def test_update_password_on_create_keeps_a_stored_password(database):
    apply(database)
    outcome, _store = apply(database, gmail(password=PASSWORD_B), update_password="on_create")
    assert not outcome.changed
    assert CIPHER.decrypt(account(database, 1)["EmailPassword"]) == PASSWORD_A


def test_read_gives_the_stored_settings_and_the_change_and_writes_nothing(database):
    before = checksums(database)
    store = MysqlStore(options(database))
    first = store.read(plan(gmail()))
    assert checksums(database) == before
    assert first.current["email.outgoing.host"] == "smtp.old-host.example"
    assert first.current["email.auth.password"] == SEEDED_PASSWORDS[1]  # decrypted, for a test under on_create
    assert {"email.outgoing.host", "email.outgoing.port", "email.auth.password"} <= set(first.todo)
    apply(database)
    assert MysqlStore(options(database)).read(plan(gmail())).todo == {}
    changed = MysqlStore(options(database)).read(plan(gmail(password=PASSWORD_B)))
    assert list(changed.todo) == ["email.auth.password"]
    kept = MysqlStore(options(database)).read(plan(gmail(password=PASSWORD_B), update_password="on_create"))
    assert kept.todo == {} and kept.current["email.auth.password"] == PASSWORD_A


def test_apply_refuses_when_another_writer_changed_the_row_since_read(database):
    store = MysqlStore(options(database))
    snapshot = store.read(plan(gmail()))
    mariadb.sql(
        database["server"],
        "UPDATE emailaddress SET SMTPserver = 'smtp.someone-else.example' WHERE EmailAddressNum = 1;",
        database["name"],
    )
    before = checksums(database)
    with pytest.raises(StoreChanged):
        MysqlStore(options(database)).apply(plan(gmail()), KEEP, False, False, snapshot)
    assert checksums(database) == before
    assert account(database, 1)["SMTPserver"] == "smtp.someone-else.example"


def test_a_trigger_that_rewrites_a_column_fails_the_read_back_and_nothing_stays_written(database, tmp_path):
    mariadb.sql(database["server"], "CREATE TRIGGER rewrite_host BEFORE UPDATE ON emailaddress FOR EACH ROW "
                                    "SET NEW.SMTPserver = 'smtp.rewritten.example';", database["name"])
    before = checksums(database)
    with pytest.raises(ReadBackMismatch) as failure:
        apply(database, backup=True, backup_dir=str(tmp_path / "backups"))
    assert "emailaddress.SMTPserver" in str(failure.value) and "put back" in str(failure.value)
    assert checksums(database) == before  # the row, the pointer and the reload signals: all rolled back
    assert not no_secret_in(str(failure.value), SECRETS_ALL)


def test_restored_gives_the_newest_row_backup_s_settings_and_backups_are_pruned(database, tmp_path):
    folder = str(tmp_path / "backups")
    apply(database, backup=True, backup_dir=folder)  # backs up the seeded row
    apply(database, gmail(password=PASSWORD_B), backup=True, backup_dir=folder)  # backs up the row with PASSWORD_A
    store = keyed(MysqlStore(options(database, backup_dir=folder)))
    assert len(backups(folder)) == 2
    values = plan(gmail(password=PASSWORD_B)).values
    held, name = store.restored(values, frozenset())
    assert name == backups(folder)[-1]
    assert held["email.auth.password"] == PASSWORD_A and held["email.outgoing.host"] == "smtp.gmail.com"
    assert held["email.outgoing.port"] == 465 and held["email.outgoing.security"] == "tls"
    outcome = store.apply(plan(gmail(password=PASSWORD_B))._replace(values=held), KEEP, True, False)
    assert outcome.changed and CIPHER.decrypt(account(database, 1)["EmailPassword"]) == PASSWORD_A
    store.prune_backups(outcome.backup_file, 2)
    assert len(backups(folder)) == 2 and outcome.backup_file in backups(folder)
    assert sorted(os.listdir(folder)) == sorted(
        [os.path.basename(n) for n in backups(folder)] + [os.path.basename(n) + ".mac" for n in backups(folder)]
    )  # pruned with their MACs
    other_clinic = keyed(MysqlStore(options(database, backup_dir=folder, clinic=1)))
    with pytest.raises(ValueError, match="has no row backup"):
        other_clinic.restored(values, frozenset())


def test_a_killed_run_s_pending_row_backup_is_removed_under_the_lock(database, tmp_path):
    folder = str(tmp_path / "backups")
    outcome, store = apply(database, backup=True, backup_dir=folder)
    stale = _atomic_file.pending_name(os.path.join(folder, store.backup_prefix() + "1.20261206T000000.000000Z.json"))
    other = _atomic_file.pending_name(
        os.path.join(folder, "elsewhere_1.20261206T000000.000000Z.json")
    )  # another store's
    for name in (stale, other):
        with open(name, "w", encoding="utf-8") as handle:
            handle.write("{}")
    apply(database, gmail(password=PASSWORD_B), backup=True, backup_dir=folder)
    assert not os.path.exists(stale) and os.path.exists(other)
    assert sorted(os.listdir(folder)) == sorted(
        [os.path.basename(other)] + [os.path.basename(n) + suffix for n in backups(folder) for suffix in ("", ".mac")]
    )
    assert outcome.backup_file in backups(folder)


def test_a_backup_folder_that_cannot_be_made_is_a_clear_error_and_writes_nothing(database, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    before = checksums(database)
    with pytest.raises(StoreError, match="cannot write its row backup in %s" % blocker):
        apply(database, backup=True, backup_dir=str(blocker / "backups"))
    assert checksums(database) == before


def test_restored_refuses_a_row_backup_whose_password_does_not_decrypt(database, tmp_path):
    folder = str(tmp_path / "backups")
    apply(database, backup=True, backup_dir=folder)
    [name] = backups(folder)
    with open(name, encoding="utf-8") as handle:
        record = json.load(handle)
    record["row"]["EmailPassword"] = "not-this-cipher's-output"
    with open(name, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    with pytest.raises(ValueError, match="was not written by this collection.*MAC does not match"):
        keyed(MysqlStore(options(database, backup_dir=folder))).restored(plan(gmail()).values, frozenset())
    with pytest.raises(ValueError, match="does not decrypt") as failure:  # restored by hand, and named to be trusted
        keyed(MysqlStore(options(database, backup_dir=folder))).restored(
            plan(gmail()).values, frozenset(), unverified=os.path.basename(name)
        )
    assert "not-this-cipher" not in str(failure.value)


def test_restored_finds_the_security_a_row_backup_implies(database, tmp_path):
    """The seeded row: port 587 with UseSSL 1, which only STARTTLS gives; the declaration says 465/tls."""
    folder = str(tmp_path / "backups")
    apply(database, backup=True, backup_dir=folder)
    held, _name = keyed(MysqlStore(options(database, backup_dir=folder))).restored(plan(gmail()).values, frozenset())
    assert held["email.outgoing.host"] == "smtp.old-host.example" and held["email.outgoing.port"] == 587
    assert held["email.outgoing.security"] == "starttls" and held["email.auth.password"] == SEEDED_PASSWORDS[1]
    mariadb.sql(
        database["server"],
        "UPDATE emailaddress SET AuthenticationType = 2 WHERE EmailAddressNum = 1;",
        database["name"],
    )
    apply(database, gmail(password=PASSWORD_B), backup=True, backup_dir=folder)
    with pytest.raises(ValueError, match="AuthenticationType = 2"):
        keyed(MysqlStore(options(database, backup_dir=folder))).restored(plan(gmail()).values, frozenset())


def test_a_clinic_apply_changes_that_clinic_s_row_only(database):
    others = {number: account(database, number) for number in (1, 3, 4)}
    outcome, _store = apply(database, clinic=1)
    assert outcome.changed
    assert rows(database, "SELECT EmailAddressNum FROM clinic WHERE ClinicNum = 1") == [["2"]]
    assert account(database, 2)["SMTPserver"] == "smtp.gmail.com"
    assert {number: account(database, number) for number in (1, 3, 4)} == others
    assert pointer(database) == "1"
    assert not apply(database, clinic=1)[0].changed


def test_a_clinic_without_an_address_gets_a_new_row_and_its_pointer(database):
    outcome, _store = apply(database, clinic=3)
    assert outcome.changed
    assert rows(database, "SELECT EmailAddressNum FROM clinic ORDER BY ClinicNum") == [["2"], ["3"], ["5"]]
    assert account(database, 5)["SenderAddress"] == "reception@smiles-dental.co.uk"
    assert signals(database) == [14, 22, 15]
    assert pointer(database) == "1"


def test_a_clinic_sharing_the_default_row_gets_a_row_of_its_own(database):
    mariadb.sql(database["server"], "UPDATE clinic SET EmailAddressNum = 1 WHERE ClinicNum = 3;", database["name"])
    default = account(database, 1)
    outcome, store = apply(database, clinic=3)
    assert outcome.changed and any("shared" in note for note in store.notes)
    assert account(database, 1) == default
    assert rows(database, "SELECT EmailAddressNum FROM clinic WHERE ClinicNum = 3") == [["5"]]


def test_check_mode_writes_nothing_and_reports_the_change(database):
    mariadb.sql(
        database["server"],
        "UPDATE preference SET ValueString = '0' WHERE PrefName = 'EmailDefaultAddressNum';",
        database["name"],
    )
    before = checksums(database)
    outcome, _store = apply(database, check_mode=True)
    assert outcome.changed and "(the new row)" in outcome.after
    outcome, _store = apply(database, check_mode=True, clinic=1)
    assert outcome.changed and "emailaddress[EmailAddressNum=2].SMTPserver = smtp.gmail.com" in outcome.after
    assert checksums(database) == before


def test_check_mode_writes_nothing_to_tables_without_transactions(database):
    """Open Dental databases may be MyISAM, where no ROLLBACK undoes
    a statement: check mode must never run one that writes."""
    mariadb.sql(database["server"], "ALTER TABLE emailaddress ENGINE=MyISAM; ALTER TABLE preference ENGINE=MyISAM; "
                "ALTER TABLE clinic ENGINE=MyISAM; ALTER TABLE signalod ENGINE=MyISAM;", database["name"])
    before = checksums(database)
    assert apply(database, check_mode=True)[0].changed  # the default row's columns
    assert apply(database, check_mode=True, clinic=3)[0].changed  # a new row and its pointer
    mariadb.sql(
        database["server"], "DELETE FROM preference WHERE PrefName = 'EmailDefaultAddressNum';", database["name"]
    )
    before_missing = checksums(database)
    assert apply(database, check_mode=True)[0].changed  # a new row and a new preference row
    assert checksums(database) == before_missing and before_missing != before


def test_check_mode_spends_no_row_number(database):
    """A rolled-back INSERT still uses up an AUTO_INCREMENT value: check mode must not insert at all."""
    assert apply(database, check_mode=True, clinic=3)[0].changed
    assert apply(database, clinic=3)[0].changed
    assert rows(database, "SELECT EmailAddressNum FROM clinic WHERE ClinicNum = 3") == [["5"]]
    assert rows(database, "SELECT SignalNum FROM signalod ORDER BY SignalNum") == [
        ["1"],
        ["2"],
        ["3"],
    ]  # the seed's, then the two


def test_check_mode_neither_waits_for_nor_holds_the_application_s_row_locks(database, mariadb_server):
    """Open Dental holding the account row (an edit in progress): check mode reads past it instead of waiting."""
    import pymysql  # pylint: disable=import-outside-toplevel

    holder = pymysql.connect(
        unix_socket=mariadb_server["socket"], user="root", database=database["name"], autocommit=False
    )
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT * FROM emailaddress WHERE EmailAddressNum IN (1, 2) FOR UPDATE")
            cursor.execute("SELECT * FROM preference FOR UPDATE")
        started = time.monotonic()
        assert apply(database, check_mode=True, lock_timeout=2)[0].changed
        assert apply(database, check_mode=True, lock_timeout=2, clinic=3)[0].changed
        assert time.monotonic() - started < 2
    finally:
        holder.rollback()
        holder.close()


def test_check_mode_fails_as_the_real_run_would_for_a_user_that_may_only_read(database):
    before = checksums(database)
    mariadb.sql(
        database["server"],
        "REVOKE INSERT, UPDATE ON `%s`.* FROM '%s'@'127.0.0.1';" % (database["name"], database["user"]),
    )
    for clinic in (None, 3):  # an UPDATE of the row; an INSERT of a new row and its pointer
        with pytest.raises(StoreError, match="lacks a privilege it needs") as caught:
            apply(database, check_mode=True, clinic=clinic)
        assert not no_secret_in(str(caught.value), SECRETS_ALL)
    assert checksums(database) == before


def test_check_mode_refuses_a_password_too_long_for_its_column(database):
    with pytest.raises(StoreError, match="EmailPassword holds 255 characters"):
        apply(database, gmail(password="p" * 200), check_mode=True)


def test_diffs_backups_and_notes_never_show_a_secret(database, tmp_path):
    outcome, store = apply(database, backup=True, backup_dir=str(tmp_path / "backups"))
    outcome2, store2 = apply(database, gmail(password=PASSWORD_B), backup=True, backup_dir=str(tmp_path / "backups"))
    for text in (outcome.before, outcome.after, outcome2.before, outcome2.after, " ".join(store.notes + store2.notes)):
        assert not no_secret_in(text, SECRETS_ALL)
        for stored in (CIPHER.encrypt(PASSWORD_A), CIPHER.encrypt(PASSWORD_B), account(database, 2)["EmailPassword"]):
            assert stored not in text
    assert "EmailPassword = ********" in outcome.before
    backup = outcome2.backup_file
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    with open(backup, encoding="utf-8") as handle:
        saved = json.load(handle)
    assert saved["row"]["EmailAddressNum"] == 1 and CIPHER.decrypt(saved["row"]["EmailPassword"]) == PASSWORD_A
    assert not no_secret_in(json.dumps(saved), SECRETS_ALL)  # the password stays encrypted, as Open Dental stored it


def test_an_unreadable_stored_password_is_reported_and_replaced(database):
    mariadb.sql(
        database["server"],
        "UPDATE emailaddress SET EmailPassword = 'garbled-Zq9' WHERE EmailAddressNum = 1;",
        database["name"],
    )
    outcome, store = apply(database)
    assert outcome.changed and any("could not be decrypted" in note for note in store.notes)
    assert "garbled-Zq9" not in outcome.before + outcome.after + " ".join(store.notes)
    assert CIPHER.decrypt(account(database, 1)["EmailPassword"]) == PASSWORD_A


@pytest.mark.parametrize(
    "statement, expected",
    [
        (
            "UPDATE preference SET ValueString = '42' WHERE PrefName = 'EmailDefaultAddressNum'",
            "row EmailAddressNum = 42, which does not exist",
        ),
        (
            "UPDATE preference SET ValueString = '4' WHERE PrefName = 'EmailDefaultAddressNum'",
            "one user's own address (UserNum = 7)",
        ),
        (
            "UPDATE preference SET ValueString = 'abc' WHERE PrefName = 'EmailDefaultAddressNum'",
            "holds 'abc', not a row number",
        ),
        (
            "ALTER TABLE emailaddress DROP COLUMN AuthenticationType; UPDATE preference SET ValueString = '21.4.30.0' "
            "WHERE PrefName = 'DataBaseVersion'",
            "version 21.4.30.0 is too old: it lacks emailaddress.AuthenticationType; mail_account needs Open Dental "
            "22.2.43 or later",
        ),
        ("DROP TABLE signalod", "is not a database of Open Dental: it has no table signalod"),
    ],
)
def test_database_problems_are_clear_errors_and_write_nothing(database, statement, expected):
    mariadb.sql(database["server"], statement + ";", database["name"])
    before = rows(database, "SELECT * FROM emailaddress ORDER BY EmailAddressNum")
    with pytest.raises(StoreError) as caught:
        apply(database)
    assert expected in str(caught.value)
    assert not no_secret_in(str(caught.value), SECRETS_ALL)
    assert rows(database, "SELECT * FROM emailaddress ORDER BY EmailAddressNum") == before


def test_an_unknown_clinic_is_an_error(database):
    with pytest.raises(StoreError, match="has no clinic row with ClinicNum = 9"):
        apply(database, clinic=9)


@pytest.mark.parametrize("changes, expected", [
    ({"password": "Wrong-" + DB_PASSWORD}, "access denied for user"),
    ({"database": "no_such_db"}, "may not use database no_such_db"),
    ({"ca_path": "/etc/ssl/certs/ca-certificates.crt"}, "TLS to 127.0.0.1"),
])
def test_connection_problems_are_clear_errors(database, changes, expected):
    with pytest.raises(StoreError) as caught:
        apply(database, **changes)
    assert expected in str(caught.value)
    assert not no_secret_in(str(caught.value), SECRETS_ALL + tuple(v for k, v in changes.items() if k == "password"))


def test_a_silent_server_times_out_with_a_clear_error(database):
    import socket  # pylint: disable=import-outside-toplevel
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        started = time.monotonic()
        with pytest.raises(StoreError, match=r"no answer from 127\.0\.0\.1:\d+ within 1 s"):
            apply(database, port=silent.getsockname()[1], connect_timeout=1)
        assert time.monotonic() - started < 10


def test_a_stopped_server_is_a_clear_error():
    with mariadb.running(prefix="mailconfig-mariadb-stopped-") as server:
        mariadb.create_opendental(server, "od_stopped", "od_stopped", DB_PASSWORD)
        database = {"server": server, "name": "od_stopped", "user": "od_stopped"}
        assert apply(database)[0].changed
        mariadb.stop(server)
        with pytest.raises(StoreError, match="cannot connect to 127.0.0.1:%d" % server["port"]):
            apply(database)


def test_twenty_concurrent_applies_leave_one_row(database):
    mariadb.sql(
        database["server"],
        "UPDATE preference SET ValueString = '' WHERE PrefName = 'EmailDefaultAddressNum';",
        database["name"],
    )
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(lambda _n: apply(database)[0], range(20)))
    assert sum(1 for outcome in outcomes if outcome.changed) == 1
    assert int(rows(database, "SELECT COUNT(*) FROM emailaddress")[0][0]) == 5
    assert pointer(database) == "5"
    assert signals(database) == [14, 15, 5]


def test_a_deadlock_victim_is_run_again_and_completes(database, mariadb_server):
    """Open Dental holds the account row, then asks for the pointer our apply holds: InnoDB rolls back the smaller
    transaction (ours, which has written nothing yet), and the apply starts over once Open Dental is done."""
    import pymysql  # pylint: disable=import-outside-toplevel

    holder = pymysql.connect(
        unix_socket=mariadb_server["socket"], user="root", database=database["name"], autocommit=False
    )
    try:
        with holder.cursor() as cursor:
            cursor.execute(
                "INSERT INTO signalod (DateViewing, SigDateTime, FKey, FKeyType, IType, RemoteRole, MsgValue) "
                "SELECT '0001-01-01', NOW(), 0, 'Undefined', 14, 0, '' FROM emailaddress"
            )  # the heavier transaction
            cursor.execute("SELECT * FROM emailaddress WHERE EmailAddressNum = 1 FOR UPDATE")
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            running = pool.submit(apply, database)
            deadline = time.monotonic() + 30
            while not any(
                "FROM `emailaddress`" in (row[0] or "") and "FOR UPDATE" in (row[0] or "")
                for row in mariadb.rows(
                    mariadb_server, "SELECT INFO FROM information_schema.PROCESSLIST", database["name"]
                )
            ):
                assert not running.done() and time.monotonic() < deadline, "the apply never waited for the row"
                time.sleep(0.05)
            with holder.cursor() as cursor:
                cursor.execute(
                    "SELECT * FROM preference WHERE PrefName = 'EmailDefaultAddressNum' FOR UPDATE"
                )  # the deadlock
            holder.rollback()
            outcome, _store = running.result(timeout=60)
    finally:
        holder.close()
    assert outcome.changed and CIPHER.decrypt(account(database, 1)["EmailPassword"]) == PASSWORD_A
    assert signals(database) == [14, 15]  # the holder's rows rolled back; one signal from the apply that completed


_CHILD = """
import json, sys
sys.path[:0] = json.loads(sys.argv[1])
from tests.unit.plugins.module_utils.store.test_store_mysql import apply
apply(json.loads(sys.argv[2]), None)
"""


def test_sigkill_in_the_middle_of_an_apply_leaves_the_old_row(database, mariadb_server):
    before = rows(database, "SELECT * FROM emailaddress ORDER BY EmailAddressNum")
    # Hold signalod: the apply updates emailaddress, then waits to insert its signal; we kill it there.
    import pymysql  # pylint: disable=import-outside-toplevel
    holder = pymysql.connect(unix_socket=mariadb_server["socket"], user="root", database=database["name"])
    holder.cursor().execute("LOCK TABLES signalod WRITE")
    root = REPO_ROOT
    paths = [root] + [p for p in sys.path if p]
    child = subprocess.Popen([sys.executable, "-c", _CHILD, json.dumps(paths), json.dumps(database)])
    try:
        deadline = time.monotonic() + 30
        while not any(
            "INSERT INTO `signalod`" in (row[-1] or "")
            for row in mariadb.rows(
                mariadb_server, "SELECT STATE, INFO FROM information_schema.PROCESSLIST", database["name"]
            )
        ):
            assert child.poll() is None and time.monotonic() < deadline, "the apply never reached its signal"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        holder.cursor().execute("UNLOCK TABLES")
        holder.close()
    deadline = time.monotonic() + 10
    while (
        rows(database, "SELECT * FROM emailaddress ORDER BY EmailAddressNum") != before and time.monotonic() < deadline
    ):
        time.sleep(0.1)  # the server rolls back once it notices the connection is gone
    assert rows(database, "SELECT * FROM emailaddress ORDER BY EmailAddressNum") == before
    assert apply(database)[0].changed  # and the next run completes the change


def test_a_missing_cipher_library_is_named_with_where_it_goes(database):
    script = ("import sys, json\nsys.path[:0] = json.loads(sys.argv[1])\nsys.modules['cryptography'] = None\n"
              "from tests.unit.plugins.module_utils.store.test_store_mysql import apply\n"
              "try:\n    apply(json.loads(sys.argv[2]))\nexcept Exception as exc:\n    print(exc)\n")
    root = REPO_ROOT
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps([root] + [p for p in sys.path if p]), json.dumps(database)],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    assert "needs cryptography (for the application's cipher) on the host that runs the module" in out
    assert "mail_account_apply_from" in out


def test_state_absent_and_key_map_are_refused(database):
    store = MysqlStore(options(database))
    with pytest.raises(StoreError, match="state absent is not supported"):
        store.apply(plan(gmail(), state="absent"), KEEP, False, False)
    with pytest.raises(StoreError, match="key_map cannot rename keys"):
        store.apply(plan(gmail(), key_map={"email.outgoing.host": "smtp.host"}), KEEP, False, False)


@pytest.mark.parametrize("channel", [{"tls_verify": False}, {"tls": False}], ids=["unverified TLS", "no TLS"])
def test_without_a_verified_certificate_mariadb_still_logs_in_with_mysql_native_password(database, channel):
    """The impostor guard (tests/adversarial/test_impostor_database.py)
    lets the real server's challenge-response through."""
    outcome, _store = apply(database, check_mode=True, **channel)
    assert outcome.changed and "emailaddress" in outcome.after
