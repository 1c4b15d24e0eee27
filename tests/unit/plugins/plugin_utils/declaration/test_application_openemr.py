"""OpenEMR's lint rules (data/applications/openemr.yml): each fires on its own trigger, and a plain
outgoing-only declaration passes."""

import copy

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check

BASE = {"schema_version": 1, "address": "reception@riverside-clinic.example", "provider": "gmail",
        "auth": {"method": "password", "password": "Pw-Alpha-7f3c9e"}}

TRIGGERS = {
    "MC721": {"incoming": {"protocol": "imap"}},
    "MC722": {"auth": {"method": "oauth2", "oauth2": {"client_id": "c1", "refresh_token": "Rt-Delta-08ab4f"}}},
    "MC723": {"auth": {"method": "password", "password": "é" * 56}},  # 112 bytes in UTF-8, 56 characters
    "MC724": {"provider": "other", "outgoing": {"host": "relay.riverside.example", "port": 25, "security": "none",
                                                "allow_plaintext_login": True}, "lint": {"ignore": ["MC206", "MC501"]}},
    "MC725": {"outgoing": {"authenticate": False}},
    "MC726": {"sending": {"rate_per_minute": 3}},
    "MC727": {"provider": "office365"},
}


def codes(result):
    return sorted(f.code for f in result.findings if f.code.startswith("MC7"))


def declaration(changes):
    raw = copy.deepcopy(BASE)
    raw.update(copy.deepcopy(changes))
    return raw


def test_an_outgoing_only_password_declaration_passes():
    result = check(declaration({}), application="openemr")
    assert result.normalised is not None and codes(result) == [], [f.text() for f in result.findings]


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_each_openemr_rule_fires_on_its_trigger_alone(code):
    result = check(declaration(TRIGGERS[code]), application="openemr")
    assert codes(result) == [code], [f.text() for f in result.findings]
    severity = {rule["code"]: rule["severity"] for rule in _application.profile("openemr")["rules"]}[code]
    assert (result.normalised is None) == (severity == "error")


def test_every_openemr_rule_has_a_trigger():
    assert set(TRIGGERS) == {rule["code"] for rule in _application.profile("openemr")["rules"]}


def test_a_password_of_111_bytes_fits_and_the_finding_never_quotes_it():
    fits = check(declaration({"auth": {"method": "password", "password": "é" * 55 + "x"}}), application="openemr")
    assert codes(fits) == []
    secret = "Ω-Secret-" + "é" * 60
    refused = check(declaration({"auth": {"method": "password", "password": secret}}), application="openemr")
    assert codes(refused) == ["MC723"]
    assert all(secret not in f.text() and "é" * 10 not in f.text() for f in refused.findings)


def test_a_practice_that_cannot_move_to_oauth_is_listed_under_the_deadline_with_its_options():
    """Issue 26: the practices that cannot move (OpenEMR holds no OAuth) appear in the Deadlines, with what they can do."""
    import datetime  # pylint: disable=import-outside-toplevel
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _deadlines  # pylint: disable=import-outside-toplevel
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report, _report_html  # pylint: disable=import-outside-toplevel

    result = check(declaration({"provider": "office365", "incoming": {"enabled": False}}), application="openemr")
    rows = _deadlines.deadlines([("emr-practice", result.findings)])
    [own] = [row for row in rows if row["code"] == "MC727"]
    assert (own["provider"], own["date"]) == ("office365", "2026-12-31") and "relay" in own["to_do"]
    [group] = _deadlines.grouped(rows, datetime.date(2026, 12, 6))
    assert group["practices"] == ["emr-practice"] and "MC727" in [change["code"] for change in group["changes"]]
    report = _report.build([_report.new_row("emr-practice")], {"run_id": "r1", "ended": "2026-12-06T10:00:00Z"}, deadlines=rows)
    page = _report_html.render(report, "1 practice")
    assert 'href="#p-emr-practice"' in page and "cannot move to OAuth" in page and "relay" in page
