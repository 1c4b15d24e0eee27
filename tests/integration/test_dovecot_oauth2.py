"""Dovecot 2.3 checks our token endpoint's JWTs offline: XOAUTH2 and OAUTHBEARER over IMAP, POP3 and submission.

The suite's Dovecot (tests/servers/dovecot.py: ``passdb { driver = oauth2 }`` with
``introspection_mode = local`` and one trusted issuer), on its plain listeners (loopback
counts as secure); tokens come from the real token endpoint over HTTPS through
``_oauth_token.acquire``. Each refusal is asserted twice: the protocol's own
failure code to the client, and Dovecot's logged reason, so a token is refused for the
reason the case names and not for a configuration mistake.
"""

import base64
import imaplib
import json
import os
import poplib
import smtplib
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._oauth_token import acquire
from tests.servers import dovecot
from tests.servers.token_endpoint import TokenEndpoint

USER = "reception@practice.example.test"
CLIENT = "practice-app"
TIMEOUT = 10

# case -> (refresh token, endpoint registration options, Dovecot's logged reason)
CASES = {
    "valid": ("Refresh-Valid-3Hs8", {}, None),
    "expired": ("Refresh-Expired-6Tn2", {"lifetime": -120}, "Token has expired"),
    "wrong-signature": (
        "Refresh-Forged-1Kd7",
        {"signing_key": b"not the key Dovecot holds"},
        "Incorrect JWT signature",
    ),
    "other-user": ("Refresh-Other-8Mq4", {"user": "someone.else@practice.example.test"}, "did not match"),
}


@pytest.fixture(scope="module")
def servers(mail_servers):
    """Token endpoints (HTTPS, the suite's CA) signing with the key the suite's Dovecot trusts:
    ours, and an impostor with the right key but another issuer."""
    tls = mail_servers["tls"]["valid"]
    endpoint = TokenEndpoint(cert=tls["cert"], cert_key=tls["key"], key=dovecot.OAUTH2_KEY, kid=None).start()
    for refresh_token, options, _reason in CASES.values():
        options = dict(options)
        endpoint.add_refresh_token(refresh_token, options.pop("user", USER), CLIENT, **options)
    impostor = TokenEndpoint(cert=tls["cert"], cert_key=tls["key"], key=dovecot.OAUTH2_KEY, kid=None,
                             issuer="https://impostor.example.test/").start()
    impostor.add_refresh_token(CASES["valid"][0], USER, CLIENT)
    state = {"ports": mail_servers["ports"], "log": os.path.join(mail_servers["dir"], "dovecot", "dovecot.log")}
    try:
        yield {"state": state, "endpoint": endpoint, "impostor": impostor, "ca": mail_servers["ca"]}
    finally:
        endpoint.stop()
        impostor.stop()


def access_token(servers, case, issuer="endpoint"):
    refresh_token = CASES[case][0]
    token_endpoint = servers[issuer]
    declaration = {"auth": {"method": "oauth2", "password": None, "oauth2": {
        "tenant": "practice.example.test", "token_endpoint": token_endpoint.url(), "client_id": CLIENT,
        "client_secret": None, "refresh_token": refresh_token, "scopes": ["https://outlook.office.com/IMAP.AccessAsUser.All"]}}}
    token, result = acquire(declaration, ca_path=servers["ca"], timeout=TIMEOUT)
    assert result["status"] == "ok", result
    return token.access_token


def initial_response(mechanism, token):
    if mechanism == "XOAUTH2":
        return ("user=%s\x01auth=Bearer %s\x01\x01" % (USER, token)).encode()
    return ("n,a=%s,\x01auth=Bearer %s\x01\x01" % (USER, token)).encode()


# After a refused token the server sends a JSON status as a challenge; the client answers it
# with an empty response (XOAUTH2) or a lone 0x01 (OAUTHBEARER, RFC 7628) to get the failure.
DUMMY = {"XOAUTH2": b"", "OAUTHBEARER": b"\x01"}
ERROR_STATUS = {
    "XOAUTH2": {"status": "401", "schemes": "bearer", "scope": "mail"},
    "OAUTHBEARER": {"status": "invalid_token"},
}


def login_imap(port, mechanism, token):
    """(accepted, server's answer, error challenge or None)."""
    challenges = []

    def respond(challenge):
        challenges.append(challenge)
        return initial_response(mechanism, token) if len(challenges) == 1 else DUMMY[mechanism]

    client = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
    try:
        status, data = client.authenticate(mechanism, respond)
        return status == "OK", data[0].decode(), None
    except imaplib.IMAP4.error as error:
        return False, str(error), json.loads(challenges[-1])
    finally:
        client.shutdown()


def login_pop3(port, mechanism, token):
    client = poplib.POP3("127.0.0.1", port, timeout=TIMEOUT)
    try:
        answer = client._shortcmd(
            "AUTH %s %s" % (mechanism, base64.b64encode(initial_response(mechanism, token)).decode())
        )
        if answer.startswith(b"+OK"):
            return True, answer.decode(), None
        challenge = json.loads(base64.b64decode(answer[2:]))
        try:
            client._shortcmd(base64.b64encode(DUMMY[mechanism]).decode())
        except poplib.error_proto as error:
            return False, str(error.args[0].decode()), challenge
        raise AssertionError("the dummy response was accepted")
    finally:
        client.close()


def login_submission(port, mechanism, token):
    challenges = []

    def respond(challenge=None):
        if challenge is None:
            return initial_response(mechanism, token).decode()
        challenges.append(json.loads(challenge))
        return DUMMY[mechanism].decode()

    client = smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT)
    try:
        client.ehlo("practice.example.test")
        assert mechanism in client.esmtp_features["auth"].upper().split()
        code, text = client.auth(mechanism, respond)
        return code == 235, "%d %s" % (code, text.decode()), None
    except smtplib.SMTPAuthenticationError as error:
        return False, "%d %s" % (error.smtp_code, error.smtp_error.decode()), challenges[-1]
    finally:
        client.close()


LOGINS = {"imap": login_imap, "pop3": login_pop3, "submission": login_submission}
# The answer each protocol gives: accepted, refused.
ANSWERS = {
    "imap": ("Logged in", "[AUTHENTICATIONFAILED]"),
    "pop3": ("+OK", "-ERR [AUTH]"),
    "submission": ("235 ", "535 "),
}


def logged_reason(log, offset, reason):
    """Wait (bounded) for Dovecot's log, past ``offset``, to give ``reason`` for a refused login."""
    deadline = time.monotonic() + 5
    while True:
        with open(log, encoding="utf-8", errors="replace") as handle:
            handle.seek(offset)
            text = handle.read()
        if reason in text or time.monotonic() > deadline:
            return text


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
@pytest.mark.parametrize("protocol", ["imap", "pop3", "submission"])
@pytest.mark.parametrize("case", ["valid", "expired", "wrong-signature"])
def test_token_from_our_endpoint(servers, protocol, mechanism, case):
    state = servers["state"]
    token = access_token(servers, case)
    offset = os.path.getsize(state["log"])
    accepted, answer, challenge = LOGINS[protocol](state["ports"][protocol], mechanism, token)
    reason = CASES[case][2]
    assert accepted is (reason is None), answer
    assert ANSWERS[protocol][0 if accepted else 1] in answer
    if reason:
        assert challenge == ERROR_STATUS[mechanism]
        assert "Local validation failed: %s" % reason in logged_reason(state["log"], offset, reason)


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
def test_token_for_another_user_is_refused(servers, mechanism):
    state = servers["state"]
    offset = os.path.getsize(state["log"])
    accepted, answer, _challenge = login_imap(state["ports"]["imap"], mechanism, access_token(servers, "other-user"))
    assert not accepted and "[AUTHENTICATIONFAILED]" in answer
    assert "did not match" in logged_reason(state["log"], offset, "did not match")


def test_token_from_another_issuer_is_refused_even_with_the_right_key(servers):
    state = servers["state"]
    offset = os.path.getsize(state["log"])
    accepted, answer, _challenge = login_imap(
        state["ports"]["imap"], "XOAUTH2", access_token(servers, "valid", issuer="impostor")
    )
    assert not accepted and "[AUTHENTICATIONFAILED]" in answer
    assert "Issuer 'https://impostor.example.test/' is not allowed" in logged_reason(
        state["log"], offset, "is not allowed"
    )


def test_dovecot_never_logs_a_token_or_refresh_token(servers):
    state = servers["state"]
    for case in ("valid", "expired"):
        login_imap(state["ports"]["imap"], "OAUTHBEARER", access_token(servers, case))
    with open(state["log"], encoding="utf-8", errors="replace") as handle:
        log = handle.read()
    issued = servers["endpoint"].issued + servers["impostor"].issued
    assert "Login: user=<%s>, method=OAUTHBEARER" % USER in log and "Token has expired" in log
    for secret in issued + [refresh_token for refresh_token, _options, _reason in CASES.values()]:
        assert secret not in log
