"""store/_read_budget: a database connection's reads add up to at most LIMIT bytes and its Budget's seconds of waiting.

The files are real sockets' buffered files (a socketpair), as the connections make them; the peer writes
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
    refusal,
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
    """The MySQL connection reads the greeting through one file and, after TLS, through another: one budget."""
    with pair() as (ours, theirs):
        budget = Budget(7)
        theirs.sendall(b"y" * 110)
        before = BoundedReads(ours.makefile("rb"), ours, budget)
        assert before.read(100) == b"y" * 100
        before.close()
        after = BoundedReads(ours.makefile("rb"), ours, budget)
        assert after.budget.size == LIMIT - 100 and after.budget.allowed == 7
        assert after.read(10) == b"y" * 10 and budget.size == LIMIT - 110
    assert Budget().allowed == SECONDS  # a connection its store gave no budget


def test_refusal_finds_the_refusal_a_driver_wrapped():
    try:
        try:
            raise ReadLimitExceeded("refused here")
        except OSError as exc:
            raise RuntimeError("the connection was lost (%s)" % exc) from None
    except RuntimeError as wrapped:
        assert refusal(wrapped) == "refused here"  # through __context__ (a wrapper that dropped the cause)
    assert refusal(ValueError("other")) is None
