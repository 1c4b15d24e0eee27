"""No secret reaches ansible-playbook's output: --diff, -vvv, check mode, changed secrets, failures."""

import pytest

from tests.integration.apply_helpers import (
    BROKEN_CONTENT,
    STORE_TYPES,
    apply_task,
    assert_task,
    leaked,
    make_store,
    play,
    recap,
)
from tests.unit.plugins.module_utils.store.store_helpers import OAUTH2_RAW, PASSWORD_B, raw_declaration


@pytest.mark.parametrize("kind", STORE_TYPES)
def test_diff_under_vvv_masks_every_secret(playbook, tmp_path, kind):
    path = make_store(kind, tmp_path / ("app." + kind))
    broken = tmp_path / ("broken." + kind)
    broken.write_bytes(BROKEN_CONTENT[kind])
    oauth_path = str(tmp_path / ("oauth." + kind))
    store = {"type": kind, "path": path}
    tasks = [
        apply_task("password A", "r1", store=store),
        dict(apply_task("password B, check mode", "r2", store=store, declaration="{{ account_b }}"), check_mode=True),
        apply_task("password B", "r3", store=store, declaration="{{ account_b }}"),
        apply_task("password B again", "r4", store=store, declaration="{{ account_b }}"),
        apply_task(
            "OAuth 2.0 grant",
            "r5",
            store={"type": kind, "path": oauth_path, "create": True},
            declaration="{{ account_oauth }}",
        ),
        dict(apply_task("broken store", "r6", store={"type": kind, "path": str(broken)}), ignore_errors=True),
        assert_task(
            "r1 is changed and r2 is changed and r3 is changed and r4 is not changed and r5 is changed",
            "r6 is failed and r6.msg is search('nothing was written')",
            "r3.diff.after is search('\\\\*{8} \\\\(changed\\\\)')",
            "r3.diff.before is search('\\\\*{8}')",
            "r3.settings | dict2items | selectattr('value', 'equalto', '********') | list | length == 1",
        ),
    ]
    tasks[-1]["ansible.builtin.assert"]["that"].append(
        "r3.diff.after is search('auth.password = \\\\*{8} \\\\(changed\\\\)')"
    )
    text = play(tasks, account_b=raw_declaration(password=PASSWORD_B), account_oauth=OAUTH2_RAW)
    result = playbook.run(text, diff=True, verbosity=3)
    assert result.returncode == 0, result.stdout
    assert recap(result.stdout)["failed"] == 0 and recap(result.stdout)["ignored"] == 1
    assert "******** (changed)" in result.stdout
    assert not leaked(result.stdout)


def test_failures_never_quote_a_secret(playbook, tmp_path):
    """An invalid declaration, an unreachable host, a store whose content is the password itself."""
    secret_file = tmp_path / "secret.json"
    secret_file.write_text('{"password": "%s"' % PASSWORD_B)  # invalid JSON that holds a secret
    inventory = playbook.write("inventory.ini", "localhost ansible_connection=local\n")
    bad = raw_declaration(address='"Smiles Dental" <reception@smiles-dental.co.uk>', password=PASSWORD_B)
    tasks = [
        dict(
            apply_task("invalid declaration", "r1", store={"path": str(tmp_path / "x.db")}, declaration="{{ bad }}"),
            ignore_errors=True,
        ),
        dict(
            apply_task(
                "corrupt JSON", "r2", store={"type": "json", "path": str(secret_file)}, declaration="{{ account_b }}"
            ),
            ignore_errors=True,
        ),
        assert_task(
            "r1 is failed and r1.msg is search('MC101')", "r2 is failed and r2.msg is search('is not valid JSON')"
        ),
    ]
    result = playbook.run(
        play(tasks, bad=bad, account_b=raw_declaration(password=PASSWORD_B)),
        inventory=inventory,
        diff=True,
        verbosity=3,
    )
    assert result.returncode == 0, result.stdout
    assert not leaked(result.stdout)
