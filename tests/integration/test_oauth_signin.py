"""The sign-in flows against the local identity provider: every answer becomes its code; the grant works end to end.

The provider (tests/servers/identity_provider.py) serves HTTPS with the suite's CA and signs
access tokens with the key the suite's Dovecot trusts, so a token from a device code
sign-in logs in to IMAP with XOAUTH2, and its refresh token gets a new access token
through the target side's refresh (probe/_oauth_token.acquire).
"""

import imaplib
import threading
import time
import urllib.error
import urllib.request

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._oauth_token import acquire
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import tls_context
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth import _device_flow, _loopback_flow, _polling
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._codes import admin_consent_url
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._endpoints import endpoints
from tests.servers import dovecot
from tests.servers.identity_provider import IdentityProvider, google_endpoints, microsoft_endpoints

CLIENT = "22222222-3333-4444-5555-666666666666"
GOOGLE_CLIENT, GOOGLE_SECRET = "1234-desktop.apps.googleusercontent.com", "Google-Desktop-Secret-9Xq"

# tenant -> (person's outcome, expected code; None: signed in)
DEVICE_CASES = {
    "ok": ("ok", None),
    "declined": ("declined", "oauth_sign_in_declined"),
    "expired": ("expired", "oauth_sign_in_expired"),
    "bad-code": ("bad_verification_code", "oauth_device_code_unknown"),
    "conditional": ("conditional_access", "oauth_conditional_access"),
    "consent": ("consent_required", "oauth_admin_consent_required"),
}


def user(tenant):
    return "reception@%s.example.test" % tenant


@pytest.fixture(scope="module")
def provider(mail_servers):
    tls = mail_servers["tls"]["valid"]
    idp = IdentityProvider(cert=tls["cert"], cert_key=tls["key"], key=dovecot.OAUTH2_KEY, kid=None, interval=1).start()
    idp.public_clients.update({CLIENT, "no-public-flow"})
    idp.no_public_flow.add("no-public-flow")
    idp.confidential_clients[GOOGLE_CLIENT] = GOOGLE_SECRET
    for tenant, (outcome, _code) in DEVICE_CASES.items():
        idp.add_person(user(tenant), tenant + ".example.test", outcome=outcome, polls=1)
    idp.add_person("frontdesk@gmail.example.test", outcome="ok")
    try:
        yield idp
    finally:
        idp.stop()


@pytest.fixture(scope="module")
def context(mail_servers):
    return tls_context(mail_servers["ca"])


def device(provider, context, tenant, client=CLIENT):
    where = endpoints("office365", tenant + ".example.test", microsoft_endpoints(provider))
    return _device_flow.DeviceSignIn(tenant, where, client, context, 10, admin_consent_url(where.authorize, client))


@pytest.fixture(scope="module")
def device_results(provider, context):
    """Every device code case, run at once as a campaign would."""
    sign_ins = {tenant: device(provider, context, tenant) for tenant in DEVICE_CASES}
    sign_ins["unknown-client"] = device(provider, context, "ok", client="not-registered")
    sign_ins["public-flows-off"] = device(provider, context, "ok", client="no-public-flow")
    _polling.run(sign_ins.values(), workers=4)
    return sign_ins


@pytest.mark.parametrize("tenant", sorted(DEVICE_CASES))
def test_each_device_code_answer_has_its_code(device_results, tenant):
    sign_in = device_results[tenant]
    expected = DEVICE_CASES[tenant][1]
    if expected is None:
        assert sign_in.state == "signed_in" and sign_in.polls == 2 and sign_in.grant.refresh_token.startswith("rt-")
    else:
        assert sign_in.state == "failed" and sign_in.error.code == expected, sign_in.summary()
        assert sign_in.grant is None


@pytest.mark.parametrize("tenant, code", [("unknown-client", "oauth_unauthorized_client"), ("public-flows-off", "oauth_invalid_client")])
def test_a_wrong_client_is_refused_at_the_start(device_results, tenant, code):
    sign_in = device_results[tenant]
    assert sign_in.error.code == code and sign_in.user_code is None and sign_in.polls == 0


def test_consent_required_names_the_tenant_admin_consent_url(device_results, provider):
    hint = device_results["consent"].error.hint
    assert "%s/consent.example.test/adminconsent?client_id=%s" % (provider.base_url(), CLIENT) in hint


def test_the_summary_shows_url_and_code_apart_and_never_the_device_code(device_results, provider):
    summary = device_results["declined"].summary()
    assert summary["verification_uri"] == provider.verification_uri() and len(summary["user_code"]) == 8
    assert not any(str(value).startswith("dc-") for value in summary.values())
    assert all(key not in summary for key in ("device_code", "grant"))


def test_slow_down_adds_five_seconds_for_good(provider, context):
    provider.add_person(user("slow"), "slow.example.test", outcome="slow_down", polls=1)
    sign_in = device(provider, context, "slow")
    started = time.monotonic()
    _polling.run([sign_in])
    assert sign_in.state == "signed_in", sign_in.summary()
    assert sign_in.interval == 6 and sign_in.polls == 2  # a poll sooner than 6 s would have been told slow_down again
    assert time.monotonic() - started >= 1 + 6


def test_a_code_past_its_lifetime_is_not_polled_again(mail_servers, context):
    tls = mail_servers["tls"]["valid"]
    with IdentityProvider(cert=tls["cert"], cert_key=tls["key"], interval=1, expires_in=2) as idp:
        idp.public_clients.add(CLIENT)  # nobody signs in for this tenant: pending until the code expires
        sign_in = device(idp, context, "nobody")
        _polling.run([sign_in])
        device_polls = [r for r in idp.requests if r.get("grant_type", "").endswith("device_code")]
    assert sign_in.error.code == "oauth_sign_in_expired" and "expired before anyone signed in" in sign_in.error.message
    assert len(device_polls) <= 2


def xoauth2_imap(port, address, token):
    client = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    try:
        status, _data = client.authenticate("XOAUTH2", lambda _challenge: ("user=%s\x01auth=Bearer %s\x01\x01" % (address, token)).encode())
        return status == "OK" and client.select("INBOX", readonly=True)[0] == "OK"
    finally:
        client.shutdown()


def test_the_signed_in_grant_logs_in_with_xoauth2_and_refreshes(device_results, provider, mail_servers):
    grant = device_results["ok"].grant
    port = mail_servers["ports"]["imap"]
    assert xoauth2_imap(port, user("ok"), grant.access_token)
    declaration = {"auth": {"method": "oauth2", "password": None, "oauth2": {
        "tenant": "ok.example.test", "token_endpoint": provider.url(tenant="ok.example.test"), "client_id": CLIENT,
        "client_secret": None, "refresh_token": grant.refresh_token, "scopes": endpoints("office365", "t").scopes}}}
    token, result = acquire(declaration, ca_path=mail_servers["ca"], timeout=10)
    assert result["status"] == "ok", result
    assert token.access_token != grant.access_token and xoauth2_imap(port, user("ok"), token.access_token)


def browser(context):
    """A person's browser: follows the authorize page's redirect to the loopback listener."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    def open_page(url):
        try:
            urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context)).open(url, timeout=10)
        except urllib.error.HTTPError as redirect:
            location = redirect.headers["Location"].replace("//localhost:", "//127.0.0.1:")
            threading.Thread(target=urllib.request.urlopen, args=(location,), kwargs={"timeout": 10}, daemon=True).start()

    return open_page


@pytest.mark.parametrize("tenant, code", [("ok", None), ("declined", "oauth_sign_in_declined"),
                                          ("conditional", "oauth_conditional_access"), ("consent", "oauth_admin_consent_required")])
def test_loopback_sign_in_with_pkce(provider, context, tenant, code):
    where = endpoints("office365", tenant + ".example.test", microsoft_endpoints(provider))
    if code is None:
        grant = _loopback_flow.sign_in(where, CLIENT, context, browser(context), user(tenant), wait=10)
        assert grant.refresh_token in provider.refresh_tokens
        request = provider.authorize_requests[-1]
        assert request["redirect_uri"].startswith("http://localhost:") and request["code_challenge_method"] == "S256"
        assert "access_type" not in request and "prompt" not in request
        return
    with pytest.raises(Exception) as raised:
        _loopback_flow.sign_in(where, CLIENT, context, browser(context), user(tenant), wait=10)
    assert raised.value.code == code


def test_google_gets_offline_access_and_a_consent_prompt(provider, context):
    where = endpoints("gmail", None, google_endpoints(provider))
    grant = _loopback_flow.sign_in(where, GOOGLE_CLIENT, context, browser(context), "frontdesk@gmail.example.test",
                                   client_secret=GOOGLE_SECRET, wait=10)
    request = provider.authorize_requests[-1]
    assert request["access_type"] == "offline" and request["prompt"] == "consent"
    assert request["redirect_uri"].startswith("http://127.0.0.1:") and request["scope"] == "https://mail.google.com/"
    assert grant.refresh_token in provider.refresh_tokens


def test_nobody_at_the_browser_ends_as_expired(provider, context):
    where = endpoints("office365", "ok.example.test", microsoft_endpoints(provider))
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        _loopback_flow.sign_in(where, CLIENT, context, lambda url: None, wait=1)
    assert raised.value.code == "oauth_sign_in_expired" and time.monotonic() - started < 3
