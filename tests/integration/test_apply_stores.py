"""mail_account through real ansible-playbook, for each store type:
check mode -> real run -> check-mode idempotence -> idempotence, asserting `changed` on each."""

import os

import pytest

from tests.integration.apply_helpers import (
    APP_CONTENT,
    STORE_TYPES,
    apply_task,
    assert_task,
    leaked,
    make_store,
    play,
    read_store,
    recap,
)
from tests.unit.plugins.module_utils.store.store_helpers import PASSWORD_A

STAT = {"ansible.builtin.stat": {"path": "{{ store.path }}", "checksum_algorithm": "sha256"}}


def stat_task(register):
    return dict(STAT, name="stat the store", register=register)


@pytest.mark.parametrize("kind", STORE_TYPES)
def test_check_real_check_idempotent(playbook, tmp_path, kind):
    path = make_store(kind, tmp_path / ("app." + kind))
    tasks = [
        stat_task("s0"),
        dict(apply_task("check mode", "r1", store="{{ store }}"), check_mode=True, diff=True),
        stat_task("s1"),
        dict(apply_task("real run", "r2", store="{{ store }}"), diff=True),
        stat_task("s2"),
        dict(apply_task("check mode again", "r3", store="{{ store }}"), check_mode=True, diff=True),
        apply_task("idempotent run", "r4", store="{{ store }}"),
        stat_task("s4"),
        assert_task(
            "r1 is changed", "r2 is changed", "r3 is not changed", "r4 is not changed",
            "s1.stat.checksum == s0.stat.checksum and s1.stat.mtime == s0.stat.mtime",
            "s2.stat.checksum != s0.stat.checksum",
            "s4.stat.checksum == s2.stat.checksum and s4.stat.mtime == s2.stat.mtime",
            "r1.diff == r2.diff and r3.diff.before == r3.diff.after",
            "r2.settings['email.auth.password'] == '********'",
            "r2.settings['email.outgoing.host'] == 'smtp.ionos.co.uk'",
            "r2.store.type == '%s' and r2.store.path == store.path" % kind,
            "r2.backup_file is not defined",
        ),
    ]
    result = playbook.run(play(tasks, store={"type": kind, "path": path}))
    assert result.returncode == 0, result.stdout
    assert recap(result.stdout)["changed"] == 2  # the check-mode run and the real run
    assert not leaked(result.stdout)

    stored = read_store(kind, path)
    assert stored["email.address"] == "reception@smiles-dental.co.uk"
    assert str(stored["email.outgoing.port"]) == "465" and stored["email.auth.password"] == PASSWORD_A
    assert stored["email.signature"] == "Kind regards"
    if kind == "ini":
        with open(path) as handle:
            assert handle.read().startswith(APP_CONTENT["ini"])
    else:
        assert stored["general.theme" if kind == "sqlite" else "theme"] == "dark"


@pytest.mark.parametrize("kind", STORE_TYPES)
def test_created_store_is_private_and_check_mode_creates_nothing(playbook, tmp_path, kind):
    path = str(tmp_path / ("new." + kind))
    tasks = [
        dict(apply_task("check mode", "r1", store="{{ store }}"), check_mode=True),
        {"name": "stat", "ansible.builtin.stat": {"path": path}, "register": "s1"},
        apply_task("real run", "r2", store="{{ store }}"),
        assert_task("r1 is changed", "r2 is changed", "not s1.stat.exists"),
    ]
    result = playbook.run(play(tasks, store={"type": kind, "path": path, "create": True}))
    assert result.returncode == 0, result.stdout
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert read_store(kind, path)["email.auth.password"] == PASSWORD_A
