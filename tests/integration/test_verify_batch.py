"""Controller-side batch verification through the verify playbook: 200 practices on the real Dovecot.

Every host gets its own result; the per-server bound is counted by relays in front of
Dovecot (the server side); a black-hole server costs its own hosts their timeout and
nobody else's; the results equal those of the per-host check from the site.
"""

import json
import os
import re
import time

import pytest

from tests.conftest import ROOT
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import check_declaration
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._batch_verify import verify_many
from tests.servers import declarations, fleet, proxy

VERIFY = os.path.join(ROOT, "playbooks", "verify.yml")
COUNT = 200
WRONG = {7: "Wrong-Batch-Pass-7", 93: "Wrong-Batch-Pass-93", 150: "Wrong-Batch-Pass-150"}
BLACK_HOLED = (40, 160)
TIMEOUT = 3


def recap(output):
    return {host: dict((k, int(v)) for k, v in re.findall(r"(ok|changed|failed|skipped)=(\d+)", line))
            for host, line in re.findall(r"^(practice\d+)\s+:(.*)$", output.split("PLAY RECAP")[-1], re.M)}


@pytest.fixture(scope="module")
def batch(mail_servers, tmp_path_factory):
    """One controller-side run of verify.yml over COUNT practices, through counting relays."""
    folder = tmp_path_factory.mktemp("batch")
    state = mail_servers
    overall = proxy.Counter()
    relays = {name: proxy.Relay(("127.0.0.1", state["ports"][name]), (overall,)) for name in ("submission", "imaps")}
    hole = proxy.BlackHole()
    relayed = dict(state, ports=dict(state["ports"], submission=relays["submission"].port, imaps=relays["imaps"].port,
                                     hole=hole.port))
    overrides = {n: declarations.virtual(relayed, n, password=password) for n, password in WRONG.items()}
    overrides.update({n: declarations.virtual(relayed, n, outgoing=("hole", "starttls"), incoming=None) for n in BLACK_HOLED})
    for number in range(COUNT):
        overrides.setdefault(number, declarations.virtual(relayed, number))
    inventory = fleet.write(folder, state, COUNT, overrides, {
        "mail_account_verify_from": "controller", "mail_account_verify_per_server": 3,
        "mail_account_verify_max_connections": 5, "mail_account_verify_timeout": TIMEOUT})
    from tests.conftest import PlaybookRunner  # pylint: disable=import-outside-toplevel
    runner = PlaybookRunner(folder)
    started = time.monotonic()
    result = runner.run(VERIFY, "--forks", "10", inventory=inventory,
                        env={"MAILCONFIG_REPORT": str(folder / "report" / "mail"),
                             "ANSIBLE_CALLBACKS_ENABLED": "mailops.mailconfig.fleet_summary"})
    wall = time.monotonic() - started
    for relay in relays.values():
        relay.close()
    hole.close()
    with open(str(folder / "report" / "mail.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    yield {"result": result, "wall": wall, "relays": relays, "overall": overall, "report": report, "state": state}


def test_every_host_gets_its_own_result(batch):
    result, report = batch["result"], batch["report"]
    hosts = recap(result.stdout)
    assert len(hosts) == COUNT, result.stdout[-3000:]
    broken = {fleet.name(n) for n in list(WRONG) + list(BLACK_HOLED)}
    assert {host for host, counts in hosts.items() if counts["failed"]} == broken
    rows = {row["practice"]: row for row in report["practices"]}
    assert len(rows) == COUNT
    for number in WRONG:
        assert rows[fleet.name(number)]["diagnosis"] == "auth_failed", rows[fleet.name(number)]
    for number in BLACK_HOLED:
        assert rows[fleet.name(number)]["diagnosis"] == "timeout", rows[fleet.name(number)]
    good = [row for host, row in rows.items() if host not in broken]
    assert all(row["outgoing"] == "ok" and row["incoming"] == "ok" and not row["diagnosis"] for row in good)
    assert "Verify every practice's credentials from the controller, in one batch" in result.stdout


def test_per_server_and_overall_bounds_hold_at_the_server(batch):
    relays, overall = batch["relays"], batch["overall"]
    for name, relay in relays.items():
        assert relay.counter.total >= COUNT - len(BLACK_HOLED) - (len(BLACK_HOLED) if name == "imaps" else 0)
        assert relay.counter.peak == 3, (name, relay.counter.peak)  # bounded, and the bound was actually reached
    assert overall.peak <= 5


def test_a_black_hole_costs_its_own_timeout_only(mail_servers):
    """Two practices on a server that never answers wait out their own timeout (greeting, then the TLS sniff), side
    by side; meanwhile the checks of the 30 others keep starting, counted at their server."""
    hole, relay = proxy.BlackHole(), proxy.Relay(("127.0.0.1", mail_servers["ports"]["submission"]))
    state = dict(mail_servers, ports=dict(mail_servers["ports"], hole=hole.port, submission=relay.port))
    declared = {n: _normalised(declarations.virtual(state, n, outgoing=("hole", "starttls"), incoming=None)) for n in (900, 901)}
    declared.update({n: _normalised(declarations.virtual(state, n)) for n in range(30)})  # queued behind the hole
    try:
        results = verify_many(declared, ca_path=mail_servers["ca"], timeout=TIMEOUT, per_server=3, max_connections=8)
    finally:
        hole.close()
        relay.close()
    assert all(results[n]["ok"] for n in range(30))
    assert [results[n]["outgoing"]["code"] for n in (900, 901)] == ["timeout"] * 2
    assert all(results[n]["outgoing"]["elapsed_ms"] < (2 * TIMEOUT + 3) * 1000 for n in (900, 901))
    waiting = (max(hole.accepted[:2]), min(hole.accepted[:2]) + TIMEOUT)  # both hole checks wait for a greeting
    assert len(hole.accepted) >= 2
    assert sum(1 for started in relay.counter.started if waiting[0] < started < waiting[1]) >= 1, "the others stalled"
    assert relay.counter.total == 30


def _normalised(raw):
    return check_declaration(raw).normalised


def test_no_password_in_output_or_report(batch):
    texts = [batch["result"].stdout, json.dumps(batch["report"])]
    for secret in fleet.passwords(batch["state"], COUNT) + list(WRONG.values()):
        for text in texts:
            assert secret not in text


def test_the_batch_keeps_the_lockout_guard_and_an_undefined_variable_fails_its_host_only(mail_servers, tmp_path):
    """A secret a server rejected is not tried again by the next batch; a host whose declaration names an undefined
    variable fails alone, naming it, and the others are checked."""
    counter = proxy.Counter()
    relay = proxy.Relay(("127.0.0.1", mail_servers["ports"]["submission"]), (counter,))
    relayed = dict(mail_servers, ports=dict(mail_servers["ports"], submission=relay.port))
    overrides = {0: declarations.virtual(relayed, 0, incoming=None),
                 1: declarations.virtual(relayed, 1, password="Wrong-Guarded-Pass-1", incoming=None),
                 2: declarations.virtual(relayed, 2, password="{{ vault_practice0002_password }}", incoming=None)}
    inventory = fleet.write(tmp_path, mail_servers, 3, overrides, {"mail_account_verify_from": "controller"})
    from tests.conftest import PlaybookRunner  # pylint: disable=import-outside-toplevel
    runner = PlaybookRunner(tmp_path)
    try:
        first = runner.run(VERIFY, "-v", inventory=inventory)
        connections = counter.total
        second = runner.run(VERIFY, "-v", inventory=inventory)
        again = counter.total - connections
    finally:
        relay.close()
    for result in (first, second):
        hosts = recap(result.stdout)
        assert {host for host, counts in hosts.items() if counts["failed"]} == {fleet.name(1), fleet.name(2)}, result.stdout[-3000:]
        assert "vault_practice0002_password" in result.stdout and "is undefined" in result.stdout
        assert "Wrong-Guarded-Pass-1" not in result.stdout
    assert "lockout_guard" not in first.stdout and "auth_failed" in first.stdout
    assert "lockout_guard" in second.stdout and "not tried again" in second.stdout
    assert again == 1  # the second batch logged in for the good practice only
