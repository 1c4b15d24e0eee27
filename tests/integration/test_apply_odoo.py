"""An Odoo practice through real ansible-playbook: the role applies from the controller to the practice's PostgreSQL
database (Odoo 17.0's mail tables), the practice host itself never being contacted."""

import os
import re
import subprocess
import sys

import yaml

from tests.integration.test_role import recap, role_play
from tests.integration.test_verify_playbook import assert_no_secrets
from tests.servers import declarations, postgresql
from tests.unit.plugins.module_utils.store.test_store_postgresql import (
    DB_PASSWORD,
    OLD_IMAP_PASS,
    OLD_SMTP_PASS,
    OTHER_PASS,
    everything,
    incoming,
    odoo_database,
    outgoing,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def practice_database(server):
    """The seeded database, its practice records open to any sender (alice's test address is on another domain)."""
    target = odoo_database(server)
    postgresql.sql(server, "UPDATE ir_mail_server SET from_filter = NULL WHERE id = 1;", target["name"])
    return target


def inventory(playbook, mail_servers, target, declaration=None, **overrides):
    host_vars = {
        "ansible_connection": "ssh",  # the Odoo server: never contacted, the apply runs on the controller
        "ansible_host": "192.0.2.20",
        "mail_account": declaration or declarations.raw(mail_servers),
        "mail_account_store": {
            "type": "postgresql",
            "application": "odoo",
            "host": "localhost",
            "port": target["server"]["port"],
            "user": target["user"],
            "password": "{{ vault_odoo_db_password }}",
            "database": target["name"],
            "record_name": "Smiles Dental",
            "ca_path": target["server"]["ca"],
            "backup_dir": str(playbook.tmp_path / "backups"),
        },
        "vault_odoo_db_password": DB_PASSWORD,
        "mail_account_apply_from": "controller",
        "mail_account_verify_from": "controller",
        "mail_account_verify_ca_path": mail_servers["ca"],
        "mail_account_backup": True,
    }
    host_vars.update(overrides)
    return playbook.write(
        "inventory.yml", yaml.safe_dump({"all": {"hosts": {"odoo-practice": host_vars}}}, allow_unicode=True)
    )


def play(playbook):
    return playbook.write("play.yml", role_play(hosts="odoo-practice"))


def secrets(mail_servers, output):
    assert_no_secrets(output, mail_servers, DB_PASSWORD, OLD_SMTP_PASS, OLD_IMAP_PASS, OTHER_PASS)


def test_an_odoo_practice_from_the_controller_check_real_check_idempotent(playbook, mail_servers, postgresql_server):
    target = practice_database(postgresql_server)
    inv, playbook_file = inventory(playbook, mail_servers, target), play(playbook)
    before = everything(target)
    dry = playbook.run(playbook_file, "-vvv", inventory=inv, check=True, diff=True)
    assert dry.returncode == 0, dry.stdout[-4000:]
    assert everything(target) == before
    assert (
        "ir_mail_server[id=1].smtp_pass = ******** (changed)" in dry.stdout
        and "odoo-practice -> localhost" in dry.stdout
    )
    first = playbook.run(playbook_file, "-vvv", inventory=inv, diff=True)
    assert first.returncode == 0, first.stdout[-4000:]
    assert recap(first.stdout)["changed"] == 1
    alice = mail_servers["users"]["alice"]
    assert outgoing(target)[2:4] == [alice["username"], alice["password"]] and incoming(target)[4:7] == [
        alice["username"],
        alice["password"],
        "done",
    ]
    after = everything(target)
    again = playbook.run(playbook_file, "-vvv", inventory=inv, diff=True)
    assert again.returncode == 0 and recap(again.stdout)["changed"] == 0, again.stdout[-3000:]
    assert everything(target) == after
    for output in (dry.stdout, first.stdout, again.stdout):
        secrets(mail_servers, output)


def test_a_failed_test_keeps_the_records_then_restore_puts_the_previous_ones_back(
    playbook, mail_servers, postgresql_server
):
    target = practice_database(postgresql_server)
    playbook_file = play(playbook)
    assert playbook.run(playbook_file, inventory=inventory(playbook, mail_servers, target)).returncode == 0
    alice = everything(target)
    wrong = declarations.raw(mail_servers, password="Wrong-Mail-Pass-55")
    failed = playbook.run(playbook_file, "-v", inventory=inventory(playbook, mail_servers, target, declaration=wrong))
    assert failed.returncode != 0 and "kept the previous settings" in failed.stdout, failed.stdout[-3000:]
    assert everything(target) == alice
    moved = inventory(playbook, mail_servers, target, declaration=declarations.raw(mail_servers, user="jose"))
    assert playbook.run(playbook_file, inventory=moved).returncode == 0
    assert outgoing(target)[3] == mail_servers["users"]["jose"]["password"]
    restore = os.path.join(ROOT, "playbooks", "restore.yml")
    restored = playbook.run(restore, "-v", "-e", "mail_account_hosts=odoo-practice", inventory=moved)
    assert restored.returncode == 0 and '"outcome": "restored"' in restored.stdout, restored.stdout[-3000:]
    assert (
        outgoing(target)[3] == mail_servers["users"]["alice"]["password"]
        and incoming(target)[5] == mail_servers["users"]["alice"]["password"]
    )
    for output in (failed.stdout, restored.stdout):
        secrets(mail_servers, output)
        assert "Wrong-Mail-Pass-55" not in output


def test_a_missing_record_fails_clearly_and_lint_knows_odoo(playbook, mail_servers, postgresql_server, tmp_path):
    target = practice_database(postgresql_server)
    before = everything(target)
    inv = inventory(playbook, mail_servers, target, mail_account_verify=False)
    store = yaml.safe_load(open(inv, encoding="utf-8"))["all"]["hosts"]["odoo-practice"]["mail_account_store"]
    inv = inventory(
        playbook, mail_servers, target, mail_account_verify=False, mail_account_store=dict(store, record_name="Smiles")
    )
    result = playbook.run(play(playbook), inventory=inv)
    assert result.returncode != 0
    assert "create the practice's outgoing server in Odoo first" in result.stdout, result.stdout[-3000:]
    assert everything(target) == before
    starttls = declarations.raw(mail_servers, incoming=("imap", "starttls"))
    validate = playbook.run(
        os.path.join(ROOT, "playbooks", "validate.yml"),
        inventory=inventory(playbook, mail_servers, target, declaration=starttls),
    )
    assert validate.returncode != 0 and "MC733" in validate.stdout
    path = tmp_path / "starttls.yml"
    path.write_text(yaml.safe_dump(starttls))
    lint = [sys.executable, os.path.join(ROOT, "bin", "mailconfig-lint")]
    assert "MC733" not in subprocess.run(lint + [str(path)], stdout=subprocess.PIPE, text=True, check=False).stdout
    for_odoo = subprocess.run(
        lint + ["--application", "odoo", str(path)], stdout=subprocess.PIPE, text=True, check=False
    )
    assert for_odoo.returncode == 1 and re.search(r"MC733", for_odoo.stdout)
