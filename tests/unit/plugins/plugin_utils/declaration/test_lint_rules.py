"""One focused test per lint rule, through the real pipeline (_declaration.check).

Each rule has a minimal trigger in TRIGGERS; the table also drives the lint.ignore
tests (warnings and infos can be silenced, errors never) and the rules.md check.
"""

import copy
import datetime
import pathlib
import re

import pytest
import yaml

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _lint
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check, check_text
from tests.paths import REPO_ROOT

TODAY = datetime.date(2026, 11, 27)
RULES = {r.code: r for r in _lint.RULES}
RULES_MD = pathlib.Path(REPO_ROOT) / "docs" / "rules.md"
PASSWORD = "Lint-Rules-Pw-7781"


def declaration(**changes):
    """A clean IONOS declaration; ``changes`` replace top-level fields, None removes one."""
    data = {
        "schema_version": 1,
        "address": "reception@castlegate-dental.co.uk",
        "provider": "ionos_uk",
        "auth": {"method": "password", "password": PASSWORD},
        "sending": {"rate_per_minute": 3},
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def oauth2(**grant):
    return {
        "method": "oauth2",
        "oauth2": dict({"client_id": "corpus-client", "refresh_token": "Lint-Rules-Rt-1"}, **grant),
    }


def findings(data, today=TODAY, code=None):
    return [f for f in check(data, today=today).findings if code is None or f.code == code]


def seen(data, today=TODAY):
    return sorted((f.code, f.path) for f in check(data, today=today).findings)


# code -> (a declaration that triggers it, the path it points at)
TRIGGERS = {
    "MC005": (declaration(lint={"ignore": ["MC201"]}), "lint.ignore.0"),
    "MC014": (declaration(display_name="Castlegate Dental\r\nBcc: everyone@example.test"), "display_name"),
    "MC311": (declaration(auth={"method": "password", "password": "smtp"}), "auth.password"),
    "MC101": (declaration(address='"Castlegate Dental" <reception@castlegate-dental.co.uk>'), "address"),
    "MC201": (declaration(provider="godaddy", incoming={"protocol": "pop3"}), "incoming.protocol"),
    "MC202": (
        declaration(
            provider="other", outgoing={"host": "mail.castlegate-dental.co.uk", "port": 25, "security": "none"}
        ),
        "outgoing.security",
    ),
    "MC206": (
        declaration(
            provider="other",
            outgoing={"host": "mail.castlegate.lan", "port": 25, "security": "none", "allow_plaintext_login": True},
        ),
        "outgoing.allow_plaintext_login",
    ),
    "MC203": (declaration(outgoing={"port": 465, "security": "starttls"}), "outgoing.port"),
    "MC308": (
        declaration(
            provider="gmail",
            auth={
                "method": "oauth2",
                "oauth2": {
                    "token_endpoint": "http://tokens.castlegate.lan/token",
                    "client_id": "app",
                    "refresh_token": "Lint-Refresh-Token-1",
                },
            },
        ),
        "auth.oauth2.token_endpoint",
    ),
    "MC204": (
        declaration(provider="office365", auth=oauth2(tenant="castlegate.onmicrosoft.com"), outgoing={"port": 465}),
        "outgoing.port",
    ),
    "MC301": (declaration(provider="btconnect"), "provider"),
    "MC302": (declaration(provider="office365"), "auth.method"),
    "MC303": (declaration(provider="outlook"), "auth.method"),
    "MC304": (declaration(provider="gmail"), "auth.password"),
    "MC309": (declaration(provider="ionos"), "provider"),
    "MC310": (declaration(provider="zoho_eu"), "provider"),
    "MC306": (declaration(provider="office365", auth=oauth2()), "auth.oauth2"),
    "MC307": (
        declaration(provider="gmail", auth={"method": "oauth2", "oauth2": {"client_id": "corpus-client"}}),
        "auth.oauth2",
    ),
    "MC401": (declaration(sending={"rate_per_minute": 4}), "sending.rate_per_minute"),
    "MC402": (declaration(sending=None), "sending"),
    "MC501": (declaration(outgoing={"host": "smtp.castlegate-dental.co.uk"}), "outgoing.host"),
    "MC502": (declaration(username="cg-reception"), "username"),
    "MC503": (declaration(incoming={"enabled": False, "host": "imap.ionos.co.uk"}), "incoming.enabled"),
    "MC504": (declaration(provider="other"), "outgoing.host"),
    "MC505": (
        declaration(incoming={"protocol": "imap", "acknowledge_mail_removal": True}),
        "incoming.acknowledge_mail_removal",
    ),
}


def test_the_base_declaration_is_clean():
    assert findings(declaration()) == []


def test_every_rule_has_a_trigger():
    assert set(TRIGGERS) == set(RULES)


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_each_rule_fires_on_its_trigger(code):
    data, path = TRIGGERS[code]
    hits = [f for f in findings(data) if f.code == code]
    assert hits and hits[0].path == path and hits[0].severity == RULES[code].severity
    assert all(f.message and f.hint for f in hits)


@pytest.mark.parametrize("code", sorted(c for c, r in RULES.items() if r.severity != "error"))
def test_lint_ignore_silences_warnings_and_infos(code):
    data = copy.deepcopy(TRIGGERS[code][0])
    data.setdefault("lint", {}).setdefault("ignore", []).append(code)
    assert code not in {f.code for f in findings(data)}


@pytest.mark.parametrize("code", sorted(c for c, r in RULES.items() if r.severity == "error"))
def test_lint_ignore_never_silences_an_error(code):
    data = copy.deepcopy(TRIGGERS[code][0])
    data["lint"] = {"ignore": [code]}
    result = check(data, today=TODAY)
    assert code in {f.code for f in result.findings}
    assert ("MC005", "lint.ignore.0") in {(f.code, f.path) for f in result.findings}
    assert result.normalised is None


def test_rule_codes_and_names_are_unique_and_stable_shaped():
    assert len({r.name for r in _lint.RULES}) == len(_lint.RULES) == len(RULES)
    for item in _lint.RULES:
        assert re.fullmatch(r"MC[0-9]{3}", item.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", item.name)
        assert item.severity in ("error", "warning", "info")


@pytest.mark.parametrize("code", sorted(set(RULES) | set(_lint.PIPELINE_ERRORS)))
def test_every_code_is_documented(code):
    """docs/rules.md: name, severity, why, how to fix, how to silence (not for errors), an example."""
    text = RULES_MD.read_text(encoding="utf-8")
    section = re.search(r"^## %s (\S+)\n(.*?)(?=^## |\Z)" % code, text, re.M | re.S)
    assert section, "docs/rules.md has no '## %s name' section" % code
    severity = RULES[code].severity if code in RULES else "error"
    if code in RULES:
        assert section.group(1) == RULES[code].name
    body = section.group(2)
    assert "**Severity:** %s" % severity in body
    assert "**Why it matters.**" in body and "**How to fix.**" in body
    assert ("**How to silence.**" in body) == (severity != "error")
    assert re.search(r"^    \S+: (\S+ )?%s %s: " % (severity, code), body, re.M), "the example is a real finding line"


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_the_documented_example_is_what_the_trigger_prints(code):
    text = yaml.safe_dump(TRIGGERS[code][0], sort_keys=False)
    first = next(f for f in check_text(text, "practice.yml", today=TODAY).findings if f.code == code)
    example = "\n".join("    " + line for line in first.text().splitlines())
    assert example in RULES_MD.read_text(encoding="utf-8")


# MC101 display-name-in-address

def test_mc101_names_the_bare_address_and_the_display_name():
    [finding] = findings(TRIGGERS["MC101"][0])
    assert "'reception@castlegate-dental.co.uk'" in finding.message
    assert "display_name: Castlegate Dental" in finding.hint


@pytest.mark.parametrize("address, bare", [
    ("<reception@castlegate-dental.co.uk>", "reception@castlegate-dental.co.uk"),
    ("Castlegate Dental reception@castlegate-dental.co.uk", "reception@castlegate-dental.co.uk"),
    ("reception@castlegate-dental.co.uk (Castlegate Dental)", "reception@castlegate-dental.co.uk"),
])
def test_mc101_finds_the_bare_address_in_other_masks(address, bare):
    [finding] = findings(declaration(address=address))
    assert finding.code == "MC101"
    assert "Write address: %s" % bare in finding.hint


def test_mc101_without_a_usable_address_gives_a_generic_hint():
    [finding] = findings(declaration(address="Castlegate Dental <>"))
    assert finding.code == "MC101" and "like name@example.co.uk" in finding.hint


def test_mc101_replaces_the_schema_pattern_error():
    assert seen(TRIGGERS["MC101"][0]) == [("MC101", "address")]
    assert seen(declaration(address="reception@localhost")) == [("MC013", "address")]


# MC201 pop3-removes-mail

@pytest.mark.parametrize(
    "provider, incoming, expected",
    [
        ("godaddy", {"protocol": "pop3"}, [("MC201", "incoming.protocol")]),
        ("godaddy", {"protocol": "pop3", "acknowledge_mail_removal": True}, []),
        ("gmail", {"protocol": "pop3", "leave_copy_on_server": True}, []),
        ("office365", {"protocol": "pop3", "leave_copy_on_server": True}, [("MC201", "incoming.leave_copy_on_server")]),
        ("office365", {"protocol": "pop3", "leave_copy_on_server": True, "acknowledge_mail_removal": True}, []),
        (
            "other",
            {
                "protocol": "pop3",
                "host": "pop.castlegate-dental.co.uk",
                "security": "tls",
                "leave_copy_on_server": True,
            },
            [],
        ),
        ("godaddy", {"protocol": "imap"}, []),
    ],
)
def test_mc201_pop3_needs_a_copy_on_the_server_or_an_acknowledgement(provider, incoming, expected):
    data = declaration(provider=provider, incoming=incoming)
    if provider == "office365":
        data["auth"] = oauth2(tenant="castlegate.onmicrosoft.com")
        data["sending"] = {"rate_per_minute": 3}
    if provider == "other":
        data["outgoing"] = {"host": "smtp.castlegate-dental.co.uk", "security": "tls"}
    assert [(f.code, f.path) for f in findings(data, code="MC201")] == expected
    assert all(f.severity == "error" for f in findings(data, code="MC201"))


# MC202 credentials-in-clear

def test_mc202_flags_each_plaintext_login():
    data = declaration(
        provider="other",
        outgoing={"host": "mail.castlegate-dental.co.uk", "port": 25, "security": "none"},
        incoming={
            "host": "mail.castlegate-dental.co.uk",
            "port": 110,
            "security": "none",
            "protocol": "pop3",
            "acknowledge_mail_removal": True,
        },
    )
    hits = findings(data, code="MC202")
    assert [f.path for f in hits] == ["outgoing.security", "incoming.security"]
    assert "POP3" in hits[1].message and "995" in hits[1].hint


def test_mc202_gives_way_to_an_explicit_trusted_network_opt_in():
    data = declaration(provider="other", outgoing={"host": "mail.castlegate.lan", "port": 25, "security": "none",
                                                   "allow_plaintext_login": True},
                       incoming={"host": "mail.castlegate.lan", "port": 143, "security": "none", "protocol": "imap"})
    assert [f.path for f in findings(data, code="MC202")] == ["incoming.security"]
    assert [f.path for f in findings(data, code="MC206")] == ["outgoing.allow_plaintext_login"]


def test_mc202_allows_an_unauthenticated_plain_relay():
    data = declaration(
        provider="other",
        outgoing={"host": "relay.castlegate.lan", "port": 25, "security": "none", "authenticate": False},
    )
    assert findings(data, code="MC202") == []


# MC203 port-security-mismatch

@pytest.mark.parametrize("side, port, security, fires", [
    ("outgoing", 465, "starttls", True),
    ("outgoing", 587, "tls", True),
    ("outgoing", 25, "tls", True),
    ("incoming", 993, "starttls", True),
    ("incoming", 995, "starttls", True),
    ("incoming", 143, "tls", True),
    ("incoming", 110, "tls", True),
    ("outgoing", 465, "tls", False),
    ("outgoing", 587, "starttls", False),
    ("incoming", 993, "tls", False),
    ("outgoing", 2525, "starttls", False),
])
def test_mc203_port_and_security_must_agree(side, port, security, fires):
    server = {"host": "mail.castlegate-dental.co.uk", "port": port, "security": security}
    data = declaration(
        provider="other", outgoing={"host": "mail.castlegate-dental.co.uk", "port": 465, "security": "tls"}
    )
    if side == "incoming":
        server.update(protocol="pop3" if port in (110, 995) else "imap", acknowledge_mail_removal=port in (110, 995))
    data[side] = server
    hits = findings(data, code="MC203")
    assert [f.path for f in hits] == (["%s.port" % side] if fires else [])
    assert all(f.severity == "warning" and str(port) in f.message for f in hits)


# MC204 provider-port-unsupported

@pytest.mark.parametrize("provider", ["office365", "nhsmail", "outlook"])
def test_mc204_microsoft_smtp_auth_refuses_port_465(provider):
    data = declaration(provider=provider, auth=oauth2(tenant="castlegate.onmicrosoft.com"), outgoing={"port": 465})
    [finding] = findings(data, code="MC204")
    assert finding.severity == "error" and "587" in finding.hint


def test_mc204_is_silent_where_465_is_published():
    assert findings(declaration(provider="gmail", auth=oauth2(), outgoing={"port": 465}), code="MC204") == []


# MC301 provider-unsupported

def test_mc301_btconnect_is_one_error_with_the_catalogue_hint():
    [finding] = findings(TRIGGERS["MC301"][0])
    assert finding.code == "MC301" and "can no longer be used from an application" in finding.message
    assert "2023" not in finding.message + finding.hint  # BT gives no date, so the catalogue gives none
    assert "browser" in finding.hint and "declare that one" in finding.hint


# MC302 / MC303 basic-auth-retiring / basic-auth-retired (date-aware)

def test_mc302_office365_password_before_the_cutoff_names_the_date():
    [finding] = findings(declaration(provider="office365"), today=datetime.date(2026, 12, 30))
    assert finding.code == "MC302"
    assert (
        "disables password login to SMTP (basic authentication) by default from the end of December 2026"
        in finding.message
    )
    assert "your tenant admin can re-enable it until" in finding.hint and "move to OAuth" in finding.hint
    assert finding.deadline == ("2026-12-31", "office365")
    assert "5.7.30" not in finding.message + finding.hint  # that is the answer after the final removal, not now


def test_mc302_office365_password_after_the_cutoff_stays_a_warning_worded_as_past():
    [finding] = findings(declaration(provider="office365"), today=datetime.date(2026, 12, 31))
    assert (
        finding.code == "MC302"
        and "has disabled password login to SMTP" in finding.message
        and "since" in finding.message
    )
    assert "Where it is off, only your tenant admin can re-enable it" in finding.hint


def test_mc303_outlook_password_is_an_error_once_retired():
    hits = findings(
        declaration(provider="outlook", incoming={"protocol": "imap"}, lint={"ignore": ["MC310"]}),
        today=datetime.date(2024, 9, 16),
    )
    assert [(f.code, f.severity) for f in hits] == [("MC303", "error"), ("MC303", "error")]
    assert {m.split(" login to ")[1].split()[0] for m in (f.message for f in hits)} == {"SMTP", "IMAP"}


def test_mc302_outlook_password_before_retirement_is_a_warning():
    hits = findings(declaration(provider="outlook"), today=datetime.date(2024, 9, 15))
    assert [(f.code, f.severity) for f in hits] == [("MC302", "warning")]
    assert "retires password login to SMTP (basic authentication) on 16 September 2024 (2024-09-16)" in hits[0].message


@pytest.mark.parametrize("today, expected", [
    (datetime.date(2023, 5, 24), ["MC302", "MC302"]),
    (datetime.date(2023, 5, 25), ["MC302", "MC303"]),
    (datetime.date(2027, 6, 1), ["MC302", "MC303"]),
])
def test_nhsmail_imap_retired_on_25_may_2023_smtp_later(today, expected):
    data = declaration(provider="nhsmail", incoming={"protocol": "imap"})
    assert sorted(f.code for f in findings(data, today=today) if f.code != "MC310") == expected


def test_nhsmail_without_incoming_only_hears_about_smtp_and_application_accounts():
    assert seen(declaration(provider="nhsmail")) == [("MC302", "auth.method"), ("MC310", "provider")]
    [note] = findings(declaration(provider="nhsmail"), code="MC310")
    assert "Application Account" in note.hint and "Local Administrator" in note.hint


@pytest.mark.parametrize("provider", ["office365", "outlook", "nhsmail", "godaddy_m365"])
def test_oauth2_is_never_told_about_basic_auth(provider):
    data = declaration(
        provider=provider, auth=oauth2(tenant="castlegate.onmicrosoft.com"), incoming={"protocol": "imap"}
    )
    assert [f.code for f in findings(data)] in ([], ["MC310"])


def test_outlook_note_only_when_incoming_is_used():
    assert (
        "POP and IMAP are off by default"
        in findings(declaration(provider="outlook", incoming={"protocol": "imap"}), code="MC310")[0].hint
    )
    assert findings(declaration(provider="outlook", auth=oauth2()), code="MC310") == []


def test_deadlines_are_sorted_by_date_with_provider_and_what_to_do():
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue._deadlines import deadlines
    named = [(name, findings(data, today=datetime.date(2026, 11, 1))) for name, data in (
        ("smiles", declaration(provider="office365")),
        ("molars", declaration(provider="nhsmail", incoming={"protocol": "imap"})),
        ("gums", declaration(provider="gmail")),
    )]
    rows = deadlines(named)
    assert [(r["date"], r["practice"], r["provider"], r["code"]) for r in rows] == [
        ("2023-05-25", "molars", "nhsmail", "MC303"), ("2026-12-31", "molars", "nhsmail", "MC302"),
        ("2026-12-31", "smiles", "office365", "MC302")]
    assert all(r["to_do"] and r["what"] for r in rows)


# MC304 app-password-needed

@pytest.mark.parametrize("provider, fires", [("gmail", True), ("yahoo", True), ("ionos_uk", False), ("godaddy", False)])
def test_mc304_app_password_reminder(provider, fires):
    assert bool(findings(declaration(provider=provider), code="MC304")) == fires


def test_mc304_not_for_oauth2():
    assert findings(declaration(provider="gmail", auth=oauth2()), code="MC304") == []


# MC306 oauth2-endpoint-unknown / MC307 oauth2-grant-missing

def test_mc306_microsoft_needs_a_tenant():
    [finding] = findings(TRIGGERS["MC306"][0])
    assert "auth.oauth2.tenant" in finding.hint


def test_mc306_unknown_provider_endpoint_asks_for_token_endpoint():
    data = declaration(
        provider="other", auth=oauth2(), outgoing={"host": "smtp.castlegate-dental.co.uk", "security": "tls"}
    )
    [finding] = findings(data, code="MC306")
    assert "auth.oauth2.token_endpoint" in finding.hint


def test_mc306_an_explicit_endpoint_or_tenant_is_enough():
    assert findings(declaration(provider="office365", auth=oauth2(tenant="castlegate.onmicrosoft.com"))) == []
    explicit = oauth2(token_endpoint="https://login.castlegate-idp.co.uk/token")
    assert findings(declaration(provider="other", auth=explicit,
                                outgoing={"host": "smtp.castlegate-dental.co.uk", "security": "tls"})) == []


@pytest.mark.parametrize("grant, fires", [
    ({}, True),
    ({"refresh_token": "Lint-Rules-Rt-2"}, False),
    ({"client_secret": "Lint-Rules-Cs-2"}, False),
])
def test_mc307_needs_a_refresh_token_or_a_client_secret(grant, fires):
    data = declaration(
        provider="gmail", auth={"method": "oauth2", "oauth2": dict({"client_id": "corpus-client"}, **grant)}
    )
    assert bool(findings(data, code="MC307")) == fires


# MC401 rate-above-provider-limit / MC402 rate-default

@pytest.mark.parametrize("provider, rate, fires", [
    ("ionos_uk", 3, False), ("ionos_uk", 4, True), ("gmail", 3, False), ("gmail", 4, True),
    ("office365", 30, False), ("office365", 31, True), ("other", 4, True),
])
def test_mc401_rate_against_the_provider_limit(provider, rate, fires):
    data = declaration(provider=provider, sending={"rate_per_minute": rate})
    if provider == "other":
        data["outgoing"] = {"host": "smtp.castlegate-dental.co.uk", "security": "tls"}
    hits = findings(data, code="MC401")
    assert bool(hits) == fires
    assert all(f.severity == "warning" and str(rate) in f.message for f in hits)


def test_mc401_office365_allows_30():
    data = declaration(
        provider="office365", auth=oauth2(tenant="castlegate.onmicrosoft.com"), sending={"rate_per_minute": 31}
    )
    [finding] = findings(data, code="MC401")
    assert "at most 30" in finding.message and "Lower it to 30" in finding.hint


def test_mc402_only_when_the_rate_is_missing():
    assert [f.severity for f in findings(declaration(sending=None))] == ["info"]
    assert findings(declaration(sending={}), code="MC402") != []
    assert findings(declaration(), code="MC402") == []


# MC501 host-differs-from-catalogue

def test_mc501_compares_hosts_case_insensitively_and_per_protocol():
    assert findings(declaration(outgoing={"host": "SMTP.IONOS.CO.UK"}), code="MC501") == []
    pop3 = declaration(
        provider="godaddy",
        incoming={"protocol": "pop3", "host": "pop.secureserver.net", "acknowledge_mail_removal": True},
    )
    assert findings(pop3, code="MC501") == []
    pop3["incoming"]["host"] = "imap.secureserver.net"
    [finding] = findings(pop3, code="MC501")
    assert finding.path == "incoming.host" and "pop.secureserver.net" in finding.message


def test_mc501_does_not_apply_to_other():
    data = declaration(provider="other", outgoing={"host": "smtp.castlegate-dental.co.uk", "security": "tls"})
    assert findings(data) == []


# MC502 username-differs

def test_mc502_ignores_case():
    assert findings(declaration(username="Reception@Castlegate-Dental.co.uk")) == []
    assert [f.severity for f in findings(TRIGGERS["MC502"][0])] == ["info"]


# MC503 incoming-disabled-with-settings / MC505 pop3-options-on-imap

def test_mc503_lists_the_settings_that_have_no_effect():
    data = declaration(
        incoming={"enabled": False, "protocol": "pop3", "host": "pop.ionos.co.uk", "leave_copy_on_server": True}
    )
    assert seen(data) == [("MC503", "incoming.enabled")]
    assert "host, leave_copy_on_server, protocol" in findings(data)[0].message


def test_mc503_silent_for_a_bare_disable():
    assert findings(declaration(incoming={"enabled": False})) == []


def test_mc505_pop3_options_default_protocol_is_imap():
    data = declaration(incoming={"leave_copy_on_server": False})
    assert seen(data) == [("MC505", "incoming.leave_copy_on_server")]


# MC504 server-settings-missing

def test_mc504_other_needs_every_server_setting():
    data = declaration(provider="other", incoming={"protocol": "imap"})
    assert seen(data) == sorted(("MC504", "%s.%s" % (side, field)) for side in ("outgoing", "incoming")
                                for field in ("host", "port", "security"))


def test_mc504_port_or_security_alone_implies_the_other():
    data = declaration(provider="other", outgoing={"host": "smtp.castlegate-dental.co.uk", "port": 587},
                       incoming={"host": "imap.castlegate-dental.co.uk", "security": "tls"})
    assert findings(data) == []


# MC005 unsilenceable-code

def test_mc005_flags_errors_schema_codes_and_unknown_codes_but_not_malformed_ones():
    data = declaration(lint={"ignore": ["MC202", "MC010", "MC999", "MC402"]})
    assert seen(data) == [("MC005", "lint.ignore.0"), ("MC005", "lint.ignore.1"), ("MC005", "lint.ignore.2")]
    assert "not a lint code" in findings(data)[2].message
    assert seen(declaration(lint={"ignore": ["mc402"]})) == [("MC013", "lint.ignore.0")]


@pytest.mark.parametrize("ignore", [5, "MC402", [{"code": "MC402"}], [["MC402"]], [None]])
def test_malformed_lint_ignore_is_a_schema_error_not_a_crash(ignore):
    codes = {f.code for f in findings(declaration(sending=None, lint={"ignore": ignore}))}
    assert "MC012" in codes and "MC005" not in codes


def test_no_rule_message_quotes_the_password():
    for data, _path in TRIGGERS.values():
        for finding in findings(data):
            assert PASSWORD not in finding.text()


# Findings about values the user never wrote. _declaration._stand_in replaces an
# invalid value with its schema example so the other rules can run; a rule that
# reads a stood-in field must then stay silent.
STAND_IN_ARTEFACTS = {
    "MC204 on a port derived from a stood-in 'tls'": (
        declaration(
            provider="office365", auth=oauth2(tenant="castlegate.onmicrosoft.com"), outgoing={"security": "ssl"}
        ),
        "MC204",
    ),
    "MC203 on a stood-in 'tls' next to port 587": (
        declaration(
            provider="other", outgoing={"host": "smtp.castlegate-dental.co.uk", "port": 587, "security": "ssl"}
        ),
        "MC203",
    ),
    "MC502 against the example address": (
        declaration(address="reception@localhost", username="cg-reception@castlegate-dental.co.uk"),
        "MC502",
    ),
    "MC504 from the example provider with the original's empty entry": (
        declaration(provider="hotmail", incoming={"protocol": "imap"}),
        "MC504",
    ),
}


@pytest.mark.parametrize("case", sorted(STAND_IN_ARTEFACTS))
def test_no_finding_judges_a_value_the_user_did_not_write(case):
    data, code = STAND_IN_ARTEFACTS[case]
    assert code not in {f.code for f in findings(data)}
