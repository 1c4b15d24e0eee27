"""The audit log: whole lines from concurrent writers, key names only, nothing rewritten."""

import json
import multiprocessing
import os

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _audit_log

WRITERS, LINES = 6, 150


def _writer(path, number):
    for line in range(LINES):
        _audit_log.append(path, {"practice": "practice%d" % number, "line": line, "keys": ["email.address"] * 40})


def test_concurrent_processes_append_whole_lines(tmp_path):
    path = str(tmp_path / "logs" / "audit.jsonl")
    _audit_log.append(path, {"practice": "first"})
    before = open(path, "rb").read()
    processes = [multiprocessing.Process(target=_writer, args=(path, number)) for number in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    data = open(path, "rb").read()
    assert data.startswith(before)  # appended, never rewritten
    entries = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    assert len(entries) == 1 + WRITERS * LINES
    for number in range(WRITERS):
        assert [e["line"] for e in entries if e["practice"] == "practice%d" % number] == list(range(LINES))
    assert oct(os.stat(path).st_mode & 0o777) == "0o640"


def test_changed_keys_are_names_read_off_the_masked_diff():
    result = {
        "changed": True,
        "diff": {
            "before": "email.address = old@example.test\nemail.auth.password = ********\nemail.outgoing.port = 465\n",
            "after": "email.address = new@example.test\nemail.auth.password = ******** (changed)\n"
            "email.outgoing.port = 465\n"
            "email.incoming.host = imap.example.test\n",
        },
    }
    assert _audit_log.changed_keys(result) == ["email.address", "email.auth.password", "email.incoming.host"]
    assert _audit_log.changed_keys({"changed_keys": ["b", "a"]}) == ["a", "b"]
    assert _audit_log.changed_keys({"changed": True}) is None
