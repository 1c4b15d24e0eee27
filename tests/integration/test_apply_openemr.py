"""An OpenEMR practice through real ansible-playbook: the role applies on the OpenEMR server itself (here the
local host), reading the site's key files there, into its MariaDB database; then the same from the controller
with the key files' contents from the vault."""

import sys
import uuid

import yaml

from tests.integration.test_role import recap, role_play
from tests.integration.test_verify_playbook import assert_no_secrets
from tests.servers import declarations, mariadb, openemr
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._openemr_cipher import OpenemrCipher
from tests.unit.plugins.module_utils.store.test_store_openemr import DB_PASSWORD, KEY_MATERIAL, SITE


def inventory(playbook, mail_servers, database, **overrides):
    host_vars = {
        "ansible_connection": "local",  # the OpenEMR server: Linux, where the module reads the key files
        "ansible_python_interpreter": sys.executable,
        "mail_account": declarations.raw(mail_servers, outgoing=("submission", "starttls"), incoming=None),
        "mail_account_store": {
            "type": "mysql",
            "application": "openemr",
            "host": "127.0.0.1",
            "port": database["server"]["port"],
            "user": database["user"],
            "password": "{{ vault_openemr_db_password }}",
            "database": database["name"],
            "ca_path": database["server"]["ca"],
            "site_dir": database["site"],
            "backup_dir": str(playbook.tmp_path / "backups"),
        },
        "vault_openemr_db_password": DB_PASSWORD,
        "mail_account_verify_from": "controller",
        "mail_account_verify_ca_path": mail_servers["ca"],
        "mail_account_backup": True,
    }
    host_vars.update(overrides)
    return playbook.write(
        "inventory.yml", yaml.safe_dump({"all": {"hosts": {"oe-practice": host_vars}}}, allow_unicode=True)
    )


def mail_globals(database):
    return dict(
        mariadb.rows(
            database["server"],
            "SELECT gl_name, gl_value FROM globals WHERE gl_index = 0 AND gl_name IN "
            "('SMTP_HOST', 'SMTP_PORT', 'SMTP_SECURE', 'SMTP_USER', 'SMTP_PASS', 'EMAIL_METHOD')",
            database["name"],
        )
    )


def checksum(database):
    return mariadb.rows(database["server"], "CHECKSUM TABLE globals, `keys` EXTENDED", database["name"])


def test_an_openemr_practice_on_its_server_check_real_check_idempotent(
    playbook, mail_servers, mariadb_server, tmp_path
):
    name = "oe_" + uuid.uuid4().hex[:10]
    openemr.create(mariadb_server, name, "oe_" + name[3:9], DB_PASSWORD)
    database = {"server": mariadb_server, "name": name, "user": "oe_" + name[3:9], "site": openemr.site(str(tmp_path))}
    inv = inventory(playbook, mail_servers, database)
    play = playbook.write("play.yml", role_play(hosts="oe-practice"))
    before = checksum(database)
    dry = playbook.run(play, "-vvv", inventory=inv, check=True, diff=True)
    assert dry.returncode == 0, dry.stdout[-4000:]
    assert checksum(database) == before
    assert "globals[SMTP_PASS] = ******** (changed)" in dry.stdout
    first = playbook.run(play, "-vvv", inventory=inv, diff=True)
    assert first.returncode == 0, first.stdout[-4000:]
    assert recap(first.stdout)["changed"] == 1
    stored = mail_globals(database)
    assert stored["SMTP_SECURE"] == "tls" and stored["EMAIL_METHOD"] == "SMTP" and stored["SMTP_PASS"][:3] == "006"
    assert (
        OpenemrCipher(dict(SITE, stored=stored["SMTP_PASS"])).decrypt(stored["SMTP_PASS"])
        == mail_servers["users"]["alice"]["password"]
    )
    after = checksum(database)
    again_dry = playbook.run(play, "-vvv", inventory=inv, check=True, diff=True)
    assert again_dry.returncode == 0 and recap(again_dry.stdout)["changed"] == 0, again_dry.stdout[-3000:]
    second = playbook.run(play, "-vvv", inventory=inv, diff=True)
    assert second.returncode == 0 and recap(second.stdout)["changed"] == 0, second.stdout[-3000:]
    assert checksum(database) == after
    # From the controller: no site folder, the key files' contents from the vault (no_log); a new password.
    store = yaml.safe_load(open(inv, encoding="utf-8"))["all"]["hosts"]["oe-practice"]["mail_account_store"]
    store.pop("site_dir")
    store["key_files"] = "{{ vault_openemr_key_files }}"
    jose = declarations.raw(mail_servers, user="jose", outgoing=("submission", "starttls"), incoming=None)
    remote = inventory(playbook, mail_servers, database, mail_account=jose, mail_account_store=store,
                       vault_openemr_key_files=dict(openemr.VECTORS["key_files"]), mail_account_apply_from="controller")
    moved = playbook.run(play, "-vvv", inventory=remote, diff=True)
    assert moved.returncode == 0 and recap(moved.stdout)["changed"] == 1, moved.stdout[-3000:]
    now = mail_globals(database)["SMTP_PASS"]
    assert OpenemrCipher(dict(SITE, stored=now)).decrypt(now) == mail_servers["users"]["jose"]["password"]
    for output in (dry.stdout, first.stdout, again_dry.stdout, second.stdout, moved.stdout):
        assert_no_secrets(
            output, mail_servers, DB_PASSWORD, openemr.OLD_STORED, stored["SMTP_PASS"], now, *KEY_MATERIAL
        )
