"""Real DNS servers for the tests: Knot DNS serving tests/dns/zones, a silent UDP socket, a counting relay.

Import this module from a test module (it is not a package: a ``tests/dns/__init__.py``
would shadow dnspython's ``dns``) with::

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "dns"))
    from dns_server import knot, silent_dns, counting_dns  # noqa: F401  (pytest fixtures)

The collection's resolver is pointed at these servers by configuration
(``MAILCONFIG_DNS_SERVER`` or ``Resolver(servers=...)``), never by patching.
Needs the Debian package ``knot`` (``knotd``).
"""

import collections
import os
import shutil
import socket
import subprocess
import textwrap
import threading
import time

import dns.message
import dns.query
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ZONES = os.path.join(HERE, "zones")
KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"


def free_port():
    """A UDP and TCP port free on 127.0.0.1 right now."""
    for attempt in range(50):  # pylint: disable=unused-variable
        with (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
        ):
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port on 127.0.0.1")


class KnotServer:
    """knotd in the foreground on 127.0.0.1 and a free high port, authoritative for ``test.``."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self.port = None
        self.process = None

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        self.port = free_port()
        config = os.path.join(self.workdir, "knot.conf")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write(textwrap.dedent("""\
                server:
                    rundir: "{work}"
                    listen: 127.0.0.1@{port}
                    udp-workers: 1
                    tcp-workers: 1
                    background-workers: 1
                log:
                  - target: stderr
                    any: warning
                database:
                    storage: "{work}/db"
                template:
                  - id: default
                    storage: "{zones}"
                    file: "%s.zone"
                    zonefile-sync: -1
                    zonefile-load: whole
                    journal-content: none
                zone:
                  - domain: test.
                    file: "test.zone"
                """).format(work=self.workdir, port=self.port, zones=ZONES))
        self.log = open(os.path.join(self.workdir, "knotd.log"), "wb")
        self.process = subprocess.Popen([KNOTD, "-c", config], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        query = dns.message.make_query("test.", "SOA")
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("knotd exited: %s" % self.read_log())
            try:
                if dns.query.udp(query, "127.0.0.1", port=self.port, timeout=0.2).answer:
                    return self
            except (OSError, dns.exception.Timeout):
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("knotd did not answer within 10 s: %s" % self.read_log())

    def read_log(self):
        with open(os.path.join(self.workdir, "knotd.log"), encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


class SilentServer:
    """A UDP socket on a free port that receives questions and never answers (the timeout case)."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def close(self):
        self.socket.close()


class CountingRelay:
    """A UDP relay in front of an upstream server that counts each (name, type) asked through it."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.counts = collections.Counter()
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def _serve(self):
        while not self._stop.is_set():
            try:
                data, client = self.socket.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            question = dns.message.from_wire(data).question[0]
            self.counts[
                (question.name.to_text(omit_final_dot=True).lower(), dns.rdatatype.to_text(question.rdtype))
            ] += 1
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
                upstream.settimeout(2)
                upstream.sendto(data, ("127.0.0.1", self.upstream_port))
                try:
                    self.socket.sendto(upstream.recv(65535), client)
                except socket.timeout:
                    pass

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.socket.close()


@pytest.fixture(scope="module")
def knot(tmp_path_factory):
    """A running Knot DNS server with tests/dns/zones/test.zone."""
    server = KnotServer(tmp_path_factory.mktemp("knot")).start()
    yield server
    server.stop()


@pytest.fixture
def silent_dns():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def counting_dns(knot):
    relay = CountingRelay(knot.port)
    yield relay
    relay.close()
