"""TCP relays in front of a real server that count the connections open through them at once.

Batch verification promises at most N connections per mail server: the server side is
where that can be seen, so a test points declarations at a relay and reads its peak.
A ``BlackHole`` accepts connections and never answers, as a server behind a dropping
firewall or a hung one does.
"""

import socket
import threading
import time


class Counter:
    """Connections open now and at most, shared by the relays that count one total.

    A connection counts until its client has closed it. The relay's own threads notice
    a close a moment late, so when a new connection arrives every open one is first
    asked (without reading) whether its client already sent end-of-file.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._open = set()
        self.peak = 0
        self.total = 0
        self.started = []  # time.monotonic() of each connection

    def enter(self, client):
        with self._lock:
            self._open = {sock for sock in self._open if not _closed_by_client(sock)}
            self._open.add(client)
            self.started.append(time.monotonic())
            self.total += 1
            self.peak = max(self.peak, len(self._open))

    def leave(self, client):
        with self._lock:
            self._open.discard(client)


def _closed_by_client(sock):
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def _pump(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Relay:
    """Listens on 127.0.0.1 (a free port) and relays each connection to ``target`` (host, port)."""

    def __init__(self, target, counters=()):
        self.target = target
        self.counter = Counter()
        self._counters = (self.counter,) + tuple(counters)
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client):
        for counter in self._counters:
            counter.enter(client)
        try:
            with client, socket.create_connection(self.target) as upstream:
                other = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
                other.start()
                _pump(client, upstream)
                other.join()
        except OSError:
            pass
        finally:
            for counter in self._counters:
                counter.leave(client)

    def close(self):
        self._listener.close()


class BlackHole:
    """Accepts TCP connections and never sends a byte; ``accepted`` holds when each came."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.port = self._listener.getsockname()[1]
        self.accepted = []
        self._held = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            self.accepted.append(time.monotonic())
            self._held.append(client)

    def close(self):
        self._listener.close()
        for client in self._held:
            client.close()
