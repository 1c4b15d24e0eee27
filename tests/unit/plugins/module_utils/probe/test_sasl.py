"""SASL: one mechanism chosen by credential kind, UTF-8 messages, and the answers to error challenges."""

import base64
import json

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._sasl import Credential, Exchange, choose

PASSWORD = Credential("password", "reception@smiles-dental.test", "Z\u00e4hne-\u20ac-putzen")
TOKEN = Credential("token", "reception@smiles-dental.test", "eyJ0eXAiOiJKV1Qi.access.token")


def decode(text):
    return base64.b64decode(text)


@pytest.mark.parametrize("offered, credential, expected", [
    (["PLAIN", "LOGIN", "XOAUTH2"], PASSWORD, "PLAIN"),
    (["login", "cram-md5"], PASSWORD, "LOGIN"),
    (["CRAM-MD5", "SCRAM-SHA-256"], PASSWORD, None),
    (["XOAUTH2"], PASSWORD, None),
    (["PLAIN", "OAUTHBEARER", "XOAUTH2"], TOKEN, "XOAUTH2"),
    (["PLAIN", "oauthbearer"], TOKEN, "OAUTHBEARER"),
    (["PLAIN", "LOGIN"], TOKEN, None),
    ([], PASSWORD, None),
])
def test_one_mechanism_is_chosen_by_credential_kind(offered, credential, expected):
    assert choose(offered, credential) == expected


def test_plain_is_utf8_with_empty_authorisation_identity():
    exchange = Exchange("PLAIN", PASSWORD)
    assert decode(exchange.initial_response()) == b"\0reception@smiles-dental.test\0" + PASSWORD.secret.encode("utf-8")


def test_plain_without_initial_response_answers_the_first_challenge():
    exchange = Exchange("PLAIN", PASSWORD)
    assert decode(exchange.respond("")) == b"\0reception@smiles-dental.test\0" + PASSWORD.secret.encode("utf-8")


def test_login_answers_user_then_password_and_nothing_more():
    exchange = Exchange("LOGIN", PASSWORD)
    assert exchange.initial_response() is None
    assert decode(exchange.respond("VXNlcm5hbWU6")) == b"reception@smiles-dental.test"
    assert decode(exchange.respond("UGFzc3dvcmQ6")) == PASSWORD.secret.encode("utf-8")
    assert exchange.respond("") == ""
    assert len(exchange.sent) == 2


def test_xoauth2_initial_response_format():
    exchange = Exchange("XOAUTH2", TOKEN)
    assert (
        decode(exchange.initial_response())
        == b"user=reception@smiles-dental.test\x01auth=Bearer eyJ0eXAiOiJKV1Qi.access.token\x01\x01"
    )


def test_oauthbearer_initial_response_format_and_escaping():
    exchange = Exchange("OAUTHBEARER", Credential("token", "a,b=c@example.test", "tok"))
    assert decode(exchange.initial_response()) == b"n,a=a=2Cb=3Dc@example.test,\x01auth=Bearer tok\x01\x01"


@pytest.mark.parametrize("mechanism, dummy", [("XOAUTH2", ""), ("OAUTHBEARER", "AQ==")])
def test_error_challenge_is_kept_and_answered_so_the_server_can_finish(mechanism, dummy):
    exchange = Exchange(mechanism, TOKEN)
    exchange.initial_response()
    report = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
    assert exchange.respond(base64.b64encode(json.dumps(report).encode()).decode()) == dummy
    assert exchange.error == report


def test_initial_response_longer_than_the_limit_waits_for_the_challenge():
    exchange = Exchange("XOAUTH2", Credential("token", "u@example.test", "t" * 400))
    assert exchange.initial_response(limit=240) is None
    assert decode(exchange.respond("")).startswith(b"user=u@example.test\x01")


def test_sent_messages_are_recorded_for_scrubbing():
    exchange = Exchange("PLAIN", PASSWORD)
    first = exchange.initial_response()
    assert exchange.sent == [first]
