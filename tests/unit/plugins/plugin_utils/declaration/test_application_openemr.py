"""OpenEMR's lint rules (MC72x, data/applications/openemr.yml): the triggers that make each fire alone (run by
test_application_profiles.py), the password length its cipher allows, and the practices it keeps off OAuth."""

import datetime

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _deadlines
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report, _report_html
from tests.unit.plugins.plugin_utils.declaration.profile_triggers import application_codes, declaration

# An outgoing-only password declaration: what OpenEMR holds.
BASE = {"schema_version": 1, "address": "reception@riverside-clinic.example", "provider": "gmail",
        "auth": {"method": "password", "password": "Pw-Alpha-7f3c9e"}}

# One change to BASE per OpenEMR rule that makes it (and no other application rule) fire.
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


def test_a_password_of_111_bytes_fits_and_the_finding_never_quotes_it():
    fits = check(declaration(BASE, {"auth": {"method": "password", "password": "é" * 55 + "x"}}), application="openemr")
    assert application_codes(fits) == []
    secret = "Ω-Secret-" + "é" * 60
    refused = check(declaration(BASE, {"auth": {"method": "password", "password": secret}}), application="openemr")
    assert application_codes(refused) == ["MC723"]
    assert all(secret not in f.text() and "é" * 10 not in f.text() for f in refused.findings)


def test_a_practice_that_cannot_move_to_oauth_is_listed_under_the_deadline_with_its_options():
    """Issue 26: the practices that cannot move (OpenEMR holds no OAuth) appear in the Deadlines, with what they
    can do."""
    result = check(declaration(BASE, {"provider": "office365", "incoming": {"enabled": False}}), application="openemr")
    rows = _deadlines.deadlines([("emr-practice", result.findings)])
    [own] = [row for row in rows if row["code"] == "MC727"]
    assert (own["provider"], own["date"]) == ("office365", "2026-12-31") and "relay" in own["to_do"]
    [group] = _deadlines.grouped(rows, datetime.date(2026, 12, 6))
    assert group["practices"] == ["emr-practice"] and "MC727" in [change["code"] for change in group["changes"]]
    run = {"run_id": "r1", "ended": "2026-12-06T10:00:00Z"}
    report = _report.build([_report.new_row("emr-practice")], run, deadlines=rows)
    page = _report_html.render(report, "1 practice")
    assert 'href="#p-emr-practice"' in page and "cannot move to OAuth" in page and "relay" in page
