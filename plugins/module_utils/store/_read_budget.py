# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a database driver reads from the server, bounded in bytes.

PyMySQL and pg8000 read through the socket's buffered file and trust the lengths the server
announces: ``read(n)`` of that file allocates n bytes before the first one arrives, pg8000 reads
to the end of the stream for a length below its header's, and PyMySQL joins continuation packets
without end. A server that is not the real one (``tls_verify: false``, or an impostor on the local
socket) could make the module take gigabytes. The stores' driver connections keep that file
wrapped in ``BoundedReads``: a store run reads a few tens of kilobytes, and a read beyond
``LIMIT`` bytes in all on one connection is refused before anything is allocated. (Each read
waits at most the socket's timeout; a server that drips bytes is bounded by the byte budget,
not by a total time.)
"""

from typing import Any, Optional

LIMIT = 4 * 1024 * 1024


class ReadLimitExceeded(OSError):
    """The server sent, or announced, more than any store run reads."""


class BoundedReads:
    """A buffered socket file whose reads stop when ``left`` bytes have been read; everything else is the file's own."""

    def __init__(self, file: Any, left: int = LIMIT) -> None:
        self._file, self.left = file, left

    def read(self, size: Optional[int] = -1) -> bytes:
        if size is None or size < 0:  # to the end of the stream: a length shorter than its own header
            raise ReadLimitExceeded("the database server sent a message length that no message has; refused")
        if size > self.left:
            raise ReadLimitExceeded(
                "the database server sent or announced more than %d MiB on one connection, which no answer to this "
                "store needs; refused" % (LIMIT >> 20)
            )
        data = self._file.read(size)
        self.left -= len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        if name.startswith("read") or name == "peek":  # every read goes through ``read``
            raise AttributeError(name)
        return getattr(self._file, name)


def file_attribute(doc: str) -> property:
    """The attribute a driver connection keeps its buffered socket file in, as a property of a subclass: whatever
    the driver stores there it reads back wrapped in ``BoundedReads``, with what is left of the connection's budget
    (PyMySQL makes a new file after the TLS upgrade)."""

    def stored(connection):
        return connection.__dict__.get("_bounded_file")

    def store(connection, file):
        previous = connection.__dict__.get("_bounded_file")
        if previous is not None:
            connection.__dict__["_bounded_left"] = previous.left
        left = connection.__dict__.get("_bounded_left", LIMIT)
        connection.__dict__["_bounded_file"] = None if file is None else BoundedReads(file, left)

    return property(stored, store, doc=doc)


def refusal(exc: BaseException) -> Optional[str]:
    """The refusal's sentence when ``exc`` is one or was raised while handling one (drivers wrap socket errors)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ReadLimitExceeded):
            return str(exc)
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
