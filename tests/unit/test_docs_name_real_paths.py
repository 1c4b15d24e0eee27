"""The docs name only files that exist, and CONTRIBUTING.md's recipes only tests that exist.

When code moves (issue 22 moved most of plugins/), prose keeps the old path and nothing
else notices; each assertion here names the document and the paths that no longer exist.
"""

import glob
import os
import re

import pytest
from tests.paths import REPO_ROOT

# What a backticked token looks like when it names a path: `a/b`, `a/b/`, `file.py`; <name> is a placeholder.
PATH = re.compile(r"^[\w.<>*-]+(/[\w.<>*-]*)+$|^[\w.<>*-]+\.(py|yml|yaml|md|json|txt|toml)$")
BACKTICKED = re.compile(r"`([^`\n]+)`")
TITLE_FOLDER = re.compile(r"`([\w./-]+/)`")
# plugins/... and tests/... anywhere in a text, backticked or not (the kinds of path that moved).
PLUGIN_OR_TEST_PATH = re.compile(r"(?<![\w/.$-])((?:plugins|tests)/[\w./<>*-]*[\w>*/])")
TEST_FUNCTION = re.compile(r"^test_\w+$")
DOCS = ["README.md", "CONTRIBUTING.md", "roles/mail_account/README.md", "docs/*.md",
        "data/applications/*.yml", "plugins/**/*.py"]


def _read(name):
    with open(os.path.join(REPO_ROOT, name), encoding="utf-8") as handle:
        return handle.read()


def _missing(paths, bases=("",)):
    """The paths that match nothing under any of ``bases`` (a ``<placeholder>`` matches any name)."""
    def found(path):
        pattern = re.sub(r"<[^>]+>", "*", path)
        return any(glob.glob(os.path.join(REPO_ROOT, base, pattern), recursive=True) for base in bases)
    return sorted(set(path for path in paths if not found(path)))


def _backticked_paths(text):
    return [token for token in BACKTICKED.findall(text) if PATH.match(token)]


def _sections(text):
    """``(folder, text)`` per ``## `` section; the folder in its title is what its tables' paths are relative to."""
    for part in re.split(r"^(?=## )", text, flags=re.M):
        title = part.split("\n", 1)[0] if part.startswith("## ") else ""
        folder = TITLE_FOLDER.search(title)
        yield (folder.group(1) if folder else ""), part


def test_a_moved_path_is_caught():
    assert _missing(["plugins/module_utils/_verify.py", "plugins/module_utils/probe/_verify.py"]) == [
        "plugins/module_utils/_verify.py"]
    placeholders = ["tests/unit/test_store_<name>.py", "tests/unit/plugins/module_utils/store/test_store_<name>.py"]
    assert _missing(placeholders) == ["tests/unit/test_store_<name>.py"]


def test_every_path_in_architecture_md_exists():
    text = _read("docs/architecture.md")
    named, missing = 0, []
    for folder, section in _sections(text):
        paths = _backticked_paths(section)
        named += len(paths)
        missing += _missing(paths, ("", folder))
    missing += _missing(re.findall(r"\]\(([\w./-]+\.md)\)", text), ("docs",))
    assert named > 50, "the pattern no longer finds the paths in docs/architecture.md"
    assert not missing, ("docs/architecture.md names paths that do not exist (relative to the repository or to the "
                         "folder in the section's title): %s" % ", ".join(missing))


def test_every_path_in_contributing_md_exists():
    paths = _backticked_paths(_read("CONTRIBUTING.md"))
    missing = _missing([path for path in paths if "/" in path])
    missing += _missing([name for name in paths if "/" not in name], ("tests/**", "plugins/**", "docs", ""))
    assert not missing, ("CONTRIBUTING.md names paths that do not exist (relative to the repository; a bare file "
                         "name anywhere in tests/, plugins/ or docs/): %s" % ", ".join(missing))


def test_every_test_a_recipe_names_exists():
    """A recipe's "Tests that tell you" must point at a test function that is there to run."""
    sources = glob.glob(os.path.join(REPO_ROOT, "tests", "**", "*.py"), recursive=True)
    defined = set(re.findall(r"^\s*def (test_\w+)", "\n".join(_read(name) for name in sources), re.M))
    named = [token for token in BACKTICKED.findall(_read("CONTRIBUTING.md")) if TEST_FUNCTION.match(token)]
    assert len(named) >= 5, "the pattern no longer finds the test functions CONTRIBUTING.md names"
    missing = sorted(set(named) - defined)
    assert not missing, "CONTRIBUTING.md names test functions that no test defines: %s" % ", ".join(missing)


@pytest.mark.parametrize("pattern", DOCS)
def test_every_plugin_and_test_path_the_docs_name_exists(pattern):
    names = sorted(glob.glob(os.path.join(REPO_ROOT, pattern), recursive=True))
    assert names, "no file matches %s" % pattern
    stale = []
    for name in names:
        relative = os.path.relpath(name, REPO_ROOT)
        stale += ["%s: %s" % (relative, path) for path in _missing(PLUGIN_OR_TEST_PATH.findall(_read(relative)))]
    assert not stale, "paths that no longer exist (moved? see docs/architecture.md): %s" % "; ".join(stale)
