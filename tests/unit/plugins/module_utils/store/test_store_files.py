"""What the JSON and INI stores share: error branches, the lock, atomic writes, attributes, backups."""

import collections
import os
import stat
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file, _file_attributes
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._ini import IniStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._json import JsonStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP, Attributes
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_lock import DirectoryLock, LockTimeout
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from tests.unit.plugins.module_utils.store.store_helpers import (
    NOBODY,
    PASSWORD_A,
    apply,
    as_nobody,
    file_bytes,
    no_secret_in,
    plan,
    shared_dir,
    store,
)

# A file store under test: its module, its name in messages, its store.type, an application's existing file.
Format = collections.namedtuple("Format", "module kind type content")
FORMATS = {
    "json": Format(JsonStore, "JSON", "json", '{\n  "theme": "dark"\n}\n'),
    "ini": Format(IniStore, "INI", "ini", "[general]\ntheme = dark\n"),
}


@pytest.fixture(params=sorted(FORMATS))
def fmt(request):
    return FORMATS[request.param]


def existing(tmp_path, fmt, name="app.conf"):
    path = tmp_path / name
    path.write_text(fmt.content)
    return str(path)


def test_missing_store(tmp_path, fmt):
    path = tmp_path / "missing.conf"
    with pytest.raises(StoreError) as error:
        apply(fmt.module, plan(), store(fmt.type, path))
    assert str(error.value) == "%s store %s: does not exist (set store.create: true to create it)" % (fmt.kind, path)
    assert os.listdir(tmp_path) == []


def test_missing_directory(tmp_path, fmt):
    path = tmp_path / "no" / "app.conf"
    with pytest.raises(StoreError) as error:
        apply(fmt.module, plan(), store(fmt.type, path, create=True))
    assert str(error.value) == "%s store %s: its directory %s does not exist" % (fmt.kind, path, tmp_path / "no")


def test_a_directory_is_not_a_store(tmp_path, fmt):
    with pytest.raises(StoreError, match="%s store %s: is a directory, not a file" % (fmt.kind, tmp_path)):
        apply(fmt.module, plan(), store(fmt.type, tmp_path))


def test_not_utf8(tmp_path, fmt):
    path = tmp_path / "app.conf"
    path.write_bytes(b"[general]\ntheme = \xff\xfe\n")
    with pytest.raises(StoreError) as error:
        apply(fmt.module, plan(), store(fmt.type, path))
    assert str(error.value) == "%s store %s: is not UTF-8 text (invalid byte at offset 18)" % (fmt.kind, path)
    assert file_bytes(path) == b"[general]\ntheme = \xff\xfe\n"


def test_unreadable_as_an_unprivileged_user(fmt):
    with shared_dir() as directory:
        path = os.path.join(directory, "app.conf")
        with open(path, "w") as handle:
            handle.write(fmt.content)
        os.chmod(path, 0o600)
        status, message = as_nobody(lambda: apply(fmt.module, plan(), store(fmt.type, path)))
    assert (status, message) == (
        "error",
        "StoreError: %s store %s: cannot read it: permission denied" % (fmt.kind, path),
    )


def test_unwritable_directory_as_an_unprivileged_user(fmt):
    with shared_dir() as directory:
        path = os.path.join(directory, "app.conf")
        with open(path, "w") as handle:
            handle.write(fmt.content)
        os.chmod(path, 0o666)  # the file is writable by anyone, its directory is not: no temp file, no rename
        status, message = as_nobody(lambda: apply(fmt.module, plan(), store(fmt.type, path)))
        assert file_bytes(path) == fmt.content.encode() and os.listdir(directory) == ["app.conf"]
    assert (status, message) == (
        "error",
        "StoreError: %s store %s: cannot write it: permission denied" % (fmt.kind, path),
    )


def test_locked_past_the_timeout(tmp_path, fmt):
    path = existing(tmp_path, fmt)
    with DirectoryLock(str(tmp_path), 1):
        started = time.monotonic()
        with pytest.raises(StoreError) as error:
            apply(fmt.module, plan(), store(fmt.type, path, lock_timeout=0.3))
        waited = time.monotonic() - started
    assert str(error.value) == "%s store %s: locked by another writer for more than 0.3 s" % (fmt.kind, path)
    assert 0.3 <= waited < 5 and file_bytes(path) == fmt.content.encode()


def test_check_mode_needs_no_lock_and_writes_nothing(tmp_path, fmt):
    path = existing(tmp_path, fmt)
    with DirectoryLock(str(tmp_path), 1):
        checked = apply(fmt.module, plan(), store(fmt.type, path, lock_timeout=0.1), check_mode=True)
    assert checked.changed and file_bytes(path) == fmt.content.encode() and os.listdir(tmp_path) == ["app.conf"]
    assert apply(fmt.module, plan(), store(fmt.type, path)) == checked
    again = apply(fmt.module, plan(), store(fmt.type, path), check_mode=True)
    assert not again.changed and again.before == again.after


def test_idempotent_run_does_not_touch_the_file(tmp_path, fmt):
    path = existing(tmp_path, fmt)
    apply(fmt.module, plan(), store(fmt.type, path))
    before = os.stat(path)
    outcome = apply(fmt.module, plan(), store(fmt.type, path), backup=True)
    after = os.stat(path)
    assert not outcome.changed and outcome.backup_file is None
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert os.listdir(tmp_path) == ["app.conf"]


def test_new_file_is_private(tmp_path, fmt):
    path = tmp_path / "new.conf"
    assert apply(fmt.module, plan(), store(fmt.type, path, create=True)).changed
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert PASSWORD_A in path.read_text()


def test_existing_file_keeps_owner_group_and_mode(tmp_path, fmt):
    path = existing(tmp_path, fmt)
    os.chown(path, NOBODY, NOBODY)
    os.chmod(path, 0o640)
    apply(fmt.module, plan(), store(fmt.type, path))
    result = os.stat(path)
    assert (result.st_uid, result.st_gid, stat.S_IMODE(result.st_mode)) == (NOBODY, NOBODY, 0o640)


def test_explicit_attributes_apply_even_without_a_content_change(tmp_path, fmt):
    path = existing(tmp_path, fmt)
    apply(fmt.module, plan(), store(fmt.type, path))
    wanted = _file_attributes.resolve("nobody", "65534", "0604")
    assert wanted == Attributes(NOBODY, NOBODY, 0o604)
    checked = apply(fmt.module, plan(), store(fmt.type, path), check_mode=True, attributes=wanted)
    assert checked.changed and os.stat(path).st_uid == 0
    assert apply(fmt.module, plan(), store(fmt.type, path), attributes=wanted).changed
    result = os.stat(path)
    assert (result.st_uid, result.st_gid, stat.S_IMODE(result.st_mode)) == (NOBODY, NOBODY, 0o604)
    assert not apply(fmt.module, plan(), store(fmt.type, path), attributes=wanted).changed


def test_backup_keeps_the_old_content_private(tmp_path, fmt):
    path = existing(tmp_path, fmt)
    os.chmod(path, 0o640)
    outcome = apply(fmt.module, plan(), store(fmt.type, path), backup=True)
    assert outcome.backup_file.startswith(path + ".") and outcome.backup_file.endswith("Z.bak")
    assert file_bytes(outcome.backup_file) == fmt.content.encode()
    assert stat.S_IMODE(os.stat(outcome.backup_file).st_mode) == 0o600  # it holds the previous password


def test_no_backup_of_a_file_that_did_not_exist(tmp_path, fmt):
    outcome = apply(fmt.module, plan(), store(fmt.type, tmp_path / "new.conf", create=True), backup=True)
    assert outcome.changed and outcome.backup_file is None and os.listdir(tmp_path) == ["new.conf"]


def test_stale_temp_files_of_a_killed_writer_are_removed(tmp_path, fmt):
    path = existing(tmp_path, fmt)
    stale = tmp_path / (".app.conf.k1ll3d" + _atomic_file.TEMP_SUFFIX)
    stale.write_text(PASSWORD_A)
    unrelated = tmp_path / ".other.conf.x.tmp"
    unrelated.write_text("")
    apply(fmt.module, plan(), store(fmt.type, path))
    assert sorted(os.listdir(tmp_path)) == [".other.conf.x.tmp", "app.conf"]


def test_error_messages_never_quote_a_secret(tmp_path, fmt):
    path = tmp_path / "app.conf"
    path.write_bytes(PASSWORD_A.encode() + b"\xff")
    with pytest.raises(StoreError) as error:
        apply(fmt.module, plan(), store(fmt.type, path))
    assert not no_secret_in(str(error.value))


@pytest.mark.parametrize("owner, group, mode, message", [
    ("no-such-user-x", None, None, "unknown user no-such-user-x"),
    (None, "no-such-group-x", None, "unknown group no-such-group-x"),
    (None, None, "u=rw", "mode must be an octal number such as '0600', not 'u=rw'"),
    (None, None, 0o17777, "mode 17777 is out of range"),
])
def test_bad_attributes_are_refused(owner, group, mode, message):
    with pytest.raises(ValueError) as error:
        _file_attributes.resolve(owner, group, mode)
    assert str(error.value) == message


def test_resolve_accepts_names_ids_and_octal_text():
    assert _file_attributes.resolve("root", "0", "600") == Attributes(0, 0, 0o600)
    assert _file_attributes.resolve(None, None, 0o640) == Attributes(None, None, 0o640)
    assert _file_attributes.resolve(None, None, None) == KEEP


def test_directory_lock_is_exclusive_and_released(tmp_path):
    with DirectoryLock(str(tmp_path), 1):
        with pytest.raises(LockTimeout, match="locked by another writer for more than 0.05 s"):
            with DirectoryLock(str(tmp_path), 0.05):
                pass
    with DirectoryLock(str(tmp_path), 0.05):
        pass
