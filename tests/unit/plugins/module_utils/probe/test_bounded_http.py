"""Keep-alive in the bounded POST: a connection is reused only when its answer was read whole and the server keeps it
open."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _bounded_http
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import Stages

BODY = b'{"error": "authorization_pending"}'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle(self):
        self.server.connections += 1
        super().handle()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"x" * 5000 if self.path == "/big" else BODY
        self.send_response(400)
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/close":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        # "/drop": closed without saying so, as a server does with a connection idle too long
        self.close_connection = self.path in ("/close", "/drop")

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.connections, httpd.daemon_threads = 0, True  # a handler still reading does not hold the teardown
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def post(server, path, connections=None, max_body=1024):
    url = "http://127.0.0.1:%d%s" % (server.server_address[1], path)
    stages = Stages(5)
    with stages("token"):
        return _bounded_http.post(
            url,
            b"grant_type=x",
            {"Content-Type": "application/x-www-form-urlencoded"},
            None,
            stages,
            max_body,
            connections,
        )


def test_answers_read_whole_share_one_connection(server):
    connections = _bounded_http.Connections()
    answers = [post(server, "/token", connections) for _item in range(5)]
    connections.close()
    assert answers == [(400, BODY)] * 5
    assert (server.connections, connections.opened) == (1, 1)


def test_without_connections_every_post_opens_its_own(server):
    assert [post(server, "/token") for _item in range(3)] == [(400, BODY)] * 3
    assert server.connections == 3


def test_a_kept_connection_the_server_dropped_is_replaced_once(server):
    connections = _bounded_http.Connections()
    assert post(server, "/token", connections) == post(server, "/drop", connections) == (400, BODY)
    assert connections.opened == 1  # the second post reused the first one's connection, which the server then dropped
    assert post(server, "/token", connections) == (400, BODY)  # the kept one is stale: a new one answers
    connections.close()
    assert (server.connections, connections.opened) == (2, 2)


@pytest.mark.parametrize("path", ["/close", "/big"])
def test_a_connection_the_server_closes_or_an_answer_cut_at_the_bound_is_not_kept(server, path):
    connections = _bounded_http.Connections()
    first = post(server, path, connections)
    assert first[0] == 400 and len(first[1]) <= 1025
    assert post(server, "/token", connections) == (400, BODY)
    connections.close()
    assert (server.connections, connections.opened) == (2, 2)
