"""README's step 3, typed as a new user would: an installed collection, another directory, no ansible.cfg."""

import json
import os
import subprocess

from tests.conftest import ROOT, VENV_BIN
from tests.servers import fleet

README_COMMAND = "MAILCONFIG_REPORT=reports/mail ansible-playbook mailops.mailconfig.verify -i inventory/"


def test_readme_verify_command_writes_report_and_summary(installed_collection, mail_servers, tmp_path):
    assert README_COMMAND in open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    work = tmp_path / "msp"
    fleet.write(work, mail_servers, 3)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "MAILCONFIG_"))}
    env.update(PATH=VENV_BIN + os.pathsep + os.environ["PATH"], HOME=str(tmp_path), ANSIBLE_COLLECTIONS_PATH=str(installed_collection))
    result = subprocess.run(README_COMMAND, shell=True, cwd=str(work), env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.count("MAIL ACCOUNTS") == 1
    assert "3 practices: 3 validated, 0 changed, 3 verified ok, 0 need attention" in result.stdout
    with open(str(work / "reports" / "mail.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    assert [row["practice"] for row in report["practices"]] == [fleet.name(n) for n in range(3)]
    assert (work / "reports" / "mail.html").exists()
