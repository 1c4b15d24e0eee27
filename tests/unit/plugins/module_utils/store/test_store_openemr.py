"""The mysql store's settings layout with the OpenEMR profile, against a real MariaDB (Debian's mariadbd).

Each test gets its own OpenEMR-shaped database (globals, keys and version as OpenEMR's
sql/database.sql defines them) seeded with a practice that set up mail in OpenEMR 7.0.3.3,
and the key material OpenEMR's own CryptoGen made (tests/data/openemr/vectors.json): the
keys table rows in the database, the key files in a site folder.
"""

import json
import os
import uuid

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql import MysqlStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._openemr_cipher import OpenemrCipher, seal
from tests.servers import mariadb, openemr
from tests.unit.plugins.module_utils.store.store_helpers import (
    PASSWORD_A, PASSWORD_B, SECRETS, target_options, keyed, plan)

DB_PASSWORD = "Db-Echo-OE-5a18c2"
VECTORS = openemr.VECTORS
KEY_MATERIAL = [row["value"] for row in VECTORS["keys_table"]] + list(VECTORS["key_files"].values())
NEVER_SHOWN = SECRETS + (DB_PASSWORD, openemr.OLD_PASSWORD, openemr.OLD_STORED) + tuple(KEY_MATERIAL)
OURS = (
    "EMAIL_METHOD",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_SECURE",
    "SMTP_USER",
    "SMTP_PASS",
    "patient_reminder_sender_email",
    "patient_reminder_sender_name",
    "practice_return_email_path",
)
SITE = {"keys": dict((row["name"], row["value"]) for row in VECTORS["keys_table"]), "key_files": VECTORS["key_files"]}


def gmail(password=PASSWORD_A, **changes):
    """A declaration OpenEMR can hold: Gmail, 465 implicit TLS, outgoing only, a display name."""
    raw = {"schema_version": 1, "address": "reception@riverside-clinic.example", "display_name": "Riverside Clinic",
           "provider": "gmail", "auth": {"method": "password", "password": password}}
    raw.update(changes)
    return raw


def openemr_database(server, folder):
    """A fresh OpenEMR database with its own user, and a site folder with the key files under ``folder``."""
    name = "oe_" + uuid.uuid4().hex[:10]
    openemr.create(server, name, "oe_" + name[3:9], DB_PASSWORD)
    return {"server": server, "name": name, "user": "oe_" + name[3:9], "site": openemr.site(folder)}


@pytest.fixture
def database(mariadb_server, tmp_path):
    return openemr_database(mariadb_server, str(tmp_path))


def options(target, **changes):
    return target_options(target, DB_PASSWORD, **dict(
        dict(type="mysql", application="openemr", host="127.0.0.1", lock_timeout=20, site_dir=target["site"]),
        **changes))


def apply(target, raw=None, check_mode=False, backup=False, update_password="always", **changes):
    store = keyed(MysqlStore(options(target, **changes)))
    return store.apply(plan(raw or gmail(), update_password=update_password), KEEP, backup, check_mode), store


def rows(target, query):
    return mariadb.rows(target["server"], query, target["name"])


def globals_(target):
    """Every row of globals: (name, index) -> value."""
    return dict(
        ((name, int(index)), value)
        for name, index, value in rows(target, "SELECT gl_name, gl_index, gl_value FROM globals")
    )


def checksums(target):
    return rows(target, "CHECKSUM TABLE globals, `keys`, version EXTENDED")


def decrypted(target, stored=None):
    value = stored if stored is not None else globals_(target)[("SMTP_PASS", 0)]
    return OpenemrCipher(dict(SITE, stored=value)).decrypt(value)


def assert_nothing_shown(*texts):
    for text in texts:
        leaked = [secret for secret in NEVER_SHOWN if secret and secret in str(text)]
        assert not leaked, "shown: %d secret(s)" % len(leaked)


def test_first_apply_writes_exactly_the_practice_s_rows_then_changes_nothing(database):
    before = globals_(database)
    outcome, store = apply(database)
    assert outcome.changed
    after = globals_(database)
    changed = sorted(name for name, _index in after if after[(name, _index)] != before.get((name, _index)))
    assert changed == sorted(set(OURS) - {"EMAIL_METHOD"})  # EMAIL_METHOD was SMTP already
    assert (
        after[("SMTP_HOST", 0)] == "smtp.gmail.com"
        and after[("SMTP_PORT", 0)] == "465"
        and after[("SMTP_SECURE", 0)] == "ssl"
    )
    assert after[("SMTP_USER", 0)] == "reception@riverside-clinic.example" and after[("EMAIL_METHOD", 0)] == "SMTP"
    assert after[("patient_reminder_sender_name", 0)] == "Riverside Clinic"
    assert after[("practice_return_email_path", 0)] == "reception@riverside-clinic.example"
    # the version the site already used
    assert after[("SMTP_PASS", 0)][:3] == "006" and decrypted(database) == PASSWORD_A
    assert len(after) == len(before)  # no row added, none removed
    assert rows(database, "SELECT COUNT(*) FROM `keys`") == [["4"]]  # no key created
    again, _store = apply(database)
    assert not again.changed and globals_(database) == after
    assert_nothing_shown(outcome.before, outcome.after, again.before, again.after, store.notes, store.summary())
    assert (
        "globals[SMTP_PASS] = ******** (changed)" in outcome.after
        and "globals[SMTP_HOST] = smtp.gmail.com" in outcome.after
    )


def test_check_mode_writes_nothing_and_reports_the_change(database):
    before = checksums(database)
    outcome, _store = apply(database, check_mode=True)
    assert outcome.changed and "email.outgoing.host" in outcome.keys
    assert checksums(database) == before


def test_check_mode_meets_a_user_who_may_only_read(database):
    mariadb.sql(
        database["server"],
        "REVOKE INSERT, UPDATE ON `%s`.* FROM '%s'@'127.0.0.1';" % (database["name"], database["user"]),
    )
    before = checksums(database)
    with pytest.raises(StoreError, match="lacks a privilege it needs"):
        apply(database, check_mode=True)
    assert checksums(database) == before


def test_an_unchanged_password_is_never_rewritten(database):
    apply(database)
    stored = globals_(database)[("SMTP_PASS", 0)]
    outcome, _store = apply(database, gmail(display_name="Riverside Clinic Reception"))
    assert outcome.changed and outcome.keys == ("email.display_name",)
    assert globals_(database)[("SMTP_PASS", 0)] == stored  # same ciphertext: compared decrypted, not re-sealed
    changed, _store = apply(database, gmail(password=PASSWORD_B, display_name="Riverside Clinic Reception"))
    assert changed.keys == ("email.auth.password",) and decrypted(database) == PASSWORD_B
    kept, _store = apply(
        database, gmail(password=PASSWORD_A, display_name="Riverside Clinic Reception"), update_password="on_create"
    )
    assert not kept.changed and decrypted(database) == PASSWORD_B


def test_missing_rows_are_inserted_at_index_0_and_other_rows_stay(database):
    mariadb.sql(
        database["server"],
        "DELETE FROM globals WHERE gl_name IN ('SMTP_SECURE', 'patient_reminder_sender_name', 'SMTP_PASS');",
        database["name"],
    )
    before = globals_(database)
    outcome, _store = apply(database)
    after = globals_(database)
    assert (
        outcome.changed
        and after[("SMTP_SECURE", 0)] == "ssl"
        and after[("patient_reminder_sender_name", 0)] == "Riverside Clinic"
    )
    # none stored: the newest version with key files
    assert after[("SMTP_PASS", 0)][:3] == "007" and decrypted(database) == PASSWORD_A
    for key, value in before.items():
        if key[0] not in OURS:
            assert after[key] == value, key
    assert after[("gbl_visit_referral_source", 1)] == "index one stays"


def test_an_8_0_site_keeps_007(database):
    stored = next(
        v["ciphertext"] for v in VECTORS["values"] if v["version"] == "007" and v["plaintext"] == openemr.OLD_PASSWORD
    )
    mariadb.sql(
        database["server"], "UPDATE globals SET gl_value = '%s' WHERE gl_name = 'SMTP_PASS';" % stored, database["name"]
    )
    apply(database)
    assert globals_(database)[("SMTP_PASS", 0)][:3] == "007" and decrypted(database) == PASSWORD_A


def test_key_files_from_the_vault_work_without_the_site_folder(database):
    outcome, _store = apply(database, site_dir=None, key_files=dict(VECTORS["key_files"]))
    assert outcome.changed and decrypted(database) == PASSWORD_A
    assert not apply(database, site_dir=None, key_files=dict(VECTORS["key_files"]))[0].changed


def other_site_files():
    """Key files of another site: sealed with other keys table rows, so this site's rows do not open them."""
    other = (os.urandom(32), os.urandom(32))
    return dict((name, seal(other, int(content[:3]), os.urandom(32))) for name, content in VECTORS["key_files"].items())


@pytest.mark.parametrize("case, expected", [
    ("other_site_key_files", "sixa does not open with the site's keys table"),
    ("tampered_password", "the stored globals[SMTP_PASS] does not decrypt with the site's keys"),
    ("unknown_version", "sealed with CryptoGen version 008, which mailconfig does not know"),
    ("no_key_files_yet", "mailconfig never creates OpenEMR keys"),
    ("no_site_dir", "set store.site_dir to the site's folder"),
    ("not_openemr", "is not a database of OpenEMR: it has no table keys (of OpenEMR's tables it has globals, version; "
                    "OpenEMR 7.0.3 or later has them all)"),
])
def test_key_and_schema_problems_are_clear_errors_and_write_nothing(database, tmp_path, case, expected):
    changes = {}
    if case == "other_site_key_files":
        changes["site_dir"] = openemr.site(str(tmp_path / "other"), other_site_files())
    elif case == "tampered_password":
        tampered = openemr.OLD_STORED[:-2] + ("A" if openemr.OLD_STORED[-2] != "A" else "B") + openemr.OLD_STORED[-1]
        mariadb.sql(
            database["server"],
            "UPDATE globals SET gl_value = '%s' WHERE gl_name = 'SMTP_PASS';" % tampered,
            database["name"],
        )
    elif case == "unknown_version":
        mariadb.sql(
            database["server"],
            "UPDATE globals SET gl_value = CONCAT('008', SUBSTRING(gl_value, 4)) WHERE gl_name = 'SMTP_PASS';",
            database["name"],
        )
    elif case == "no_key_files_yet":
        mariadb.sql(
            database["server"], "UPDATE globals SET gl_value = '' WHERE gl_name = 'SMTP_PASS';", database["name"]
        )
        changes["site_dir"] = openemr.site(str(tmp_path / "fresh"), {})
    elif case == "no_site_dir":
        changes["site_dir"] = None
    else:
        mariadb.sql(database["server"], "DROP TABLE `keys`;", database["name"])
    before = checksums(database) if case != "not_openemr" else globals_(database)
    for check_mode in (True, False):
        with pytest.raises(StoreError) as failure:
            apply(database, check_mode=check_mode, backup=True, backup_dir=str(tmp_path / "backups"), **changes)
        assert expected in str(failure.value)
        assert_nothing_shown(str(failure.value))
    assert (checksums(database) if case != "not_openemr" else globals_(database)) == before
    assert not os.path.exists(str(tmp_path / "backups")) or not os.listdir(str(tmp_path / "backups"))


def test_a_password_too_long_for_gl_value_is_refused_before_writing(database):
    before = checksums(database)
    with pytest.raises(
        StoreError, match=r"globals.SMTP_PASS holds 255 characters and, encrypted, the password takes 259"
    ) as failure:
        apply(database, gmail(password="p" * 112))
    assert "p" * 20 not in str(failure.value)
    assert checksums(database) == before


def test_restore_puts_the_previous_values_back(database, tmp_path):
    folder = str(tmp_path / "backups")
    seeded = globals_(database)
    outcome, store = apply(database, backup=True, backup_dir=folder)
    assert outcome.backup_file and os.stat(outcome.backup_file).st_mode & 0o777 == 0o600
    with open(outcome.backup_file, encoding="utf-8") as handle:
        text = handle.read()
    assert json.loads(text)["row"]["SMTP_PASS"] == openemr.OLD_STORED  # kept as OpenEMR stored it, never in clear
    assert openemr.OLD_PASSWORD not in text and PASSWORD_A not in text
    values = plan(gmail()).values
    held, name = store.restored(values, frozenset())
    assert name == outcome.backup_file
    assert held["email.outgoing.host"] == "smtp.old-host.example" and held["email.outgoing.security"] == "starttls"
    assert held["email.auth.password"] == openemr.OLD_PASSWORD and held["email.outgoing.port"] == 587
    restored = keyed(MysqlStore(options(database, backup_dir=folder))).apply(
        plan(gmail())._replace(values=held), KEEP, False, False
    )
    assert restored.changed
    now = globals_(database)
    assert decrypted(database) == openemr.OLD_PASSWORD
    # Both address globals hold email.address: the one the practice had set (the sender) is restored into both.
    expected = dict(seeded)
    expected[("practice_return_email_path", 0)] = seeded[("patient_reminder_sender_email", 0)]
    assert dict((k, v) for k, v in now.items() if k[0] != "SMTP_PASS") == dict(
        (k, v) for k, v in expected.items() if k[0] != "SMTP_PASS"
    )
    assert_nothing_shown(restored.before, restored.after)


def test_on_the_openemr_server_the_local_socket_needs_no_tls(database, tmp_path):
    """The default deployment: the module on OpenEMR's server, MariaDB through its own socket (as OpenEMR's
    ``localhost`` reaches it). No TLS; the password still goes only to mysql_native_password."""
    server = database["server"]
    mariadb.sql(server, mariadb.grant(database["user"], DB_PASSWORD, database["name"], host="localhost"))
    first, store = apply(database, host=None, unix_socket=server["socket"])
    assert first.changed and decrypted(database) == PASSWORD_A
    assert store.location == "%s@%s/%s" % (database["user"], server["socket"], database["name"])
    assert store.backup_prefix().startswith("socket_")
    second, _store = apply(database, host=None, unix_socket=server["socket"])
    assert not second.changed
    assert_nothing_shown(first.before, first.after, second.after, store.location)

    everyone = tmp_path / "shared"  # a folder any local user may write: anyone could listen there instead
    everyone.mkdir()
    everyone.chmod(0o1777)
    (everyone / "mysqld.sock").symlink_to(server["socket"])
    before = checksums(database)
    with pytest.raises(StoreError, match="the socket folder %s is writable by every local user" % everyone):
        apply(database, gmail(password=PASSWORD_B), host=None, unix_socket=str(everyone / "mysqld.sock"))
    with pytest.raises(StoreError, match=r"set store.host \(over the network\) or store.unix_socket"):
        apply(database, gmail(password=PASSWORD_B), host=None)
    assert checksums(database) == before
