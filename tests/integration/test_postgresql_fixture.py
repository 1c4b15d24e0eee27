"""The throwaway PostgreSQL server (tests/servers/postgresql.py): an Odoo 17.0-shaped database, TLS that
verifies against the suite's test CA, SCRAM-SHA-256 for the application's user, and a stop by PID."""

import os
import shutil
import socket
import ssl
import tempfile

import pg8000.native
import pytest

from tests.servers import postgresql, process

APP_USER = "odoo_app"
APP_PASSWORD = "S3cret-'quoted'-pass"
DATABASE = "odoo17_practice"


@pytest.fixture(scope="module")
def server():
    folder = tempfile.mkdtemp(prefix="mailconfig-pg-test-")
    try:
        state = postgresql.start(folder)
        try:
            postgresql.create_odoo(state, DATABASE, APP_USER, APP_PASSWORD)
            yield state
        finally:
            postgresql.stop(state)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def connect(state, password=APP_PASSWORD, cafile=None, host="127.0.0.1"):
    context = ssl.create_default_context(cafile=cafile or state["ca"])
    return pg8000.native.Connection(APP_USER, host=host, port=state["port"], database=DATABASE, password=password,
                                    ssl_context=context, timeout=10)


def test_the_server_starts_quickly_unprivileged_and_on_loopback_only(server):
    assert server["start_seconds"] < 10
    with open("/proc/%d/status" % server["pid"], encoding="ascii") as handle:
        uid = next(line.split()[1] for line in handle if line.startswith("Uid:"))
    assert int(uid) != 0
    assert server["admin"] == ("postgres" if os.geteuid() == 0 else postgresql.pwd.getpwuid(os.geteuid()).pw_name)
    assert postgresql.rows(server, "SHOW listen_addresses") == [["127.0.0.1"]]
    assert postgresql.rows(server, "SHOW password_encryption") == [["scram-sha-256"]]
    assert postgresql.rows(server, "SELECT rolpassword LIKE 'SCRAM-SHA-256$%%' FROM pg_authid WHERE rolname = '%s'"
                           % APP_USER) == [["t"]]


def test_tls_verified_against_the_test_ca_and_scram_with_channel_binding(server):
    connection = connect(server)
    try:
        assert connection.run("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [[True]]
        assert connection.auth.mechanism_name == "SCRAM-SHA-256-PLUS"
        assert connection.run("SELECT current_user") == [[APP_USER]]
        # The application user may write the mail tables ("user" is a reserved word: quoted).
        rows = connection.run('INSERT INTO fetchmail_server (name, server_type, state, server, port, is_ssl, "user", '
                              "password, active) VALUES ('Practice', 'imap', 'draft', 'imap.example.test', 993, true, "
                              ":user, :password, true) RETURNING \"user\", password",
                              user="frontdesk@practice.example", password="mail-secret")
        assert rows == [["frontdesk@practice.example", "mail-secret"]]
    finally:
        connection.close()


def test_a_wrong_password_is_refused_with_sqlstate_28P01(server):
    with pytest.raises(pg8000.native.DatabaseError) as raised:
        connect(server, password="not-the-password")
    assert raised.value.args[0]["C"] == "28P01"


def test_a_server_certificate_from_another_ca_is_refused(server, tmp_path):
    other = tmp_path / "other-ca.pem"
    other.write_text(open(server["tls"]["selfsigned"]["cert"], encoding="ascii").read(), encoding="ascii")
    with pytest.raises((ssl.SSLCertVerificationError, pg8000.native.InterfaceError)):
        connect(server, cafile=str(other))


def test_the_schema_is_the_odoo_17_one(server):
    columns = postgresql.rows(
        server,
        "SELECT table_name, column_name, udt_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
        DATABASE,
    )
    by_table = {}
    for table, column, kind, nullable in columns:
        by_table.setdefault(table, {})[column] = (kind, nullable)
    mail = by_table["ir_mail_server"]
    assert mail["id"] == ("int4", "NO")
    assert mail["smtp_pass"] == ("varchar", "YES")
    assert mail["smtp_encryption"] == ("varchar", "NO")
    assert mail["smtp_authentication"] == ("varchar", "NO")
    assert mail["smtp_ssl_certificate"][0] == "bytea"
    assert {"create_uid", "create_date", "write_uid", "write_date", "from_filter", "sequence", "active"} <= set(mail)
    fetch = by_table["fetchmail_server"]
    assert fetch["user"] == ("varchar", "YES")
    assert fetch["server_type"] == ("varchar", "NO")
    assert fetch["is_ssl"][0] == "bool" and fetch["date"][0] == "timestamp"
    cron = postgresql.rows(
        server,
        "SELECT c.active, c.interval_number, c.interval_type FROM ir_cron c JOIN ir_model_data d "
        "ON d.res_id = c.id AND d.model = 'ir.cron' WHERE d.module = 'mail' "
        "AND d.name = 'ir_cron_mail_gateway_action'",
        DATABASE,
    )
    assert cron == [["f", "5", "minutes"]]


def test_stop_ends_the_server_by_its_own_pid(server):
    pid = server["pid"]
    assert process.alive(pid, server["marker"])
    postgresql.stop(server)
    assert not process.alive(pid, server["marker"])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server["port"]), timeout=1).close()
    postgresql.stop(server)  # a second stop is harmless


@pytest.mark.skipif(os.geteuid() != 0, reason="only root has a folder the postgres user cannot reach")
def test_a_folder_the_server_user_cannot_reach_is_named_in_the_error(tmp_path):
    # pytest's tmp_path lives under /tmp/pytest-of-root (mode 0700)
    with pytest.raises(RuntimeError, match="cannot traverse"):
        postgresql.start(str(tmp_path / "pg"))
