"""Install hints work on Debian 12, whose system Python refuses a bare pip install (externally managed)."""

import sys

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._install_hint import install_hint
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _schema


def test_outside_a_virtual_environment_the_hint_names_the_debian_package_and_a_venv(monkeypatch):
    monkeypatch.setattr(sys, "base_prefix", sys.prefix)
    hint = install_hint(["jsonschema", "PyYAML"])
    assert "apt install python3-jsonschema python3-yaml" in hint
    assert "python3 -m venv VENV, then VENV/bin/pip install jsonschema PyYAML" in hint
    assert "%s -m pip" % sys.executable not in hint


def test_inside_a_virtual_environment_its_own_pip_installs(monkeypatch):
    monkeypatch.setattr(sys, "base_prefix", "/usr")
    monkeypatch.setattr(sys, "prefix", "/srv/venv")
    assert install_hint(["jsonschema"]) == "%s -m pip install jsonschema" % sys.executable


def test_the_controller_error_for_a_missing_jsonschema_carries_the_hint(monkeypatch):
    monkeypatch.setattr(sys, "base_prefix", sys.prefix)
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    _schema.validator.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="apt install python3-jsonschema"):
            _schema.validator()
    finally:
        _schema.validator.cache_clear()
