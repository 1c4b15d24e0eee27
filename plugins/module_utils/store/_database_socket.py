# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a database store reaches its server: over TCP, or through the server's local socket on its own host.

TCP goes with Nagle's algorithm off (the small writes of a login go at once, as libpq and
libmariadb send them) and keepalive on. The local socket needs no TLS (nothing crosses a
network), which is why the store running on the application's own server (OpenEMR's, Odoo's)
prefers it; but the socket is trusted as the server by its path alone, so a folder that every
local user may write is refused: any of them could listen there in the server's place.
"""

import os
import socket
import stat


class UnsafeSocketFolder(Exception):
    """The local socket's folder is writable by every local user."""


def tcp(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to ``host:port``, its small writes sent at once."""
    sock = socket.create_connection((host, port), timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    return sock


def local(path: str, timeout: float) -> socket.socket:
    """A connection to the server's local socket file ``path``, once its folder is known to be the server's."""
    folder = os.path.dirname(path) or "."
    if os.stat(folder).st_mode & stat.S_IWOTH:
        raise UnsafeSocketFolder(
            "the socket folder %s is writable by every local user, so any of them could listen there in the "
            "database server's place; use the server's own socket folder (Debian's /run/mysqld, /var/run/postgresql), "
            "or TCP with verified TLS" % folder)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        raise
    return sock
