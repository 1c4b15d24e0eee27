"""mail_account options through real ansible-playbook: key_map, absent, contact, backup, update_password, files, failures."""

import json
import os
import sqlite3
import stat

from tests.integration.apply_helpers import APP_CONTENT, apply_task, assert_task, leaked, make_store, play, read_store
from tests.unit.plugins.module_utils.store.store_helpers import PASSWORD_A, PASSWORD_B, raw_declaration


def run_ok(playbook, tasks, **variables):
    result = playbook.run(play(tasks, **variables), diff=True)
    assert result.returncode == 0, result.stdout
    assert not leaked(result.stdout)
    return result


def test_key_map_renames_keys_in_the_store_and_the_result(playbook, tmp_path):
    path = make_store("sqlite", tmp_path / "app.db")
    key_map = {"email.outgoing.host": "smtp.server", "email.auth.password": "smtp.secret"}
    store = {"path": path}
    run_ok(playbook, [
        apply_task("apply", "r1", store=store, key_map=key_map),
        apply_task("again", "r2", store=store, key_map=key_map),
        assert_task("r1 is changed and r2 is not changed",
                    "r1.settings['smtp.server'] == 'smtp.ionos.co.uk' and r1.settings['smtp.secret'] == '********'",
                    "'email.outgoing.host' not in r1.settings",
                    "r1.diff.after is search('smtp.secret = \\\\*{8} \\\\(changed\\\\)')"),
    ])
    stored = read_store("sqlite", path)
    assert stored["smtp.server"] == "smtp.ionos.co.uk" and stored["smtp.secret"] == PASSWORD_A
    assert "email.outgoing.host" not in stored and "email.auth.password" not in stored


def test_absent_removes_only_our_keys(playbook, tmp_path):
    json_path = make_store("json", tmp_path / "app.json")
    db_path = make_store("sqlite", tmp_path / "app.db")
    run_ok(
        playbook,
        [
            apply_task("json present", store={"type": "json", "path": json_path}),
            apply_task("sqlite present", store={"path": db_path}),
            dict(
                apply_task("json absent, check mode", "r0", store={"type": "json", "path": json_path}, state="absent"),
                check_mode=True,
            ),
            apply_task("json absent", "r1", store={"type": "json", "path": json_path}, state="absent"),
            apply_task("sqlite absent", "r2", store={"path": db_path}, state="absent"),
            apply_task("json absent again", "r3", store={"type": "json", "path": json_path}, state="absent"),
            apply_task("sqlite absent again", "r4", store={"path": db_path}, state="absent"),
            assert_task(
                "r0 is changed and r1 is changed and r2 is changed",
                "r3 is not changed and r4 is not changed",
                "r1.settings == {}",
            ),
        ],
    )
    with open(json_path) as handle:
        assert json.load(handle) == json.loads(APP_CONTENT["json"])
    assert read_store("sqlite", db_path) == {"general.theme": "dark", "email.signature": "Kind regards"}


def test_practice_contact_follows_the_address(playbook, tmp_path):
    path = make_store("sqlite", tmp_path / "app.db")
    declaration = raw_declaration(practice={"update_contact_email": True})
    store = {
        "path": path,
        "contact": {"table": "practice", "key_column": "id", "key_value": 1, "email_column": "email"},
    }
    run_ok(
        playbook,
        [
            dict(apply_task("check mode", "r0", store=store), check_mode=True),
            apply_task("apply", "r1", store=store),
            apply_task("again", "r2", store=store),
            dict(
                apply_task(
                    "JSON store cannot follow",
                    "r3",
                    store={"type": "json", "path": str(tmp_path / "x.json"), "create": True},
                ),
                ignore_errors=True,
            ),
            dict(apply_task("contact not configured", "r4", store={"path": path}), ignore_errors=True),
            assert_task(
                "r0 is changed and r1 is changed and r2 is not changed",
                "r1.diff.after is search('practice\\\\[id=1\\\\].email = reception@smiles-dental.co.uk')",
                "r3 is failed and r3.msg is search('needs a store that keeps the practice contact record: sqlite')",
                "r4 is failed and r4.msg is search('set store.contact')",
            ),
        ],
        mail_account=declaration,
    )
    db = sqlite3.connect(path)
    assert db.execute("SELECT email FROM practice WHERE id = 1").fetchone()[0] == "reception@smiles-dental.co.uk"
    db.close()
    assert not os.path.exists(tmp_path / "x.json")


def test_backup_only_when_changed(playbook, tmp_path):
    path = make_store("ini", tmp_path / "app.ini")
    run_ok(
        playbook,
        [
            apply_task("apply", "r1", store={"type": "ini", "path": path}, backup=True),
            apply_task("again", "r2", store={"type": "ini", "path": path}, backup=True),
            assert_task(
                "r1 is changed and r1.backup_file is defined", "r2 is not changed and r2.backup_file is not defined"
            ),
        ],
    )
    backups = [name for name in os.listdir(tmp_path) if name.endswith(".bak")]
    assert len(backups) == 1
    with open(tmp_path / backups[0]) as handle:
        assert handle.read() == APP_CONTENT["ini"]


def test_update_password_on_create_keeps_the_stored_password(playbook, tmp_path):
    path = make_store("sqlite", tmp_path / "app.db")
    store = {"path": path}
    run_ok(playbook, [
        apply_task("create with A", "r1", store=store, update_password="on_create"),
        apply_task("B on_create", "r2", store=store, update_password="on_create", declaration="{{ account_b }}"),
        apply_task("B always", "r3", store=store, declaration="{{ account_b }}"),
        assert_task("r1 is changed and r2 is not changed and r3 is changed"),
    ], account_b=raw_declaration(password=PASSWORD_B))
    assert read_store("sqlite", path)["email.auth.password"] == PASSWORD_B


def test_owner_group_mode_of_a_file_store(playbook, tmp_path):
    path = make_store("json", tmp_path / "app.json")
    run_ok(playbook, [
        apply_task("apply", "r1", store={"type": "json", "path": path}, owner="nobody", group="65534", mode="0640"),
        apply_task("again", "r2", store={"type": "json", "path": path}, owner="nobody", group="65534", mode="0640"),
        assert_task("r1 is changed and r2 is not changed"),
    ])
    result = os.stat(path)
    assert (result.st_uid, result.st_gid, stat.S_IMODE(result.st_mode)) == (65534, 65534, 0o640)


def test_store_failures_name_the_path_and_the_cause(playbook, tmp_path):
    missing = str(tmp_path / "missing.db")
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"theme": ')
    result = playbook.run(
        play(
            [
                dict(apply_task("missing", "r1", store={"path": missing}), ignore_errors=True),
                dict(apply_task("corrupt", "r2", store={"type": "json", "path": str(corrupt)}), ignore_errors=True),
                dict(
                    apply_task(
                        "bad key_map", "r3", store={"path": missing, "create": True}, key_map={"email.nope": "x.y"}
                    ),
                    ignore_errors=True,
                ),
                assert_task(
                    "r1.msg == 'SQLite store %s: does not exist (set store.create: true to create it); nothing was written'"
                    % missing,
                    "r2.msg is search('JSON store .*corrupt.json: is not valid JSON \\\\(Expecting value at line 1 column 11\\\\)')",
                    "r3 is failed and r3.msg is search('unknown canonical keys: email.nope')",
                ),
            ]
        )
    )
    assert result.returncode == 0, result.stdout
    assert not os.path.exists(missing)
    assert corrupt.read_text() == '{"theme": '


def test_invalid_declaration_fails_before_connecting(playbook, tmp_path):
    inventory = playbook.write(
        "hosts.ini", "site1 ansible_host=192.0.2.1 ansible_connection=ssh ansible_ssh_timeout=30\n"
    )
    bad = raw_declaration(address='"Smiles Dental" <reception@smiles-dental.co.uk>')
    text = play([apply_task("apply", store={"path": "/nonexistent/app.db"})], mail_account=bad).replace(
        "localhost", "site1"
    )
    result = playbook.run(text, inventory=inventory, timeout=60)
    assert result.returncode == 2
    assert "mail account declaration of site1 has 1 error" in result.stdout and "MC101" in result.stdout
    assert "UNREACHABLE" not in result.stdout
