"""mailconfig-lint on an inventory's host_vars file, without its libraries, and its help against its behaviour."""

import os
import re
import subprocess
import sys

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _lint_cli
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT
LINT = os.path.join(ROOT, "bin", "mailconfig-lint")
SECRET = "HostVars-Secret-77"

HOST_VARS = """\
ansible_host: 192.0.2.10
mail_account_store:
  type: sqlite
  path: /var/lib/practice-app/settings.db
{key}:
  schema_version: 1
  address: reception@smiles.example.co.uk
  provider: office365
  auth:
    method: password
    password: {secret}
  outgoing:
    port: 465
  sending:
    rate_per_minute: 3
"""


def run(*args, env=None):
    return subprocess.run([sys.executable, LINT, *args], capture_output=True, text=True, check=False,
                          env=dict(os.environ, **(env or {})))


def test_a_host_vars_file_is_linted_under_mail_account(tmp_path):
    path = tmp_path / "practice.yml"
    path.write_text(HOST_VARS.format(key="mail_account", secret=SECRET))
    result = run(str(path))
    assert result.returncode == 1
    # the one real problem, at its line in the host_vars file; nothing about the other variables
    assert "%s:13:5: outgoing.port error MC204" % path in result.stdout, result.stdout
    assert "MC010" not in result.stdout and "MC011" not in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_key_names_another_variable(tmp_path):
    path = tmp_path / "practice.yml"
    path.write_text(HOST_VARS.format(key="practice_mail", secret=SECRET))
    lost = run(str(path))
    # a variables file without the declaration is skipped, and the skip line says which variable was looked for
    assert lost.returncode == 0
    assert "0 files checked" in lost.stdout and " error " not in lost.stdout
    assert "1 file skipped: no declaration and no variable 'mail_account' (--key names another)" in lost.stderr
    found = run("--key", "practice_mail", str(path))
    assert "outgoing.port error MC204" in found.stdout and "MC011" not in found.stdout


def test_a_python_without_jsonschema_gets_one_line_and_exit_2(tmp_path):
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['jsonschema'] = None\n")
    path = tmp_path / "practice.yml"
    path.write_text(HOST_VARS.format(key="mail_account", secret=SECRET))
    result = run(str(path), env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert (
        result.stderr.count("\n") == 1 and "jsonschema" in result.stderr and "pip install jsonschema" in result.stderr
    )


def test_jobs_help_states_the_default_the_code_uses(monkeypatch):
    help_text = run("--help").stdout
    capped = re.search(r"one per core, at most (\d+)", " ".join(help_text.split()))
    assert capped, help_text
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert _lint_cli.default_jobs() == int(capped.group(1))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert _lint_cli.default_jobs() == 2
