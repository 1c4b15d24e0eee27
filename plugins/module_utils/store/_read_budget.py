# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a database connection reads from the server, bounded in bytes and in time.

Both stores' connections (``_mysql_connection``, ``_postgresql_connection``) read through the
socket's buffered file the lengths the server announces: ``read(n)`` of that file allocates
n bytes before the first one arrives. A server that is not the real one (``tls_verify: false``,
or an impostor on the local socket) could make the module take gigabytes, or drip one byte
inside each read's timeout for hours. Both connections keep that file wrapped in
``BoundedReads``: a store run reads a few tens of kilobytes in well under a second, and one
connection may read at most ``LIMIT`` bytes and wait at most its ``Budget``'s seconds for them
in all. A read beyond either is refused (the bytes before anything is allocated). Time spent
between reads is not counted: the login test a store run holds its connection through is
bounded by its own timeout.
"""

import socket
import time
from typing import Any, Optional

LIMIT = 4 * 1024 * 1024
SECONDS = 60.0  # a connection's wait for the server in all, when its store names none
_CHUNK = 64 * 1024  # one wait's most: a legitimate long answer arrives in pieces, each charged to the budget


class ReadLimitExceeded(OSError):
    """The server sent, or announced, more than any store run reads, or took longer over it than any run waits."""


class Budget:
    """What one connection may still read: bytes, and seconds spent waiting for them."""

    def __init__(self, seconds: Optional[float] = None, size: int = LIMIT) -> None:
        seconds = SECONDS if seconds is None else seconds
        self.seconds, self.size, self.allowed = seconds, size, seconds


class BoundedReads:
    """A buffered socket file whose reads stop at the connection's budget; everything else is the file's own.

    Each wait is the socket's own timeout or what is left of the budget's seconds, whichever is shorter; the
    socket's timeout is put back after the read.
    """

    def __init__(self, file: Any, sock: socket.socket, budget: Budget) -> None:
        self._file, self._socket, self.budget = file, sock, budget

    def read(self, size: Optional[int] = -1) -> bytes:
        budget = self.budget
        if size is None or size < 0:  # to the end of the stream: a length shorter than its own header
            raise ReadLimitExceeded("the database server sent a message length that no message has; refused")
        if size > budget.size:
            raise ReadLimitExceeded(
                "the database server sent or announced more than %d MiB on one connection, which no answer to this "
                "store needs; refused" % (LIMIT >> 20)
            )
        chunks, wanted = [], size
        timeout = self._socket.gettimeout()
        try:
            while wanted:
                if budget.seconds <= 0:
                    raise self._too_slow()
                wait = budget.seconds if timeout is None else min(timeout, budget.seconds)
                self._socket.settimeout(wait)
                started = time.monotonic()
                try:
                    chunk = self._file.read1(min(wanted, _CHUNK))
                except socket.timeout:
                    if wait == timeout:  # the socket's own timeout: the driver reports it as ever
                        raise
                    raise self._too_slow() from None
                finally:
                    budget.seconds -= time.monotonic() - started
                if not chunk:  # the end of the stream: the driver sees the short read, as from the file itself
                    break
                budget.size -= len(chunk)
                wanted -= len(chunk)
                chunks.append(chunk)
        finally:
            self._socket.settimeout(timeout)
        return b"".join(chunks)

    def _too_slow(self) -> ReadLimitExceeded:
        return ReadLimitExceeded(
            "the database server kept one connection waiting more than %g s in all, which no answer to this store "
            "needs; refused" % self.budget.allowed
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("read") or name == "peek":  # every read goes through ``read``
            raise AttributeError(name)
        return getattr(self._file, name)


def refusal(exc: BaseException) -> Optional[str]:
    """The refusal's sentence when ``exc`` is one or was raised while handling one (drivers wrap socket errors)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ReadLimitExceeded):
            return str(exc)
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
