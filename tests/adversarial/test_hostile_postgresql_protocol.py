"""A PostgreSQL impostor that logs us in properly, then answers with messages that are not what they say.

The postgresql store speaks the protocol itself (store/_postgresql_connection.py), so a malformed
message must end the run with the store's error, never a crash (an IndexError or struct.error
escaping as a traceback) or a wrong value taken for the application's. The fake server completes a
real SCRAM exchange (scramp plays the server, knowing the database password), then answers the
store's first statement with the message under test. It also asks for a method we do not use, and
for a hundred million SCRAM iterations, which must be refused before any work.
"""

import struct
import time

import pytest
from scramp import ScramMechanism

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._postgresql import PostgresqlStore
from tests.adversarial.hostile import peer
from tests.adversarial.test_hostile_postgresql import DB_PASSWORD, _read_exactly, startup, store_options
from tests.unit.plugins.module_utils.store.store_helpers import plan, raw_declaration


def message(kind, body=b""):
    return kind + struct.pack("!i", len(body) + 4) + body


def authentication(code, body=b""):
    return message(b"R", struct.pack("!i", code) + body)


def received(conn):
    kind, length = struct.unpack("!ci", _read_exactly(conn, 5))
    return kind, _read_exactly(conn, length - 4)


def column(name, oid):
    return name + b"\0" + struct.pack("!ihihih", 0, 0, oid, -1, -1, 0)


def logged_in(answer, iterations=4096):
    """A fake server that logs the client in by SCRAM, then sends ``answer`` to its first statement."""

    def handle(conn, stop):
        try:
            exchange(conn)
        except EOFError:  # the client gave up, as it should have
            return
        stop.wait(10)

    def exchange(conn):
        conn.settimeout(10)
        conn, _startup = startup(conn, None)
        mechanism = ScramMechanism()
        info = mechanism.make_auth_info(DB_PASSWORD, iteration_count=4096)
        server = mechanism.make_server(lambda _user: info)
        conn.sendall(authentication(10, b"SCRAM-SHA-256\0\0"))
        server.set_client_first(received(conn)[1].split(b"\0", 1)[1][4:].decode())
        first = server.get_server_first().replace("i=4096", "i=%d" % iterations)
        conn.sendall(authentication(11, first.encode()))
        server.set_client_final(received(conn)[1].decode())
        conn.sendall(authentication(12, server.get_server_final().encode()) + authentication(0)
                     + message(b"Z", b"I"))
        while received(conn)[0] != b"S":  # Parse, Bind, Describe, Execute, then Sync
            pass
        conn.sendall(answer)

    return handle


def failure(handler):
    """The store's error against the fake server, and how long the run took."""
    with peer(handler) as port:
        store = PostgresqlStore(store_options(port, tls=False))
        started = time.monotonic()
        with pytest.raises(StoreError) as raised:
            store.apply(plan(raw_declaration()), KEEP, False, False)
    return str(raised.value), time.monotonic() - started


DESCRIBED = message(b"1") + message(b"2") + message(b"T", struct.pack("!h", 2) + column(b"relname", 19)
                                                    + column(b"attnum", 23))


@pytest.mark.parametrize("answer, said", [
    (DESCRIBED + message(b"D", struct.pack("!h", 2) + struct.pack("!i", 1000) + b"short"),
     "the server sent a malformed D message"),
    (DESCRIBED + message(b"D", struct.pack("!h", 1) + struct.pack("!i", 2) + b"ok"),
     "the server sent a row that does not match its description"),
    (DESCRIBED + message(b"D", struct.pack("!h", 2) + struct.pack("!i", 2) + b"\xff\xfe" + struct.pack("!i", 1) + b"1"),
     "the server sent text that is not UTF-8"),
    (DESCRIBED + message(b"D", struct.pack("!h", 2) + struct.pack("!i", 1) + b"a" + struct.pack("!i", 1) + b"x"),
     "the server sent a malformed D message"),  # not an integer where the description says int4
    (DESCRIBED + message(b"D", struct.pack("!h", 2) + struct.pack("!i", 1) + b"a" + struct.pack("!i", 1) + b"1"
                         + b"extra"), "the server sent a malformed D message"),
    (DESCRIBED + message(b"D", struct.pack("!h", 2) + struct.pack("!i", -2) + struct.pack("!i", 1) + b"1"),
     "the server sent a malformed D message"),
    (message(b"1") + message(b"2") + message(b"T", struct.pack("!h", 1) + column(b"active", 16))
     + message(b"D", struct.pack("!h", 1) + struct.pack("!i", 4) + b"true"), "the server sent a malformed D message"),
    (message(b"1") + message(b"T", struct.pack("!h", 3) + b"unterminated"), "the server sent a malformed T message"),
], ids=["value beyond its row", "fewer values than columns", "not UTF-8", "not an integer", "bytes after the values",
        "a length no value has", "a boolean neither t nor f", "cut description"])
def test_a_malformed_answer_after_a_real_login_ends_the_run_with_the_store_s_error(answer, said):
    text, took = failure(logged_in(answer))
    assert text.endswith(said), text
    assert took < 2, took  # the broken connection is not asked to roll back: no wait for an answer


def test_a_hundred_million_scram_iterations_are_refused_before_any_work():
    text, took = failure(logged_in(b"", iterations=10 ** 8))
    assert "the server asks for 100000000 SCRAM iterations (at most 1000000); refused" in text, text
    assert took < 2, took


def test_a_method_we_do_not_use_is_named():
    def handle(conn, stop):
        conn.settimeout(10)
        conn, _startup = startup(conn, None)
        conn.sendall(authentication(7))  # GSSAPI
        stop.wait(10)

    text, _took = failure(handle)
    assert text.endswith("the server asks for authentication method 7, which this store does not use (use "
                         "scram-sha-256 in pg_hba.conf)"), text
