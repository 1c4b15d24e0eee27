"""SIGKILL during the test and during the write of test-then-save, against the real Dovecot.

The module's work (read, login, write) runs in forked children, killed at random points:
the store is always the old or the new settings, never torn, and never new settings
whose test did not pass.
"""

import os
import random
import signal
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils import _test_then_save
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _settings
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import verify
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import Plan
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES
from tests.integration.apply_helpers import STORE_TYPES, make_store
from tests.integration.test_apply_faults import in_child, leftovers, snapshot
from tests.servers import declarations
from tests.unit.plugins.module_utils.store.store_helpers import store

KILLS = 12
OPTIONS = _test_then_save.Options(
    test=True, write_untested=False, refused_secret=None, attributes=KEEP, backup=False, check_mode=False
)


def save(kind, path, declaration, ca, timeout=15):
    """What the module does with a normalised declaration: test, then save."""
    values, secrets = _settings.mapped(_settings.canonical(declaration), {})
    plan = Plan(values, secrets, "present", "always", None)

    def probe(candidate):
        return verify(candidate, ca_path=ca, timeout=timeout)
    return _test_then_save.run(STORES[kind](store(kind, path)), plan, declaration, {}, probe, OPTIONS)


def kill_after(seconds, function):
    pid = in_child(function)
    time.sleep(seconds)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


@pytest.mark.parametrize("kind", STORE_TYPES)
def test_sigkill_during_the_test_leaves_the_store_as_it_was(tmp_path, mail_servers, kind):
    """The new outgoing server never answers: the child is killed while it waits for the greeting."""
    path = make_store(kind, tmp_path / ("app." + kind))
    assert save(kind, path, declarations.normalised(mail_servers), mail_servers["ca"]).outcome == "written"
    before = snapshot(kind, path)
    hanging = declarations.normalised(mail_servers, outgoing=("silent", "tls"))
    kill_after(1.5, lambda: save(kind, path, hanging, mail_servers["ca"], timeout=30))
    assert snapshot(kind, path) == before and not leftovers(str(tmp_path), path)


@pytest.mark.parametrize("kind", STORE_TYPES)
def test_sigkill_at_random_points_of_a_tested_write(tmp_path, mail_servers, kind):
    """Good new settings: old or new after every kill; wrong ones: always old (never a half-tested write)."""
    path = make_store(kind, tmp_path / ("app." + kind))
    ca = mail_servers["ca"]
    first = declarations.normalised(mail_servers)
    second = declarations.normalised(mail_servers, outgoing=("submissions", "tls"))
    save(kind, path, second, ca)
    state_second = snapshot(kind, path)
    save(kind, path, first, ca)
    state_first = snapshot(kind, path)
    cycles = []  # what a kill races against: fork, login, write, exit (measured: load varies a lot)
    for target in (second, first, second):
        started = time.monotonic()
        os.waitpid(in_child(lambda: save(kind, path, target, ca)), 0)
        cycles.append(time.monotonic() - started)
    cycle = sorted(cycles)[1]
    rng = random.Random(20261130)
    seen = set()
    for _kill in range(KILLS):
        state = snapshot(kind, path)
        target = first if state == state_second else second
        kill_after(rng.uniform(0, 2 * cycle), lambda: save(kind, path, target, ca))
        state = snapshot(kind, path)
        assert state in (state_first, state_second), "after a kill the store is neither the old nor the new settings"
        seen.add("first" if state == state_first else "second")
    assert len(seen) == 2  # kills landed before and after writes
    wrong = declarations.normalised(mail_servers, password="Wrong-Pass-Playbook-1618", outgoing=("submissions", "tls"))
    for _kill in range(KILLS // 2):
        before = snapshot(kind, path)
        kill_after(rng.uniform(0, 1.5 * cycle), lambda: save(kind, path, wrong, ca))
        assert snapshot(kind, path) == before


def plan_for(declaration, update_password="always"):
    values, secrets = _settings.mapped(_settings.canonical(declaration), {})
    return Plan(values, secrets, "present", update_password, None)


def test_a_second_writer_during_the_test_is_not_overwritten_blindly(tmp_path, mail_servers):
    """The application rotates the stored password while we test (update_password on_create): we read again,
    test the password now in effect, which is wrong, and keep the store as the application left it."""
    path = make_store("sqlite", tmp_path / "app.sqlite")
    ca = mail_servers["ca"]
    options = store("sqlite", path)
    assert save("sqlite", path, declarations.normalised(mail_servers), ca).outcome == "written"
    moved = declarations.normalised(mail_servers, outgoing=("submissions", "tls"))
    rotated = declarations.normalised(mail_servers, password="Wrong-Pass-Playbook-1618")
    logins = []

    def probe(candidate):
        logins.append(candidate["auth"]["password"])
        if len(logins) == 1:  # the application writes while our first login runs
            STORES["sqlite"](options).apply(plan_for(rotated), KEEP, False, False)
        return verify(candidate, ca_path=ca)

    decision = _test_then_save.run(STORES["sqlite"](options), plan_for(moved, "on_create"), moved, {}, probe, OPTIONS)
    assert decision.outcome == "kept_previous" and decision.secret_source == "store"
    assert logins == [mail_servers["users"]["alice"]["password"], "Wrong-Pass-Playbook-1618"]
    snapshot_after = STORES["sqlite"](options).read(plan_for(rotated))
    assert snapshot_after.todo == {}  # exactly what the application wrote


def test_a_second_writer_of_other_settings_costs_no_second_login(tmp_path, mail_servers):
    path = make_store("json", tmp_path / "app.json")
    ca = mail_servers["ca"]
    options = store("json", path)
    assert save("json", path, declarations.normalised(mail_servers), ca).outcome == "written"
    moved = declarations.normalised(mail_servers, outgoing=("submissions", "tls"))
    renamed = dict(declarations.normalised(mail_servers), display_name="Renamed By The Application")
    logins = []

    def probe(candidate):
        logins.append(candidate["outgoing"]["port"])
        STORES["json"](options).apply(plan_for(renamed), KEEP, False, False)
        return verify(candidate, ca_path=ca)

    decision = _test_then_save.run(STORES["json"](options), plan_for(moved), moved, {}, probe, OPTIONS)
    assert decision.outcome == "written" and logins == [mail_servers["ports"]["submissions"]]
    assert STORES["json"](options).read(plan_for(moved)).todo == {}
