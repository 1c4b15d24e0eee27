"""store/_read_budget: a driver connection's reads add up to at most LIMIT bytes and its Budget's seconds of waiting.

The files are real sockets' buffered files (a socketpair), as the drivers make them; the peer writes
what the test needs, at the pace it needs.
"""

import contextlib
import socket
import threading
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._read_budget import (
    LIMIT,
    SECONDS,
    BoundedReads,
    Budget,
    ReadLimitExceeded,
    file_attribute,
    refusal,
    set_budget,
)


@contextlib.contextmanager
def pair(timeout=5.0):
    """Our socket (with ``timeout``) and the peer's, closed after."""
    ours, theirs = socket.socketpair()
    ours.settimeout(timeout)
    try:
        yield ours, theirs
    finally:
        ours.close()
        theirs.close()


def bounded(sock, seconds=SECONDS, size=LIMIT):
    return BoundedReads(sock.makefile("rb"), sock, Budget(seconds, size))


def drip(sock, data, every):
    """Send ``data`` one byte every ``every`` seconds, from a thread, until it is sent or the socket closes."""

    def send():
        for byte in data:
            time.sleep(every)
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


class Driver:
    """A driver connection as PyMySQL's and pg8000's keep their socket file: an attribute set again after TLS."""

    file = file_attribute("the socket file", "sock")

    def __init__(self, sock, seconds=None):
        if seconds is not None:
            set_budget(self, seconds)
        self.sock = sock


def test_reads_within_the_byte_budget_pass_and_add_up_until_the_one_that_would_cross_it():
    with pair() as (ours, theirs):
        theirs.sendall(b"x" * 64)
        file = bounded(ours, size=100)
        assert file.read(64) == b"x" * 64
        assert file.read(0) == b""
        with pytest.raises(ReadLimitExceeded, match="more than 4 MiB"):
            file.read(37)  # 64 + 37 > 100: refused before a byte is waited for
        assert file.budget.size == 36
        theirs.close()
        assert file.read(36) == b""  # the end of the stream: a short read, as from the file itself


def test_a_long_answer_arrives_whole_in_pieces_each_charged_to_the_budget():
    with pair() as (ours, theirs):
        data = bytes(range(256)) * 1024  # 256 KiB: more than one wait's most
        threading.Thread(target=theirs.sendall, args=(data,), daemon=True).start()
        file = bounded(ours)
        assert file.read(len(data)) == data
        assert file.budget.size == LIMIT - len(data)


@pytest.mark.parametrize("size", [-1, -4, None])
def test_a_read_to_the_end_of_the_stream_is_refused(size):
    with pair() as (ours, _theirs):
        with pytest.raises(ReadLimitExceeded, match="length that no message has"):
            bounded(ours).read(size)


def test_a_server_that_drips_inside_each_wait_is_refused_when_the_connection_s_seconds_are_spent():
    with pair(timeout=1.0) as (ours, theirs):
        sender = drip(theirs, b"y" * 100, 0.05)  # each byte well inside the socket's 1 s timeout
        file = bounded(ours, seconds=0.5)
        started = time.monotonic()
        with pytest.raises(ReadLimitExceeded, match="waiting more than 0.5 s in all"):
            file.read(100)
        took = time.monotonic() - started
        assert 0.4 < took < 1.5, took  # the budget, not 100 times the timeout
        assert ours.gettimeout() == 1.0  # the socket's own timeout is put back
        with pytest.raises(ReadLimitExceeded, match="waiting more than 0.5 s"):
            file.read(1)  # spent: refused at once
    sender.join(5)


def test_the_socket_s_own_timeout_is_reported_as_the_driver_expects():
    with pair(timeout=0.2) as (ours, _theirs):
        file = bounded(ours, seconds=30)
        with pytest.raises(socket.timeout) as raised:
            file.read(1)
        assert not isinstance(raised.value, ReadLimitExceeded)
        assert 0 < file.budget.seconds < 30


def test_time_between_reads_is_not_charged():
    with pair() as (ours, theirs):
        file = bounded(ours, seconds=0.3)
        for _read in range(3):
            theirs.sendall(b"z")
            assert file.read(1) == b"z"
            time.sleep(0.2)  # a login test between the read and the apply, say
        assert file.budget.seconds > 0


def test_other_reads_are_not_offered_and_the_rest_is_the_file_s_own():
    with pair() as (ours, theirs):
        file = BoundedReads(ours.makefile("rwb"), ours, Budget(SECONDS))
        for name in ("readinto", "readline", "readlines", "read1", "peek"):
            assert not hasattr(file, name)
        file.write(b"sent")
        file.flush()
        assert theirs.recv(10) == b"sent" and not file.closed
        file.close()
        assert file.closed


def test_the_budget_is_the_connection_s_across_the_files_it_is_given():
    with pair() as (ours, theirs):
        driver = Driver(ours, seconds=7)
        assert driver.file is None
        theirs.sendall(b"y" * 110)
        driver.file = ours.makefile("rb")  # before TLS
        assert driver.file.read(100) == b"y" * 100
        driver.file = ours.makefile("rb")  # after TLS: a new file, the same connection
        assert isinstance(driver.file, BoundedReads) and driver.file.budget.size == LIMIT - 100
        assert driver.file.budget.allowed == 7
        driver.file = None  # closed
        assert driver.file is None
        assert Driver(ours).file is None
        unnamed = Driver(ours)
        unnamed.file = ours.makefile("rb")
        assert unnamed.file.budget.allowed == SECONDS  # a connection its store gave no budget


def test_refusal_finds_the_refusal_a_driver_wrapped():
    try:
        try:
            raise ReadLimitExceeded("refused here")
        except OSError as exc:
            raise RuntimeError("Lost connection to MySQL server during query (%s)" % exc) from None
    except RuntimeError as wrapped:
        assert refusal(wrapped) == "refused here"  # through __context__, as PyMySQL raises it
    assert refusal(ValueError("other")) is None
