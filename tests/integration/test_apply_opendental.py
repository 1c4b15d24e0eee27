"""An Open Dental practice through real ansible-playbook: the role applies from the controller (or a
jump host) to the practice's MariaDB database, the practice host itself being Windows (WinRM,
which nothing here can reach: any attempt to use it would fail the run)."""

import os
import re
import subprocess
import sys
import uuid

import yaml

from tests.integration.test_role import recap, role_play
from tests.integration.test_verify_playbook import assert_no_secrets
from tests.servers import declarations, mariadb
from tests.unit.plugins.module_utils.store.test_store_mysql import CIPHER, DB_PASSWORD, STRICT

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def open_dental(mariadb_server):
    name = "od_" + uuid.uuid4().hex[:10]
    mariadb.create_opendental(mariadb_server, name, "od_" + name[3:9], DB_PASSWORD)
    return {"server": mariadb_server, "name": name, "user": "od_" + name[3:9]}


def pop3_declaration(mail_servers, **extra):
    """What Open Dental can hold: SMTP with STARTTLS and POP3 over TLS (one SSL flag for both)."""
    raw = declarations.raw(
        mail_servers, outgoing=("submission", "starttls"), incoming=("pop3s", "tls"), protocol="pop3"
    )
    raw.update(extra)
    return raw


def inventory(playbook, mail_servers, database, declaration=None, **overrides):
    host_vars = {
        "ansible_connection": "winrm",  # the practice server: Windows, never contacted
        "ansible_host": "192.0.2.10",
        "mail_account": declaration or pop3_declaration(mail_servers),
        "mail_account_store": {"type": "mysql", "application": "opendental", "host": "127.0.0.1",
                               "port": database["server"]["port"], "user": database["user"],
                               "password": "{{ vault_opendental_db_password }}", "database": database["name"],
                               "ca_path": database["server"]["ca"], "backup_dir": str(playbook.tmp_path / "backups")},
        "vault_opendental_db_password": DB_PASSWORD,
        "mail_account_apply_from": "controller",
        "mail_account_verify_from": "controller",
        "mail_account_verify_ca_path": mail_servers["ca"],
        "mail_account_backup": True,
    }
    host_vars.update(overrides)
    hosts = {
        "od-practice": host_vars,
        "jump": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
    }
    return playbook.write("inventory.yml", yaml.safe_dump({"all": {"hosts": hosts}}, allow_unicode=True))


def practice_play():
    return yaml.safe_load(role_play(hosts="od-practice"))


def default_row(database):
    return mariadb.rows(database["server"], "SELECT * FROM emailaddress WHERE EmailAddressNum = 1", database["name"])[0]


def checksum(database):
    return mariadb.rows(
        database["server"], "CHECKSUM TABLE emailaddress, preference, clinic, signalod EXTENDED", database["name"]
    )


def test_an_open_dental_practice_from_the_controller_check_real_check_idempotent(
    playbook, mail_servers, mariadb_server
):
    database = open_dental(mariadb_server)
    inv = inventory(playbook, mail_servers, database)
    play = playbook.write("play.yml", yaml.safe_dump(practice_play()))
    before = checksum(database)
    dry = playbook.run(play, "-vvv", inventory=inv, check=True, diff=True)
    assert dry.returncode == 0, dry.stdout[-4000:]
    assert checksum(database) == before
    assert "emailaddress[EmailAddressNum=1].EmailPassword = ******** (changed)" in dry.stdout
    assert "od-practice -> localhost" in dry.stdout
    first = playbook.run(play, "-vvv", inventory=inv, diff=True)
    assert first.returncode == 0, first.stdout[-4000:]
    assert recap(first.stdout)["changed"] == 1
    row = default_row(database)
    assert row[1] == "localhost" or row[1] == "127.0.0.1"
    assert CIPHER.decrypt(row[3]) == mail_servers["users"]["alice"]["password"]
    assert re.search(
        r'"counts": \{\s*"checked": 1,\s*"failed": 0,\s*"ok": 1\s*\}', first.stdout
    )  # verify from the controller: one batch
    backups = sorted(os.listdir(str(playbook.tmp_path / "backups")))
    assert len(backups) == 2 and backups[1] == backups[0] + ".mac"  # one row backup and its MAC
    after = checksum(database)
    again_dry = playbook.run(play, "-vvv", inventory=inv, check=True, diff=True)
    assert again_dry.returncode == 0 and recap(again_dry.stdout)["changed"] == 0, again_dry.stdout[-3000:]
    second = playbook.run(play, "-vvv", inventory=inv, diff=True)
    assert second.returncode == 0 and recap(second.stdout)["changed"] == 0, second.stdout[-3000:]
    assert checksum(database) == after  # no write, no reload signal
    stored = default_row(database)[3]
    for output in (dry.stdout, first.stdout, again_dry.stdout, second.stdout):
        assert_no_secrets(output, mail_servers, DB_PASSWORD, stored, "HycGX7UwQuXgD8CTuDLDhBF8gXQmMhVgJKr2eL/hg2Q=")


def test_apply_from_a_jump_host_and_a_clinic(playbook, mail_servers, mariadb_server):
    database = open_dental(mariadb_server)
    store = {
        "type": "mysql",
        "application": "opendental",
        "host": "127.0.0.1",
        "port": database["server"]["port"],
        "user": database["user"],
        "password": DB_PASSWORD,
        "database": database["name"],
        "ca_path": database["server"]["ca"],
        "clinic": 3,
    }
    inv = inventory(
        playbook,
        mail_servers,
        database,
        mail_account_apply_from="jump",
        mail_account_verify=False,
        mail_account_store=store,
    )
    result = playbook.run(playbook.write("play.yml", yaml.safe_dump(practice_play())), "-v", inventory=inv)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "changed: [od-practice -> jump]" in result.stdout
    assert mariadb.rows(
        database["server"], "SELECT EmailAddressNum FROM clinic ORDER BY ClinicNum", database["name"]
    ) == [["2"], ["3"], ["5"]]


def test_a_windows_practice_applied_on_site_is_refused_in_one_line(playbook, mail_servers, mariadb_server):
    database = open_dental(mariadb_server)
    inv = inventory(playbook, mail_servers, database, mail_account_apply_from="site", mail_account_verify=False)
    result = playbook.run(playbook.write("play.yml", yaml.safe_dump(practice_play())), inventory=inv)
    assert result.returncode != 0
    assert re.search(
        r"od-practice is a Windows host \(connection winrm\): mailconfig's modules need Python where they run; run "
        r"this step "
        r"from the controller or a Linux jump host instead \(mail_account_apply_from: controller",
        result.stdout,
    )
    assert "pywinrm" not in result.stdout and "winrm or requests is not installed" not in result.stdout


def test_oauth_and_imap_declarations_are_refused_before_connecting(playbook, mail_servers, mariadb_server):
    database = open_dental(mariadb_server)
    database["server"] = dict(database["server"], port=1)  # nothing listens: a connection attempt would say so
    oauth = pop3_declaration(mail_servers, provider="office365", auth={"method": "oauth2", "oauth2": {
        "tenant": "smiles.onmicrosoft.com", "client_id": "0f1e2d3c", "refresh_token": "Rt-Delta-08ab4f"}})
    oauth.pop("outgoing")
    oauth["incoming"] = {"protocol": "pop3", "leave_copy_on_server": True}
    for declaration, code in ((oauth, "MC701"), (declarations.raw(mail_servers), "MC702")):
        inv = inventory(playbook, mail_servers, database, declaration=declaration, mail_account_verify=False)
        result = playbook.run(playbook.write("play.yml", yaml.safe_dump(practice_play())), inventory=inv)
        assert result.returncode != 0
        assert code in result.stdout
        assert "cannot connect" not in result.stdout and "Rt-Delta-08ab4f" not in result.stdout


def test_microsoft_365_with_a_password_on_open_dental_shows_in_the_fleet_summary(
    playbook, mail_servers, mariadb_server
):
    database = open_dental(mariadb_server)
    declaration = pop3_declaration(mail_servers, provider="office365", lint={"ignore": ["MC501"]})
    declaration.pop("incoming")
    inv = inventory(playbook, mail_servers, database, declaration=declaration, mail_account_verify=False)
    result = playbook.run(playbook.write("play.yml", yaml.safe_dump(practice_play())), inventory=inv,
                          env={"ANSIBLE_CALLBACKS_ENABLED": "mailops.mailconfig.fleet_summary"})
    assert result.returncode == 0, result.stdout[-3000:]
    summary = result.stdout.split("MAIL ACCOUNTS")[-1]
    assert re.search(r"od-practice\s+office365\s+yes\s+yes\s.*MC711", summary)


def test_the_validate_playbook_and_the_lint_command_know_the_application(
    playbook, mail_servers, mariadb_server, tmp_path
):
    database = open_dental(mariadb_server)
    inv = inventory(playbook, mail_servers, database, declaration=declarations.raw(mail_servers))
    result = playbook.run(os.path.join(ROOT, "playbooks", "validate.yml"), inventory=inv)
    assert result.returncode != 0 and "MC702" in result.stdout
    path = tmp_path / "imap.yml"
    path.write_text(yaml.safe_dump(declarations.raw(mail_servers)))
    lint = [sys.executable, os.path.join(ROOT, "bin", "mailconfig-lint")]
    plain = subprocess.run(lint + [str(path)], stdout=subprocess.PIPE, text=True, check=False)
    assert plain.returncode == 0 and "MC702" not in plain.stdout
    for_od = subprocess.run(
        lint + ["--application", "opendental", "--format", "github", str(path)],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    assert for_od.returncode == 1 and "MC702" in for_od.stdout


def test_strict_and_empty_sql_mode_through_the_playbook(playbook, mail_servers, mariadb_server):
    for mode in ("", STRICT):
        mariadb.sql(mariadb_server, "SET GLOBAL sql_mode = '%s';" % mode)
        database = open_dental(mariadb_server)
        mariadb.sql(
            mariadb_server,
            "UPDATE preference SET ValueString = '0' WHERE PrefName = 'EmailDefaultAddressNum';",
            database["name"],
        )
        inv = inventory(playbook, mail_servers, database, mail_account_verify=False)
        result = playbook.run(playbook.write("play.yml", yaml.safe_dump(practice_play())), inventory=inv)
        assert result.returncode == 0, result.stdout[-3000:]
        assert mariadb.rows(
            mariadb_server,
            "SELECT ValueString FROM preference WHERE PrefName = 'EmailDefaultAddressNum'",
            database["name"],
        ) == [["5"]]
    mariadb.sql(mariadb_server, "SET GLOBAL sql_mode = '%s';" % STRICT)


def test_restore_puts_back_the_row_of_the_run_before_through_the_test(playbook, mail_servers, mariadb_server):
    database = open_dental(mariadb_server)
    play = playbook.write("play.yml", yaml.safe_dump(practice_play()))
    assert playbook.run(play, inventory=inventory(playbook, mail_servers, database)).returncode == 0
    alice = default_row(database)
    jose = declarations.raw(
        mail_servers, user="jose", outgoing=("submission", "starttls"), incoming=("pop3s", "tls"), protocol="pop3"
    )
    moved = inventory(playbook, mail_servers, database, declaration=jose)
    assert playbook.run(play, inventory=moved).returncode == 0
    assert CIPHER.decrypt(default_row(database)[3]) == mail_servers["users"]["jose"]["password"]
    restore = os.path.join(ROOT, "playbooks", "restore.yml")
    dry = playbook.run(restore, "-v", "--check", "--diff", "-e", "mail_account_hosts=od-practice", inventory=moved)
    assert dry.returncode == 0, dry.stdout[-3000:]
    assert CIPHER.decrypt(default_row(database)[3]) == mail_servers["users"]["jose"]["password"]
    restored = playbook.run(restore, "-v", "-e", "mail_account_hosts=od-practice", inventory=moved)
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert re.search(
        r'"restored_from": "[^"]*/backups/127\.0\.0\.1_\d+_od_\w+_emailaddress_default_1\.[0-9T.]+Z\.json"',
        restored.stdout,
    )
    assert '"outcome": "restored"' in restored.stdout and '"tested": true' in restored.stdout
    assert "The declaration still holds the settings just replaced" in restored.stdout
    assert (
        default_row(database)[:3] == alice[:3]
        and CIPHER.decrypt(default_row(database)[3]) == mail_servers["users"]["alice"]["password"]
    )
    # The backup it used is spent and the restore made none: restoring again goes one change further back, to the
    # seeded row (send-only, a host the test cannot log in to: the test fails and nothing is written), not back to jose.
    again = playbook.run(restore, "-v", "-e", "mail_account_hosts=od-practice", inventory=moved)
    assert "smtp.old-host.example" in again.stdout and "kept the previous settings" in again.stdout, again.stdout[
        -3000:
    ]
    assert CIPHER.decrypt(default_row(database)[3]) == mail_servers["users"]["alice"]["password"]
    stored = [alice[3], default_row(database)[3]]
    for output in (dry.stdout, restored.stdout, again.stdout):
        assert_no_secrets(output, mail_servers, DB_PASSWORD, *stored)


def test_restore_of_a_send_only_row(playbook, mail_servers, mariadb_server):
    """Open Dental's common case: Pop3ServerIncoming blank. The restore used to fail with a bare KeyError 'incoming'."""
    database = open_dental(mariadb_server)
    play = playbook.write("play.yml", yaml.safe_dump(practice_play()))
    alice = declarations.raw(mail_servers, outgoing=("submission", "starttls"), incoming=None)
    assert playbook.run(play, inventory=inventory(playbook, mail_servers, database, declaration=alice)).returncode == 0
    assert default_row(database)[:3] is not None
    jose = declarations.raw(mail_servers, user="jose", outgoing=("submission", "starttls"), incoming=None)
    moved = inventory(playbook, mail_servers, database, declaration=jose)
    assert playbook.run(play, inventory=moved).returncode == 0
    restore = os.path.join(ROOT, "playbooks", "restore.yml")
    restored = playbook.run(restore, "-v", "-e", "mail_account_hosts=od-practice", inventory=moved)
    assert restored.returncode == 0, restored.stdout[-3000:]
    assert '"outcome": "restored"' in restored.stdout
    assert CIPHER.decrypt(default_row(database)[3]) == mail_servers["users"]["alice"]["password"]


def test_restore_refuses_a_planted_row_backup(playbook, mail_servers, mariadb_server):
    """A correctly named file dated 2999 in the backup folder,
    another user's, mode 0644: never restored; named override."""
    database = open_dental(mariadb_server)
    play = playbook.write("play.yml", yaml.safe_dump(practice_play()))
    assert playbook.run(play, inventory=inventory(playbook, mail_servers, database)).returncode == 0
    jose = declarations.raw(
        mail_servers, user="jose", outgoing=("submission", "starttls"), incoming=("pop3s", "tls"), protocol="pop3"
    )
    moved = inventory(playbook, mail_servers, database, declaration=jose)
    assert playbook.run(play, inventory=moved).returncode == 0
    folder = playbook.tmp_path / "backups"
    genuine = sorted(folder.glob("*.json"))[-1]
    planted = folder / re.sub(r"\.\d{8}T", ".29991231T", genuine.name)
    planted.write_text(genuine.read_text().replace("127.0.0.1", "203.0.113.66"))
    if os.geteuid() == 0:
        os.chown(str(planted), 65534, 65534)
    os.chmod(str(planted), 0o644)
    restore = os.path.join(ROOT, "playbooks", "restore.yml")
    refused = playbook.run(restore, "-v", "-e", "mail_account_hosts=od-practice", inventory=moved)
    assert (
        refused.returncode != 0
        and "was not written by this collection" in refused.stdout
        and planted.name in refused.stdout
    )
    assert CIPHER.decrypt(default_row(database)[3]) == mail_servers["users"]["jose"]["password"]  # nothing written
    if os.geteuid() == 0:
        os.chown(str(planted), 0, 0)
    os.chmod(str(planted), 0o600)  # ours by owner and mode now, but still without a valid MAC
    refused = playbook.run(restore, "-v", "-e", "mail_account_hosts=od-practice", inventory=moved)
    assert refused.returncode != 0 and "MAC" in refused.stdout, refused.stdout[-3000:]
    planted.unlink()
    restored = playbook.run(restore, "-v", "-e", "mail_account_hosts=od-practice", inventory=moved)
    assert restored.returncode == 0 and '"outcome": "restored"' in restored.stdout, restored.stdout[-3000:]
