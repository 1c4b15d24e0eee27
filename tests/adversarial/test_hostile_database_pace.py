"""A database server that drips its answer, each byte inside the socket's timeout, is refused in bounded time.

Without a bound on the whole, a fake PostgreSQL announcing a 1,000-byte message and sending one byte
every 0.3 s keeps a run going for five minutes, however short each read's timeout. The stores give
each connection ``lock_timeout + 3 x connect_timeout`` seconds of waiting in all (store/_read_budget.py):
here 1 + 3 x 1 = 4 s. The TLS handshake is bounded on its own, by connect_timeout over the whole of it
(the ssl module's deadline): an impostor dripping its first TLS record is refused as promptly.
"""

import struct
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql import MysqlStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._postgresql import PostgresqlStore
from tests.adversarial.hostile import drip
from tests.adversarial.hostile import peer
from tests.adversarial.test_hostile_postgresql import SSL_REQUEST, startup, store_options
from tests.unit.plugins.module_utils.store import test_store_mysql
from tests.unit.plugins.module_utils.store.store_helpers import plan, raw_declaration

TIMEOUTS = dict(connect_timeout=1, lock_timeout=1)  # a budget of 4 s per connection
BUDGET = 4.0
EVERY = 0.3  # seconds between bytes: well inside each read's timeout
DRIPPED = 1000  # bytes announced: 300 s at that pace
WITHIN = BUDGET + 2.0  # the refusal comes when the budget is spent, give or take a loaded machine
SLOW = "the database server kept one connection waiting more than 4 s in all, which no answer to this store needs"


def postgresql_dripping(conn, stop):
    conn.settimeout(10)
    conn, _message = startup(conn, None)
    conn.sendall(b"R" + struct.pack("!i", DRIPPED))
    drip(conn, stop, b"\0" * DRIPPED, EVERY)


def mysql_dripping(conn, stop):
    conn.sendall(struct.pack("<I", DRIPPED)[:3] + b"\0")
    drip(conn, stop, b"\0" * DRIPPED, EVERY)


def tls_dripping(conn, stop):
    """Agree to TLS, then send a handshake record's header and its body one byte at a time."""
    conn.settimeout(10)
    length, request = struct.unpack("!ii", conn.recv(8))
    assert (length, request) == (8, SSL_REQUEST)
    conn.sendall(b"S" + b"\x16\x03\x03" + struct.pack("!H", DRIPPED))
    drip(conn, stop, b"\0" * DRIPPED, EVERY)


def failure(run):
    """The StoreError ``run()`` raised, and how long it took."""
    started = time.monotonic()
    with pytest.raises(StoreError) as raised:
        run()
    return str(raised.value), time.monotonic() - started


def test_postgresql_dripping_its_answer_is_refused_when_the_connection_s_budget_is_spent():
    with peer(postgresql_dripping) as port:
        store = PostgresqlStore(store_options(port, tls=False, **TIMEOUTS))
        message, took = failure(lambda: store.apply(plan(raw_declaration()), KEEP, False, False))
    assert message.endswith("localhost:%d: %s; refused" % (port, SLOW)), message
    assert BUDGET - 1 < took < WITHIN, took


def test_mysql_dripping_its_greeting_is_refused_when_the_connection_s_budget_is_spent():
    with peer(mysql_dripping) as port:
        options = test_store_mysql.options(
            {"server": {"port": port, "ca": None}, "name": "opendental", "user": "od_user"}, tls=False, **TIMEOUTS)
        message, took = failure(lambda: MysqlStore(options).apply(plan(raw_declaration()), KEEP, False, False))
    assert message.endswith("127.0.0.1:%d: %s; refused" % (port, SLOW)), message
    assert BUDGET - 1 < took < WITHIN, took


def test_a_dripped_tls_handshake_ends_within_the_connect_timeout():
    with peer(tls_dripping) as port:
        store = PostgresqlStore(store_options(port, tls_verify=False, **TIMEOUTS))
        message, took = failure(lambda: store.apply(plan(raw_declaration()), KEEP, False, False))
    assert "timed out" in message, message
    assert took < 1 + 2.0, took  # connect_timeout, not one timeout per byte
