"""Providers' own answers (Gmail, Microsoft 365, Yahoo, POP3/IMAP response codes) map to their codes.

The scripted servers replay each provider's answer for a given login name over real
TLS sockets, so the whole probe path runs: capabilities, SASL, reply parsing, diagnosis.
"""

import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import verify
from tests.servers import declarations, scripted

SMTP = ("smtp_provider", "tls", "localhost")
IMAP = ("imap_provider", "tls")
POP3 = ("pop3_provider", "tls")

SMTP_CASES = {
    "app-password@gmail.test": "app_password_required",
    "wrong@gmail.test": "auth_failed",
    "busy@gmail.test": "rate_limited",
    "tenant@m365.test": "smtp_auth_disabled",
    "basic@m365.test": "basic_auth_disabled",
    "wrong@m365.test": "auth_failed",
    "locked@yahoo.test": "rate_limited",
}

IMAP_CASES = {
    "app-password@gmail.test": ("authenticate", "app_password_required"),
    "wrong@gmail.test": ("authenticate", "auth_failed"),
    "wrong@m365.test": ("authenticate", "auth_failed"),
    "in-use@example.test": ("authenticate", "mailbox_in_use"),
    "unavailable@example.test": ("authenticate", "server_error"),
    "limit@example.test": ("authenticate", "rate_limited"),
    "not-connected@m365.test": ("command", "mailbox_unavailable"),
}

POP3_CASES = {
    "wrong@example.test": "auth_failed",
    "in-use@example.test": "mailbox_in_use",
    "temporary@example.test": "server_error",
    "delay@example.test": "rate_limited",
}


def run(state, username, outgoing=SMTP, incoming=None, protocol="imap", **options):
    declaration = declarations.normalised(
        state,
        username=username,
        outgoing=outgoing,
        incoming=incoming,
        protocol=protocol,
        method="oauth2" if "access_token" in options else "password",
    )
    return verify(declaration, ca_path=state["ca"], timeout=10, **options)[0]


def test_every_scripted_answer_has_a_case():
    assert set(SMTP_CASES) == set(scripted.SMTP_ANSWERS) - {"expired-token@m365.test"}
    assert set(IMAP_CASES) == set(scripted.IMAP_ANSWERS) - {"expired-token@m365.test"}
    assert set(POP3_CASES) == set(scripted.POP3_ANSWERS)


@pytest.mark.parametrize("username, code", sorted(SMTP_CASES.items()))
def test_smtp_provider_answer(mail_servers, username, code):
    check = run(mail_servers, username)["outgoing"]
    assert (check["stage"], check["code"]) == ("authenticate", code), check
    assert check["server_response"].startswith(scripted.SMTP_ANSWERS[username][0][:3])


@pytest.mark.parametrize("username, expected", sorted(IMAP_CASES.items()))
def test_imap_provider_answer(mail_servers, username, expected):
    check = run(mail_servers, username, incoming=IMAP)["incoming"]
    assert (check["stage"], check["code"]) == expected, check


@pytest.mark.parametrize("username, code", sorted(POP3_CASES.items()))
def test_pop3_provider_answer(mail_servers, username, code):
    check = run(mail_servers, username, incoming=POP3, protocol="pop3")["incoming"]
    assert (check["stage"], check["code"]) == ("authenticate", code), check
    assert check["server_response"] == scripted.POP3_ANSWERS[username]


def test_access_token_logs_in_with_xoauth2(mail_servers):
    result = run(mail_servers, "reception@m365.test", incoming=IMAP, access_token="Access-Token-Good-5511")
    assert result["ok"] is True
    assert result["outgoing"]["auth_mechanism"] == result["incoming"]["auth_mechanism"] == "XOAUTH2"


@pytest.mark.parametrize("side, incoming", [("outgoing", None), ("incoming", IMAP)])
def test_rejected_token_is_answered_and_diagnosed_without_hanging(mail_servers, side, incoming):
    """A rejected XOAUTH2 token brings a JSON challenge: we must answer it, or the session hangs."""
    started = time.monotonic()
    check = run(mail_servers, "expired-token@m365.test", incoming=incoming, access_token="Access-Token-Expired-7731")[
        side
    ]
    assert time.monotonic() - started < 5
    assert (check["stage"], check["code"]) == ("authenticate", "auth_failed"), check
    assert "token" in check["message"] and "token" in check["hint"]
