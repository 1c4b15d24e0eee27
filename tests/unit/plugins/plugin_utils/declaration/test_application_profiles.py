"""Application profiles are complete and their rules fire: every canonical setting is either mapped to a column
or named by a rule, and every rule of every profile fires alone on its trigger (test_application_<name>.py)."""

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import CANONICAL_KEYS
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check
from tests.unit.plugins.plugin_utils.declaration.profile_triggers import (
    application_codes,
    declaration,
    trigger_file,
    triggers_of,
)

NAMES = _application.names()
STORED = [name for name in NAMES if not _application.guided(name)]
GUIDED = [name for name in NAMES if _application.guided(name)]
# (application, rule code) for every trigger found; a profile without its trigger file fails below instead.
FIRED = [(name, code) for name in NAMES for code in sorted(getattr(triggers_of(name), "TRIGGERS", ()))]


def tables_of(profile):
    """table -> column specs: the account row's table, or each record's (layout: records); for the settings
    layout, the name/value table's own columns (its `columns` name rows, not columns)."""
    if profile.get("layout") == "settings":
        where = profile["settings_table"]
        return {where["table"]: dict((where[key], {}) for key in ("name_column", "index_column", "value_column"))}
    if "records" in profile:
        return dict((record["table"], record["columns"]) for record in profile["records"])
    return {profile["account"]["table"]: profile["columns"]}


def findings_of(result):
    return "\n".join(finding.text() for finding in result.findings)


def severity_of(name, code):
    return {rule["code"]: rule["severity"] for rule in _application.profile(name)["rules"]}[code]


def triggered(name, code, ignored=()):
    """The check, for application ``name``, of its base declaration changed by rule ``code``'s trigger."""
    module = triggers_of(name)
    raw = declaration(module.BASE, module.TRIGGERS[code])
    if ignored:
        raw["lint"] = {"ignore": list(raw.get("lint", {}).get("ignore", [])) + list(ignored)}
    return check(raw, application=name), raw


@pytest.mark.parametrize("name", NAMES)
def test_every_canonical_setting_is_mapped_or_refused_by_a_rule(name):
    profile = _application.profile(name)
    assert list(profile["settings"]) == list(CANONICAL_KEYS), (
        "data/applications/%s.yml: settings must list every canonical key in order" % name)
    codes = {rule["code"] for rule in profile["rules"]}
    # a stored application's columns (of its schema: Odoo's from_filter is checked, not written), or a guided
    # application's wizard fields
    if profile.get("layout") == "settings":  # rows of a name/value table, named by the profile's columns
        places = set(profile["columns"])
    elif "schema" in profile:
        places = set(column for columns in profile["schema"]["tables"].values() for column in columns)
    else:
        screens = profile["wizard"]["screens"]
        places = {step["field"] for screen in screens for step in screen["steps"] if "field" in step}
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


@pytest.mark.parametrize("name", NAMES)
def test_every_rule_of_every_profile_has_a_trigger(name):
    codes = {rule["code"] for rule in _application.profile(name)["rules"]}
    module = triggers_of(name)
    assert module or not codes, (
        "data/applications/%s.yml has rules (%s) and no triggers: add %s with BASE (a declaration %s accepts) and "
        "TRIGGERS (each rule code -> the change to BASE that makes that rule alone fire), as "
        "test_application_openemr.py has" % (name, ", ".join(sorted(codes)), trigger_file(name), name))
    if module is None:  # a profile without rules needs none
        return
    for part in ("BASE", "TRIGGERS"):
        assert hasattr(module, part), "%s: define %s (see profile_triggers.py)" % (trigger_file(name), part)
    missing, unknown = sorted(codes - set(module.TRIGGERS)), sorted(set(module.TRIGGERS) - codes)
    assert not missing, "data/applications/%s.yml: rule %s has no trigger: add it to TRIGGERS in %s" % (
        name, ", ".join(missing), trigger_file(name))
    assert not unknown, "%s: TRIGGERS has %s, which is no rule of data/applications/%s.yml" % (
        trigger_file(name), ", ".join(unknown), name)


@pytest.mark.parametrize("name", sorted({name for name, _code in FIRED}))
def test_the_base_declaration_passes_its_application(name):
    result = check(triggers_of(name).BASE, application=name)
    assert result.normalised is not None and application_codes(result) == [], (
        "%s: BASE must pass %s without an application finding; it gets:\n%s" % (
            trigger_file(name), name, findings_of(result)))


@pytest.mark.parametrize("name, code", FIRED)
def test_each_rule_fires_on_its_trigger_alone_and_only_for_its_application(name, code):
    result, raw = triggered(name, code)
    assert application_codes(result) == [code], (
        "TRIGGERS[%r] in %s must make %s alone of data/applications/%s.yml's rules fire; it gets:\n%s" % (
            code, trigger_file(name), code, name, findings_of(result)))
    assert (result.normalised is None) == (severity_of(name, code) == "error")
    assert application_codes(check(raw)) == []


@pytest.mark.parametrize("name, code", FIRED)
def test_application_warnings_can_be_silenced_and_errors_cannot(name, code):
    result, _raw = triggered(name, code, ignored=[code])
    unsilenceable = [f.code for f in result.findings if f.code == "MC005" and code in f.text()]
    if severity_of(name, code) == "error":
        assert application_codes(result) == [code] and unsilenceable == ["MC005"]
    else:
        assert application_codes(result) == [] and not unsilenceable and result.normalised is not None


def test_an_unknown_application_is_refused():
    with pytest.raises(_application.UnknownApplication, match="no application profile 'dentrix'"):
        check(triggers_of("opendental").BASE, application="dentrix")
