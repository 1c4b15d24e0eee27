"""The canonical settings map: keys, secrets, key_map, text form and masking."""

import os
import re

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _settings
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import scrub
from tests.unit.plugins.module_utils.store.store_helpers import (
    CLIENT_SECRET,
    OAUTH2_RAW,
    PASSWORD_A,
    REFRESH_TOKEN,
    normalised,
)
from tests.paths import REPO_ROOT

DOCS = os.path.join(REPO_ROOT, "docs", "store-keys.md")


def test_password_declaration_fills_every_key_in_order():
    settings = _settings.canonical(normalised())
    assert tuple(settings) == _settings.CANONICAL_KEYS
    assert settings["email.address"] == "reception@smiles-dental.co.uk"
    assert settings["email.auth.password"] == PASSWORD_A
    assert settings["email.outgoing.port"] == 465 and settings["email.outgoing.authenticate"] is True
    assert settings["email.incoming.protocol"] == "imap"
    assert settings["email.oauth2.client_secret"] is None and settings["email.oauth2.scopes"] is None


def test_oauth2_declaration_clears_the_password_and_fills_the_grant():
    settings = _settings.canonical(normalised(OAUTH2_RAW))
    assert settings["email.auth.method"] == "oauth2"
    assert settings["email.auth.password"] is None
    assert settings["email.oauth2.client_secret"] == CLIENT_SECRET
    assert settings["email.oauth2.refresh_token"] == REFRESH_TOKEN
    assert settings["email.oauth2.token_endpoint"].endswith("/smiles.onmicrosoft.com/oauth2/v2.0/token")
    assert "offline_access" in settings["email.oauth2.scopes"]


def test_the_three_secret_keys():
    assert _settings.SECRET_KEYS == {"email.auth.password", "email.oauth2.client_secret", "email.oauth2.refresh_token"}


def test_key_map_renames_and_the_renamed_secret_stays_secret():
    values, secrets = _settings.mapped(_settings.canonical(normalised()),
                                       {"email.auth.password": "smtp.secret", "email.outgoing.host": "smtp.server"})
    assert values["smtp.secret"] == PASSWORD_A and "email.auth.password" not in values
    assert values["smtp.server"] == "smtp.ionos.co.uk"
    assert secrets == {"smtp.secret", "email.oauth2.client_secret", "email.oauth2.refresh_token"}
    assert list(values)[4] == "smtp.secret"  # order follows the canonical order


@pytest.mark.parametrize("key_map, message", [
    ({"email.smtp_host": "x.y"}, "unknown canonical keys: email.smtp_host"),
    ({"email.address": "email.username"}, "two keys the name email.username"),
    ({"email.address": " "}, "email.address an empty name"),
    ({"email.address": 7}, "email.address an empty name"),
])
def test_bad_key_maps_are_refused(key_map, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _settings.mapped(_settings.canonical(normalised()), key_map)


@pytest.mark.parametrize("value, text", [
    (None, None), ("x y", "x y"), (True, "true"), (False, "false"), (587, "587"), (["a", "b c"], "a b c"), ([], ""),
])
def test_text_value(value, text):
    assert _settings.text_value(value) == text


def test_shown_masks_non_empty_secrets_only():
    assert _settings.shown(PASSWORD_A, True) == "********"
    assert _settings.shown(PASSWORD_A, True, changed=True) == "******** (changed)"
    assert _settings.shown("", True, changed=True) == ""
    assert _settings.shown(None, True) is None
    assert _settings.shown("smtp.ionos.co.uk", False, changed=True) == "smtp.ionos.co.uk"


def test_scrub_replaces_every_occurrence_longest_first():
    text = "a=%s b=%s c=%s-suffix" % (PASSWORD_A, "Pw", PASSWORD_A)
    assert scrub(text, {"Pw", PASSWORD_A, ""}) == "a=******** b=******** c=********-suffix"


def test_docs_list_every_key_with_its_secrecy():
    with open(DOCS, encoding="utf-8") as handle:
        rows = re.findall(r"^\| `(email\.[a-z_.0-9]+)` \|[^|]*\| (\*\*yes\*\*|no) \|", handle.read(), re.M)
    assert tuple(row[0] for row in rows) == _settings.CANONICAL_KEYS
    assert {key for key, secret in rows if secret == "**yes**"} == _settings.SECRET_KEYS


def test_connection_keys_decide_whether_a_change_needs_a_login():
    assert _settings.touches_connection(["email.auth.password"], {})
    assert _settings.touches_connection(["smtp.server"], {"email.outgoing.host": "smtp.server"})
    assert not _settings.touches_connection(
        ["email.display_name", "email.sending.rate_per_minute", "email.address"], {}
    )


def test_stored_text_reads_back_as_the_declaration_types():
    declaration = {
        "auth": {"method": "password", "password": "x", "oauth2": None},
        "outgoing": {"port": 465},
        "incoming": {},
    }
    restored = _settings.with_settings(declaration, {
        "email.outgoing.port": "587", "email.outgoing.authenticate": "true", "email.incoming.enabled": "false",
        "email.oauth2.scopes": "a b", "email.display_name": "", "email.auth.password": "kept"})
    assert restored["outgoing"] == {"port": 587, "authenticate": True}
    assert restored["incoming"]["enabled"] is False and restored["auth"]["oauth2"]["scopes"] == ["a", "b"]
    assert restored["display_name"] is None and restored["auth"]["password"] == "kept"
    assert declaration["outgoing"] == {"port": 465}  # the original is not changed
