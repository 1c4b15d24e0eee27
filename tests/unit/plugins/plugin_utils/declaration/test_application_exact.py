"""EXACT's lint rules (MC74x, data/applications/exact.yml): the triggers that make each fire alone (run by
test_application_profiles.py), and hints in the wizard's words."""

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check
from tests.unit.plugins.plugin_utils.declaration.profile_triggers import application_codes, declaration

BASE = {"schema_version": 1, "address": "reception@smiles-dental.co.uk", "provider": "ionos_uk",
        "auth": {"method": "password", "password": "Pw-Exact-7f3c9e"}, "incoming": {"protocol": "imap"},
        "sending": {"rate_per_minute": 3}}
GRANT = {
    "method": "oauth2",
    "oauth2": {"tenant": "smiles.onmicrosoft.com", "client_id": "c1", "refresh_token": "Rt-Exact-08ab4f"},
}

# One change to BASE per EXACT rule that makes it (and no other EXACT rule) fire; None removes a field.
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


def test_pop_with_leave_a_copy_but_no_acknowledgement_is_refused_for_exact_only():
    pop = declaration(BASE, {"provider": "gmail", "incoming": {"protocol": "pop3", "leave_copy_on_server": True}})
    assert "MC742" in application_codes(check(pop, application="exact"))
    assert check(pop).normalised is not None  # the general rules accept a copy left on the server


def test_hints_speak_the_wizards_words():
    hints = {rule["code"]: rule["hint"] for rule in _application.profile("exact")["rules"]}
    assert "Practice email Address" in hints["MC741"] and "IMAP (993)" in hints["MC742"]
    assert "Use Authentication" in hints["MC747"] and "OAuth 2.0 sign-in" in hints["MC744"]
