"""The controller's memory of rejected secrets: keyed, private, per practice, bounded."""

import os
import stat

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._lockout_guard import (
    KEY_FILE, MEMORY_FILE, REMEMBERED_PER_PRACTICE, Guard, accepted, rejected, state_dir)
from tests.unit.plugins.module_utils.store.store_helpers import PASSWORD_A, PASSWORD_B, normalised, raw_declaration


def test_a_rejected_secret_is_remembered_until_it_changes(tmp_path):
    guard = Guard(str(tmp_path))
    wrong = guard.fingerprint("practice-a", normalised(raw_declaration(password=PASSWORD_A)))
    corrected = guard.fingerprint("practice-a", normalised(raw_declaration(password=PASSWORD_B)))
    elsewhere = guard.fingerprint("practice-b", normalised(raw_declaration(password=PASSWORD_A)))
    assert len({wrong, corrected, elsewhere}) == 3
    assert guard.rejected_at("practice-a", wrong) is None
    guard.remember("practice-a", wrong)
    assert guard.rejected_at("practice-a", wrong).endswith("UTC")
    assert Guard(str(tmp_path)).rejected_at("practice-a", wrong)  # kept on disk, for the next run
    assert guard.rejected_at("practice-a", corrected) is None and guard.rejected_at("practice-b", elsewhere) is None
    guard.forget("practice-a", wrong)
    assert guard.rejected_at("practice-a", wrong) is None


def test_the_key_and_the_memory_are_private_and_hold_no_secret(tmp_path):
    guard = Guard(str(tmp_path / "state"))
    fingerprint = guard.fingerprint("practice-a", normalised(raw_declaration(password=PASSWORD_A)))
    guard.remember("practice-a", fingerprint)
    for name in (KEY_FILE, MEMORY_FILE):
        assert stat.S_IMODE(os.stat(str(tmp_path / "state" / name)).st_mode) == 0o600
    memory = (tmp_path / "state" / MEMORY_FILE).read_text()
    key = (tmp_path / "state" / KEY_FILE).read_bytes()
    assert PASSWORD_A not in memory and key.hex() not in memory and len(key) == 32
    other_controller = Guard(str(tmp_path / "other"))
    assert other_controller.fingerprint("practice-a", normalised(raw_declaration(password=PASSWORD_A))) != fingerprint


def test_only_the_last_few_rejections_are_kept(tmp_path):
    guard = Guard(str(tmp_path))
    prints = ["%064x" % number for number in range(REMEMBERED_PER_PRACTICE + 2)]
    for fingerprint in prints:
        guard.remember("practice-a", fingerprint)
    assert guard.rejected_at("practice-a", prints[0]) is None
    assert all(guard.rejected_at("practice-a", fingerprint) for fingerprint in prints[2:])


def test_state_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MAILCONFIG_STATE_DIR", str(tmp_path))
    assert state_dir() == str(tmp_path)
    monkeypatch.delenv("MAILCONFIG_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == str(tmp_path / "xdg" / "mailconfig")


def test_what_counts_as_rejected_or_accepted():
    failed = {"code": "auth_failed", "stage": "authenticate", "status": "failed"}
    guarded = {"code": "auth_failed", "stage": "lockout_guard", "status": "failed"}
    ok = {"code": None, "stage": "logout", "status": "ok"}
    assert rejected({"outgoing": ok, "incoming": failed})
    assert not rejected({"outgoing": guarded, "incoming": guarded})  # not tried: nothing new to remember
    assert not rejected({"outgoing": dict(failed, code="timeout"), "incoming": ok})
    assert accepted({"ok": True, "outgoing": ok}) and not accepted({"ok": False, "outgoing": ok})
