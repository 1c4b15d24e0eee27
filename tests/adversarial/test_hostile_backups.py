"""Backups and interrupted runs under attack and accident (docs/security.md, "Backups" and "Interrupted runs").

A planted file beside a store is never restored; a failed apply keeps no backup, so undo
still undoes the last real change; a killed controller's module writes nothing; backup
and lock names built from a hostile database name stay inside their folder.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import yaml

from ansible_collections.mailops.mailconfig.plugins.module_utils import _controller
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file, _base, _file_attributes
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import ReadBackMismatch, StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_lock import DirectoryLock, LockTimeout
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql import safe_name
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES
from tests.conftest import ansible_env, VENV_BIN
from tests.servers import declarations
from tests.unit.plugins.module_utils.store.store_helpers import (
    PASSWORD_A, PASSWORD_B, as_nobody, keyed, plan, raw_declaration, shared_dir, store)

NOBODY = 65534


def saved(tmp_path, kind, *passwords):
    """A store of ``kind`` written once per password, each change backed up; returns (store, its path)."""
    name = {"sqlite": "settings.db", "json": "settings.json", "ini": "settings.ini"}[kind]
    options = store(kind, str(tmp_path / name), create=True)
    for password in passwords:
        keyed(STORES[kind](options)).apply(plan(raw_declaration(password=password)), KEEP, True, False)
    return keyed(STORES[kind](options)), options["path"]


@pytest.mark.parametrize("kind", ["sqlite", "json", "ini"])
def test_a_planted_backup_is_never_restored(tmp_path, kind):
    target, path = saved(tmp_path, kind, PASSWORD_A, PASSWORD_B)
    [genuine] = _atomic_file.backups(path)
    values = plan().values
    assert target.restored(values, frozenset())[0]["email.auth.password"] == PASSWORD_A
    planted = path + ".29991231T000000.000000Z.bak"  # the newest by name: the one a restore picks
    with open(genuine, "rb") as source, open(planted, "wb") as copy:
        copy.write(source.read().replace(PASSWORD_A.encode(), b"Attacker-Pw-666"))
    for owner, mode, why in ((NOBODY, 0o644, "owned by uid %d" % NOBODY), (os.geteuid(), 0o644, "mode 0644"),
                             (os.geteuid(), 0o600, "MAC file is missing")):
        if owner != os.geteuid() and os.geteuid() != 0:
            continue  # only root can give a file away
        os.chown(planted, owner, -1)
        os.chmod(planted, mode)
        with pytest.raises(ValueError) as refused:
            target.restored(values, frozenset())
        assert "was not written by this collection" in str(refused.value) and why in str(refused.value)
        assert planted in str(refused.value) and "Attacker" not in str(refused.value)
    with open(planted + ".mac", "wb") as forged:  # a MAC under some other key, or the genuine one copied over
        forged.write(open(genuine + ".mac", "rb").read())
    os.chmod(planted + ".mac", 0o600)
    with pytest.raises(ValueError, match="MAC does not match"):
        target.restored(values, frozenset())
    held, name = target.restored(values, frozenset(), unverified=os.path.basename(planted))  # named by hand: accepted once
    assert name == planted and held["email.auth.password"] == "Attacker-Pw-666"


def test_a_symlinked_backup_is_not_followed(tmp_path):
    target, path = saved(tmp_path, "json", PASSWORD_A, PASSWORD_B)
    [genuine] = _atomic_file.backups(path)
    link = path + ".29991231T000000.000000Z.bak"
    os.symlink(genuine, link)
    with pytest.raises(ValueError, match="links are not followed"):
        target.restored(plan().values, frozenset())


@pytest.mark.parametrize("kind", ["json", "ini"])
def test_a_failed_apply_keeps_no_backup(tmp_path, kind, monkeypatch):
    """The undo stack stays right: the newest backup is still the one before the last committed change."""
    target, path = saved(tmp_path, kind, PASSWORD_A, PASSWORD_B)
    before = sorted(os.listdir(str(tmp_path)))

    def second_writer(_location):  # an application that rewrites our value after our write, ignoring our lock
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text.replace("smtp.ionos.co.uk", "smtp.other.example"))
    monkeypatch.setattr(_base, "before_read_back", second_writer)
    with pytest.raises(ReadBackMismatch):
        target.apply(plan(raw_declaration(password="Pw-Charlie-3")), KEEP, True, False)
    assert sorted(os.listdir(str(tmp_path))) == before  # no backup kept, no temp left
    assert target.restored(plan().values, frozenset())[0]["email.auth.password"] == PASSWORD_A


def test_a_failed_sqlite_transaction_keeps_no_backup(tmp_path):
    """A trigger that rewrites our row makes the read back fail: ROLLBACK, and the backup made for it is dropped."""
    target, path = saved(tmp_path, "sqlite", PASSWORD_A, PASSWORD_B)
    db = sqlite3.connect(path)
    db.execute("CREATE TRIGGER rewrite AFTER UPDATE ON settings WHEN NEW.key = 'auth.password' "
               "BEGIN UPDATE settings SET value = 'rewritten' WHERE key = 'auth.password'; END")
    db.commit()
    db.close()
    before = sorted(os.listdir(str(tmp_path)))
    with pytest.raises(ReadBackMismatch):
        target.apply(plan(raw_declaration(password="Pw-Charlie-3")), KEEP, True, False)
    assert sorted(os.listdir(str(tmp_path))) == before
    assert target.restored(plan().values, frozenset())[0]["email.auth.password"] == PASSWORD_A


def _planted_copy(pending, kind):
    """Another file with the pending backup's bytes but an attacker's server: ours by owner and mode (a hard link, a copy)."""
    planted = pending + ".planted"
    shutil.copyfile(pending, planted)
    if kind == "sqlite":
        db = sqlite3.connect(planted)
        db.execute("UPDATE settings SET value = 'smtp.attacker.example' WHERE key = 'outgoing.host'")
        db.commit()
        db.close()
    else:
        with open(planted, encoding="utf-8") as handle:
            text = handle.read()
        with open(planted, "w", encoding="utf-8") as handle:
            handle.write(text.replace("smtp.ionos.co.uk", "smtp.attacker.example"))
    os.chmod(planted, 0o600)
    return planted


@pytest.mark.parametrize("kind", ["sqlite", "json", "ini"])
def test_a_pending_backup_swapped_before_it_is_kept_gets_no_mac(tmp_path, kind, monkeypatch):
    """The pending backup sits in a folder the application's user can write: the MAC covers the bytes we wrote, not
    whatever is under the temporary name when the change commits."""
    target, _path = saved(tmp_path, kind, PASSWORD_A)
    keep = _atomic_file.PendingBackup.keep

    def swapped_then_kept(pending, key):
        os.replace(_planted_copy(pending.temp, kind), pending.temp)
        return keep(pending, key)
    monkeypatch.setattr(_atomic_file.PendingBackup, "keep", swapped_then_kept)
    outcome = target.apply(plan(raw_declaration(password=PASSWORD_B)), KEEP, True, False)
    assert outcome.changed and outcome.backup_file
    with pytest.raises(ValueError, match="MAC does not match"):
        target.restored(plan().values, frozenset())


@pytest.mark.parametrize("kind", ["sqlite", "json", "ini"])
def test_a_killed_run_s_pending_backup_is_removed_by_the_next_run(tmp_path, kind):
    """kill -9 between the backup and the commit leaves the pending copy (the previous password); the next run,
    under the store's lock, deletes it."""
    target, path = saved(tmp_path, kind, PASSWORD_A)
    stale = _atomic_file.pending_name(_atomic_file.backup_name(path))
    shutil.copyfile(path, stale)
    target.apply(plan(raw_declaration(password=PASSWORD_B)), KEEP, False, False)
    assert not os.path.exists(stale)


@pytest.mark.parametrize("kind", ["sqlite", "json", "ini"])
def test_a_backup_is_kept_before_the_lock_is_released(tmp_path, kind, monkeypatch):
    """Once the lock is free the next run deletes pending backups as a killed run's: ours must be in place by then."""
    target, path = saved(tmp_path, kind, PASSWORD_A)
    keep = _atomic_file.PendingBackup.keep

    def next_run_then_kept(pending, key):
        try:
            with DirectoryLock(os.path.dirname(path), 0):  # what the next run of every file or SQLite store takes
                _atomic_file.remove_stale_temps(path)
        except LockTimeout:
            pass  # the lock is still ours: the next run waits
        return keep(pending, key)
    monkeypatch.setattr(_atomic_file.PendingBackup, "keep", next_run_then_kept)
    outcome = target.apply(plan(raw_declaration(password=PASSWORD_B)), KEEP, True, False)
    assert outcome.backup_file and os.path.exists(outcome.backup_file)
    assert target.restored(plan().values, frozenset())[0]["email.auth.password"] == PASSWORD_A


def test_a_backup_that_cannot_be_kept_after_the_commit_is_told_not_raised(tmp_path, monkeypatch):
    """The change is committed: failing would say "nothing was written"; the run warns that undo has no backup instead."""
    target, path = saved(tmp_path, "json", PASSWORD_A)

    def disk_full(pending, key):
        raise OSError(28, os.strerror(28), pending.name)
    monkeypatch.setattr(_atomic_file.PendingBackup, "keep", disk_full)
    outcome = target.apply(plan(raw_declaration(password=PASSWORD_B)), KEEP, True, False)
    assert outcome.changed and outcome.backup_file is None
    assert any("committed, but its backup" in note and "no space left on device" in note for note in target.notes)
    assert [name for name in os.listdir(str(tmp_path)) if name.endswith(_atomic_file.TEMP_SUFFIX)] == []
    assert PASSWORD_B in open(path, encoding="utf-8").read()


def test_a_sqlite_store_that_cannot_get_its_owner_leaves_no_file_behind():
    """A first run whose chown fails (not root): no empty database that a later run would take for the store."""
    with shared_dir() as folder:
        os.chown(folder, NOBODY, NOBODY)
        options = store("sqlite", os.path.join(folder, "settings.db"), create=True)
        attributes = _file_attributes.resolve("root", None, None)
        status, message = as_nobody(lambda: STORES["sqlite"](options).apply(plan(), attributes, False, False))
        assert status == "error" and "operation not permitted" in message.lower(), message
        assert os.listdir(folder) == []


def test_hostile_database_names_stay_inside_the_backup_folder():
    for hostile in ("a/../../x", "..", "../../etc/passwd", "x" * 300, "db\x00name", "db name;DROP"):
        name = safe_name("127.0.0.1", 3306, hostile, "emailaddress", "default")
        assert "/" not in name and ".." not in name and "\x00" not in name and len(name) <= 120
    long_a, long_b = "x" * 100 + "a", "x" * 100 + "b"  # used to share one 64-character lock
    assert safe_name(long_a, "default", limit=52) != safe_name(long_b, "default", limit=52)
    assert len("mailconfig/" + safe_name(long_a, "default", limit=52)) <= 64  # MariaDB's lock name limit


def test_the_module_writes_nothing_once_its_controller_is_gone(tmp_path):
    """Killed while waiting for the lock: the controller process is checked right before the write and the commit."""
    target, path = saved(tmp_path, "sqlite", PASSWORD_A)
    before = sqlite3.connect(path).execute("SELECT * FROM settings ORDER BY section, key").fetchall()
    controller = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    target.started_by = _controller.still_alive(_controller.identity(controller.pid))
    assert target.started_by()
    controller.kill()
    controller.wait()
    assert not target.started_by()
    with pytest.raises(StoreError, match="the run that started this apply has ended"):
        target.apply(plan(raw_declaration(password=PASSWORD_B)), KEEP, True, False)
    assert sqlite3.connect(path).execute("SELECT * FROM settings ORDER BY section, key").fetchall() == before
    assert _atomic_file.backups(path) == []


def _module_pids(marker):
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    if marker in handle.read():
                        found.append(int(pid))
            except OSError:
                pass
    return found


def test_kill_9_of_ansible_playbook_at_the_lock_wait_writes_nothing(tmp_path, mail_servers):
    """The real thing: the module waits for SQLite's write lock; ansible-playbook's process group is killed; the lock
    is released; the module, still running, must not commit a change that nothing records."""
    path = str(tmp_path / "app" / "settings.db")
    os.makedirs(os.path.dirname(path))
    practice = {"ansible_connection": "local", "mail_account_verify_ca_path": mail_servers["ca"],
                "mail_account": declarations.raw(mail_servers), "mail_account_test": False,
                "mail_account_store": {"type": "sqlite", "path": path, "create": True, "lock_timeout": 60}}
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"practice-a": practice}}}))
    site = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "playbooks", "site.yml")
    env = ansible_env(tmp_path, ANSIBLE_KEEP_REMOTE_FILES="0")
    first = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(inventory), site], env=env,
                           capture_output=True, text=True, timeout=300, check=False)
    assert first.returncode == 0, first.stdout[-2000:]
    practice["mail_account"] = declarations.raw(mail_servers, user="jose")
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"practice-a": practice}}}))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the application holds the write lock
    before = holder.execute("SELECT * FROM settings ORDER BY section, key").fetchall()
    run = subprocess.Popen([os.path.join(VENV_BIN, "ansible-playbook"), "-i", str(inventory), site], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not _module_pids(b"AnsiballZ_mail_account") and time.monotonic() < deadline:
        time.sleep(0.2)
    modules = _module_pids(b"AnsiballZ_mail_account")
    assert modules, "the module never started"
    time.sleep(1)  # it is now waiting for the lock
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    holder.execute("ROLLBACK")
    holder.close()
    deadline = time.monotonic() + 60
    while _module_pids(b"AnsiballZ_mail_account") and time.monotonic() < deadline:
        time.sleep(0.2)
    after = sqlite3.connect(path).execute("SELECT * FROM settings ORDER BY section, key").fetchall()
    assert after == before
