"""A checked declaration is a value: remembered once per host, reused only for the same declaration and context."""

import copy
import datetime
import json

import pytest
from ansible import constants

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action import _checked_once as _action
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import Context

SECRET = "Reuse-Secret-5531"
DECLARATION = {"schema_version": 1, "address": "reception@smiles.example.co.uk", "provider": "ionos",
               "auth": {"method": "password", "password": SECRET}, "sending": {"rate_per_minute": 40}}


@pytest.fixture(autouse=True)
def run_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(constants, "DEFAULT_LOCAL_TMP", str(tmp_path), raising=False)


def remembered(declaration=None, context=Context()):
    declaration = declaration or DECLARATION
    fact = _action.remembered(declaration, context, _action.check_declaration(declaration, context))
    return {_action.FACT: json.loads(json.dumps(fact))}


def test_the_fact_holds_no_secret_and_gives_the_same_checked_value_back():
    fact = remembered()
    assert SECRET not in json.dumps(fact)
    checked, again = _action.checked_for_host(DECLARATION, Context(), fact)
    assert again and checked == _action.check_declaration(DECLARATION)
    assert checked.normalised["auth"]["password"] == SECRET


@pytest.mark.parametrize("change", [
    lambda d: d["sending"].update(rate_per_minute=3),
    lambda d: d["auth"].update(password="Another-Secret-2"),
])
def test_another_declaration_is_checked_again(change):
    fact = remembered()
    other = copy.deepcopy(DECLARATION)
    change(other)
    checked, again = _action.checked_for_host(other, Context(), fact)
    assert not again and checked == _action.check_declaration(other)


@pytest.mark.parametrize(
    "context",
    [
        Context(offline=True),
        Context(dns_server="127.0.0.1:53"),
        Context(today=datetime.date(2031, 1, 1)),
        Context(store={"type": "json", "path": "/x"}),
    ],
)
def test_another_context_is_checked_again(context):
    assert _action.reused(DECLARATION, context, remembered()) is None


def test_a_task_without_a_store_reuses_a_check_made_with_one():
    store = {"type": "sqlite", "path": "/var/lib/app/settings.db"}
    fact = remembered(context=Context(store=store))
    assert _action.reused(DECLARATION, Context(), fact) is not None
    assert _action.reused(DECLARATION, Context(store=store), fact) is not None


def test_outside_ansible_nothing_is_remembered(monkeypatch):
    monkeypatch.setattr(constants, "DEFAULT_LOCAL_TMP", None, raising=False)
    assert _action.remembered(DECLARATION, Context(), _action.check_declaration(DECLARATION)) is None
