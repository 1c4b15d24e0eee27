"""The whole set of test servers: certificates, the relay sink, Dovecot and the scripted servers.

``start(folder)`` returns a JSON-serialisable state (also written to
``folder/servers.json``): addresses, ports by listener name, the CA path, the users and
passwords, the OAuth 2.0 signing key and key folder (tests/servers/tokens.py), and each
server's own PID. ``stop(state)`` stops exactly those PIDs.
"""

import contextlib
import json
import os
import shutil
import ssl
import sys
import tempfile

from tests.servers import certs, dovecot, process, sink

STATE_FILE = "servers.json"
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPTED = (
    # name, protocol, tls, certificate, extra settings
    ("smtp_no_starttls", "smtp", "none", None, {"auth_before_tls": "PLAIN LOGIN"}),
    ("smtp_exotic_auth", "smtp", "starttls", "valid", {"auth_after_tls": "SCRAM-SHA-256 GSSAPI"}),
    ("smtp_provider", "smtp", "implicit", "expiring", {}),
    ("smtp_expired", "smtp", "implicit", "expired", {}),
    ("smtp_selfsigned", "smtp", "implicit", "selfsigned", {}),
    ("imap_provider", "imap", "implicit", "valid", {}),
    ("imap_preauth", "imap", "none", None, {"preauth": True}),
    ("imap_login_only", "imap", "implicit", "valid", {"login_only": True}),
    ("pop3_provider", "pop3", "implicit", "valid", {}),
    ("silent", "silent", "none", None, {}),
)

_PROVIDER_AUTH = "PLAIN LOGIN XOAUTH2 OAUTHBEARER"
_GREETINGS = {"smtp": b"220 ", "imap": b"* ", "pop3": b"+OK"}


def _start_scripted(folder, ports, tls):
    listeners = []
    for name, protocol, security, cert, extra in SCRIPTED:
        spec = {"name": name, "protocol": protocol, "tls": security, "port": ports[name],
                "cert": tls[cert] if cert else None, "auth_before_tls": None, "auth_after_tls": _PROVIDER_AUTH}
        spec.update(extra)
        listeners.append(spec)
    path = os.path.join(folder, "scripted.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"listeners": listeners}, handle, indent=1)
    child = process.spawn([sys.executable, "-m", "tests.servers.scripted", path], os.path.join(folder, "scripted.log"),
                          env=dict(os.environ, PYTHONPATH=_ROOT))
    insecure = _insecure_context()
    process.wait_for_greetings(
        [
            ("127.0.0.1", spec["port"], insecure if spec["tls"] == "implicit" else None, _GREETINGS[spec["protocol"]])
            for spec in listeners
            if spec["protocol"] != "silent"
        ],
        child,
    )
    return {"pid": child.pid, "marker": path}


def _insecure_context():
    """Readiness checks only: the point of some of these servers is a certificate that fails."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def start(folder, throughput=False):
    """Start every server under ``folder`` (created if needed) and return the state.

    ``throughput``: Dovecot in its high-performance mode (tests/servers/dovecot.py), for benchmarks.
    """
    folder = os.path.abspath(folder)
    os.makedirs(folder, exist_ok=True)
    names = [listener[0] for listener in dovecot.LISTENERS] + [spec[0] for spec in SCRIPTED] + ["sink", "closed"]
    ports = dict(zip(names, process.free_ports(len(names))))
    tls = certs.make(folder)
    state = {
        "dir": folder,
        "hosts": {"ipv4": "127.0.0.1", "ipv6": "::1", "unsecured": "127.0.0.2"},
        "ports": ports,
        "ca": tls["ca"],
        "tls": tls,
        "users": {name: {"username": login, "password": password} for name, (login, password) in dovecot.USERS.items()},
        "virtual_users": {
            "count": dovecot.VIRTUAL_USERS,
            "username": dovecot.VIRTUAL_LOGIN,
            "password": dovecot.VIRTUAL_PASSWORD,
        },
        "keeper_messages": dovecot.KEEPER_MESSAGES,
        "oauth2": {"hs256_key": dovecot.OAUTH2_KEY.decode("ascii"), "keys": os.path.join(folder, "dovecot", "keys")},
        "servers": {},
    }
    try:
        state["servers"]["sink"] = sink.start(folder, ports["sink"])
        state["sink_maildir"] = state["servers"]["sink"]["maildir"]
        state["servers"]["dovecot"] = dovecot.start(folder, ports, tls, ports["sink"], throughput)
        state["servers"]["scripted"] = _start_scripted(folder, ports, tls)
    except BaseException:
        stop(state)
        raise
    with open(os.path.join(folder, STATE_FILE), "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=1, ensure_ascii=False)
    return state


def stop(state):
    """Stop the servers ``state`` names, newest first; each only if its PID is still ours."""
    for name in ("scripted", "dovecot", "sink"):
        server = state.get("servers", {}).get(name)
        if server:
            process.stop(server["pid"], server["marker"])


def load(folder):
    """The state a previous ``start(folder)`` wrote."""
    with open(os.path.join(os.path.abspath(folder), STATE_FILE), encoding="utf-8") as handle:
        return json.load(handle)


@contextlib.contextmanager
def running(prefix="mailconfig-servers-", throughput=False):
    """Every server, in a fresh folder under the system temp dir, for the duration of the block.

    Not under pytest's basetemp: as root, Dovecot's own users must traverse to the mail folders.
    """
    folder = tempfile.mkdtemp(prefix=prefix)
    state = start(folder, throughput)
    try:
        yield state
    finally:
        stop(state)
        shutil.rmtree(folder, ignore_errors=True)
