"""OAuth 2.0 end to end through mail_verify: a refresh token from the declaration is
exchanged at a real (local) token endpoint for an HS256 JWT, which real Dovecot
validates for XOAUTH2 on SMTP submission, IMAP and POP3."""

import pytest
import yaml

from tests.integration.test_verify_playbook import assert_no_secrets
from tests.servers import declarations, dovecot
from tests.servers.token_endpoint import TokenEndpoint

REFRESH = "Oauth-Refresh-Token-e2e-5521"
REVOKED = "Oauth-Revoked-Token-e2e-7731"
EXPIRED = "Oauth-Expiring-Token-e2e-9043"
FORGED = "Oauth-Forged-Token-e2e-2210"
SECRET = "Oauth-Client-Secret-e2e-6601"
CLIENT = "mailconfig-practice-app"


@pytest.fixture(scope="module")
def endpoint(mail_servers):
    """HTTPS token endpoint signing with the key the test Dovecot trusts."""
    tls = mail_servers["tls"]["valid"]
    server = TokenEndpoint(cert=tls["cert"], cert_key=tls["key"], key=dovecot.OAUTH2_KEY, kid=None)
    user = mail_servers["users"]["alice"]["username"]
    server.add_refresh_token(REFRESH, user, CLIENT, SECRET)
    server.add_refresh_token(REVOKED, user, CLIENT, SECRET, outcome="invalid_grant")
    server.add_refresh_token(EXPIRED, user, CLIENT, SECRET, lifetime=-60)
    server.add_refresh_token(FORGED, user, CLIENT, SECRET, signing_key=b"not-the-key-dovecot-trusts-000000")
    server.start()
    yield server
    server.stop()


def oauth_declaration(state, url, refresh_token, incoming=("imaps", "tls"), protocol="imap"):
    declaration = declarations.raw(state, incoming=incoming, protocol=protocol)
    declaration["auth"] = {"method": "oauth2", "oauth2": {"token_endpoint": url, "client_id": CLIENT,
                                                          "client_secret": SECRET, "refresh_token": refresh_token}}
    return declaration


def run(playbook, state, declaration, *args):
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "verify",
                    "mailops.mailconfig.mail_verify": {
                        "declaration": declaration,
                        "ca_path": state["ca"],
                        "fail_on_error": False,
                        "timeout": 10,
                    },
                    "register": "r",
                },
                {
                    "name": "show",
                    "ansible.builtin.copy": {
                        "content": "{{ r | to_json }}",
                        "dest": "%s/result.json" % playbook.tmp_path,
                    },
                },
            ],
        }
    ]
    result = playbook.run(yaml.safe_dump(play, sort_keys=False), *args)
    assert result.returncode == 0, result.stdout
    with open("%s/result.json" % playbook.tmp_path, encoding="utf-8") as handle:
        return yaml.safe_load(handle), result.stdout


@pytest.mark.parametrize("incoming, protocol", [(("imaps", "tls"), "imap"), (("pop3s", "tls"), "pop3")])
def test_refresh_token_to_xoauth2_login_on_smtp_and_incoming(playbook, mail_servers, endpoint, incoming, protocol):
    declaration = oauth_declaration(mail_servers, endpoint.url("google"), REFRESH, incoming, protocol)
    result, output = run(playbook, mail_servers, declaration, "-vvv")
    assert result["ok"] is True, result
    assert result["token"]["status"] == "ok" and result["token"]["stage"] == "token"
    for side in ("outgoing", "incoming"):
        assert result[side]["status"] == "ok", result[side]
        assert result[side]["auth_mechanism"] in ("XOAUTH2", "OAUTHBEARER")
    assert_no_secrets(output, mail_servers, REFRESH, SECRET, *endpoint.issued)


def test_revoked_refresh_token_is_diagnosed_at_the_token_stage(playbook, mail_servers, endpoint):
    result, output = run(playbook, mail_servers, oauth_declaration(mail_servers, endpoint.url("microsoft"), REVOKED))
    assert result["ok"] is False
    for side in ("outgoing", "incoming"):
        assert (result[side]["stage"], result[side]["code"]) == ("token", "oauth_invalid_grant")
    assert "consent flow" in result["outgoing"]["hint"]
    assert_no_secrets(output, mail_servers, REVOKED, SECRET)


def test_expired_access_token_is_refused_by_the_server(playbook, mail_servers, endpoint):
    result, output = run(
        playbook, mail_servers, oauth_declaration(mail_servers, endpoint.url("google"), EXPIRED, incoming=None)
    )
    assert result["token"]["status"] == "ok"
    assert (result["outgoing"]["stage"], result["outgoing"]["code"]) == ("authenticate", "auth_failed")
    assert result["incoming"]["status"] == "skipped"
    assert_no_secrets(output, mail_servers, EXPIRED, SECRET, *endpoint.issued)


def test_wrongly_signed_access_token_is_refused_by_the_server(playbook, mail_servers, endpoint):
    result, output = run(playbook, mail_servers, oauth_declaration(mail_servers, endpoint.url("google"), FORGED))
    for side in ("outgoing", "incoming"):
        assert (result[side]["stage"], result[side]["code"]) == ("authenticate", "auth_failed")
    assert_no_secrets(output, mail_servers, FORGED, SECRET, *endpoint.issued)


def test_token_endpoint_down(playbook, mail_servers):
    tls = mail_servers["tls"]["valid"]
    down = TokenEndpoint(cert=tls["cert"], cert_key=tls["key"], key=dovecot.OAUTH2_KEY, kid=None)
    down.start()
    url = down.url("google")
    down.stop()
    result, output = run(playbook, mail_servers, oauth_declaration(mail_servers, url, REFRESH))
    assert (result["outgoing"]["stage"], result["outgoing"]["code"]) == ("token", "oauth_endpoint_unreachable")
    assert "connection_refused" in result["outgoing"]["message"]
    assert_no_secrets(output, mail_servers, REFRESH, SECRET)
