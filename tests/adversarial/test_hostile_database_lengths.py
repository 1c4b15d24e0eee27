"""A database server that announces a huge (or impossible) message length gets a refusal, not the module's memory.

Both connections read through the socket's buffered file, whose ``read(n)`` allocates n bytes before the
first arrives; the stores bound those reads (store/_read_budget.py). A fake PostgreSQL answers the
startup with an AuthenticationRequest whose length says 1 GiB (or less than its own header); a fake
MySQL greets with a packet that says 0xFFFFFF bytes (16 MiB less one). Each run must end at once
with the store's error naming the refusal, having allocated next to nothing (tracemalloc's peak, in
this process). Against the real servers, over verified TLS, the connections' files are the bounded
ones too.
"""

import ssl
import struct
import time
import tracemalloc

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import (
    _database_socket,
    _mysql_connection,
    _postgresql_connection,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_auth import VERIFIED
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql import MysqlStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._postgresql import PostgresqlStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._read_budget import BoundedReads
from tests.adversarial.hostile import peer
from tests.adversarial.test_hostile_postgresql import impostor_tls, startup, store_options
from tests.unit.plugins.module_utils.store import test_store_mysql, test_store_postgresql
from tests.unit.plugins.module_utils.store.store_helpers import plan, raw_declaration

__all__ = ["impostor_tls"]  # the module fixture, shared with test_hostile_postgresql
ALLOCATED_AT_MOST = 2 * 1024 * 1024  # bytes: a refused read allocates nothing of what was announced
PROMPTLY = 2.0  # seconds: the refusal does not wait for the announced bytes


def postgresql_announcing(length, tls_files):
    """A fake PostgreSQL whose first answer is an AuthenticationRequest of ``length`` (its header included)."""

    def handle(conn, stop):
        conn.settimeout(10)  # a loaded machine may be slow to shake hands
        conn, _message = startup(conn, tls_files)
        conn.sendall(b"R" + struct.pack("!ii", length, 10))  # then nothing: a driver waiting for it would hang
        stop.wait(10)

    return handle


def mysql_announcing(length):
    """A fake MySQL whose greeting packet says ``length`` bytes follow (then sends none)."""

    def handle(conn, stop):
        conn.sendall(struct.pack("<I", length)[:3] + b"\0")
        stop.wait(10)

    return handle


def refused(run):
    """``run()``'s StoreError, the bytes allocated at the peak while it ran, and how long it took."""
    ours = not tracemalloc.is_tracing()
    if ours:
        tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.monotonic()
    try:
        with pytest.raises(StoreError) as raised:
            run()
        return str(raised.value), tracemalloc.get_traced_memory()[1], time.monotonic() - started
    finally:
        if ours:
            tracemalloc.stop()


@pytest.mark.parametrize("length, said", [
    (2 ** 30, "sent or announced more than 4 MiB on one connection, which no answer to this store needs"),
    (3, "sent a message length that no message has"),
], ids=["1 GiB", "shorter than its header"])
@pytest.mark.parametrize("channel", ["plain", "unverified-tls"])
def test_a_postgresql_length_beyond_any_answer_is_refused_without_allocating_it(length, said, channel, impostor_tls):
    tls = dict(tls=False) if channel == "plain" else dict(tls_verify=False)
    with peer(postgresql_announcing(length, impostor_tls if channel != "plain" else None)) as port:
        store = PostgresqlStore(store_options(port, **tls))
        message, peak, seconds = refused(lambda: store.apply(plan(raw_declaration()), KEEP, False, False))
    assert message.endswith("localhost:%d: the database server %s; refused" % (port, said)), message
    assert peak < ALLOCATED_AT_MOST and seconds < PROMPTLY, (peak, seconds)


def test_a_mysql_packet_length_beyond_any_answer_is_refused_without_allocating_it():
    with peer(mysql_announcing(0xFFFFFF)) as port:
        options = test_store_mysql.options(
            {"server": {"port": port, "ca": None}, "name": "opendental", "user": "od_user"},
            tls=False, connect_timeout=3, lock_timeout=3)
        message, peak, seconds = refused(
            lambda: MysqlStore(options).apply(plan(raw_declaration()), KEEP, False, False))
    assert message.endswith("127.0.0.1:%d: the database server sent or announced more than 4 MiB on one connection, "
                            "which no answer to this store needs; refused" % port), message
    assert peak < ALLOCATED_AT_MOST and seconds < PROMPTLY, (peak, seconds)


def test_the_connections_to_the_real_servers_over_verified_tls_read_through_the_bound(mariadb_server,
                                                                                      postgresql_server):
    target = test_store_mysql.opendental_database(mariadb_server)
    mysql = _mysql_connection.Connection(
        _database_socket.tcp("127.0.0.1", mariadb_server["port"], 5), "test", target["user"],
        test_store_mysql.DB_PASSWORD, target["name"], VERIFIED, ssl.create_default_context(cafile=mariadb_server["ca"]),
        host="127.0.0.1")
    odoo = test_store_postgresql.odoo_database(postgresql_server)
    postgresql = _postgresql_connection.Connection(
        _database_socket.tcp("localhost", postgresql_server["port"], 5), odoo["user"], odoo["name"],
        password=test_store_postgresql.DB_PASSWORD, host="localhost",
        ssl_context=ssl.create_default_context(cafile=postgresql_server["ca"]))
    try:
        assert isinstance(mysql._file, BoundedReads)  # pylint: disable=protected-access
        assert isinstance(mysql.socket, ssl.SSLSocket)
        assert isinstance(postgresql._file, BoundedReads)  # pylint: disable=protected-access
        assert isinstance(postgresql.socket, ssl.SSLSocket)
        assert postgresql.run("SELECT 1") == [[1]]
        with mysql.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
    finally:
        mysql.close()
        postgresql.close()
