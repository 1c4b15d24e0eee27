"""The provider catalogue: every value leads to the page it came from, every entry says when it was checked."""

import datetime
import re
import subprocess
import sys

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue
from tests.conftest import ROOT

KEYS = sorted(_catalogue.providers())


@pytest.mark.parametrize("key", KEYS)
def test_every_entry_names_openable_sources_and_a_date(key):
    entry = _catalogue.providers()[key]
    assert entry["name"] and re.fullmatch(r"[a-z0-9_]+", key)
    assert entry["sources"], "%s has no source" % key
    for source in entry["sources"]:
        assert set(source) <= {"url", "title", "values", "note"}, source
        assert re.fullmatch(r"https?://[^\s]+", source["url"]), "%s: a source without an address: %s" % (key, source)
        assert source["title"] and source["values"]
        stated = set(_catalogue.fact_paths(entry)) | {"name"}
        assert set(source["values"]) <= stated, "%s: a source names a value the entry does not have: %s" % (
            key,
            source["values"],
        )
    assert datetime.date.fromisoformat(entry["checked"]) <= datetime.date.today()


@pytest.mark.parametrize("key", KEYS)
def test_every_value_has_a_source_or_says_why_it_is_ours(key):
    entry = _catalogue.providers()[key]
    assert _catalogue.unsourced(entry) == [], "%s: values without a source: %s" % (key, _catalogue.unsourced(entry))
    assert set(entry.get("ours") or {}) <= set(_catalogue.fact_paths(entry))


def test_a_value_without_a_source_is_caught():
    entry = dict(_catalogue.providers()["gmail"], rate_per_minute_max=20)
    assert _catalogue.unsourced(entry) == ["rate_per_minute_max"]
    entry["ours"] = {"rate_per_minute_max": "our conservative default; Google publishes no per-minute limit"}
    assert _catalogue.unsourced(entry) == []
    entry["sources"] = [dict(s, values=[v for v in s["values"] if v != "incoming.pop3"]) for s in entry["sources"]]
    assert _catalogue.unsourced(entry) == ["incoming.pop3"]


def test_no_unsourced_per_minute_limit():
    """Google and Microsoft publish daily limits for Gmail and Outlook.com, not per-minute ones."""
    for key in ("gmail", "outlook"):
        assert "rate_per_minute_max" not in _catalogue.provider(key)
    assert _catalogue.provider("gmail")["messages_per_day"] == 2000  # Google Workspace
    assert _catalogue.provider("gmail")["personal_recipients_per_day"] == 500  # personal gmail.com


def test_facts_that_issue_13_corrected():
    nhs = _catalogue.provider("nhsmail")
    assert nhs["basic_auth"]["imap"]["date"] == nhs["basic_auth"]["pop3"]["date"] == "2023-05-25"
    assert "Application Account" in nhs["hint"] and "Local Administrator" in nhs["hint"]
    m365 = _catalogue.provider("office365")["basic_auth"]["smtp"]
    assert m365["status"] == "default_off" and "5.7.30" not in m365["note"] and "second half of 2027" in m365["note"]
    assert (
        "unsupported_since" not in _catalogue.provider("btconnect") and _catalogue.provider("btconnect")["unsupported"]
    )
    assert {"outlook.de", "hotmail.fr", "live.ie"} <= set(_catalogue.provider("outlook")["domains"])
    assert _catalogue.provider("outlook")["incoming_off_by_default"] is True
    regions = {
        key: _catalogue.provider(key)["outgoing"]["host"] for key in ("ionos_uk", "ionos_de", "ionos_fr", "ionos_us")
    }
    assert len(set(regions.values())) == 4
    assert _catalogue.provider("ionos")["outgoing"] == _catalogue.provider("ionos_uk")["outgoing"]
    assert _catalogue.provider("icloud")["outgoing"] == {
        "host": "smtp.mail.me.com",
        "port": 587,
        "security": "starttls",
    }


@pytest.mark.parametrize("host, key", [
    ("mx-aol.mail.gm0.yahoodns.net", "aol"),  # AOL's MX is under Yahoo's yahoodns.net: the longer pattern wins
    ("mta5.am0.yahoodns.net", "yahoo"),
    ("smiles-co-uk.mail.protection.outlook.com", "office365"),
    ("hotmail-com.olc.protection.outlook.com", "outlook"),
    ("mx00.ionos.co.uk", "ionos_uk"), ("mx00.ionos.de", "ionos_de"), ("mx00.kundenserver.de", "ionos_de"),
    ("mx00.ionos.fr", "ionos_fr"), ("mx00.ionos.com", "ionos_us"),
    ("mx.zoho.eu", "zoho_eu"), ("mx.zoho.com", "zoho_us"), ("smtp.secureserver.net", "godaddy"),
    ("in1-smtp.messagingengine.com", "fastmail"),
])
def test_mx_patterns_pick_the_most_specific_provider(host, key):
    assert _catalogue.provider_for_mx(host) == key


def test_old_keys_and_unsupported_providers_are_never_detected():
    live = _catalogue.live_keys()
    assert "ionos" not in live and "btconnect" not in live
    assert _catalogue.providers_for_mx("smtp.ionos.co.uk") == ["ionos_uk"]
    assert _catalogue.providers_for_mx("x.mail.protection.outlook.com") == ["office365", "godaddy_m365"]


def test_stale_entries_are_listed_oldest_first():
    assert _catalogue.stale(today=datetime.date(2026, 12, 1)) == []
    later = _catalogue.stale(today=datetime.date(2028, 1, 1))
    assert {key for key, _checked in later} == set(KEYS)
    assert [checked for _key, checked in later] == sorted(checked for _key, checked in later)


def test_facts_age_command_reports_without_failing():
    done = subprocess.run(
        [sys.executable, "-m", "tests.facts_age", "--today", "2028-01-01"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "office365" in done.stdout and "checked 2026-11-30" in done.stdout and "more than 12 months ago" in done.stdout
    )
    fresh = subprocess.run(
        [sys.executable, "-m", "tests.facts_age", "--today", "2026-12-01"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert fresh.returncode == 0 and "no provider entry was checked more than 12 months ago" in fresh.stdout
