"""The target-side code parses as the oldest Python the README, tests/config.yml and the modules' requirements state."""

import ast
import os
import re

import pytest
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT
TARGET_DIRS = ("plugins/modules", "plugins/module_utils")


def _stated_minimum():
    with open(os.path.join(ROOT, "tests", "config.yml"), encoding="utf-8") as handle:
        found = re.search(r"python_requires: '>=3\.(\d+)'", handle.read())
    return (3, int(found.group(1)))


def _target_files():
    for folder in TARGET_DIRS:
        for base, _dirs, files in os.walk(os.path.join(ROOT, folder)):
            for name in sorted(files):
                if name.endswith(".py"):
                    yield os.path.relpath(os.path.join(base, name), ROOT)


@pytest.mark.parametrize("path", sorted(_target_files()))
def test_target_code_parses_as_the_stated_minimum_python(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        ast.parse(handle.read(), filename=path, feature_version=_stated_minimum())


def test_the_minimum_is_stated_alike_everywhere():
    major, minor = _stated_minimum()
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        assert "Targets: Python %d.%d or later" % (major, minor) in handle.read()
    for module in ("mail_account", "mail_verify"):
        with open(os.path.join(ROOT, "plugins", "modules", module + ".py"), encoding="utf-8") as handle:
            assert "Python %d.%d or later on the target" % (major, minor) in handle.read(), module


# No supported ansible-core needs the Python 2 boilerplate: tests/config.yml states Python 3.8+ for the
# target code, so ansible-test 2.16 skips its boilerplate checks, and 2.17+ have none.
BOILERPLATE = ("from __future__ import absolute_import, division, print_function", "__metaclass__ = type")


def _plugin_files():
    for base, _dirs, files in os.walk(os.path.join(ROOT, "plugins")):
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.relpath(os.path.join(base, name), ROOT)


@pytest.mark.parametrize("path", sorted(_plugin_files()))
def test_no_python2_boilerplate(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        text = handle.read()
    assert not any(line in text for line in BOILERPLATE), (
        "%s: drop the Python 2 boilerplate (from __future__ import ..., __metaclass__ = type)" % path
    )
