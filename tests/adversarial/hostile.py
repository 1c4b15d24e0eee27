"""Plumbing of the adversarial suite: hostile peers in threads, the verifier in a measured child process.

A hostile peer is a function ``peer(conn, stop)`` given each accepted connection; it
may send forever, drip, or echo what it reads, and must return once ``stop`` is set.
The code under test runs in a child process (``verifier_child.py``) that reports its
result with the growth of its peak memory (``ru_maxrss``) over the baseline measured
after its imports, and the time ``verify()`` took, so each test can bound both.
"""

import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import secret_forms

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# The bound every test states: the verifier may grow by at most this much, whatever the peer sends.
MEMORY_BOUND_KB = 64 * 1024
# Secrets chosen to be long and distinctive, so any trace of them in any encoding is found.
PASSWORD = "Hostile-Pw-9c2e71d4"
REFRESH_TOKEN = "Hostile-Rt-5b81f0aa3e"
CLIENT_SECRET = "Hostile-Cs-77d0e1c2"
USER = "reception@hostile.test"


@contextlib.contextmanager
def peer(handler):
    """A loopback TCP server running ``handler(conn, stop)`` per connection; yields its port."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()
    workers = []

    def serve(conn):
        conn.settimeout(0.5)
        with conn:
            try:
                handler(conn, stop)
            except OSError:
                pass

    def accept():
        while not stop.is_set():
            try:
                conn, _address = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            worker = threading.Thread(target=serve, args=(conn,), daemon=True)
            worker.start()
            workers.append(worker)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        acceptor.join(2)
        listener.close()
        for worker in workers:
            worker.join(2)


def send_forever(conn, stop, line):
    """Send ``line`` again and again until the client goes away or the test ends."""
    chunk = line * max(1, 65536 // len(line))
    while not stop.is_set():
        try:
            conn.sendall(chunk)
        except socket.timeout:
            continue


def drip(conn, stop, data, every=0.2):
    """Send ``data`` one byte at a time, ``every`` seconds apart."""
    for byte in data:
        if stop.wait(every):
            return
        conn.sendall(bytes([byte]))
    stop.wait(30)


def read_line(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            raise ConnectionError("client left")
        data += chunk
    return data.rstrip(b"\r\n").decode("utf-8", "replace")


def declaration(outgoing_port, incoming=None, password=PASSWORD, security="none", method="password", token_endpoint=None):
    """A normalised declaration for a loopback server; ``incoming`` is (protocol, port) or None."""
    incoming_block = {"enabled": False, "protocol": None, "host": None, "port": None, "security": None}
    if incoming:
        incoming_block = {"enabled": True, "protocol": incoming[0], "host": "127.0.0.1", "port": incoming[1], "security": "none"}
    incoming_block.update(leave_copy_on_server=False, acknowledge_mail_removal=True)
    oauth2 = None
    if method == "oauth2":
        oauth2 = {"tenant": None, "token_endpoint": token_endpoint, "client_id": "hostile-client",
                  "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN, "scopes": ["https://mail.example/.default"]}
    return {
        "schema_version": 1, "address": USER, "display_name": None, "provider": "other", "username": USER,
        "auth": {"method": method, "password": password if method == "password" else None, "oauth2": oauth2},
        "outgoing": {"host": "127.0.0.1", "port": outgoing_port, "security": security, "authenticate": True},
        "incoming": incoming_block, "sending": {"rate_per_minute": 3}, "practice": {"update_contact_email": False},
    }


def verify(declaration_, ballast_mb=0, **options):
    """Run _verify.verify in a child process; ``(report, raw output)``.

    ``report`` has ``result``, ``warnings``, ``error``, ``grew_kb`` and ``seconds``; the raw
    output (stdout and stderr) is what the secret grep reads.
    """
    options.setdefault("plaintext_allowed_hosts", ["127.0.0.1"])
    child = subprocess.run([sys.executable, os.path.join(HERE, "verifier_child.py")],
                           input=json.dumps({"declaration": declaration_, "options": options}),
                           capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
                           env=dict(os.environ, MAILCONFIG_TEST_BALLAST_MB=str(ballast_mb)))
    output = child.stdout + child.stderr
    assert child.returncode == 0, output
    return json.loads(child.stdout), output


def every_form(*secrets, user=USER):
    """Every spelling of the secrets to grep for: raw, URL, JSON, base64 at any offset, and the SASL messages."""
    forms = set()
    for secret in secrets:
        forms |= secret_forms(secret)
        for message in (b"\0" + user.encode() + b"\0" + secret.encode(), secret.encode(),
                        b"user=" + user.encode() + b"\x01auth=Bearer " + secret.encode() + b"\x01\x01"):
            forms.add(base64.b64encode(message).decode())
    return forms


def fragments(secret, size=4):
    """Every run of ``size`` characters of every spelling of ``secret`` that _scrub masks."""
    return {form[at:at + size] for form in secret_forms(secret) for at in range(len(form) - size + 1)}


def leaked(output, *secrets):
    """The forms of ``secrets`` found in ``output`` (empty when none leaked)."""
    return sorted(form for form in every_form(*secrets) if form in output)


def assert_bounded(report, deadline):
    assert report["grew_kb"] < MEMORY_BOUND_KB, "the verifier grew by %d KiB" % report["grew_kb"]
    assert report["seconds"] < deadline + 1, "the check took %.1f s with a deadline of %s s" % (report["seconds"], deadline)
