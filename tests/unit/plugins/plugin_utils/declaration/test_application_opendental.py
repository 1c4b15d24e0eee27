"""Open Dental's lint rules (MC70x, MC71x, data/applications/opendental.yml): the triggers that make each fire alone
(run by test_application_profiles.py), and the password width its cipher allows."""

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check
from tests.unit.plugins.plugin_utils.declaration.profile_triggers import application_codes, declaration

BASE = {"schema_version": 1, "address": "reception@smiles-dental.co.uk", "provider": "gmail",
        "auth": {"method": "password", "password": "Pw-Alpha-7f3c9e"},
        "incoming": {"protocol": "pop3", "acknowledge_mail_removal": True}}

# One change to BASE per Open Dental rule that makes it (and no other application rule) fire.
TRIGGERS = {
    "MC701": {"provider": "gmail",
              "auth": {"method": "oauth2", "oauth2": {"client_id": "c1", "refresh_token": "Rt-Delta-08ab4f"}}},
    "MC702": {"incoming": {"protocol": "imap"}},
    "MC703": {"outgoing": {"port": 465, "security": "starttls"}, "lint": {"ignore": ["MC203"]}},
    "MC704": {"outgoing": {"port": 587, "security": "tls"}, "lint": {"ignore": ["MC203"]}},
    "MC705": {"incoming": {"protocol": "pop3", "port": 110, "security": "starttls", "acknowledge_mail_removal": True}},
    "MC706": {"outgoing": {"port": 587, "security": "starttls"}, "incoming": {
        "protocol": "pop3", "host": "pop.gmail.com", "port": 110, "security": "none", "allow_plaintext_login": True,
        "acknowledge_mail_removal": True}, "lint": {"ignore": ["MC206", "MC501"]}},
    "MC707": {"outgoing": {"authenticate": False}},
    "MC708": {"display_name": "Smiles Dental"},
    "MC709": {"sending": {"rate_per_minute": 3}},
    "MC710": {"incoming": {"protocol": "pop3", "leave_copy_on_server": True}},
    "MC711": {"provider": "office365", "incoming": {"enabled": False}},
    "MC712": {"auth": {"method": "password", "password": "P" + "w-long-9" * 22}},  # 177 bytes: 256 characters encrypted
}


@pytest.mark.parametrize("password, fires", [
    ("x" * 175, False), ("x" * 176, True), ("é" * 88, True), ("é" * 87, False)])
def test_mc712_follows_the_column_width_and_the_cipher(password, fires):
    """175 bytes encrypt to 236 characters, 176 to 256 (over EmailPassword's 255); UTF-8 bytes count, not characters."""
    result = check(declaration(BASE, {"auth": {"method": "password", "password": password}}), application="opendental")
    assert ("MC712" in application_codes(result)) is fires
    assert all(password not in f.text() for f in result.findings)
