"""The mysql store's own connection against the real MariaDB: values in and out, errors, and its scrambles.

PyMySQL (a test requirement only) is the oracle for the two scrambles MariaDB cannot check here
(caching_sha2_password is MySQL 8's); mysql_native_password is checked by MariaDB itself on every
login below.
"""

import socket
import ssl

import pytest
from pymysql import _auth as pymysql_auth

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_auth import NO_TLS, VERIFIED
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_socket import local, tcp
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql_connection import (
    Connection,
    DatabaseError,
    InterfaceError,
    OperationalError,
    literal,
    native_scramble,
    sha2_scramble,
)
from tests.servers import mariadb
from tests.unit.plugins.module_utils.store.test_store_mysql import DB_PASSWORD, opendental_database

LOCALHOST = "127.0.0.1"
TRICKY = ["", "plain", "it's", 'say "hi"', "back\\slash\\", "\\'; DROP TABLE emailaddress; --", "nul\0byte",
          "percent %s %%", "Zoë Ørsted 😀", "\n\r\t\x1a", "?", "_utf8mb4 X'00'"]


def tcp_connection(server, user, password, database):
    """Our connection to the real MariaDB over TCP and verified TLS."""
    return Connection(tcp(LOCALHOST, server["port"], 5), "%s:%s" % (LOCALHOST, server["port"]), user, password,
                      database, VERIFIED, ssl.create_default_context(cafile=server["ca"]), host=LOCALHOST)


@pytest.fixture
def connection(mariadb_server):
    target = opendental_database(mariadb_server)
    opened = tcp_connection(mariadb_server, target["user"], DB_PASSWORD, target["name"])
    opened.target = target
    yield opened
    opened.close()


def one(connection, statement, args=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, args)
        return cursor.fetchall()


@pytest.mark.parametrize("password", ["", "secret", "Zoë-Ørsted-1", "x" * 300])
@pytest.mark.parametrize("salt", [bytes(range(65, 85)), bytes(range(1, 21))])
def test_the_scrambles_are_mysql_s(password, salt):
    secret = password.encode("utf-8")
    assert native_scramble(secret, salt) == pymysql_auth.scramble_native_password(secret, salt)
    assert sha2_scramble(secret, salt) == pymysql_auth.scramble_caching_sha2(secret, salt)


def test_a_login_over_verified_tls_runs_statements(connection, mariadb_server):
    assert isinstance(connection.socket, ssl.SSLSocket)
    assert one(connection, "SELECT CURRENT_USER()")[0][0].startswith(connection.target["user"] + "@")
    assert one(connection, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS "
                           "WHERE VARIABLE_NAME = 'Ssl_version'")[0][0].startswith("TLSv1")


@pytest.mark.parametrize("sql_mode", ["", "NO_BACKSLASH_ESCAPES,ANSI_QUOTES"])
def test_text_comes_back_as_it_was_sent_in_every_sql_mode(connection, sql_mode):
    """Values go as hex literals: no quote or backslash means anything, whatever the SQL mode says about them."""
    one(connection, "SET SESSION sql_mode = %s", [sql_mode])
    for value in TRICKY:
        assert one(connection, "SELECT %s, CHAR_LENGTH(%s)", [value, value]) == [(value, len(value))], value
    assert one(connection, "SELECT %s, %s, %s, %s, %s", [None, True, -7, 2.5, b"\x00\xff"]) == [
        (None, 1, -7, "2.5", b"\x00\xff")]


def test_literals_need_no_quoting(connection):
    assert literal("it's") == "_utf8mb4 X'69742773'" and literal(b"\x00'") == "_binary X'0027'"
    assert literal(None) == "NULL" and literal(False) == "0" and literal(12) == "12"
    with pytest.raises(TypeError):
        literal(object())
    for number in (float("nan"), float("inf")):
        with pytest.raises(InterfaceError, match="not a finite number"):
            literal(number)
    with pytest.raises(InterfaceError, match="longer than this client sends"):
        one(connection, "SELECT %s", ["x" * (1 << 24)])
    with pytest.raises(InterfaceError, match="not valid Unicode text"):
        one(connection, "SELECT %s", ["bad\ud800"])
    assert one(connection, "SELECT 1") == [(1,)]  # refused before sending: the connection goes on


def test_columns_are_decoded_by_their_type_and_named(connection):
    mariadb.sql(connection.target["server"], "CREATE TABLE kinds (num INT AUTO_INCREMENT PRIMARY KEY, big BIGINT, "
                "name VARCHAR(20), raw VARBINARY(8), price DECIMAL(6,2), stamp DATETIME, note TEXT, tiny TINYINT)",
                connection.target["name"])
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO kinds (big, name, raw, price, stamp, note, tiny) VALUES (%s, %s, %s, %s, "
                       "'2026-12-07 01:02:03', %s, %s)", [2 ** 62, "Zoë", b"\x01\x00", "12.50", None, -1])
        assert cursor.lastrowid == 1
        cursor.execute("SELECT * FROM kinds")
        assert [column[0] for column in cursor.description] == [
            "num", "big", "name", "raw", "price", "stamp", "note", "tiny"]
        assert cursor.fetchone() == (1, 2 ** 62, "Zoë", b"\x01\x00", "12.50", "2026-12-07 01:02:03", None, -1)
        assert cursor.fetchone() is None
        cursor.execute("SELECT ST_GeomFromText('POINT(1 1)'), CAST(2.5 AS DOUBLE), CURDATE() = CAST(%s AS DATE)",
                       ["2000-01-01"])
        point, double, same = cursor.fetchone()
        assert isinstance(point, bytes) and double == "2.5" and same == 0  # binary kept as bytes, numbers as text


def test_a_server_error_is_the_server_s_and_the_connection_goes_on(connection):
    with pytest.raises(DatabaseError) as failed:
        one(connection, "SELECT * FROM no_such_table")
    assert failed.value.args[0] == 1146 and "no_such_table" in failed.value.args[1]
    connection.ping()
    connection.begin()
    assert one(connection, "SELECT @@in_transaction") == [(1,)]
    connection.rollback()
    assert one(connection, "SELECT @@in_transaction") == [(0,)]


def test_a_wrong_password_and_a_closed_port_are_their_own_errors(mariadb_server):
    target = opendental_database(mariadb_server)
    with pytest.raises(DatabaseError) as denied:
        tcp_connection(mariadb_server, target["user"], "wrong", target["name"])
    assert denied.value.args[0] == 1045
    sock = tcp(LOCALHOST, mariadb_server["port"], 5)
    with pytest.raises(OperationalError) as failed:  # a certificate for another name
        Connection(sock, "here", target["user"], DB_PASSWORD, target["name"], VERIFIED,
                   ssl.create_default_context(cafile=mariadb_server["ca"]), host="db.example.org")
    assert failed.value.args[0] == 2026 and "certificate" in failed.value.args[1]
    assert sock.fileno() == -1  # closed


@pytest.mark.parametrize("given, said", [
    (dict(user="od\0other"), "the user contains a NUL character"),
    (dict(database="od\0x"), "the database contains a NUL character"),
    (dict(password="pass\0word"), "the password contains a NUL character"),
    (dict(password="pass\ud800word"), "the password is not valid Unicode text"),
])
def test_a_login_value_the_handshake_cannot_carry_is_refused_before_anything_is_sent(given, said):
    ours, theirs = socket.socketpair()
    arguments = dict(dict(user="od", database="od", password="secret"), **given)
    with theirs:
        with pytest.raises(InterfaceError, match=said):
            Connection(ours, "here", over=VERIFIED, **arguments)
        theirs.settimeout(0.2)
        assert theirs.recv(100) == b""  # closed, and nothing was sent
    assert ours.fileno() == -1


def test_the_local_socket_logs_in_without_tls_and_mariadb_s_peer_authentication_works(mariadb_server):
    """Through the server's own socket: root is MariaDB's unix_socket user (no password sent at all), and a password
    user logs in with mysql_native_password; neither needs TLS."""
    root = Connection(local(mariadb_server["socket"], 5), mariadb_server["socket"], "root", "", "mysql", NO_TLS)
    try:
        assert not isinstance(root.socket, ssl.SSLSocket)
        assert one(root, "SELECT CURRENT_USER()") == [("root@localhost",)]
    finally:
        root.close()
