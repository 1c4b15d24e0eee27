"""Start and stop the test servers as plain child processes, and know when they are ready.

A server counts as ready when it sends its greeting, not when its TCP port accepts:
Dovecot accepts connections before its auth process is up. Each server is stopped
by its own PID, after checking that the PID still runs the command we started.
"""

import os
import signal
import socket
import ssl
import subprocess
import time

LOOPBACK = ("127.0.0.1", "127.0.0.2", "::1")


def _bindable(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_ports(count, taken=()):
    """``count`` distinct high ports free on every loopback address the suite listens on."""
    ports = []
    while len(ports) < count:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 20000 or port in ports or port in taken:
            continue
        if all(_bindable(host, port) for host in LOOPBACK):
            ports.append(port)
    return ports


def spawn(argv, log_path, env=None):
    """Run ``argv`` in its own session (it outlives a CLI parent), output to ``log_path``."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, env=env)


def read_greeting(host, port, tls_context=None, timeout=2.0):
    """The first line a server sends on a new connection, through TLS when a context is given."""
    with socket.create_connection((host, port), timeout=timeout) as raw:
        sock = tls_context.wrap_socket(raw, server_hostname=host) if tls_context else raw
        data = b""
        while b"\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        if tls_context:
            sock.close()
        return data.split(b"\r\n", 1)[0]


def wait_for_greetings(endpoints, process, deadline_seconds=20.0):
    """Block until every ``(host, port, tls_context, prefix)`` greets with ``prefix``.

    Fails fast when ``process`` exits while we wait.
    """
    deadline = time.monotonic() + deadline_seconds
    pending = list(endpoints)
    last_error = None
    while pending:
        if process.poll() is not None:
            raise RuntimeError("%s exited with %s before greeting" % (process.args[0], process.returncode))
        host, port, context, prefix = pending[0]
        try:
            if read_greeting(host, port, context).startswith(prefix):
                pending.pop(0)
                continue
        except (OSError, ssl.SSLError) as exc:
            last_error = exc
        if time.monotonic() > deadline:
            raise RuntimeError("no %r greeting from %s:%s (%s)" % (prefix, host, port, last_error))
        time.sleep(0.05)


def _command_line(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return None


def alive(pid, marker):
    """Whether ``pid`` still runs a command line containing ``marker``."""
    command = _command_line(pid)
    return command is not None and marker in command


def stop(pid, marker, timeout=15.0, first=signal.SIGTERM):
    """Stop our server ``pid`` (and only it) with ``first``, then SIGKILL after ``timeout``; wait until it is gone."""
    if not alive(pid, marker):
        return
    os.kill(pid, first)
    deadline = time.monotonic() + timeout
    while alive(pid, marker):
        _reap(pid)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline += timeout
        time.sleep(0.05)
    _reap(pid)


def _reap(pid):
    """Collect the exit status when ``pid`` is our own child (a zombie shows no command line)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
