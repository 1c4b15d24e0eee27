# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection of a database store's read, kept for the apply that follows it.

A run reads the store (check mode), tests the new settings, then applies them. With the
read's connection kept, one connection serves both: one TCP and TLS handshake, one
authentication and one schema check per run instead of two. A connection is kept only
when its read ended cleanly (rolled back, no lock held), and used again only when it
still answers; otherwise the apply connects anew.
"""

import contextlib
from typing import Any, Callable, Optional


class KeptConnection:
    """At most one idle connection, owned by one store."""

    def __init__(self) -> None:
        self._connection: Optional[Any] = None

    def take(self, ping: Callable[[Any], object]) -> Optional[Any]:
        """The kept connection, once ``ping(connection)`` reached its server; None (having closed it) if that failed."""
        connection, self._connection = self._connection, None
        if connection is None:
            return None
        try:
            ping(connection)
        except Exception:  # pylint: disable=broad-except  # the driver's errors, OSError: a new connection is needed
            _close(connection)
            return None
        return connection

    def keep(self, connection: Any) -> None:
        """Keep ``connection`` (rolled back, holding no lock) for the next transaction."""
        self.close()
        self._connection = connection

    def close(self) -> None:
        """Close the kept connection, if any."""
        connection, self._connection = self._connection, None
        if connection is not None:
            _close(connection)


def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):  # a connection the server already dropped
        connection.close()
