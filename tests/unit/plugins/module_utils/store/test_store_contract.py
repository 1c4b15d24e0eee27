"""The part of the store contract that test-then-save relies on, for every registered store.

``read`` sees what ``apply`` would change without writing; ``apply`` refuses to write
when our keys changed since ``read``; a write is read back through the same code, and a
mismatch puts back our previous values (and only ours) and fails.
"""

import os
import sqlite3

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _base
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import ABSENT, StoreChanged, StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file import FileStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES
from tests.integration.apply_helpers import make_store, read_store
from tests.unit.plugins.module_utils.store.store_helpers import (
    PASSWORD_B, apply, as_nobody, file_bytes, no_secret_in, plan, raw_declaration, shared_dir, store)


def content(kind, path):
    """Everything in the store, as an independent reader sees it."""
    if kind == "sqlite":
        db = sqlite3.connect(path)
        try:
            return sorted(db.execute("SELECT * FROM settings"))
        finally:
            db.close()
    return file_bytes(path)


# The stores make_store builds on the local file system (not the database stores, which need no path: tested against
# their real servers).
LOCAL = [name for name in STORES if "path" in STORES[name].REQUIRED]


@pytest.fixture(params=LOCAL)
def kind(request):
    return request.param


def test_read_sees_what_apply_would_change_and_writes_nothing(tmp_path, kind):
    path = make_store(kind, tmp_path / ("app." + kind))
    options = store(kind, path)
    before = content(kind, path)
    first = STORES[kind](options).read(plan())
    assert first.exists and first.current == {} and set(first.todo) == set(plan().values)
    assert content(kind, path) == before
    apply(STORES[kind], plan(), options)
    again = STORES[kind](options).read(plan())
    assert again.todo == {} and set(again.current) == set(plan().values)
    changed = STORES[kind](options).read(plan(raw_declaration(password=PASSWORD_B)))
    assert list(changed.todo) == ["email.auth.password"]


def test_read_of_a_missing_store(tmp_path, kind):
    snapshot = STORES[kind](store(kind, tmp_path / "missing", create=True)).read(plan())
    assert not snapshot.exists and snapshot.current == {} and snapshot.todo
    assert os.listdir(tmp_path) == []


def test_apply_refuses_when_our_keys_changed_since_read(tmp_path, kind):
    path = make_store(kind, tmp_path / ("app." + kind))
    options = store(kind, path)
    apply(STORES[kind], plan(), options)
    snapshot = STORES[kind](options).read(plan(raw_declaration(password=PASSWORD_B)))
    apply(STORES[kind], plan(raw_declaration(display_name="Another writer")), options)  # between read and apply
    between = content(kind, path)
    with pytest.raises(StoreChanged, match="another writer changed our settings"):
        STORES[kind](options).apply(plan(raw_declaration(password=PASSWORD_B)), KEEP, False, False, snapshot)
    assert content(kind, path) == between
    fresh = STORES[kind](options).read(plan(raw_declaration(password=PASSWORD_B)))
    assert STORES[kind](options).apply(plan(raw_declaration(password=PASSWORD_B)), KEEP, False, False, fresh).changed


def test_a_plan_value_absent_removes_that_key_only(tmp_path, kind):
    path = make_store(kind, tmp_path / ("app." + kind))
    options = store(kind, path)
    apply(STORES[kind], plan(), options)
    restoring = plan()
    restoring.values["email.display_name"] = ABSENT
    outcome = apply(STORES[kind], restoring, options)
    stored = read_store(kind, path)
    assert outcome.changed and "email.display_name" not in stored and "email.address" in stored


# How the application, as a second writer, spells its own change (theme) and one to our key (the outgoing host) in each file format.
SECOND_WRITER = {
    "json": (('"dark"', '"light"'), ('"smtp.ionos.co.uk"', '"smtp.elsewhere.test"')),
    "ini": (("theme = dark", "theme = light"), ("host = smtp.ionos.co.uk", "host = smtp.elsewhere.test")),
}


@pytest.mark.parametrize("kind", [name for name, cls in STORES.items() if issubclass(cls, FileStore)])
def test_a_second_writer_before_read_back_gets_our_keys_put_back_and_keeps_its_own(tmp_path, kind, monkeypatch):
    """The application rewrites the file (without our lock) between our write and our read-back."""
    assert kind in SECOND_WRITER, "test_store_contract.py: teach SECOND_WRITER how a %s file spells the two changes" % kind
    path = make_store(kind, tmp_path / ("app." + kind))
    options = store(kind, path)
    apply(STORES[kind], plan(), options)

    def second_writer(written):
        with open(written, encoding="utf-8") as handle:
            text = handle.read()
        for old, new in SECOND_WRITER[kind]:
            text = text.replace(old, new)
        with open(written, "w", encoding="utf-8") as handle:
            handle.write(text)

    monkeypatch.setattr(_base, "before_read_back", second_writer)
    with pytest.raises(StoreError) as error:
        apply(STORES[kind], plan(raw_declaration(password=PASSWORD_B)), options)
    message = str(error.value)
    assert "email.outgoing.host did not hold what was written" in message and "put back" in message
    assert not no_secret_in(message)
    stored = read_store(kind, path)
    assert stored["general.theme" if kind == "ini" else "theme"] == "light"  # the application's own change stays
    assert stored["email.outgoing.host"] == "smtp.elsewhere.test"  # a key we did not change is not ours to put back
    monkeypatch.setattr(_base, "before_read_back", None)
    assert STORES[kind](options).read(plan()).todo == {"email.outgoing.host": "smtp.ionos.co.uk"}  # our password is the old one


def test_sqlite_read_back_through_a_trigger_rolls_back(tmp_path):
    """An application trigger that rewrites our row: the transaction is rolled back, row for row."""
    path = make_store("sqlite", tmp_path / "app.db")
    options = store("sqlite", path)
    apply(STORES["sqlite"], plan(), options)
    db = sqlite3.connect(path)
    db.execute("CREATE TRIGGER shout AFTER UPDATE OF value ON settings WHEN NEW.key = 'display_name' "
               "BEGIN UPDATE settings SET value = upper(NEW.value) WHERE section = NEW.section AND key = NEW.key; END")
    db.commit()
    db.close()
    before = content("sqlite", path)
    with pytest.raises(StoreError, match=r"read back after writing, email\.display_name did not hold what was written"):
        apply(STORES["sqlite"], plan(raw_declaration(display_name="Smiles Dental")), options)
    assert content("sqlite", path) == before


def test_backups_are_bounded(tmp_path):
    path = str(tmp_path / "app.ini")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[general]\n")
    made = []
    for _copy in range(4):
        made.append(_atomic_file.backup(path).keep(None))
    (tmp_path / "app.ini.notes.bak").write_text("not ours")
    assert _atomic_file.backups(path) == made
    assert _atomic_file.prune_backups(path, 2) == made[:2]
    assert _atomic_file.backups(path) == made[2:] and os.path.exists(str(tmp_path / "app.ini.notes.bak"))


def test_an_os_error_without_a_reason_is_still_told():
    assert _base.os_cause(PermissionError(13, "Permission denied")) == "permission denied"
    assert _base.os_cause(OSError("no errno here")) == "no errno here"  # strerror None: not an AttributeError


@pytest.mark.parametrize("kind", LOCAL)
def test_check_mode_meets_the_failures_the_real_run_would(tmp_path, kind):
    """A dry run must not promise a write that the real run then fails (issue 25: SQLite said "written" with its folder missing)."""
    missing = store(kind, tmp_path / "no-such-folder" / ("settings." + kind), create=True)
    with pytest.raises(StoreError, match="does not exist"):
        STORES[kind](missing).apply(plan(), KEEP, False, True)
    assert not (tmp_path / "no-such-folder").exists()
    with shared_dir() as folder:
        options = store(kind, os.path.join(folder, "settings." + kind), create=True)
        STORES[kind](options).apply(plan(), KEEP, False, False)  # the file exists; now it and its folder go read-only
        os.chmod(options["path"], 0o444)
        os.chmod(folder, 0o555)
        try:
            outcome = as_nobody(lambda: STORES[kind](options).apply(plan(raw_declaration(password=PASSWORD_B)), KEEP, False, True))
        finally:
            os.chmod(folder, 0o755)
    assert outcome[0] == "error" and "cannot write it: permission denied" in outcome[1], outcome
