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
``LIMIT`` bytes in all is refused before anything is allocated. Time is bounded by the socket's
timeouts.
"""

from typing import Any, Optional

LIMIT = 4 * 1024 * 1024


class ReadLimitExceeded(OSError):
    """The server sent, or announced, more than any store run reads."""


class BoundedReads:
    """A buffered socket file whose reads stop at ``LIMIT`` bytes in all; everything else is the file's own."""

    def __init__(self, file: Any) -> None:
        self._file, self._left = file, LIMIT

    def read(self, size: Optional[int] = -1) -> bytes:
        if size is None or size < 0:  # to the end of the stream: a length shorter than its own header
            raise ReadLimitExceeded("the database server sent a message length that no message has; refused")
        if size > self._left:
            raise ReadLimitExceeded(
                "the database server sent or announced more than %d MiB on one connection, which no answer to this "
                "store needs; refused" % (LIMIT >> 20)
            )
        data = self._file.read(size)
        self._left -= len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        if name.startswith("read") or name == "peek":  # every read goes through ``read``
            raise AttributeError(name)
        return getattr(self._file, name)


def bounded(file: Any) -> Any:
    """``file`` (a driver's buffered socket file, or None once it closed) with its reads bounded."""
    return file if file is None or isinstance(file, BoundedReads) else BoundedReads(file)


def file_attribute(doc: str) -> property:
    """The attribute a driver connection keeps its buffered socket file in, as a property of a subclass: whatever
    the driver stores there it reads back wrapped in ``BoundedReads``."""

    def stored(connection):
        return connection.__dict__.get("_bounded_file")

    def store(connection, file):
        connection.__dict__["_bounded_file"] = bounded(file)

    return property(stored, store, doc=doc)
