"""Store paths another local user could redirect: refused unless store.follow; never followed when swapped in late."""

import os
import sqlite3

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _file_attributes
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file import read_text
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._ini import IniStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._json import JsonStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._sqlite import SqliteStore
from tests.unit.plugins.module_utils.store.store_helpers import (
    NOBODY,
    apply,
    as_nobody,
    file_bytes,
    plan,
    shared_dir,
    store,
)

VICTIM = b"root:x:0:0:root:/root:/bin/bash\n"


@pytest.mark.parametrize("kind, cls", [("ini", IniStore), ("json", JsonStore), ("sqlite", SqliteStore)])
def test_a_store_that_is_a_symlink_is_refused_and_its_target_untouched(tmp_path, kind, cls):
    victim = tmp_path / "victim"
    victim.write_bytes(VICTIM)
    link = tmp_path / "settings"
    link.symlink_to(victim)
    with pytest.raises(StoreError, match="is a symbolic link; it is not followed"):
        apply(cls, plan(), store(kind, link, create=True))
    assert file_bytes(victim) == VICTIM and link.is_symlink()


def test_a_dangling_link_does_not_create_its_target(tmp_path):
    link = tmp_path / "app.ini"
    link.symlink_to(tmp_path / "elsewhere.ini")
    with pytest.raises(StoreError, match="symbolic link"):
        apply(IniStore, plan(), store("ini", link, create=True))
    assert not (tmp_path / "elsewhere.ini").exists()


def test_a_symlinked_directory_an_unprivileged_user_could_replace_is_refused():
    with shared_dir() as top:
        writable = os.path.join(top, "app")  # the application's folder, writable by its own (unprivileged) user
        os.mkdir(writable)
        os.chown(writable, NOBODY, NOBODY)
        real = os.path.join(top, "real")
        os.mkdir(real)
        os.symlink(real, os.path.join(writable, "conf"))
        with pytest.raises(StoreError, match="reached through the symbolic link .*conf, which a user other than root"):
            apply(IniStore, plan(), store("ini", os.path.join(writable, "conf", "app.ini"), create=True))
        assert os.listdir(real) == []
        # the same link in a folder only root can change is fine
        os.symlink(real, os.path.join(top, "conf"))
        assert apply(IniStore, plan(), store("ini", os.path.join(top, "conf", "app.ini"), create=True)).changed
        # and store.follow accepts the first one on purpose
        assert not apply(IniStore, plan(), store("ini", os.path.join(writable, "conf", "app.ini"), follow=True)).changed


def test_a_link_swapped_in_after_the_check_is_not_followed(tmp_path):
    """read_text and the attribute change open with O_NOFOLLOW: a late swap fails instead of reaching the victim."""
    victim = tmp_path / "victim"
    victim.write_bytes(VICTIM)
    link = tmp_path / "app.ini"
    link.symlink_to(victim)
    with pytest.raises(StoreError, match="became a symbolic link during the run"):
        read_text("INI", str(link))
    before = os.stat(victim)
    with pytest.raises(OSError):
        from ansible_collections.mailops.mailconfig.plugins.module_utils.store._atomic_file import open_no_follow
        _file_attributes.apply(open_no_follow(str(link)), _file_attributes.Attributes(NOBODY, NOBODY, 0o666))
    after = os.stat(victim)
    assert (before.st_uid, before.st_mode) == (after.st_uid, after.st_mode)


def test_sqlite_check_mode_reads_without_write_permission_or_a_write_lock():
    with shared_dir() as top:
        path = os.path.join(top, "settings.db")
        apply(SqliteStore, plan(), store("sqlite", path, create=True))
        os.chown(path, 0, 0)
        os.chmod(path, 0o644)  # nobody may read, not write
        os.chmod(top, 0o755)  # nor create a journal beside it
        status, outcome = as_nobody(lambda: apply(SqliteStore, plan(), store("sqlite", path), check_mode=True))
        assert status == "ok" and not outcome.changed, outcome
        writer = sqlite3.connect(path, isolation_level=None, timeout=0)
        writer.execute("BEGIN IMMEDIATE")  # another writer holds the write lock: check mode still reads
        try:
            assert not apply(SqliteStore, plan(), store("sqlite", path, lock_timeout=0.2), check_mode=True).changed
        finally:
            writer.execute("ROLLBACK")
            writer.close()
