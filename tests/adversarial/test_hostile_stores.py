"""The INI and JSON cases from the review: INI through a real ansible-playbook --check --diff and real runs,
JSON through its store.

A settings file whose keys differ from ours only in case, with a continuation line
under the old password, and the application's own database password beside ours:
--diff shows neither password, the run replaces our key in place (one key, so
configparser still reads the file), and the second run changes nothing.
"""

import configparser
import json

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._json import JsonStore
from tests.integration.apply_helpers import apply_task, assert_task, play, recap
from tests.unit.plugins.module_utils.store.store_helpers import PASSWORD_A, apply, plan, raw_declaration, store

OLD_PASSWORD = "Old-Mail-Pw-31f9c0aa"
DATABASE_PASSWORD = "App-Db-Pw-7e55d210"
INI = """\
[Database]
Password = %s

[Email]
Address = old@smiles-dental.co.uk
Auth.Password = %s
  second-line-of-the-old-value
""" % (DATABASE_PASSWORD, OLD_PASSWORD)
JSON = {"database": {"password": DATABASE_PASSWORD}, "email": {"auth": {"password": OLD_PASSWORD}}}


def test_hostile_ini_file(playbook, tmp_path):
    ini = tmp_path / "app.ini"
    ini.write_text(INI)
    options = {"type": "ini", "path": str(ini)}
    tasks = [dict(apply_task("INI dry run", "ini_check", store=options), check_mode=True),
             apply_task("INI run", "ini_run", store=options),
             apply_task("INI again", "ini_again", store=options)]
    tasks.append(assert_task("ini_check is changed and ini_run is changed and ini_again is not changed",
                             "ini_check.diff.before is search('email.auth.password = \\\\*{8}')",
                             "ini_run.diff.after is search('email.auth.password = \\\\*{8} \\\\(changed\\\\)')"))
    result = playbook.run(play(tasks, mail_account=raw_declaration()), diff=True, verbosity=3)
    assert result.returncode == 0, result.stdout
    assert recap(result.stdout)["failed"] == 0
    for secret in (OLD_PASSWORD, DATABASE_PASSWORD, PASSWORD_A, "second-line-of-the-old-value", "Database"):
        assert secret not in result.stdout, secret
    text = ini.read_text()
    assert text.lower().count("auth.password") == 1 and "Auth.Password = %s\n" % PASSWORD_A in text
    assert "[email]" not in text and "second-line" not in text and "Password = %s" % DATABASE_PASSWORD in text
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(str(ini))
    assert parser["Email"]["auth.password"] == PASSWORD_A


def test_hostile_json_file(tmp_path):
    path = tmp_path / "app.json"
    path.write_text(json.dumps(JSON, indent=2) + "\n")
    dry = apply(JsonStore, plan(), store("json", path), check_mode=True)
    done = apply(JsonStore, plan(), store("json", path))
    again = apply(JsonStore, plan(), store("json", path))
    assert dry.changed and done.changed and not again.changed
    shown = dry.before + dry.after + done.before + done.after
    for secret in (OLD_PASSWORD, DATABASE_PASSWORD, PASSWORD_A, "database"):
        assert secret not in shown, secret
    data = json.loads(path.read_text())
    assert data["database"]["password"] == DATABASE_PASSWORD and data["email"]["auth"]["password"] == PASSWORD_A
