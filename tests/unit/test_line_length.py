"""Every Python file the project keeps stays within 120 columns (pyproject.toml's ruff line-length).

``make lint`` runs ruff; this test holds the same line in ``make test``, which CI runs.
"""

import os
import subprocess

from tests.paths import REPO_ROOT

LIMIT = 120


def python_files():
    """Tracked Python files, and the scripts in bin/ (Python without the suffix)."""
    listed = subprocess.run(["git", "ls-files", "*.py", "bin/*"], cwd=REPO_ROOT, capture_output=True, text=True,
                            check=True).stdout.split()
    return [name for name in listed if os.path.isfile(os.path.join(REPO_ROOT, name))]


def test_the_limit_is_ruff_s():
    with open(os.path.join(REPO_ROOT, "pyproject.toml"), encoding="utf-8") as handle:
        assert "line-length = %d" % LIMIT in handle.read()


def test_there_are_files_to_check():
    names = python_files()
    assert "plugins/modules/mail_account.py" in names and "bin/mailconfig-lint" in names


def test_no_line_is_longer_than_the_limit():
    found = []
    for name in python_files():
        with open(os.path.join(REPO_ROOT, name), encoding="utf-8") as handle:
            found += ["%s:%d" % (name, number) for number, line in enumerate(handle, 1)
                      if len(line.rstrip("\n")) > LIMIT]
    assert not found, "lines longer than %d columns (wrap them as CONTRIBUTING.md's Habits say): %s" % (
        LIMIT, ", ".join(found))
