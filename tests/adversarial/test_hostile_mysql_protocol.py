"""A MySQL impostor that logs us in, then answers with packets that are not what they say.

The mysql store speaks the protocol itself (store/_mysql_connection.py), so a malformed packet
must end the run with the store's error, never a crash (an IndexError or struct.error escaping as
a traceback), a hang, or a wrong value taken for the application's. The fake server greets with
mysql_native_password over no TLS, accepts any answer, then sends the packet under test for the
first statement (the store's schema check). It also asks for a file from our host (LOCAL INFILE),
switches authentication without end, and speaks protocols we do not.
"""

import struct
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_auth import NO_TLS
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_socket import tcp
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _mysql
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql import MysqlStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql_connection import (
    Connection,
    DatabaseError,
    InterfaceError,
)
from tests.adversarial.hostile import peer
from tests.unit.plugins.module_utils.store import test_store_mysql
from tests.unit.plugins.module_utils.store.store_helpers import plan, raw_declaration

SALT = bytes(range(65, 85))
_CAPABILITIES = 0x1 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x80000
OK = b"\x00\x00\x00\x02\x00\x00\x00"
EOF = b"\xfe\x00\x00\x02\x00"
PROMPTLY = 5.0


def greeting(protocol=10, capabilities=_CAPABILITIES, method=b"mysql_native_password"):
    return (bytes((protocol,)) + b"5.7.99-hostile\0" + struct.pack("<I", 7) + SALT[:8] + b"\0"
            + struct.pack("<H", capabilities & 0xFFFF) + bytes((45,)) + struct.pack("<H", 2)
            + struct.pack("<H", capabilities >> 16) + bytes((21,)) + b"\0" * 10 + SALT[8:] + b"\0" + method + b"\0")


def packet(payload, sequence):
    return len(payload).to_bytes(3, "little") + bytes((sequence,)) + payload


def read(conn):
    header = b""
    while len(header) < 4:
        chunk = conn.recv(4 - len(header))
        if not chunk:
            raise EOFError
        header += chunk
    size, data = int.from_bytes(header[:3], "little"), b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return header[3], data


def lenenc(data):
    return bytes((len(data),)) + data


def column(name, kind=253, charset=45):
    return (lenenc(b"def") + lenenc(b"db") + lenenc(b"t") + lenenc(b"t") + lenenc(name) + lenenc(name) + b"\x0c"
            + struct.pack("<HIBHB", charset, 255, kind, 0, 0) + b"\0\0")


def result(columns, rows):
    """A result set: its packets' payloads, in order."""
    return [bytes((len(columns),))] + columns + [EOF] + rows + [EOF]


def hostile(answer, hello=None, login=None):
    """A fake server: ``hello`` for a greeting, ``login`` (payloads) after the client's answer, then ``answer``
    (payloads, or whole packets when bytes) to the first statement. Whatever the client sends is kept."""
    received = []

    def handle(conn, stop):
        conn.settimeout(10)
        try:
            conn.sendall(packet(hello or greeting(), 0))
            sequence, data = read(conn)
            received.append(data)
            for payload in login or [OK]:
                sequence += 1
                conn.sendall(packet(payload, sequence))
                if payload[:1] == b"\xfe":  # a switch: the client answers
                    sequence, data = read(conn)
                    received.append(data)
            _sequence, data = read(conn)
            received.append(data)
            if isinstance(answer, bytes):
                conn.sendall(answer)
            else:
                conn.sendall(b"".join(packet(payload, number + 1) for number, payload in enumerate(answer)))
            while True:
                received.append(read(conn)[1])
        except EOFError:
            return
        stop.wait(10)

    return handle, received


def connect(port):
    return Connection(tcp("127.0.0.1", port, 3), "127.0.0.1:%d" % port, "od_user", "Db-Pw-5e1f", "opendental",
                      NO_TLS, read_seconds=3)


MALFORMED = {
    "a row longer than its packet": result([column(b"a")], [b"\x05ab"]),
    "bytes after a row's values": result([column(b"a")], [b"\x01a\x01b"]),
    "more columns than announced": [b"\x01", column(b"a"), column(b"b"), EOF, EOF],
    "a column definition cut short": [b"\x01", b"\x03def", EOF, EOF],
    "an integer column holding text": result([column(b"a", kind=3, charset=63)], [b"\x0312a"]),
    "text that is not UTF-8": result([column(b"a")], [b"\x02\xff\xfe"]),
    "a length-encoded integer of a kind that does not exist": result([column(b"a")], [b"\xff"]),
    "an empty packet": [b""],
}


@pytest.mark.parametrize("answer", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_malformed_answer_ends_the_run_with_the_store_s_error(answer):
    handle, _received = hostile(answer)
    with peer(handle) as port:
        options = test_store_mysql.options(
            {"server": {"port": port, "ca": None}, "name": "opendental", "user": "od_user"},
            tls=False, connect_timeout=3, lock_timeout=3)
        started = time.monotonic()
        with pytest.raises(StoreError) as failed:
            MysqlStore(options).apply(plan(raw_declaration()), KEEP, False, False)
    message = str(failed.value)
    assert message.startswith("MySQL store od_user@127.0.0.1:%d/opendental: the server " % port), message
    assert "malformed packet" in message or "more column definitions" in message or "empty packet" in message
    assert time.monotonic() - started < PROMPTLY


def test_rows_of_another_shape_than_asked_for_end_the_run_with_the_store_s_error():
    """The schema check asks for two columns; a server that answers with one gets the store's error, not a
    traceback."""
    handle, _received = hostile(result([column(b"a")], [b"\x07globals"]))
    with peer(handle) as port:
        options = test_store_mysql.options(
            {"server": {"port": port, "ca": None}, "name": "opendental", "user": "od_user"},
            tls=False, connect_timeout=3, lock_timeout=3)
        with pytest.raises(StoreError) as failed:
            MysqlStore(options).apply(plan(raw_declaration()), KEEP, False, False)
    assert str(failed.value) == ("MySQL store od_user@127.0.0.1:%d/opendental: the server answered a statement with "
                                 "rows of another shape than asked for (IndexError); nothing was written" % port)


def test_a_server_message_quoting_our_statement_shows_no_value():
    """Values go as hex literals; a server error that quotes the statement (whole or cut) shows none of them."""
    secret = "Zz-Secret-Value-1".encode().hex()
    for message in ("You have an error in your SQL syntax near '_utf8mb4 X'%s' AND x = 1' at line 1" % secret,
                    "near '_utf8mb4 X'%s" % secret[:9]):
        said = _mysql._cause(DatabaseError(1064, message), {"connect_timeout": 3}, "db:3306")
        assert secret[:6] not in said and "X'...'" in said, said


def test_a_packet_out_of_sequence_is_refused_and_the_connection_is_not_used_again():
    handle, _received = hostile(packet(b"\x01", 5))
    with peer(handle) as port:
        connection = connect(port)
        try:
            with pytest.raises(InterfaceError, match="sent packet 5 where 1 was due"):
                connection.query("SELECT 1")
            with pytest.raises(InterfaceError, match="broken by an earlier answer"):
                connection.query("SELECT 1")
        finally:
            connection.close()


def test_a_request_for_a_file_from_our_host_is_refused_and_nothing_is_sent():
    handle, received = hostile([b"\xfb/etc/passwd"])
    with peer(handle) as port:
        connection = connect(port)
        with pytest.raises(InterfaceError, match="asked for a file from this host; refused"):
            connection.query("SELECT 1")
        connection.close()
    assert not any(b"root:" in data for data in received)
    assert received[-1] == b"\x01"  # after the statement, only the goodbye


def test_a_server_error_mid_result_is_the_server_s():
    handle, _received = hostile(result([column(b"a")], [b"\x01a", b"\xff\x15\x04#HY000stop here"]))
    with peer(handle) as port:
        connection = connect(port)
        with pytest.raises(DatabaseError) as failed:
            connection.query("SELECT 1")
        connection.close()
    assert failed.value.args == (1045, "stop here")


def test_endless_authentication_switches_are_refused():
    switch = b"\xfemysql_native_password\0" + SALT + b"\0"
    handle, received = hostile([OK], login=[switch] * 10)
    with peer(handle) as port:
        with pytest.raises(InterfaceError, match="kept asking for authentication"):
            connect(port)
    assert len(received) <= 5  # the handshake answer and at most four switches answered


@pytest.mark.parametrize("hello, said", [
    (greeting(protocol=9), "speaks protocol 9, not 10"),
    (greeting(capabilities=_CAPABILITIES & ~0x200), "does not speak the MySQL 4.1 protocol"),
    (b"\xff\x10\x04Too many connections", "Too many connections"),
], ids=["protocol 9", "no 4.1", "an error for a greeting"])
def test_a_greeting_we_do_not_speak_is_refused(hello, said):
    handle, received = hostile([OK], hello=hello)
    with peer(handle) as port:
        with pytest.raises((InterfaceError, DatabaseError), match=said):
            connect(port)
    assert not received  # nothing answered


def test_a_server_without_tls_is_named_by_the_store():
    handle, received = hostile([OK])
    with peer(handle) as port:
        options = test_store_mysql.options(
            {"server": {"port": port, "ca": None}, "name": "opendental", "user": "od_user"},
            connect_timeout=3, lock_timeout=3)
        with pytest.raises(StoreError) as failed:
            MysqlStore(options).apply(plan(raw_declaration()), KEEP, False, False)
    assert "the server at 127.0.0.1:%d offers no TLS" % port in str(failed.value)
    assert not received  # not even the handshake answer, which names the user
