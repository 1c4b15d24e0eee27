"""README's step 3, typed as a new user would: an installed collection, another directory, no ansible.cfg."""

import json
import os
import re
import shutil
import subprocess

from tests.conftest import ROOT, VENV_BIN
from tests.integration.test_execution_environment import assert_context_installs_the_collection, files_under, mailconfig_ee
from tests.servers import fleet

README_COMMAND = "MAILCONFIG_REPORT=reports/mail ansible-playbook mailops.mailconfig.verify -i inventory/"


README_SITE_COMMAND = "ansible-playbook mailops.mailconfig.site -i inventory/"
INSTALLED = os.path.join("ansible_collections", "mailops", "mailconfig")


def readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        return handle.read()


def new_user_env(home, collections):
    """A new user's shell: no ANSIBLE_* or MAILCONFIG_* settings, a home of its own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "MAILCONFIG_"))}
    env.update(PATH=VENV_BIN + os.pathsep + os.environ["PATH"], HOME=str(home), ANSIBLE_COLLECTIONS_PATH=str(collections))
    return env


def test_readme_verify_command_writes_report_and_summary(installed_collection, mail_servers, tmp_path):
    assert README_COMMAND in readme()
    work = tmp_path / "msp"
    fleet.write(work, mail_servers, 3)
    env = new_user_env(tmp_path, installed_collection)
    result = subprocess.run(README_COMMAND, shell=True, cwd=str(work), env=env, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.count("MAIL ACCOUNTS") == 1
    assert "3 practices: 3 validated, 0 changed, 3 verified ok, 0 need attention" in result.stdout
    with open(str(work / "reports" / "mail.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    assert [row["practice"] for row in report["practices"]] == [fleet.name(n) for n in range(3)]
    assert (work / "reports" / "mail.html").exists()


def test_a_rollout_without_a_report_is_audited_in_the_state_folder(installed_collection, mail_servers, tmp_path):
    """README: every change is logged; with no MAILCONFIG_* set, in ~/.local/state/mailconfig/audit.jsonl."""
    assert README_SITE_COMMAND in readme() and "~/.local/state/mailconfig" in readme()
    work = tmp_path / "msp"
    (work / "sites").mkdir(parents=True)
    store = {"type": "sqlite", "path": str(work / "sites" / "{{ inventory_hostname }}.db"), "create": True}
    fleet.write(work, mail_servers, 2, extra_vars={"mail_account_store": store})
    result = subprocess.run(README_SITE_COMMAND, shell=True, cwd=str(work), env=new_user_env(tmp_path, installed_collection),
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with open(str(tmp_path / ".local" / "state" / "mailconfig" / "audit.jsonl"), encoding="utf-8") as handle:
        text = handle.read()
    lines = [json.loads(line) for line in text.splitlines()]
    assert sorted((line["practice"], line["outcome"], line["store"]["type"]) for line in lines) == [
        (fleet.name(n), "written", "sqlite") for n in range(2)]
    assert all(line["keys"] and "email.auth.password" in line["keys"] for line in lines)  # named without --diff
    assert all(line["store"]["path"].endswith(".db") for line in lines)
    assert not [secret for secret in fleet.passwords(mail_servers, 2) if secret in text]


def test_a_dry_run_finds_the_missing_folder_the_real_run_would_meet(installed_collection, mail_servers, tmp_path):
    """README's dry run (--check --diff) must not promise a SQLite rollout that then fails on a missing folder."""
    work = tmp_path / "msp"
    store = {"type": "sqlite", "path": str(work / "no-such-folder" / "{{ inventory_hostname }}.db"), "create": True}
    fleet.write(work, mail_servers, 1, extra_vars={"mail_account_store": store})
    dry = subprocess.run(README_SITE_COMMAND + " --check --diff", shell=True, cwd=str(work), env=new_user_env(tmp_path, installed_collection),
                         capture_output=True, text=True, timeout=300, check=False)
    assert dry.returncode != 0, dry.stdout[-3000:]
    assert "does not exist" in dry.stdout and "no-such-folder" in dry.stdout, dry.stdout[-3000:]
    assert not (work / "no-such-folder").exists()


def readme_ee_commands():
    """The AWX section's commands, with ``build`` as ``create`` (no container engine here: the context is the proof)."""
    section = readme().split("## AWX", 1)[1]
    block = re.search(r"```\n(.*?)```", section, re.S).group(1)
    assert "ansible-builder build -t mailconfig-ee:latest" in block
    return block.replace("ansible-builder build -t mailconfig-ee:latest", "ansible-builder create --output-filename Containerfile")


def test_readme_ee_commands_from_the_installed_collection(installed_collection, tmp_path):
    home = tmp_path / "home"
    (home / ".ansible").mkdir(parents=True)
    os.symlink(str(installed_collection), str(home / ".ansible" / "collections"))  # where ansible-galaxy installs by default
    before = files_under(str(installed_collection / INSTALLED))
    done = subprocess.run(["bash", "-e", "-c", readme_ee_commands()], cwd=str(tmp_path), env=new_user_env(home, home / "none"),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Complete!" in done.stdout and "No matches" not in done.stdout + done.stderr
    tarball = assert_context_installs_the_collection(home / "mailconfig-ee" / "context")
    assert files_under(str(installed_collection / INSTALLED)) == before  # no build folder, no context in the collection
    again = tmp_path / "again"  # ansible-galaxy checks every file of the repacked tarball against its FILES.json
    installed = subprocess.run(["ansible-galaxy", "collection", "install", "-p", str(again), str(tarball)], env=new_user_env(home, again),
                               capture_output=True, text=True, timeout=300, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert files_under(str(again / INSTALLED)) == before


def test_an_installed_collection_changed_since_install_is_not_packed(installed_collection, tmp_path):
    copy = tmp_path / INSTALLED
    shutil.copytree(str(installed_collection / INSTALLED), str(copy))
    with open(str(copy / "plugins" / "modules" / "mail_verify.py"), "a", encoding="utf-8") as handle:
        handle.write("# edited after install\n")
    done = mailconfig_ee(str(copy), tmp_path / "ee")
    assert done.returncode == 2 and "plugins/modules/mail_verify.py differs from what was installed" in done.stderr, done.stderr
    assert not (tmp_path / "ee").exists()
    os.remove(str(copy / "MANIFEST.json"))  # neither installed nor a source tree
    done = mailconfig_ee(str(copy), tmp_path / "ee")
    assert done.returncode == 2 and "neither galaxy.yml" in done.stderr and not (tmp_path / "ee").exists()
