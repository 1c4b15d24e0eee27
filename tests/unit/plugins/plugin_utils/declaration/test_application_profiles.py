"""Application profiles are complete and their rules fire: every canonical setting is either
mapped to a column or named by a rule, every rule is reachable, and lint knows the codes."""

import copy

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import CANONICAL_KEYS
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check

NAMES = _application.names()

BASE = {"schema_version": 1, "address": "reception@smiles-dental.co.uk", "provider": "gmail",
        "auth": {"method": "password", "password": "Pw-Alpha-7f3c9e"},
        "incoming": {"protocol": "pop3", "acknowledge_mail_removal": True}}

# One declaration per Open Dental rule that makes it (and no other application rule) fire.
TRIGGERS = {
    "MC701": {"provider": "gmail", "auth": {"method": "oauth2", "oauth2": {"client_id": "c1", "refresh_token": "Rt-Delta-08ab4f"}}},
    "MC702": {"incoming": {"protocol": "imap"}},
    "MC703": {"outgoing": {"port": 465, "security": "starttls"}, "lint": {"ignore": ["MC203"]}},
    "MC704": {"outgoing": {"port": 587, "security": "tls"}, "lint": {"ignore": ["MC203"]}},
    "MC705": {"incoming": {"protocol": "pop3", "port": 110, "security": "starttls", "acknowledge_mail_removal": True}},
    "MC706": {"outgoing": {"port": 587, "security": "starttls"}, "incoming": {
        "protocol": "pop3", "host": "pop.gmail.com", "port": 110, "security": "none", "allow_plaintext_login": True,
        "acknowledge_mail_removal": True}, "lint": {"ignore": ["MC206", "MC501"]}},
    "MC707": {"outgoing": {"authenticate": False}},
    "MC708": {"display_name": "Smiles Dental"},
    "MC709": {"sending": {"rate_per_minute": 3}},
    "MC710": {"incoming": {"protocol": "pop3", "leave_copy_on_server": True}},
    "MC711": {"provider": "office365", "incoming": {"enabled": False}},
    "MC712": {"auth": {"method": "password", "password": "P" + "w-long-9" * 22}},  # 177 bytes: 256 characters encrypted
}


# Odoo: the base declaration with IMAP, and one trigger per rule.
ODOO_BASE = {"incoming": {"protocol": "imap"}}
ODOO_TRIGGERS = {
    "MC731": TRIGGERS["MC701"],
    "MC732": {"incoming": {"protocol": "pop3", "leave_copy_on_server": True}},
    "MC733": {"incoming": {"protocol": "imap", "port": 143, "security": "starttls"}},
    "MC734": {"incoming": {"enabled": False}},
    "MC736": {"outgoing": {"authenticate": False}},
    "MC737": {"display_name": "Smiles Dental"},
    "MC738": {"sending": {"rate_per_minute": 3}},
    "MC739": {"provider": "office365", "incoming": {"enabled": False}, "lint": {"ignore": ["MC734"]}},
}


def tables_of(profile):
    """table -> column specs: the account row's table, or each record's (layout: records); for the settings layout,
    the name/value table's own columns (its `columns` name rows, not columns)."""
    if profile.get("layout") == "settings":
        where = profile["settings_table"]
        return {where["table"]: dict((where[key], {}) for key in ("name_column", "index_column", "value_column"))}
    if "records" in profile:
        return dict((record["table"], record["columns"]) for record in profile["records"])
    return {profile["account"]["table"]: profile["columns"]}


@pytest.mark.parametrize("password, fires", [("x" * 175, False), ("x" * 176, True), ("é" * 88, True), ("é" * 87, False)])
def test_mc712_follows_the_column_width_and_the_cipher(password, fires):
    """175 bytes encrypt to 236 characters, 176 to 256 (over EmailPassword's 255); UTF-8 bytes count, not characters."""
    result = check(declaration({"auth": {"method": "password", "password": password}}), application="opendental")
    assert ("MC712" in application_codes(result)) is fires
    assert all(password not in f.text() for f in result.findings)


def declaration(changes):
    raw = copy.deepcopy(BASE)
    raw.update(copy.deepcopy(changes))
    return raw


def application_codes(result):
    return sorted(f.code for f in result.findings if f.code.startswith("MC7"))


STORED = [name for name in NAMES if not _application.guided(name)]
GUIDED = [name for name in NAMES if _application.guided(name)]


@pytest.mark.parametrize("name", NAMES)
def test_every_canonical_setting_is_mapped_or_refused_by_a_rule(name):
    profile = _application.profile(name)
    assert list(profile["settings"]) == list(CANONICAL_KEYS), "data/applications/%s.yml: settings must list every canonical key in order" % name
    codes = {rule["code"] for rule in profile["rules"]}
    # a stored application's columns (of its schema: Odoo's from_filter is checked, not written), or a guided
    # application's wizard fields
    if profile.get("layout") == "settings":  # rows of a name/value table, named by the profile's columns
        places = set(profile["columns"])
    elif "schema" in profile:
        places = set(column for columns in profile["schema"]["tables"].values() for column in columns)
    else:
        places = {step["field"] for screen in profile["wizard"]["screens"] for step in screen["steps"] if "field" in step}
    kind = "column" if "schema" in profile else "field"
    for key, where in profile["settings"].items():
        assert kind in where or "rule" in where, key
        assert where.get(kind, next(iter(places))) in places, key
        assert where.get("rule", next(iter(codes))) in codes, key


@pytest.mark.parametrize("name", GUIDED)
def test_a_guided_profile_has_no_store_and_its_rules_are_well_formed(name):
    profile = _application.profile(name)
    assert profile["store"] == "guided" and not {"schema", "account", "columns", "cipher"} & set(profile)
    for rule in profile["rules"]:
        assert rule["code"].startswith("MC7") and rule["severity"] in ("error", "warning", "info")
        assert rule["message"] and rule["hint"] and rule["path"]


@pytest.mark.parametrize("name", STORED)
def test_every_column_is_in_the_schema_and_every_setting_is_canonical(name):
    profile = _application.profile(name)
    for table, columns in tables_of(profile).items():
        for column, spec in columns.items():
            assert column in profile["schema"]["tables"][table]
            assert spec.get("setting", CANONICAL_KEYS[0]) in CANONICAL_KEYS
            assert spec.get("encoding", "text") in ("text", "integer", "boolean", "cipher")
    for rule in profile["rules"]:
        assert rule["code"].startswith("MC7") and rule["severity"] in ("error", "warning", "info")
        assert rule["message"] and rule["hint"] and rule["path"]
    assert set(_application.for_store(name)) <= set(profile)


def test_the_base_declaration_passes_open_dental():
    result = check(declaration({}), application="opendental")
    assert result.normalised is not None and application_codes(result) == []


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_each_open_dental_rule_fires_on_its_trigger_alone(code):
    result = check(declaration(TRIGGERS[code]), application="opendental")
    assert application_codes(result) == [code], [f.text() for f in result.findings]
    severity = {rule["code"]: rule["severity"] for rule in _application.profile("opendental")["rules"]}[code]
    assert (result.normalised is None) == (severity == "error")
    assert "MC7" not in " ".join(f.code for f in check(declaration(TRIGGERS[code])).findings)  # only with the application


def test_every_open_dental_rule_has_a_trigger():
    assert set(TRIGGERS) == {rule["code"] for rule in _application.profile("opendental")["rules"]}


def test_application_warnings_can_be_silenced_and_errors_cannot():
    silenced = check(declaration(dict(TRIGGERS["MC708"], lint={"ignore": ["MC708"]})), application="opendental")
    assert application_codes(silenced) == [] and not [f for f in silenced.findings if f.code == "MC005"]
    refused = check(declaration(dict(TRIGGERS["MC702"], lint={"ignore": ["MC702"]})), application="opendental")
    assert application_codes(refused) == ["MC702"]
    assert [f.code for f in refused.findings if f.code == "MC005"] == ["MC005"]


def test_an_unknown_application_is_refused():
    with pytest.raises(_application.UnknownApplication, match="no application profile 'dentrix'"):
        check(declaration({}), application="dentrix")


def test_the_base_declaration_with_imap_passes_odoo():
    result = check(declaration(ODOO_BASE), application="odoo")
    assert result.normalised is not None and application_codes(result) == [], [f.text() for f in result.findings]


@pytest.mark.parametrize("code", sorted(ODOO_TRIGGERS))
def test_each_odoo_rule_fires_on_its_trigger_alone(code):
    result = check(declaration(dict(ODOO_BASE, **ODOO_TRIGGERS[code])), application="odoo")
    assert application_codes(result) == [code], [f.text() for f in result.findings]
    severity = {rule["code"]: rule["severity"] for rule in _application.profile("odoo")["rules"]}[code]
    assert (result.normalised is None) == (severity == "error")


def test_every_odoo_rule_has_a_trigger():
    assert set(ODOO_TRIGGERS) == {rule["code"] for rule in _application.profile("odoo")["rules"]}
