"""The pre-commit hook as a user installs it: pre-commit try-repo builds it from this repository
(pyproject.toml, pip, PyYAML and jsonschema from the package index) and runs it on a sample repository."""

import os
import shutil
import subprocess

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


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args], cwd=cwd, check=True, capture_output=True)


def test_the_hook_installs_from_the_repository_and_reports_file_line_and_code(tmp_path):
    sample = tmp_path / "sample"
    (sample / "declarations").mkdir(parents=True)
    (sample / "inventory" / "host_vars").mkdir(parents=True)
    shutil.copy(os.path.join(DECLARATIONS, "bad-office365-port-465.yml"), str(sample / "declarations" / "molars.yml"))
    (sample / "inventory" / "host_vars" / "smiles.yml").write_text(HOST_VARS)
    (sample / "notes.yml").write_text("not: a declaration\n")  # outside the hook's folders: not linted
    git(str(sample), "init", "-q")
    git(str(sample), "add", "-A")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), PATH=os.path.dirname(PRE_COMMIT) + os.pathsep + os.environ["PATH"])
    done = subprocess.run([PRE_COMMIT, "try-repo", ROOT, "mailconfig-lint", "--all-files"], cwd=str(sample), env=env,
                          capture_output=True, text=True, check=False, timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "declarations/molars.yml:13:3: outgoing.port error MC204" in output
    assert "inventory/host_vars/smiles.yml:7:14: incoming.protocol error MC201" in output
    assert "2 files checked: 2 errors" in output
    assert "notes.yml" not in output and "Hook-Secret-9921" not in output
