"""EXACT's lint rules (MC74x, data/applications/exact.yml): each fires on its own trigger, only for EXACT, with a hint
in the wizard's words; errors refuse the declaration, warnings and infos can be silenced."""

import copy

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check

BASE = {"schema_version": 1, "address": "reception@smiles-dental.co.uk", "provider": "ionos_uk",
        "auth": {"method": "password", "password": "Pw-Exact-7f3c9e"}, "incoming": {"protocol": "imap"},
        "sending": {"rate_per_minute": 3}}
GRANT = {
    "method": "oauth2",
    "oauth2": {"tenant": "smiles.onmicrosoft.com", "client_id": "c1", "refresh_token": "Rt-Exact-08ab4f"},
}

# One declaration per EXACT rule that makes it (and no other EXACT rule) fire.
TRIGGERS = {
    "MC741": {"display_name": "Smiles Dental"},
    "MC742": {"incoming": {"protocol": "pop3", "leave_copy_on_server": False, "acknowledge_mail_removal": False},
              "lint": {"ignore": ["MC201"]}},
    "MC743": {"sending": None},
    "MC744": {"provider": "gmail", "lint": {"ignore": ["MC304"]}},
    "MC745": {"incoming": {"protocol": "imap", "port": 143, "security": "starttls"}},
    "MC746": {"outgoing": {"port": 2525, "security": "starttls"}},
    "MC747": {"outgoing": {"authenticate": False}, "lint": {"ignore": ["MC207"]}},
    "MC748": {"incoming": {"protocol": "pop3", "leave_copy_on_server": True, "acknowledge_mail_removal": True}},
    "MC749": {"provider": "office365", "auth": GRANT},
}


def declaration(changes):
    raw = copy.deepcopy(BASE)
    for key, value in copy.deepcopy(changes).items():
        if value is None:
            raw.pop(key)
        else:
            raw[key] = value
    return raw


def exact_codes(result):
    return sorted({f.code for f in result.findings if f.code.startswith("MC74")})


def test_the_base_declaration_passes_exact():
    result = check(declaration({}), application="exact")
    assert result.normalised is not None and exact_codes(result) == []


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_each_exact_rule_fires_on_its_trigger_alone_and_only_for_exact(code):
    result = check(declaration(TRIGGERS[code]), application="exact")
    assert exact_codes(result) == [code], [f.text() for f in result.findings]
    severity = {rule["code"]: rule["severity"] for rule in _application.profile("exact")["rules"]}[code]
    assert (result.normalised is None) == (severity == "error")
    assert not exact_codes(check(declaration(TRIGGERS[code])))


def test_every_exact_rule_has_a_trigger():
    assert set(TRIGGERS) == {rule["code"] for rule in _application.profile("exact")["rules"]}


def test_pop_with_leave_a_copy_but_no_acknowledgement_is_refused_for_exact_only():
    pop = declaration({"provider": "gmail", "incoming": {"protocol": "pop3", "leave_copy_on_server": True}})
    assert "MC742" in exact_codes(check(pop, application="exact"))
    assert check(pop).normalised is not None  # the general rules accept a copy left on the server


def test_hints_speak_the_wizards_words():
    hints = {rule["code"]: rule["hint"] for rule in _application.profile("exact")["rules"]}
    assert "Practice email Address" in hints["MC741"] and "IMAP (993)" in hints["MC742"]
    assert "Use Authentication" in hints["MC747"] and "OAuth 2.0 sign-in" in hints["MC744"]


def test_an_exact_warning_can_be_silenced():
    silenced = check(declaration(dict(TRIGGERS["MC741"], lint={"ignore": ["MC741"]})), application="exact")
    assert exact_codes(silenced) == [] and silenced.normalised is not None
