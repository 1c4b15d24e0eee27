"""An impostor on the PostgreSQL address asks for the database password in clear, as an MD5 hash, or lets anyone in.

The fake server speaks just enough of the PostgreSQL protocol (SSLRequest, StartupMessage, one
AuthenticationRequest) and records every byte the postgresql store sends. Without verified TLS the
store must refuse before answering: the password, its MD5 answer and any statement (which would carry
the mail password) never reach the impostor. With TLS that is not verified (tls_verify: false) the
impostor's own certificate is accepted for encryption, and the answer is the same.
"""

import hashlib
import os
import socket
import ssl
import struct
import threading

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._postgresql import PostgresqlStore
from tests.adversarial.hostile import peer
from tests.servers import certs, postgresql
from tests.unit.plugins.module_utils.store.store_helpers import PASSWORD_A, database_options, plan, raw_declaration

DB_USER, DB_PASSWORD = "odoo_app", "Impostor-Wants-This-7d1e"
SALT = b"\x01\x02\x03\x04"
SSL_REQUEST = 80877103
CLEAR_TEXT, MD5, OK = 3, 5, 0


def _read_exactly(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def startup(conn, tls_files):
    """Take a client's SSLRequest (TLS with ``tls_files``' certificate, or none) and startup message: the connection
    to go on with, and the startup message."""
    length, request = struct.unpack("!ii", _read_exactly(conn, 8))
    if request != SSL_REQUEST:
        return conn, _read_exactly(conn, length - 8)
    if tls_files is None:
        conn.sendall(b"N")
    else:
        conn.sendall(b"S")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls_files["cert"], tls_files["key"])
        conn = context.wrap_socket(conn, server_side=True)
    length = struct.unpack("!i", _read_exactly(conn, 4))[0]
    return conn, _read_exactly(conn, length - 4)


def impostor(code, received, tls_files=None):
    """A peer that answers the startup with AuthenticationRequest ``code`` and records all it is sent after that."""

    def handle(conn, stop):
        conn, message = startup(conn, tls_files)
        received.append(message)
        extra = SALT if code == MD5 else b""
        reply = b"R" + struct.pack("!ii", 8 + len(extra), code) + extra
        if code == OK:  # let anyone in: ReadyForQuery, then wait for the statements
            reply += b"Z" + struct.pack("!i", 5) + b"I"
        conn.sendall(reply)
        conn.settimeout(1.0)
        while not stop.is_set():
            try:
                data = conn.recv(65536)
            except (socket.timeout, ssl.SSLError):
                return
            if not data:
                return
            received.append(data)

    return handle


def store_options(port, **changes):
    given = dict(
        type="postgresql",
        application="odoo",
        host="localhost",
        port=port,
        user=DB_USER,
        password=DB_PASSWORD,
        database="odoo",
        record_name="Smiles Dental",
        connect_timeout=3,
        lock_timeout=3,
    )
    given.update(changes)
    return database_options(**given)


@pytest.fixture(scope="module")
def impostor_tls(tmp_path_factory):
    """A certificate the impostor serves: the test CA's own, for localhost (it is not verified: tls_verify false)."""
    return certs.make(str(tmp_path_factory.mktemp("impostor")))["valid"]


@pytest.mark.parametrize("code", [CLEAR_TEXT, MD5, OK], ids=["clear-text", "md5", "trust"])
@pytest.mark.parametrize("channel", ["plain", "unverified-tls"])
def test_the_impostor_never_receives_the_password_its_md5_or_a_statement(code, channel, impostor_tls):
    received = []
    tls = dict(tls=False) if channel == "plain" else dict(tls_verify=False)
    with peer(impostor(code, received, impostor_tls if channel != "plain" else None)) as port:
        store = PostgresqlStore(store_options(port, **tls))
        with pytest.raises(StoreError, match="without verified TLS; refused") as raised:
            store.apply(plan(raw_declaration()), KEEP, False, False)
    sent = b"".join(received)
    assert DB_USER.encode() in sent  # the startup message reached the impostor: the test saw the exchange
    inner = hashlib.md5((DB_PASSWORD + DB_USER).encode()).hexdigest().encode()
    for secret in (
        DB_PASSWORD.encode(),
        inner,
        b"md5" + hashlib.md5(inner + SALT).hexdigest().encode(),
        PASSWORD_A.encode(),
    ):
        assert secret not in sent
    assert b"p" not in [message[:1] for message in received[1:]]  # no PasswordMessage
    assert b"Q" not in [message[:1] for message in received[1:]] and b"P" not in [
        message[:1] for message in received[1:]
    ]  # no statement
    assert DB_PASSWORD not in str(raised.value) and PASSWORD_A not in str(raised.value)


def test_the_impostor_s_certificate_is_refused_when_tls_is_verified(impostor_tls, tmp_path):
    """Verified TLS with another CA: the handshake fails before the startup message, naming TLS."""
    other = certs.make(str(tmp_path))["ca"]
    received = []
    with peer(impostor(CLEAR_TEXT, received, impostor_tls)) as port:
        with pytest.raises(StoreError, match="TLS to localhost:%d failed" % port):
            PostgresqlStore(store_options(port, ca_path=other)).apply(plan(raw_declaration()), KEEP, False, False)
    assert DB_PASSWORD.encode() not in b"".join(received) and os.path.exists(other)


def test_an_impostor_saying_ready_without_any_login_gets_no_statement():
    received = []

    def ready_only(conn, stop):
        conn, message = startup(conn, None)
        received.append(message)
        conn.sendall(b"Z" + struct.pack("!i", 5) + b"I")  # ReadyForQuery, no AuthenticationOk before it
        conn.settimeout(1.0)
        while not stop.is_set():
            try:
                data = conn.recv(65536)
            except socket.timeout:
                return
            if not data:
                return
            received.append(data)

    with peer(ready_only) as port:
        with pytest.raises(StoreError, match="sent message 'Z' out of turn while logging us in; refused before any "
                                             "statement was sent"):
            PostgresqlStore(store_options(port, tls=False)).apply(plan(raw_declaration()), KEEP, False, False)
    assert len(received) == 1 and DB_USER.encode() in received[0]  # the startup message, then nothing


def relay_in_clear(real_port, tls_files, sent):
    """A man in the middle: TLS to the client with its own certificate, the startup relayed in clear to the real
    server, then both ways; ``sent`` gets what the client sends after the startup."""

    def pump(source, sink, log):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    return
                if log is not None:
                    log.append(data)
                sink.sendall(data)
        except OSError:
            return

    def handle(conn, stop):
        conn.settimeout(10)
        conn, message = startup(conn, tls_files)
        real = socket.create_connection(("127.0.0.1", real_port), 10)
        with real:
            real.sendall(struct.pack("!i", len(message) + 4) + message)
            back = threading.Thread(target=pump, args=(real, conn, None), daemon=True)
            back.start()
            pump(conn, real, sent)
            stop.wait(2)

    return handle


def test_a_relay_to_the_real_server_in_clear_cannot_downgrade_an_unverified_tls_login(
        postgresql_server, impostor_tls):
    """Over tls_verify false the real server, reached in clear by the relay, offers no channel binding; a login
    without it could be relayed, so the store refuses before answering the challenge."""
    postgresql.sql(postgresql_server, "DROP ROLE IF EXISTS relayed; CREATE ROLE relayed LOGIN PASSWORD '%s';"
                   % DB_PASSWORD)
    sent = []
    with peer(relay_in_clear(postgresql_server["port"], impostor_tls, sent)) as port:
        store = PostgresqlStore(store_options(port, tls_verify=False, user="relayed", database="postgres"))
        with pytest.raises(StoreError, match=r"the server does not offer SCRAM-SHA-256-PLUS\) over TLS that is not "
                                             r"verified, so it could be relayed"):
            store.apply(plan(raw_declaration()), KEEP, False, False)
    assert sent == [] and DB_PASSWORD.encode() not in b"".join(sent)  # not even a first SCRAM message
