"""The test servers' command line: start quickly, describe themselves in servers.json, stop only their own PIDs."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from tests.servers import process

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "tests.servers"] + list(args), cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=60, check=False)


def test_start_writes_state_and_stop_ends_exactly_those_servers():
    folder = tempfile.mkdtemp(prefix="mailconfig-cli-")
    try:
        started = time.monotonic()
        result = _cli("start", "--dir", folder)
        assert result.returncode == 0, result.stdout
        assert time.monotonic() - started < 10
        path = result.stdout.strip().splitlines()[-1]
        assert path == os.path.join(folder, "servers.json")
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
        assert os.path.isfile(state["ca"])
        assert set(state["users"]) >= {"alice", "jose", "colon", "keeper"}
        servers = state["servers"]
        assert set(servers) == {"dovecot", "sink", "scripted"}
        assert all(process.alive(server["pid"], server["marker"]) for server in servers.values())
        assert process.read_greeting("127.0.0.1", state["ports"]["imap"]).startswith(b"* OK")
        assert process.read_greeting("::1", state["ports"]["submission"]).startswith(b"220 ")
        result = _cli("stop", "--dir", folder)
        assert result.returncode == 0, result.stdout
        assert not any(process.alive(server["pid"], server["marker"]) for server in servers.values())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
