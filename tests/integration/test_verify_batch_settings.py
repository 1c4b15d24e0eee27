"""The controller's batch check applies each practice's own verification settings, and a dead server costs only its
own practice's deadline.

Issue 25, break 1: the batch used the run_once host's CA and timeout for everyone, so a practice with its own CA failed
from the controller and one with its own short timeout waited out another's long one.
"""

import json
import os
import time
from xml.etree import ElementTree

import pytest

from tests.conftest import PlaybookRunner
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import check_declaration
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._batch_verify import verify_many
from tests.integration.test_verify_batch import VERIFY, recap
from tests.servers import declarations, fleet, proxy

COUNT = 8
OWN_CA = (2, 3, 4, 5, 6, 7)  # practice 0 (the run_once host) and 1 set no CA: the system trust store fails them
DEAD = 7
PLAY_TIMEOUT = 30
OWN_TIMEOUT = 3


@pytest.fixture(scope="module")
def run(mail_servers, tmp_path_factory):
    """verify.yml from the controller: the play's timeout is long, the dead practice's own is short."""
    folder = tmp_path_factory.mktemp("own-settings")
    hole = proxy.BlackHole()
    state = dict(mail_servers, ports=dict(mail_servers["ports"], hole=hole.port))
    host_vars = {n: {"mail_account_verify_ca_path": mail_servers["ca"]} for n in OWN_CA}
    host_vars[DEAD]["mail_account_verify_timeout"] = OWN_TIMEOUT
    inventory = fleet.write(folder, state, COUNT, {DEAD: declarations.virtual(state, DEAD, outgoing=("hole", "tls"), incoming=None)},
                            {"mail_account_verify_from": "controller", "mail_account_verify_ca_path": "",
                             "mail_account_verify_timeout": PLAY_TIMEOUT}, host_vars)
    junit = folder / "junit"
    started = time.monotonic()
    try:
        result = PlaybookRunner(folder).run(VERIFY, inventory=inventory, env={
            "MAILCONFIG_REPORT": str(folder / "report" / "mail"), "JUNIT_OUTPUT_DIR": str(junit),
            "ANSIBLE_CALLBACKS_ENABLED": "mailops.mailconfig.fleet_summary,ansible.builtin.junit"})
    finally:
        hole.close()
    wall = time.monotonic() - started
    with open(str(folder / "report" / "mail.json"), encoding="utf-8") as handle:
        rows = {row["practice"]: row for row in json.load(handle)["practices"]}
    yield {"result": result, "rows": rows, "wall": wall, "batch": _task_seconds(junit, "in one batch")}


def _task_seconds(junit, words):
    for name in os.listdir(str(junit)):
        for case in ElementTree.parse(str(junit / name)).iter("testcase"):
            if words in case.get("name", ""):
                return float(case.get("time"))
    raise AssertionError("no task named %r in the junit report" % words)


def test_a_practice_with_its_own_ca_passes_and_one_without_fails(run):
    rows, hosts = run["rows"], recap(run["result"].stdout)
    assert {host for host, counts in hosts.items() if counts["failed"]} == {fleet.name(n) for n in (0, 1, DEAD)}, \
        run["result"].stdout[-3000:]
    for number in set(OWN_CA) - {DEAD}:
        assert rows[fleet.name(number)]["outgoing"] == "ok" and rows[fleet.name(number)]["incoming"] == "ok"
    for number in (0, 1):
        assert rows[fleet.name(number)]["diagnosis"] == "certificate_untrusted", rows[fleet.name(number)]


def test_a_dead_server_costs_its_practice_its_own_timeout_not_the_plays(run):
    assert run["rows"][fleet.name(DEAD)]["diagnosis"] == "timeout"
    assert OWN_TIMEOUT <= run["batch"] < OWN_TIMEOUT + 3, run["batch"]  # not PLAY_TIMEOUT
    assert run["wall"] < PLAY_TIMEOUT


def test_practices_on_one_dead_server_end_by_their_own_deadlines_not_in_its_queue(mail_servers):
    """Four practices on a server that never answers, one connection at a time to it: each waits for the slot only
    until its own deadline (the second practice's is shorter), and the practices on a live server are not held up."""
    hole = proxy.BlackHole()
    state = dict(mail_servers, ports=dict(mail_servers["ports"], hole=hole.port))
    dead = {n: check_declaration(declarations.virtual(state, n, outgoing=("hole", "tls"), incoming=None)).normalised
            for n in range(900, 904)}
    live = {n: check_declaration(declarations.virtual(state, n, incoming=None)).normalised for n in range(6)}
    own = {901: {"deadline": 1.5}}
    started = time.monotonic()
    try:
        results = verify_many(dead | live, own=own, ca_path=mail_servers["ca"], timeout=2, deadline=3, per_server=1,
                              max_connections=10)
    finally:
        hole.close()
    wall = time.monotonic() - started
    assert all(results[n]["ok"] for n in live), [results[n]["msg"] for n in live]
    assert [results[n]["outgoing"]["code"] for n in dead] == ["timeout"] * 4
    assert [results[n]["outgoing"]["stage"] for n in dead].count("queued") >= 2, [results[n]["msg"] for n in dead]
    assert wall < 3 + 1.5, wall  # one after another would take four timeouts (8 s)
    assert results[901]["outgoing"]["elapsed_ms"] < 1500 + 500, results[901]["outgoing"]


def test_a_practice_with_an_unusable_ca_path_fails_alone(mail_servers, tmp_path):
    declared = {n: check_declaration(declarations.virtual(mail_servers, n, incoming=None)).normalised for n in range(2)}
    results = verify_many(declared, own={1: {"ca_path": str(tmp_path / "missing.pem")}}, ca_path=mail_servers["ca"], timeout=5)
    assert results[0]["ok"]
    assert not results[1]["ok"] and "missing.pem" in results[1]["msg"] and "outgoing" not in results[1]
