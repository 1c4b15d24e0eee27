"""The postgresql store's own connection: its TCP socket, and the values it will not send."""

import socket
import ssl

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._postgresql import PostgresqlStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._database_socket import tcp as tcp_socket
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._postgresql_connection import (
    Connection,
    InterfaceError,
)
from tests.unit.plugins.module_utils.store.store_helpers import plan, raw_declaration
from tests.unit.plugins.module_utils.store.test_store_postgresql import DB_PASSWORD, odoo_database, options


def test_the_socket_sends_small_writes_at_once_and_keeps_alive():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        sock = tcp_socket("127.0.0.1", listener.getsockname()[1], 5)
        try:
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1  # no wait for a delayed ACK over TLS
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            assert sock.gettimeout() == 5
        finally:
            sock.close()


def test_a_closed_port_is_said_plainly_by_the_store():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
    target = {"server": {"port": port, "ca": None}, "name": "odoo", "user": "odoo"}
    store = PostgresqlStore(options(target, host="127.0.0.1", tls=False))
    with pytest.raises(StoreError) as caught:
        store.read(plan(raw_declaration()))
    assert "cannot connect to 127.0.0.1:%d: Connection refused" % port in str(caught.value)


@pytest.mark.parametrize("given, said", [
    (dict(user="odoo\0database=other"), "the user contains a NUL character"),
    (dict(password="pass\0word"), "the password contains a NUL character"),
    (dict(password="pass\ud800word"), "the password is not valid Unicode text"),
    (dict(startup={"application_name": "a\0b"}), "the application_name contains a NUL character"),
])
def test_a_login_value_the_protocol_cannot_carry_is_refused_before_anything_is_sent(given, said):
    ours, theirs = socket.socketpair()
    arguments = dict(dict(user="odoo", password="secret"), **given)
    with theirs:
        with pytest.raises(InterfaceError, match=said):
            Connection(ours, arguments.pop("user"), "odoo", **arguments)
        theirs.settimeout(0.2)
        assert theirs.recv(100) == b""  # closed, and nothing was sent before
    assert ours.fileno() == -1


def test_a_value_that_is_not_unicode_is_refused_and_the_connection_goes_on(postgresql_server):
    target = odoo_database(postgresql_server)
    connection = Connection(tcp_socket("localhost", postgresql_server["port"], 5), target["user"], target["name"],
                            password=DB_PASSWORD, host="localhost",
                            ssl_context=ssl.create_default_context(cafile=postgresql_server["ca"]))
    try:
        with pytest.raises(InterfaceError, match="not valid Unicode text"):
            connection.run("SELECT :value", value="bad\ud800")
        assert connection.run("SELECT :value::int, :flag::bool", value=7, flag=False) == [[7, False]]
    finally:
        connection.close()
