"""What a user installs: the built collection, its docs, its changelog."""

import os
import re
import subprocess
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".venv", "bin")
ENV = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".venv", "collections"), ANSIBLE_NOCOLOR="1")

PLUGINS = {
    "module": ["mail_account", "mail_verify", "mail_verify_batch", "mail_declaration", "mail_sender_check"],
    "lookup": ["mail_provider"],
    "callback": ["fleet_summary"],
}


def test_build_has_what_users_need_and_no_junk(tmp_path):
    result = subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), ROOT],
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [artifact] = [p for p in os.listdir(str(tmp_path)) if p.endswith(".tar.gz")]
    with tarfile.open(str(tmp_path / artifact)) as archive:
        names = archive.getnames()
    for needed in (
        "MANIFEST.json",
        "meta/runtime.yml",
        "schemas/mail_account.schema.json",
        "data/providers.yml",
        "plugins/modules/mail_account.py",
        "roles/mail_account/meta/argument_specs.yml",
        "playbooks/site.yml",
        "bin/mailconfig-lint",
        "bin/mailconfig-ee",
        "meta/execution-environment.yml",
        "docs/rules.md",
        "README.md",
        "examples/inventory/hosts.yml",
        "examples/demo-vault-password",
        "tests/config.yml",
        "tests/sanity/ignore-2.19.txt",
    ):
        assert needed in names, needed
    # the test suites, their servers and data, benchmarks and make tooling stay in the repository (galaxy.yml build_ignore)
    shipped_tests = [n for n in names if n.startswith("tests/") and n not in ("tests/config.yml", "tests/sanity")
                     and not re.match(r"tests/sanity/ignore-[0-9.]+\.txt$", n)]
    assert not shipped_tests, shipped_tests[:10]
    assert not [n for n in names if n.split("/")[0] in ("benchmarks", "Makefile", "requirements-dev.txt", "pytest.ini")]
    junk = [n for n in names if n.split("/")[0] in (".venv", "build", ".git", ".pytest_cache", ".hypothesis")
            or "/__pycache__" in n or n.startswith("tests/output") or n.startswith("benchmarks/out")]
    assert not junk, junk[:10]


@pytest.mark.parametrize("kind, name", [(kind, name) for kind, names in PLUGINS.items() for name in names])
def test_ansible_doc_renders(kind, name):
    result = subprocess.run([os.path.join(BIN, "ansible-doc"), "-t", kind, "mailops.mailconfig." + name],
                            capture_output=True, text=True, env=ENV, check=False)
    assert result.returncode == 0, result.stderr
    assert "mailops.mailconfig." + name in result.stdout
    assert "ERROR" not in result.stderr


def test_role_doc_renders():
    result = subprocess.run([os.path.join(BIN, "ansible-doc"), "-t", "role", "mailops.mailconfig.mail_account"],
                            capture_output=True, text=True, env=ENV, check=False)
    assert result.returncode == 0, result.stderr
    for entry_point in ("main", "validate", "apply", "verify"):
        assert re.search(r"ENTRY POINT: \W*%s\W" % entry_point, result.stdout), entry_point


def test_changelog_fragments_are_valid():
    result = subprocess.run(
        [os.path.join(BIN, "antsibull-changelog"), "lint"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_ansible_lint_production_profile():
    result = subprocess.run([os.path.join(BIN, "ansible-lint"), "--nocolor", "roles", "playbooks", "examples"],
                            cwd=ROOT, capture_output=True, text=True, env=ENV, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Profile 'production' was required, and it passed" in result.stdout + result.stderr


def test_python_lint_is_clean():
    """make lint's Python linter, with the rules in pyproject.toml."""
    result = subprocess.run(
        [
            os.path.join(BIN, "ruff"),
            "check",
            "--no-cache",
            ".",
            "bin/mailconfig-lint",
            "bin/mailconfig-ispdb",
            "bin/mailconfig-ee",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
