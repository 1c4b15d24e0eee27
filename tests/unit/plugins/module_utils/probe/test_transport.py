"""The byte stream under the probes: stage deadlines, line reading, STARTTLS injection guard, TLS details."""

import socket
import ssl
import threading
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _transport
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import Channel, Stages
from tests.servers import certs


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()


def test_stages_are_named_timed_and_marked(pair):
    stages = Stages(5)
    with stages("greeting"):
        time.sleep(0.02)
    with pytest.raises(RuntimeError):
        with stages("authenticate"):
            raise RuntimeError("boom")
    assert [(r["name"], r["status"]) for r in stages.records] == [("greeting", "ok"), ("authenticate", "failed")]
    assert stages.records[0]["elapsed_ms"] >= 20
    assert stages.current == "authenticate"


def test_readline_joins_chunks_and_strips_line_endings(pair):
    ours, theirs = pair
    theirs.sendall(b"220 mail.exa")
    theirs.sendall(b"mple.test ESMTP\r\n250 OK\n")
    stages = Stages(2)
    channel = Channel(ours, stages, "peer")
    with stages("greeting"):
        assert channel.readline() == b"220 mail.example.test ESMTP"
        assert channel.readline() == b"250 OK"


def test_closed_connection_and_endless_line_are_errors(pair):
    ours, theirs = pair
    stages = Stages(2)
    channel = Channel(ours, stages, "peer")
    theirs.sendall(b"x" * (_transport.MAX_LINE + 10))
    with stages("greeting"), pytest.raises(Failure) as raised:
        channel.readline()
    assert raised.value.code == "protocol_violation"
    theirs.close()
    channel = Channel(ours, stages, "peer")
    with stages("greeting"), pytest.raises(EOFError):
        channel.read_exactly(10)


def test_a_reply_is_bounded_in_lines_and_the_budget_restarts_with_each_command(pair):
    ours, theirs = pair
    stages = Stages(5)
    channel = Channel(ours, stages, "peer")
    theirs.sendall(b"250-x\r\n" * _transport.MAX_REPLY_LINES)
    with stages("capabilities"):
        for _line in range(_transport.MAX_REPLY_LINES):
            channel.readline()
        channel.send_line("NOOP")
        theirs.sendall(b"250-x\r\n" * (_transport.MAX_REPLY_LINES + 1))
        with pytest.raises(Failure) as raised:
            for _line in range(_transport.MAX_REPLY_LINES + 1):
                channel.readline()
    assert raised.value.code == "protocol_violation" and "lines" in raised.value.message


def test_a_huge_literal_is_refused_before_it_is_read(pair):
    ours, _theirs = pair
    stages = Stages(5)
    with stages("command"), pytest.raises(Failure) as raised:
        Channel(ours, stages, "peer").read_exactly(_transport.MAX_LITERAL + 1)
    assert raised.value.code == "protocol_violation"


@pytest.mark.parametrize("line", ["USER a\r\nDELE 1", "RCPT TO:<a@b\n>", "X\x00", "X\u2028", "X\x85", b"PASS a\rb"])
def test_no_line_with_a_control_character_is_sent(pair, line):
    ours, theirs = pair
    stages = Stages(2)
    with stages("authenticate"), pytest.raises(Failure) as raised:
        Channel(ours, stages, "peer").send_line(line)
    assert raised.value.code == "control_character_refused"
    theirs.setblocking(False)
    with pytest.raises(BlockingIOError):
        theirs.recv(10)  # nothing reached the peer


def test_the_checks_deadline_cuts_a_stage_short(pair):
    ours, _theirs = pair
    stages = Stages(5, _transport.Deadline(0.3))
    started = time.monotonic()
    with pytest.raises(_transport.DeadlineExceeded), stages("greeting"):
        Channel(ours, stages, "peer").readline()
    assert time.monotonic() - started < 1.0


def test_timeout_bounds_the_whole_stage_not_each_read(pair):
    """A server dribbling one byte every 0.1 s must not keep a 0.5 s stage alive."""
    ours, theirs = pair
    stop = threading.Event()

    def dribble():
        while not stop.is_set():
            try:
                theirs.send(b".")
            except OSError:
                return
            time.sleep(0.1)

    worker = threading.Thread(target=dribble)
    worker.start()
    stages = Stages(0.5)
    started = time.monotonic()
    try:
        with stages("greeting"), pytest.raises(socket.timeout):
            Channel(ours, stages, "peer").readline()
    finally:
        stop.set()
        worker.join()
    assert time.monotonic() - started < 1.0


def test_starttls_refuses_bytes_received_in_clear(pair):
    """Data after the STARTTLS go-ahead was sent before encryption: a command-injection attempt."""
    ours, theirs = pair
    theirs.sendall(b"220 2.0.0 Ready to start TLS\r\n250 injected\r\n")
    stages = Stages(2)
    channel = Channel(ours, stages, "peer")
    with stages("starttls"):
        assert channel.readline().startswith(b"220")
        with pytest.raises(Failure) as raised:
            channel.start_tls(ssl.create_default_context(), "localhost")
    assert raised.value.code == "starttls_unavailable"


def test_tls_details_of_a_real_handshake(tmp_path, pair):
    paths = certs.make(str(tmp_path))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(paths["expiring"]["cert"], paths["expiring"]["key"])
    ours, theirs = pair

    def serve():
        with server_context.wrap_socket(theirs, server_side=True) as tls:
            tls.recv(1)

    worker = threading.Thread(target=serve)
    worker.start()
    stages = Stages(5)
    channel = Channel(ours, stages, "peer")
    with stages("tls"):
        channel.start_tls(_transport.tls_context(paths["ca"]), "localhost")
    channel.sock.sendall(b"x")
    worker.join()
    details = channel.tls
    assert details["version"] in ("TLSv1.2", "TLSv1.3")
    assert details["subject"] == "CN=localhost"
    assert details["issuer"] == "CN=mailconfig test CA"
    assert 8 <= details["days_left"] <= 10
    assert details["not_after"].endswith("Z")


def test_tls_context_choices(tmp_path):
    assert _transport.tls_context().verify_mode == ssl.CERT_REQUIRED
    relaxed = _transport.tls_context(validate_certs=False)
    assert (relaxed.verify_mode, relaxed.check_hostname) == (ssl.CERT_NONE, False)
    folder = _transport.tls_context(str(tmp_path))
    assert folder.verify_mode == ssl.CERT_REQUIRED and folder.check_hostname


def test_resolve_and_connect_loopback():
    stages = Stages(5)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with stages("resolve"):
            addresses = _transport.resolve("localhost", port, stages)
        with stages("connect"):
            sock, address = _transport.connect(addresses, stages)
        sock.close()
    assert address == "127.0.0.1"
    with stages("resolve"):
        assert _transport.resolve("[::1]", port, stages)[0][4][0] == "::1"
        with pytest.raises(socket.gaierror):
            _transport.resolve("no-such-host.invalid", port, stages)
