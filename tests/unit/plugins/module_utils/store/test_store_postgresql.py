"""The postgresql store with the Odoo profile, against a real PostgreSQL 15 (Debian's, unprivileged, TLS, SCRAM).

Each test gets its own Odoo 17.0-shaped database (tests/servers/odoo_schema.sql) seeded with the
practice's confirmed outgoing and incoming servers and records of others (another company's
server, two records sharing a name, an unconfirmed incoming server), and asserts on the rows.
"""

import os
import uuid

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._postgresql import PostgresqlStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._records import covers
from tests.servers import postgresql
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

DB_PASSWORD = "Pg-Db-Pass-4e0a9b"
OLD_SMTP_PASS, OLD_IMAP_PASS, OTHER_PASS = "Old-Smtp-Pass-71c2", "Old-Imap-Pass-0d3e", "Other-Company-Pass-5a"
SECRETS_ALL = SECRETS + (DB_PASSWORD, OLD_SMTP_PASS, OLD_IMAP_PASS, OTHER_PASS)
SEED = """
INSERT INTO ir_mail_server (id, name, from_filter, smtp_host, smtp_port, smtp_authentication, smtp_user, smtp_pass,
                            smtp_encryption, sequence, active, write_date)
VALUES (1, 'Smiles Dental', 'smiles-dental.co.uk', 'smtp.old-host.example', 25, 'login', 'old@smiles-dental.co.uk',
        '{smtp}', 'none', 10, true, '2024-01-01 00:00:00'),
       (2, 'Other Company', 'other.example', 'smtp.other.example', 587, 'login', 'bob@other.example', '{other}',
        'starttls', 20, true, '2024-01-01 00:00:00'),
       (3, 'Shared', NULL, 'a.example', 25, 'login', 'a', 'x', 'none', 30, true, NULL),
       (4, 'Shared', NULL, 'b.example', 25, 'login', 'b', 'y', 'none', 40, true, NULL);
SELECT setval('ir_mail_server_id_seq', 4);
INSERT INTO fetchmail_server
    (id, name, state, server, port, server_type, is_ssl, "user", password, active, priority, write_date)
VALUES (1, 'Smiles Dental', 'done', 'pop.old-host.example', 110, 'pop', false, 'old@smiles-dental.co.uk', '{imap}',
        true, 5, '2024-01-01 00:00:00'),
       (2, 'Draft Box', 'draft', 'imap.draft.example', 993, 'imap', true, 'd', 'z', true, 5, NULL),
       (3, 'Other Company', 'done', 'imap.other.example', 993, 'imap', true, 'bob@other.example', '{other}', true, 5,
        NULL);
SELECT setval('fetchmail_server_id_seq', 3);
UPDATE ir_cron SET active = true;
""".format(smtp=OLD_SMTP_PASS, imap=OLD_IMAP_PASS, other=OTHER_PASS)


def odoo_database(server):
    """A fresh Odoo-shaped database with the seed rows and its own application user; the target dict."""
    name = "odoo_" + uuid.uuid4().hex[:10]
    postgresql.create_odoo(server, name, name, DB_PASSWORD)
    postgresql.sql(server, SEED, name)
    return {"server": server, "name": name, "user": name}


@pytest.fixture
def database(postgresql_server):
    return odoo_database(postgresql_server)


def options(target, **changes):
    return target_options(target, DB_PASSWORD, **dict(
        dict(type="postgresql", application="odoo", host="localhost", record_name="Smiles Dental", lock_timeout=10),
        **changes))


def apply(target, raw=None, check_mode=False, backup=False, update_password="always", **changes):
    store = keyed(PostgresqlStore(options(target, **changes)))
    return store.apply(
        plan(raw or raw_declaration(), update_password=update_password), KEEP, backup, check_mode
    ), store


def rows(target, query):
    return postgresql.rows(target["server"], query, target["name"])


def everything(target):
    """Every row of the mail tables and the cron, as text: what 'nothing written' compares."""
    return [
        rows(target, "SELECT * FROM %s ORDER BY id" % table)
        for table in ("ir_mail_server", "fetchmail_server", "ir_cron")
    ]


def outgoing(target, number=1):
    return rows(
        target,
        "SELECT smtp_host, smtp_port, smtp_user, smtp_pass, smtp_encryption, smtp_authentication, from_filter, "
        "write_date FROM ir_mail_server WHERE id = %d" % number,
    )[0]


def incoming(target, number=1):
    return rows(
        target,
        'SELECT server, port, server_type, is_ssl, "user", password, state, write_date FROM fetchmail_server '
        "WHERE id = %d" % number,
    )[0]


def test_first_apply_updates_exactly_the_practice_s_records_then_changes_nothing(database):
    before = everything(database)
    outcome, _store = apply(database)
    assert outcome.changed
    host, port, user, password, encryption, authentication, from_filter, stamp = outgoing(database)
    assert (host, port, user, password, encryption, authentication) == (
        "smtp.ionos.co.uk",
        "465",
        "reception@smiles-dental.co.uk",
        PASSWORD_A,
        "ssl",
        "login",
    )
    assert from_filter == "smiles-dental.co.uk" and stamp > "2025"
    server, port, kind, tls, user, password, state, stamp = incoming(database)
    assert (server, port, kind, tls, user, password, state) == (
        "imap.ionos.co.uk",
        "993",
        "imap",
        "t",
        "reception@smiles-dental.co.uk",
        PASSWORD_A,
        "done",
    )
    assert stamp > "2025"
    after = everything(database)
    assert [row for row in after[0] if row[0] != "1"] == [
        row for row in before[0] if row[0] != "1"
    ]  # other records untouched
    assert [row for row in after[1] if row[0] != "1"] == [row for row in before[1] if row[0] != "1"]
    assert after[2] == before[2]  # the fetch job as Odoo left it
    assert rows(database, "SELECT count(*) FROM ir_mail_server") == [["4"]]  # nothing inserted
    again, _store = apply(database)
    assert not again.changed and everything(database) == after  # not even write_date
    assert "ir_mail_server[id=1].smtp_pass = ********" in again.before and not no_secret_in(
        again.before + again.after, SECRETS_ALL
    )


def test_check_mode_writes_nothing_and_shows_a_masked_diff(database):
    before = everything(database)
    outcome, _store = apply(database, check_mode=True)
    assert outcome.changed and everything(database) == before
    assert "ir_mail_server[id=1].smtp_host = smtp.old-host.example" in outcome.before
    assert "ir_mail_server[id=1].smtp_pass = ******** (changed)" in outcome.after
    assert "fetchmail_server[id=1].server_type = imap" in outcome.after
    assert not no_secret_in(outcome.before + outcome.after, SECRETS_ALL)
    assert set(outcome.keys) >= {"email.auth.password", "email.outgoing.host", "email.incoming.host"}


def test_choose_by_from_filter_and_leave_incoming_alone_without_incoming_mail(database):
    before = everything(database)
    raw = raw_declaration(incoming={"enabled": False})
    outcome, _store = apply(database, raw, record_name=None, from_filter="smiles-dental.co.uk")
    assert outcome.changed and outgoing(database)[3] == PASSWORD_A
    assert everything(database)[1] == before[1]  # the incoming server is left as it was


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            dict(record_name="Smiles Dentl"),
            r"has no outgoing server record with ir_mail_server name = 'Smiles Dentl' \(store.record_name\): "
            r"create the practice's outgoing server in Odoo first",
        ),
        (dict(record_name="Shared"), r"matches 2 records \(id 3, 4\), so which one is the practice's cannot be told"),
        (
            dict(record_name="Other Company"),
            r"its from_filter 'other.example' does not cover reception@smiles-dental.co.uk",
        ),
        (
            dict(incoming_record_name="Draft Box"),
            r"is not ready: it is not confirmed; use Test & Confirm on it in Odoo",
        ),
        (
            dict(record_name=None),
            r"no store option chooses the practice's outgoing server \(ir_mail_server\): set store.from_filter or "
            r"store.record_name",
        ),
    ],
)
def test_a_record_that_is_missing_or_not_the_practice_s_is_refused_and_nothing_written(database, changes, message):
    before = everything(database)
    with pytest.raises(StoreError, match=message) as raised:
        apply(database, **changes)
    assert everything(database) == before
    assert not no_secret_in(str(raised.value), SECRETS_ALL)


def test_restored_gives_the_previous_records_settings_and_backups_are_0600(database, tmp_path):
    folder = str(tmp_path / "backups")
    first, _store = apply(database, backup=True, backup_dir=folder)
    raw_b = raw_declaration(password=PASSWORD_B, incoming={"protocol": "pop3", "acknowledge_mail_removal": True})
    second, store = apply(database, raw_b, backup=True, backup_dir=folder)
    assert second.backup_file and os.stat(second.backup_file).st_mode & 0o777 == 0o600
    assert incoming(database)[2] == "pop" and outgoing(database)[3] == PASSWORD_B
    values = plan(raw_b).values
    held, name = store.restored(values, frozenset())
    assert name == second.backup_file
    assert held["email.auth.password"] == PASSWORD_A and held["email.incoming.protocol"] == "imap"
    assert (
        held["email.incoming.security"] == "tls"
        and held["email.outgoing.security"] == "tls"
        and held["email.outgoing.port"] == 465
    )
    oldest, _name = keyed(PostgresqlStore(options(database, backup_dir=folder))).restored(
        values, frozenset(), first.backup_file
    )
    assert oldest is not None
    store.prune_backups(second.backup_file, 1)
    assert sorted(name for name in os.listdir(folder) if name.endswith(".json")) == [
        os.path.basename(second.backup_file)
    ]


def test_a_database_that_is_not_odoo_s_or_another_release_is_refused(postgresql_server):
    target = odoo_database(postgresql_server)
    postgresql.sql(
        postgresql_server,
        "CREATE TABLE ir_module_module (id serial, name varchar, latest_version varchar);"
        "INSERT INTO ir_module_module (name, latest_version) VALUES ('base', '16.0.1.3');"
        "GRANT SELECT ON ir_module_module TO %s;" % target["user"],
        target["name"],
    )
    with pytest.raises(
        StoreError, match=r"Odoo release 16.0.1.3 is not one mail_account knows: its profile models Odoo 17.0 and 18.0"
    ):
        apply(target)
    postgresql.sql(postgresql_server, "UPDATE ir_module_module SET latest_version = '18.0.1.3';", target["name"])
    assert apply(target)[0].changed
    postgresql.sql(postgresql_server, "ALTER TABLE fetchmail_server DROP COLUMN is_ssl;", target["name"])
    with pytest.raises(StoreError, match=r"Odoo version 18.0.1.3 is too old: it lacks fetchmail_server.is_ssl"):
        apply(target)
    postgresql.sql(postgresql_server, "DROP TABLE fetchmail_server;", target["name"])
    with pytest.raises(StoreError, match=r"is not a database of Odoo: it has no table fetchmail_server"):
        apply(target)


def test_peer_authentication_over_the_local_socket(database):
    server = database["server"]
    outcome, store = apply(database, host=None, password=None, unix_socket=server["socket_dir"], user=server["admin"])
    assert outcome.changed and outgoing(database)[3] == PASSWORD_A
    assert store.summary()["unix_socket"] == server["socket_dir"]


@pytest.mark.parametrize("mode", [0o755, 0o1777])
def test_a_socket_folder_every_local_user_may_write_is_refused(database, tmp_path, mode):
    server = database["server"]
    folder = tmp_path / "sockets"
    folder.mkdir()
    name = "/.s.PGSQL.%d" % server["port"]
    os.symlink(server["socket_dir"] + name, str(folder) + name)  # the real server's socket, seen from that folder
    os.chmod(str(folder), mode)
    given = dict(host=None, password=None, unix_socket=str(folder), user=server["admin"])
    if mode & 0o002:
        with pytest.raises(StoreError, match="the socket folder %s is writable by every local user" % folder):
            apply(database, **given)
        assert outgoing(database)[3] == OLD_SMTP_PASS  # nothing was written
    else:
        assert apply(database, **given)[0].changed


def test_wrong_database_password_and_a_user_without_update_are_named(database):
    with pytest.raises(StoreError, match="password authentication failed for user %s" % database["user"]) as raised:
        apply(database, password="Not-The-Db-Pass-91")
    assert "Not-The-Db-Pass-91" not in str(raised.value)
    postgresql.sql(database["server"], "REVOKE UPDATE ON ir_mail_server FROM %s;" % database["user"], database["name"])
    before = everything(database)
    with pytest.raises(StoreError, match="lacks a privilege it needs"):
        apply(database, check_mode=True)  # check mode meets what the real run would
    assert everything(database) == before


@pytest.mark.parametrize(
    "role, method", [("clear_text_role", "password"), ("md5_role", "md5"), ("trust_role", "trust")]
)
def test_weak_methods_are_refused_without_verified_tls_and_work_with_it(database, role, method):
    server = database["server"]
    encryption = "md5" if method == "md5" else "scram-sha-256"
    postgresql.sql(
        server,
        "SET password_encryption = '%s'; DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN PASSWORD '%s';"
        % (encryption, role, role, DB_PASSWORD),
    )
    postgresql.grant(server, database["name"], role)
    for unverified in (dict(tls=False), dict(tls_verify=False)):
        with pytest.raises(StoreError, match=r"without verified TLS; refused") as raised:
            apply(database, user=role, **unverified)
        assert DB_PASSWORD not in str(raised.value)
    assert apply(database, user=role)[0].changed  # verified TLS: the server has proved who it is


def test_scram_without_tls_is_accepted_as_challenge_response(database):
    assert apply(database, tls=False)[0].changed


def test_from_filter_covers_addresses_and_domains():
    assert covers(None, "a@b.example") and covers("", "a@b.example")
    assert covers("b.example", "a@b.example") and covers("x@y.example, A@B.example", "a@b.example")
    assert not covers("other.example", "a@b.example") and not covers("b.example.evil", "a@b.example")


def test_a_writer_holding_the_record_makes_the_apply_give_up_after_lock_timeout(database):
    import ssl  # pylint: disable=import-outside-toplevel
    import pg8000.native  # pylint: disable=import-outside-toplevel

    holder = pg8000.native.Connection(
        database["user"],
        host="localhost",
        port=database["server"]["port"],
        database=database["name"],
        password=DB_PASSWORD,
        ssl_context=ssl.create_default_context(cafile=database["server"]["ca"]),
    )
    try:
        holder.run("BEGIN")
        holder.run("SELECT id FROM ir_mail_server WHERE id = 1 FOR UPDATE")  # Odoo saving the record, say
        before = everything(database)
        with pytest.raises(
            StoreError, match=r"another writer held the records for more than 1 s \(store.lock_timeout\)"
        ):
            apply(database, lock_timeout=1)
        assert everything(database) == before
    finally:
        holder.close()
