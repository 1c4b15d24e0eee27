"""The pre-commit hook as a user installs it: pre-commit try-repo builds it from this repository
(pyproject.toml, pip, PyYAML and jsonschema from the package index) and runs it on a sample repository."""

import os
import re
import shutil
import subprocess

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRE_COMMIT = os.path.join(ROOT, ".venv", "bin", "pre-commit")
DECLARATIONS = os.path.join(ROOT, "tests", "data", "declarations")

HOST_VARS = """\
ansible_host: 192.0.2.10
mail_account:
  schema_version: 1
  address: reception@smiles.example.co.uk
  provider: ionos
  auth: {method: password, password: "Hook-Secret-9921"}
  incoming: {protocol: pop3}
  sending: {rate_per_minute: 3}
"""


# An IMAP practice: Open Dental (MC702) cannot hold it; the store beside it in the file says which application it is for.
IMAP_PRACTICE = """\
mail_account_store: {store}
mail_account:
  schema_version: 1
  address: reception@{name}.example.co.uk
  provider: ionos_uk
  auth: {{method: password, password: "Hook-Secret-9921"}}
  incoming: {{protocol: imap}}
  sending: {{rate_per_minute: 3}}
"""


def git(cwd, *args):
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args], cwd=cwd, check=True, capture_output=True
    )


def test_the_hook_installs_from_the_repository_and_reports_file_line_and_code(tmp_path):
    sample = tmp_path / "sample"
    for folder in ("declarations", "sites", "inventory/host_vars"):
        (sample / folder).mkdir(parents=True)
    shutil.copy(os.path.join(DECLARATIONS, "bad-office365-port-465.yml"), str(sample / "declarations" / "molars.yml"))
    shutil.copy(os.path.join(DECLARATIONS, "bad-office365-port-465.yml"), str(sample / "sites" / "canines.yml"))
    host_vars = sample / "inventory" / "host_vars"
    (host_vars / "smiles.yml").write_text(HOST_VARS)
    (host_vars / "open-smiles.yml").write_text(
        IMAP_PRACTICE.format(store="{type: mysql, application: opendental}", name="open-smiles")
    )
    (host_vars / "sqlite-smiles.yml").write_text(
        IMAP_PRACTICE.format(store="{type: sqlite, path: /srv/s.db}", name="sqlite-smiles")
    )
    (host_vars / "router.yml").write_text("ansible_host: 192.0.2.1\n")  # no declaration: skipped, not an error
    (sample / "notes.yml").write_text("not: a declaration\n")  # outside the hook's folders: not linted
    git(str(sample), "init", "-q")
    git(str(sample), "add", "-A")
    env = dict(
        os.environ,
        PRE_COMMIT_HOME=str(tmp_path / "cache"),
        PATH=os.path.dirname(PRE_COMMIT) + os.pathsep + os.environ["PATH"],
    )
    done = subprocess.run(
        [PRE_COMMIT, "try-repo", ROOT, "mailconfig-lint", "--all-files", "--verbose"],
        cwd=str(sample),
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "declarations/molars.yml:13:3: outgoing.port error MC204" in output
    assert "sites/canines.yml:13:3: outgoing.port error MC204" in output
    assert "inventory/host_vars/smiles.yml:7:14: incoming.protocol error MC201" in output
    # each file with its own application: Open Dental's rules for the Open Dental practice only
    assert "inventory/host_vars/open-smiles.yml:7:14: incoming.protocol error MC702" in output
    assert "sqlite-smiles.yml" not in output
    # pre-commit splits the files over one run per core: add up the runs' summaries
    assert sum(int(n) for n in re.findall(r"^(\d+) files? checked", output, re.M)) == 5, output
    assert "1 file skipped: no declaration" in output and "MC011" not in output
    assert "notes.yml" not in output and "Hook-Secret-9921" not in output


def readme_lint_folders():
    """The folders README's examples give mailconfig-lint."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        lines = [line for line in handle if "mailconfig-lint " in line]
    return sorted({word.strip("`") for line in lines for word in line.split()
                   if word.strip("`").endswith("/") and not word.startswith(("bin/", "~", "-"))})


def test_the_hook_matches_every_folder_the_readme_lints():
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as handle:
        [hook] = yaml.safe_load(handle)
    folders = readme_lint_folders()
    assert "sites/" in folders and "declarations/" in folders, folders
    for folder in folders:
        example = folder + ("host_vars/practice.yml" if "inventory" in folder else "practice.yml")
        assert re.search(hook["files"], example), "%s: README lints it, the hook's files: skips it" % example
