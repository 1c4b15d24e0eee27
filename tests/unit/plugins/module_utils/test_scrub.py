"""Masking: every spelling of a secret, split over reply lines, before cutting; never inside our own fields."""

import base64
import json
from urllib.parse import quote_plus

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import (
    CUT,
    MASK,
    Masker,
    scrub,
    scrub_result,
    secret_forms,
)

SECRET = "Scrub-Pw/+ \u00e9\"9c1"


@pytest.mark.parametrize("spelling", [
    SECRET,
    quote_plus(SECRET),
    json.dumps(SECRET)[1:-1],
    json.dumps(SECRET, ensure_ascii=False)[1:-1],
    base64.b64encode(b"\0user@x\0" + SECRET.encode()).decode(),  # the SASL PLAIN message
    base64.b64encode(SECRET.encode()).decode(),
])
def test_every_spelling_is_masked(spelling):
    assert spelling not in scrub("answer: %s." % spelling, [SECRET])
    assert MASK in scrub("answer: %s." % spelling, [SECRET])


def test_a_secret_split_over_the_lines_of_a_reply_is_masked():
    text = "535-5.7.8 you sent %s\n535 5.7.8 %s rejected" % (SECRET[:7], SECRET[7:])
    assert scrub(text, [SECRET]) == "535-5.7.8 you sent %s rejected" % MASK
    joined = "you sent %s %s rejected" % (SECRET[:5], SECRET[5:])  # SMTP reply lines joined with a space
    assert scrub(joined, [SECRET]) == "you sent %s rejected" % MASK


def test_masking_comes_before_cutting():
    text = "x" * (CUT - 5) + SECRET
    masked = scrub_result({"server_response": text}, [SECRET])["server_response"]
    assert masked == "x" * (CUT - 5) + MASK[:5] + "..."
    assert SECRET[:5] not in masked


def test_extra_forms_count_as_the_secret():
    """A store that keeps the secret in an encoding with a public key passes that form along."""
    encoded = "bG9va3MgbGlrZSBjaXBoZXJ0ZXh0"
    assert scrub("stored %s" % encoded, [SECRET], extra_forms=[encoded]) == "stored %s" % MASK


@pytest.mark.parametrize("secret", ["ok", "465", "smtp", "failed"])
def test_our_own_fields_are_never_masked(secret):
    result = {"status": "ok", "code": "auth_failed", "stage": "authenticate", "protocol": "smtp", "port": 465,
              "host": "smtp.example.test", "stages": [{"name": "authenticate", "status": "failed"}],
              "message": "smtp.example.test:465 answered 535: failed", "server_response": "535 ok 465 smtp failed"}
    masked = scrub_result(result, [secret], keep=["smtp.example.test", "smtp.example.test:465"])
    assert {k: v for k, v in masked.items() if k not in ("message", "server_response")} == \
        {k: v for k, v in result.items() if k not in ("message", "server_response")}
    assert masked["message"].startswith("smtp.example.test:465 answered")
    assert secret not in masked["server_response"].split()


def test_short_secrets_are_masked_only_where_they_stand_whole():
    assert secret_forms("ok") == {"ok"}  # no base64 or split forms: they would match random text
    assert Masker(["ok"]).text("o k ok") == "o k %s" % MASK
