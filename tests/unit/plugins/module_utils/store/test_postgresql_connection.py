"""The TCP socket the postgresql store gives pg8000 (store._postgresql_connection.tcp_socket)."""

import socket

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._postgresql import PostgresqlStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._postgresql_connection import tcp_socket
from tests.unit.plugins.module_utils.store.store_helpers import plan, raw_declaration
from tests.unit.plugins.module_utils.store.test_store_postgresql import options


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
