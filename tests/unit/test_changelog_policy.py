"""Changelog policy (CONTRIBUTING.md): new modules and plugins are announced by version_added, never by a fragment."""

import os
import re

import pytest
import yaml
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT
FRAGMENTS = os.path.join(ROOT, "changelogs", "fragments")
PLUGIN_DIRS = ("modules", "lookup", "callback", "action", "filter", "inventory", "connection", "test")


def plugins():
    for kind in PLUGIN_DIRS:
        folder = os.path.join(ROOT, "plugins", kind)
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
            if name.endswith(".py") and not name.startswith("_"):
                yield kind, name[:-3]


def entries():
    for name in sorted(os.listdir(FRAGMENTS)):
        with open(os.path.join(FRAGMENTS, name), encoding="utf-8") as handle:
            for section, items in (yaml.safe_load(handle) or {}).items():
                for item in items if isinstance(items, list) else [items]:
                    yield name, section, " ".join(str(item).split())


def test_no_fragment_announces_a_new_plugin():
    names = {name for _kind, name in plugins()} | set(os.listdir(os.path.join(ROOT, "roles")))
    announced = [
        (fragment, text[:80])
        for fragment, _section, text in entries()
        if re.match(
            r"(%s) - new (module|plugin|lookup|callback|action|filter|role)\b" % "|".join(map(re.escape, names)), text
        )
    ]
    assert not announced, "announce new modules and plugins with version_added, not a fragment: %s" % announced


@pytest.mark.parametrize("kind, name", [p for p in plugins() if p[0] != "action"])
def test_every_plugin_says_when_it_was_added(kind, name):
    with open(os.path.join(ROOT, "plugins", kind, name + ".py"), encoding="utf-8") as handle:
        assert re.search(r"^version_added: ", handle.read(), re.M), "plugins/%s/%s.py: add version_added" % (kind, name)


def _version(text):
    return tuple(int(part) for part in text.split("."))


def test_no_version_added_is_later_than_the_collection():
    """Issue 25: 0.2.0 in a 0.1.0 collection (plugins, options, and the playbooks' own callback copy)."""
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        collection = _version(yaml.safe_load(handle)["version"])
    later = []
    for folder in ("plugins", "playbooks"):
        for base, _dirs, names in os.walk(os.path.join(ROOT, folder)):
            for name in (n for n in names if n.endswith(".py")):
                with open(os.path.join(base, name), encoding="utf-8") as handle:
                    later += [
                        "%s: %s" % (os.path.relpath(os.path.join(base, name), ROOT), found)
                        for found in re.findall(r"version_added: *['\"]?([\d.]+)", handle.read())
                        if _version(found) > collection
                    ]
    assert not later, "version_added later than galaxy.yml's version: %s" % later


def test_every_fragment_item_is_one_string():
    """An unquoted item holding ': ' becomes a mapping, which antsibull-changelog (and ansible-test's changelog test) refuse."""
    folder = os.path.join(ROOT, "changelogs", "fragments")
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            sections = yaml.safe_load(handle)
        for section, items in sections.items():
            assert all(isinstance(item, str) for item in items), "%s: %s has an item that is not a string (quote it)" % (name, section)
