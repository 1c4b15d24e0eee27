"""Crash and concurrency faults against the real stores on the real file system.

The writers run the store code directly in forked child processes (the module's
work without ansible-playbook's start-up), so 200 SIGKILLs per store fit in seconds.
"""

import configparser
import json
import os
import random
import signal
import sqlite3
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES
from tests.integration.apply_helpers import APP_CONTENT, STORE_TYPES, make_store
from tests.unit.plugins.module_utils.store.store_helpers import (
    PASSWORD_B,
    apply,
    plain_plan,
    plan,
    raw_declaration,
    store,
)

KILLS = 200
WRITERS = 20
ROUNDS = 8


def plans():
    """Two declarations that differ in a secret, a new key value and a line length."""
    return plan(), plan(
        raw_declaration(password=PASSWORD_B, display_name="Smiles Dental Practice", sending={"rate_per_minute": 2})
    )


def snapshot(kind, path):
    """The store's whole content, parsed by an independent reader (sqlite3, json, configparser)."""
    if kind == "sqlite":
        db = sqlite3.connect(path)  # a hot journal left by a killed writer is rolled back here
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            return sorted(db.execute("SELECT section, key, value FROM settings"))
        finally:
            db.close()
    with open(path, "rb") as handle:
        data = handle.read()
    if kind == "json":
        json.loads(data)
    elif kind == "ini":
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(data.decode("utf-8"))
    else:
        raise AssertionError(
            "tests/integration/test_apply_faults.py: teach snapshot and the concurrent writers test the %s store" % kind
        )
    return data


def in_child(function):
    """Fork; the child runs ``function`` and exits; returns the child's pid."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            function()
            status = 0
        finally:
            os._exit(status)
    return pid


def leftovers(directory, path):
    """Evidence that a kill interrupted a write: our temp file, or SQLite's rollback journal."""
    names = os.listdir(directory)
    return (
        any(name.endswith(_atomic_file.TEMP_SUFFIX) for name in names) or os.path.basename(path) + "-journal" in names
    )


@pytest.mark.parametrize("kind", STORE_TYPES)
def test_sigkill_at_random_points_leaves_the_old_or_the_new_store(tmp_path, kind):
    module = STORES[kind]
    path = make_store(kind, tmp_path / ("app." + kind))
    options = store(kind, path)
    plan_a, plan_b = plans()
    apply(module, plan_b, options)
    state_b = snapshot(kind, path)
    apply(module, plan_a, options)
    state_a = snapshot(kind, path)
    assert state_a != state_b

    def write_forever(first, second):
        def run():
            while True:
                apply(module, first, options)
                apply(module, second, options)
        return run

    def other_first(state):
        """The writer starts with the plan that changes the store, so every kill races a real write."""
        return write_forever(plan_b, plan_a) if state == state_a else write_forever(plan_a, plan_b)

    # What a kill races against: fork, one changing write, exit (measured, since fsync times vary a lot).
    cycles = []
    for _attempt in range(5):
        started = time.monotonic()
        os.waitpid(in_child(lambda: apply(module, plan_a if snapshot(kind, path) == state_b else plan_b, options)), 0)
        cycles.append(time.monotonic() - started)
    cycle = sorted(cycles)[2]
    state = snapshot(kind, path)

    rng = random.Random(20261127)
    seen = {"a": 0, "b": 0, "interrupted": 0}
    for _kill in range(KILLS):
        pid = in_child(other_first(state))
        time.sleep(rng.uniform(0, 2 * cycle))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        seen["interrupted"] += leftovers(str(tmp_path), path)
        state = snapshot(kind, path)
        assert state in (state_a, state_b), "after a kill the store is neither the old nor the new content"
        seen["a" if state == state_a else "b"] += 1

    print("%s: %d kills, fork+write %.1f ms, store A %d, B %d, kills inside a write %d" % (
        kind, KILLS, cycle * 1000, seen["a"], seen["b"], seen["interrupted"]))
    assert seen["a"] and seen["b"] and seen["interrupted"]  # the kills did land before, inside and after writes
    apply(module, plan_b if state == state_a else plan_a, options)  # a clean write also clears what killed writers left
    assert snapshot(kind, path) in (state_a, state_b)
    assert sorted(os.listdir(tmp_path)) == [os.path.basename(path)]
    if kind != "sqlite":
        with open(path) as handle:
            assert handle.read().startswith(APP_CONTENT[kind].split("\n")[0])


@pytest.mark.parametrize("kind", STORE_TYPES)
def test_concurrent_writers_of_different_keys_lose_no_update(tmp_path, kind):
    module = STORES[kind]
    path = make_store(kind, tmp_path / ("app." + kind))
    options = store(kind, path, lock_timeout=60)
    go_read, go_write = os.pipe()

    def writer(number):
        def run():
            os.close(go_write)
            os.read(go_read, 1)  # every writer starts at the same moment
            for round_ in range(ROUNDS):
                apply(module, plain_plan({"email.writer%02d" % number: "w%02d-r%d" % (number, round_)}), options)
        return run

    pids = [in_child(writer(number)) for number in range(WRITERS)]
    os.close(go_read)
    started = time.monotonic()
    os.write(go_write, b"x" * WRITERS)
    os.close(go_write)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    elapsed = time.monotonic() - started
    assert statuses == [0] * WRITERS

    if kind == "sqlite":
        db = sqlite3.connect(path)
        stored = {"%s.%s" % (s, k): v for s, k, v in db.execute("SELECT section, key, value FROM settings")}
        db.close()
    elif kind == "json":
        with open(path) as handle:
            document = json.load(handle)
        stored = {"email." + key: value for key, value in document["email"].items()}
        assert document["theme"] == "dark"
    else:
        assert kind == "ini", "tests/integration/test_apply_faults.py: teach this test to read the %s store" % kind
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(path)
        stored = {"email." + key: value for key, value in parser["email"].items()}
        assert parser["general"]["theme"] == "dark"
    expected = {"email.writer%02d" % n: "w%02d-r%d" % (n, ROUNDS - 1) for n in range(WRITERS)}
    assert {k: v for k, v in stored.items() if k.startswith("email.writer")} == expected
    assert stored["email.signature"] == "Kind regards"
    print("%s: %d writers x %d rounds in %.2f s" % (kind, WRITERS, ROUNDS, elapsed))
