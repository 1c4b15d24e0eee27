"""A hostile identity provider that quotes the sign-in's secrets back while refusing it.

It answers every device code poll and every authorization code exchange with a refusal
whose ``error`` is the device code (or the client secret) itself and whose
``error_description`` holds the whole form in every encoding (as sent, decoded,
JSON-escaped, base64). Or it "issues" a token whose type field is the refresh token.
The campaign runs as a user runs it (bin/mailconfig-oauth); its output and hand-outs,
and the loopback sign-in's error, must hold none of those secrets in any form, while
still saying which refusal it was.
"""

import json
import os
import subprocess
import urllib.parse

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import tls_context
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth import _loopback_flow
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._codes import SignInError
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._endpoints import endpoints
from tests.adversarial.hostile import CLIENT_SECRET, REFRESH_TOKEN, every_form, leaked
from tests.integration.test_oauth_signin import browser
from tests.servers import certs, dovecot, oauth_fleet
from tests.servers.identity_provider import DEVICE_GRANT, IdentityProvider, google_endpoints, microsoft_endpoints

GOOGLE_CLIENT = "4321-desktop.apps.googleusercontent.com"
SECRET_FIELDS = ("device_code", "code", "code_verifier", "client_secret")


class QuotingProvider(IdentityProvider):
    """Refuses every device code poll and code exchange by quoting the form; ``mode`` "token type" issues a bad token
    instead."""

    mode = "quote"

    def answer(self, dialect, form):
        if form.get("grant_type") not in (DEVICE_GRANT, "authorization_code"):
            return super().answer(dialect, form)
        self.requests.append(dict(form, _dialect=dialect))
        if self.mode == "token type":
            return self._json(200, {"access_token": "at-" + REFRESH_TOKEN[::-1], "refresh_token": REFRESH_TOKEN,
                                    "token_type": REFRESH_TOKEN, "expires_in": 3600})
        secrets = [form[name] for name in SECRET_FIELDS if form.get(name)]
        encoded = urllib.parse.urlencode(form)
        description = "refused %s | %s" % (encoded, " | ".join(sorted(every_form(*secrets))))
        return self._json(400, {"error": form.get("device_code") or form.get("client_secret") or "invalid_grant",
                                "error_description": description, "error_codes": [9000411]})


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return certs.make(str(tmp_path_factory.mktemp("hostile-idp-tls")))


@pytest.fixture
def provider(tls):
    idp = QuotingProvider(
        cert=tls["valid"]["cert"], cert_key=tls["valid"]["key"], key=dovecot.OAUTH2_KEY, kid=None, interval=1
    )
    idp.confidential_clients[GOOGLE_CLIENT] = CLIENT_SECRET
    idp.start()
    yield idp
    idp.stop()


def campaign(provider, tls, folder):
    oauth_fleet.add_people(provider, 3, polls=0)
    inventory, password_file = oauth_fleet.write(folder, 3, microsoft_endpoints(provider))
    command = oauth_fleet.campaign_command(
        inventory, password_file, tls["ca"], "--start", "all", "--handouts", os.path.join(str(folder), "handouts")
    )
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=str(folder), check=False)
    texts = [done.stdout, done.stderr]
    for name in os.listdir(os.path.join(str(folder), "handouts")):
        with open(os.path.join(str(folder), "handouts", name), encoding="utf-8") as handle:
            texts.append(handle.read())
    return done, "\n".join(texts)


def test_device_codes_quoted_back_in_every_form_are_masked(provider, tls, tmp_path):
    done, everything = campaign(provider, tls, tmp_path)
    device_codes = [
        request["device_code"] for request in provider.requests if request.get("grant_type") == DEVICE_GRANT
    ]
    assert len(device_codes) == 3 and done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.count("oauth_request_rejected") == 3 and "AADSTS9000411" in done.stdout
    assert "********" in done.stdout  # the quotes reached the messages, masked
    assert not leaked(everything, *device_codes)
    assert not os.path.exists(os.path.join(str(tmp_path), "inventory", "group_vars", "all", "vault_refresh_tokens.yml"))


def test_a_refresh_token_issued_as_the_token_type_is_masked(provider, tls, tmp_path):
    provider.mode = "token type"
    done, everything = campaign(provider, tls, tmp_path)
    assert done.returncode == 1 and done.stdout.count("oauth_bad_response") == 3, done.stdout + done.stderr
    assert not leaked(everything, REFRESH_TOKEN, "at-" + REFRESH_TOKEN[::-1])


def test_the_loopback_code_verifier_and_client_secret_quoted_back_are_masked(provider, tls):
    provider.add_person("frontdesk@gmail.example.test", outcome="ok")
    context = tls_context(tls["ca"])
    where = endpoints("gmail", None, google_endpoints(provider))
    with pytest.raises(SignInError) as refused:
        _loopback_flow.sign_in(
            where, GOOGLE_CLIENT, context, browser(context), "frontdesk@gmail.example.test", CLIENT_SECRET, wait=10
        )
    [exchange] = [request for request in provider.requests if request.get("grant_type") == "authorization_code"]
    assert refused.value.code == "oauth_request_rejected" and "********" in refused.value.server_response
    shown = json.dumps(refused.value.as_dict()) + str(refused.value)
    assert not leaked(shown, CLIENT_SECRET, exchange["code"], exchange["code_verifier"])
