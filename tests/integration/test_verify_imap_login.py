"""An IMAP server that offers no SASL mechanism but the LOGIN command (allowed by RFC 3501)."""

from tests.integration.test_verify_probes import run
from tests.servers.scripted import LOGIN_ONLY_PASSWORD

SERVER = ("imap_login_only", "tls")


def test_login_command_with_a_utf8_password(mail_servers):
    result = run(mail_servers, incoming=SERVER, password=LOGIN_ONLY_PASSWORD)[0]
    incoming = result["incoming"]
    assert (incoming["status"], incoming["auth_mechanism"], incoming["auth_mechanisms"]) == ("ok", "LOGIN command", [])
    assert LOGIN_ONLY_PASSWORD not in str(result)


def test_login_command_rejected_is_auth_failed(mail_servers):
    incoming = run(mail_servers, incoming=SERVER, password="Not-The-Password-1")[0]["incoming"]
    assert (incoming["status"], incoming["stage"], incoming["code"]) == ("failed", "authenticate", "auth_failed")
