"""A guided practice's state in the summary: awaiting entry -> entered -> entered and verified (both dates) -> a
failed check reported as usual; and mail_account_entered read as a date or refused by name."""

import datetime

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action import _guided
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _entry_state, _report


def row(entered=None, outgoing="-", incoming="-", diagnosis="", checked=""):
    data = _report.new_row("smiles-exact")
    data.update(outgoing=outgoing, incoming=incoming, diagnosis=diagnosis, checked=checked,
                guided=_guided.info("exact", entered, "setup-sheets/smiles-exact.md"))
    return data


def test_awaiting_entry_until_the_entry_is_recorded_even_when_the_mailbox_verifies():
    for data in (row(), row(outgoing="ok", incoming="ok", checked="2026-12-07T10:00:00Z")):
        _entry_state.settle(data)
        assert data["outcome"] == "awaiting entry" and data["diagnosis"] == "awaiting_entry"
        assert "setup-sheets/smiles-exact.md" in data["hint"] and "mail_account_entered: YYYY-MM-DD" in data["hint"]


def test_entered_then_entered_and_verified_with_both_dates():
    data = row(entered="2026-12-01")
    _entry_state.settle(data)
    assert data["outcome"] == "entered 2026-12-01, not verified in this run" and not data["diagnosis"]
    data = row(entered="2026-12-01", outgoing="ok", incoming="skipped", checked="2026-12-07T10:00:00Z")
    _entry_state.settle(data)
    assert data["outcome"] == "entered and verified (entered 2026-12-01, verified 2026-12-07)" and not data["diagnosis"]


def test_a_later_failed_check_shows_as_usual():
    data = row(entered="2026-12-01", outgoing="failed", incoming="ok", diagnosis="auth_failed", checked="2026-12-08T10:00:00Z")
    data["hint"] = "Check the user name"
    _entry_state.settle(data)
    assert data["outcome"] == "entered 2026-12-01, verification failed"
    assert (data["diagnosis"], data["hint"]) == ("auth_failed", "Check the user name")


def test_the_report_says_what_the_check_cannot_prove_once():
    report = _report.build([row(), dict(row(entered="2026-12-01"), practice="molar-exact")], {"ended": "2026-12-07T10:00:00Z"})
    assert report["notes"] == ["The verification proves that the declared settings log in to the mail servers (from the "
                               "controller or a jump host); it cannot prove that the values typed into EXACT match them: only "
                               "EXACT's own Test Credentials button proves that."]
    assert _report.table(report).endswith("note: " + report["notes"][0])


@pytest.mark.parametrize("value, day", [(None, None), ("", None), ("2026-12-01", "2026-12-01"),
                                        (datetime.date(2026, 12, 1), "2026-12-01"),
                                        (datetime.datetime(2026, 12, 1, 9, 30), "2026-12-01")])
def test_entered_is_a_day(value, day):
    assert _entry_state.entered_date(value) == day


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "01/12/2026"])
def test_an_entered_value_that_is_not_a_day_is_refused_by_name(value):
    with pytest.raises(ValueError, match="mail_account_entered must be the day"):
        _entry_state.entered_date(value)
