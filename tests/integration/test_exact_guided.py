"""An EXACT practice through real ansible-playbook: site.yml writes its setup sheet and nothing else, the summary says
awaiting entry; with mail_account_entered set, verify.yml's check against the suite's Dovecot makes it entered and
verified; mailconfig-sheet --show-secret puts the vaulted password on the terminal only, never in a file."""

import json
import os
import pty
import re
import select
import subprocess
import sys

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from tests.conftest import ROOT, PlaybookRunner, ansible_env
from tests.servers import declarations

SITE, VERIFY = os.path.join(ROOT, "playbooks", "site.yml"), os.path.join(ROOT, "playbooks", "verify.yml")
SHEET_COMMAND = os.path.join(ROOT, "bin", "mailconfig-sheet")
VAULT_PASSWORD = "exact-vault-pass-31"
PRACTICE = "smiles-exact"


def _vaulted(text):
    encrypted = VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode()))]).encrypt(text).decode()
    return "!vault |\n" + "".join("  %s\n" % line for line in encrypted.splitlines())


def _inventory(folder, state, entered=None):
    """One EXACT practice on the suite's Dovecot (send only: EXACT's incoming ports are 993/995), its password vaulted."""
    declaration = declarations.raw(state, incoming=None, lint={"ignore": ["MC746"]})
    declaration["auth"]["password"] = "{{ vault_exact_password }}"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "mail_account_store": {"type": "guided", "application": "exact"}, "mail_account": declaration,
            "mail_account_verify_from": "controller", "mail_account_verify_ca_path": state["ca"],
            "mail_account_sheets_dir": str(folder / "sheets")}
    if entered:
        host["mail_account_entered"] = entered
    inventory = folder / "inventory"
    (inventory / "host_vars").mkdir(parents=True, exist_ok=True)
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {PRACTICE: host}}}))
    (inventory / "host_vars" / (PRACTICE + ".yml")).write_text(
        "vault_exact_password: " + _vaulted(state["users"]["alice"]["password"]))
    (folder / "vault-pass").write_text(VAULT_PASSWORD + "\n")
    return str(inventory)


def _run(folder, playbook, inventory, name):
    return PlaybookRunner(folder).run(playbook, "--vault-password-file", str(folder / "vault-pass"), inventory=inventory,
                                      env={"MAILCONFIG_REPORT": str(folder / "report" / name),
                                           "ANSIBLE_CALLBACKS_ENABLED": "mailops.mailconfig.fleet_summary"})


def _row(folder, name):
    with open(str(folder / "report" / (name + ".json")), encoding="utf-8") as handle:
        return {row["practice"]: row for row in json.load(handle)["practices"]}[PRACTICE]


def _files(folder):
    """Every file the runs left under ``folder``, as text (sheets, reports, audit log)."""
    found = {}
    for base, _dirs, names in os.walk(str(folder)):
        for name in names:
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                found[path] = handle.read().decode("utf-8", "replace")
    return found


@pytest.fixture(scope="module")
def runs(mail_servers, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exact")
    state = mail_servers
    inventory = _inventory(folder, state)
    first = _run(folder, SITE, inventory, "site")
    again = _run(folder, SITE, inventory, "again")
    awaiting = _row(folder, "site")
    inventory = _inventory(folder, state, entered="2026-12-01")
    verified = _run(folder, VERIFY, inventory, "verify")
    return {"folder": folder, "state": state, "inventory": inventory, "first": first, "again": again, "awaiting": awaiting,
            "verified": verified, "verified_row": _row(folder, "verify")}


def test_the_rollout_writes_the_sheet_and_the_summary_says_awaiting_entry(runs):
    first, folder = runs["first"], runs["folder"]
    assert first.returncode == 0, first.stdout[-3000:]
    assert re.search(r"^%s\s.*awaiting entry.*awaiting_entry" % PRACTICE, first.stdout, re.M), first.stdout[-3000:]
    assert "note: The verification proves" in first.stdout
    assert runs["awaiting"]["outcome"] == "awaiting entry" and runs["awaiting"]["guided"]["entered"] is None
    sheet = (folder / "sheets" / (PRACTICE + ".md")).read_text()
    state = runs["state"]
    assert re.search(r"\| \d+ \| Outgoing Mail Server \| type \| `%s` \|" % re.escape(state["hosts"]["ipv4"]), sheet), sheet
    assert "`%d`" % state["ports"]["submission"] in sheet and "--show-secret" in sheet
    assert sorted(os.listdir(str(folder / "sheets"))) == [
        ".index.lock", "index.html", "index.md", PRACTICE + ".html", PRACTICE + ".json", PRACTICE + ".md"]


def test_a_second_rollout_changes_nothing(runs):
    again = runs["again"]
    assert again.returncode == 0 and re.search(r"%s\s+: ok=\d+\s+changed=0" % PRACTICE, again.stdout), again.stdout[-3000:]


def test_entered_and_a_passing_check_make_it_entered_and_verified(runs):
    verified, row = runs["verified"], runs["verified_row"]
    assert verified.returncode == 0, verified.stdout[-3000:]
    assert row["outgoing"] == "ok" and not row["diagnosis"]
    assert re.fullmatch(r"entered and verified \(entered 2026-12-01, verified \d{4}-\d\d-\d\d\)", row["outcome"]), row
    assert "entered and verified" in verified.stdout


def test_no_password_in_any_output_or_file(runs):
    password = runs["state"]["users"]["alice"]["password"]
    for name in ("first", "again", "verified"):
        assert password not in runs[name].stdout, name
    leaked = [path for path, text in _files(runs["folder"]).items() if password in text]
    assert not leaked


def _on_a_terminal(arguments, stdout_file):
    """Run ``arguments`` with a pseudo-terminal as its controlling terminal and stdout sent to ``stdout_file``."""
    pid, master = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty; stdout goes to the file
        descriptor = os.open(stdout_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(descriptor, 1)
        os.execve(sys.executable, [sys.executable] + arguments, ansible_env(os.path.dirname(stdout_file)))
    seen = b""
    while True:
        ready, _w, _x = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    _pid, status = os.waitpid(pid, 0)
    os.close(master)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace")


def test_show_secret_prints_the_password_on_the_terminal_only(runs):
    folder, password = runs["folder"], runs["state"]["users"]["alice"]["password"]
    arguments = [SHEET_COMMAND, "-i", runs["inventory"], PRACTICE, "--show-secret", "--vault-password-file", str(folder / "vault-pass")]
    code, terminal = _on_a_terminal(arguments, str(folder / "stdout.txt"))
    assert code == 0, terminal
    assert password in terminal
    assert password not in (folder / "stdout.txt").read_text()
    leaked = [path for path, text in _files(folder).items() if password in text]
    assert not leaked
    # without a terminal it refuses and shows nothing
    done = subprocess.run([sys.executable] + arguments, capture_output=True, text=True, env=ansible_env(folder),
                          stdin=subprocess.DEVNULL, start_new_session=True, check=False)
    assert done.returncode == 2 and "only to a terminal" in done.stderr and password not in done.stdout + done.stderr


def test_the_sheet_command_prints_the_sheet_without_the_secret(runs):
    folder, password = runs["folder"], runs["state"]["users"]["alice"]["password"]
    done = subprocess.run([sys.executable, SHEET_COMMAND, "-i", runs["inventory"], PRACTICE, "--vault-password-file",
                           str(folder / "vault-pass")], capture_output=True, text=True, env=ansible_env(folder), check=False)
    assert done.returncode == 0, done.stderr
    assert "Status: entered 2026-12-01" in done.stdout and password not in done.stdout + done.stderr
