"""The sign-in's own codes are documented in docs/oauth.md with their meaning and hint, and reached by the classifier."""

import json
import os
import re

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import MASK, Masker
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import CODES as PROBE_CODES
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._codes import CODES, NotYet, SignInError, read_error
from tests.paths import REPO_ROOT


def microsoft(error, number, **extra):
    return json.dumps(dict({"error": error, "error_description": "AADSTS%d: words" % number, "error_codes": [number]}, **extra)).encode()


def test_every_sign_in_code_is_documented_with_its_hint():
    with open(os.path.join(REPO_ROOT, "docs", "oauth.md"), encoding="utf-8") as handle:
        text = handle.read()
    section = text.split("## Sign-in codes", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(oauth_[a-z_]+)` \|", section, re.M))
    assert documented == set(CODES)
    flat = " ".join(section.split())
    for meaning, hint in CODES.values():
        assert meaning in flat and hint in flat
    assert not set(CODES) & set(PROBE_CODES)


@pytest.mark.parametrize("body, code", [
    (microsoft("authorization_declined", 70000), "oauth_sign_in_declined"),
    (microsoft("expired_token", 70020), "oauth_sign_in_expired"),
    (microsoft("bad_verification_code", 70019), "oauth_device_code_unknown"),
    (microsoft("invalid_grant", 53003), "oauth_conditional_access"),
    (microsoft("invalid_grant", 65001, suberror="consent_required"), "oauth_admin_consent_required"),
    (microsoft("invalid_grant", 70008), "oauth_invalid_grant"),  # the refresh's codes where they fit
    (microsoft("invalid_client", 7000218), "oauth_invalid_client"),
    (b"<html>sign in</html>", "oauth_bad_response"),
])
def test_each_refusal_has_its_code(body, code):
    error = read_error(400, body, "login.example:443", Masker([]), "https://login.example/t/adminconsent?client_id=c")
    assert isinstance(error, SignInError) and error.code == code
    assert error.hint
    if code == "oauth_admin_consent_required":
        assert "https://login.example/t/adminconsent?client_id=c" in error.hint


def test_pending_and_slow_down_are_not_failures():
    pending = read_error(400, microsoft("authorization_pending", 70016), "x:443", Masker([]))
    slow = read_error(400, microsoft("slow_down", 70016, interval=11), "x:443", Masker([]))
    assert isinstance(pending, NotYet) and not pending.slow_down
    assert isinstance(slow, NotYet) and slow.slow_down and slow.interval == 11


def test_a_secret_wrapped_over_the_description_s_lines_is_masked_before_the_first_line_is_taken():
    secret = "Sign-In-Cs-0a9f77e1"
    body = json.dumps({"error": "invalid_client", "error_description": "bad secret %s\r\n%s" % (secret[:8], secret[8:])}).encode()
    error = read_error(400, body, "login.example:443", Masker([secret]))
    assert MASK in error.server_response and secret[:8] not in error.server_response
