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
"""

import http.client
import socket
import ssl
import threading
import urllib.parse
from typing import Dict, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import Stages, connect, resolve


class _Connection(http.client.HTTPConnection):
    """http.client's connection with our bounded resolve and connect, and TLS when ``context`` is given."""

    def __init__(self, host, port, stages, context):
        super(_Connection, self).__init__(host, port)
        self._stages = stages
        self._context = context

    def connect(self):
        sock, _address = connect(resolve(self.host, self.port, self._stages), self._stages)
        if self._context is not None:
            sock.settimeout(self._stages.remaining())
            sock = self._context.wrap_socket(sock, server_hostname=self.host)
        sock.settimeout(self._stages.remaining())
        self.sock = sock


def post(url: str, body: bytes, headers: Dict[str, str], context: ssl.SSLContext, stages: Stages,
         max_body: int) -> Tuple[int, bytes]:
    """``(status, body bytes)`` of a POST to the http(s) ``url``; socket.timeout when the stage's time runs out."""
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme == "https"
    connection = _Connection(parts.hostname, parts.port or (443 if https else 80), stages, context if https else None)
    fired = threading.Event()
    watchdog = None

    def shut():
        fired.set()
        if connection.sock is not None:
            try:
                socket.socket.shutdown(connection.sock, socket.SHUT_RDWR)  # the raw socket, under any TLS layer
            except OSError:
                pass

    try:
        connection.connect()
        watchdog = threading.Timer(stages.remaining(), shut)
        watchdog.daemon = True
        watchdog.start()
        connection.request("POST", urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, "")), body, headers)
        response = connection.getresponse()
        data = response.read(max_body + 1)
        if fired.is_set():
            raise socket.timeout("the answer was cut off when the stage's time ran out")
        return response.status, data
    except (OSError, http.client.HTTPException):
        if fired.is_set():
            stages.remaining()  # raises the stage's or the whole check's timeout
            raise socket.timeout("the exchange took longer than the stage allows")
        raise
    finally:
        if watchdog is not None:
            watchdog.cancel()
        connection.close()
