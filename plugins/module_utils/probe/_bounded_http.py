# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTP POST whose whole exchange, DNS included, ends by the stage's deadline.

urllib's ``timeout`` bounds each socket read, so a server sending one byte every few
seconds keeps a request alive for as long as it likes. Here the name is resolved and
the connection made by the probes' own bounded helpers, and a watchdog shuts the
socket when the stage's time (or the whole check's deadline) is up, whatever read is
in progress. Redirects are never followed: the caller sees the 3xx status. The body
is read up to ``max_body`` bytes, plus one to tell that there was more.

A caller that posts to one server many times (the sign-in campaign polls hundreds of
device codes) may pass ``Connections``: an answer read whole leaves its connection open
for the next request to that server (HTTP/1.1 keep-alive), which saves a TLS handshake
each time. A kept connection the server has meanwhile closed is replaced by a new one,
once, before anything was answered on it.
"""

import http.client
import socket
import ssl
import threading
import urllib.parse
from typing import Dict, List, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import Stages, connect, resolve


class _Connection(http.client.HTTPConnection):
    """http.client's connection with our bounded resolve and connect, and TLS when ``context`` is given."""

    def __init__(self, host, port, stages, context):
        super(_Connection, self).__init__(host, port)
        self.stages = stages  # the current request's (a kept connection serves several)
        self._context = context

    def connect(self):
        sock, _address = connect(resolve(self.host, self.port, self.stages), self.stages)
        if self._context is not None:
            sock.settimeout(self.stages.remaining())
            sock = self._context.wrap_socket(sock, server_hostname=self.host)
        sock.settimeout(self.stages.remaining())
        self.sock = sock


class Connections:
    """Idle connections kept open between requests, per server; shared by threads (each connection used by one at a
    time)."""

    def __init__(self):
        self._idle: Dict[tuple, List[_Connection]] = {}
        self._lock = threading.Lock()
        self.opened = 0  # connections made: what keep-alive saves is the difference with the number of requests

    def take(self, key: tuple) -> Optional[_Connection]:
        with self._lock:
            idle = self._idle.get(key)
            return idle.pop() if idle else None

    def keep(self, key: tuple, connection: _Connection) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append(connection)

    def close(self) -> None:
        """Close every idle connection (the end of a campaign)."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


# What a kept connection the server closed while it was idle raises at the next request.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ssl.SSLEOFError)


def post(url: str, body: bytes, headers: Dict[str, str], context: ssl.SSLContext, stages: Stages,
         max_body: int, connections: Optional[Connections] = None) -> Tuple[int, bytes]:
    """``(status, body bytes)`` of a POST to the http(s) ``url``; socket.timeout when the stage's time runs out."""
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme == "https"
    key = (parts.scheme, parts.hostname, parts.port, id(context))
    kept = connections.take(key) if connections is not None else None
    if kept is not None:
        try:
            return _exchange(kept, parts, body, headers, stages, max_body, connections, key)
        except _STALE:
            stages.remaining()  # a new connection only while the stage has time left
    connection = _Connection(parts.hostname, parts.port or (443 if https else 80), stages, context if https else None)
    if connections is not None:
        connections.opened += 1
    return _exchange(connection, parts, body, headers, stages, max_body, connections, key)


def _exchange(connection, parts, body, headers, stages, max_body, connections, key):
    """One request and its answer on ``connection`` (connected here if new); kept in ``connections`` when read whole."""
    connection.stages = stages
    fired = threading.Event()
    watchdog = None
    reusable = False

    def shut():
        fired.set()
        if connection.sock is not None:
            try:
                socket.socket.shutdown(connection.sock, socket.SHUT_RDWR)  # the raw socket, under any TLS layer
            except OSError:
                pass

    try:
        if connection.sock is None:
            connection.connect()
        else:
            connection.sock.settimeout(stages.remaining())
        watchdog = threading.Timer(stages.remaining(), shut)
        watchdog.daemon = True
        watchdog.start()
        connection.request("POST", urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, "")), body, headers)
        response = connection.getresponse()
        data = response.read(max_body + 1)
        if fired.is_set():
            raise socket.timeout("the answer was cut off when the stage's time ran out")
        reusable = connections is not None and not response.will_close and response.isclosed()
        return response.status, data
    except (OSError, http.client.HTTPException):
        if fired.is_set():
            stages.remaining()  # raises the stage's or the whole check's timeout
            raise socket.timeout("the exchange took longer than the stage allows")
        raise
    finally:
        if watchdog is not None:
            watchdog.cancel()
        if reusable:
            connections.keep(key, connection)
        else:
            connection.close()
