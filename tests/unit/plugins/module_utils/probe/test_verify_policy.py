"""What the verify orchestration decides itself: plaintext policy, credentials, scrubbing."""

import socket

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import Channel, Stages
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import MASK, scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._connection import Settings
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import credential_for


SETTINGS = Settings(context=None, timeout=5, plaintext_allowed_hosts=["Relay.Practice.LAN"])


@pytest.mark.parametrize("security, host, tls, allowed", [
    ("tls", "smtp.example.test", {"version": "TLSv1.3"}, True),
    ("starttls", "smtp.example.test", {"version": "TLSv1.3"}, True),
    ("none", "relay.practice.lan", None, True),
    ("none", "smtp.example.test", None, False),
    ("starttls", "relay.practice.lan", None, False),
])
def test_credentials_go_in_clear_only_for_security_none_and_a_listed_host(security, host, tls, allowed):
    server = {"host": host, "port": 25, "security": security}
    ours, theirs = socket.socketpair()
    with ours, theirs:
        channel = Channel(ours, Stages(1), "peer")
        channel.tls = tls  # what start_tls records after a handshake
        if allowed:
            SETTINGS.refuse_plaintext(channel, server, "x")
        else:
            with pytest.raises(Failure) as raised:
                SETTINGS.refuse_plaintext(channel, server, "x")
            assert raised.value.code == "plaintext_refused"


def _declaration(method="password", username=None):
    return {
        "address": "a@example.test",
        "username": username,
        "auth": {"method": method, "password": "pw" if method == "password" else None},
    }


def test_credential_for_each_method():
    assert credential_for(_declaration()) == ("password", "a@example.test", "pw")
    assert credential_for(_declaration(username="login-name")).username == "login-name"
    assert credential_for(_declaration("oauth2"), access_token="tok") == ("token", "a@example.test", "tok")


def test_scrub_masks_every_nested_string_longest_secret_first():
    value = {"a": ["x Secret-Long y", {"b": "Secret and Secret-Long"}], "n": 3, "none": None}
    assert scrub(value, ["Secret-Long", "Secret"]) == {
        "a": ["x %s y" % MASK, {"b": "%s and %s" % (MASK, MASK)}],
        "n": 3,
        "none": None,
    }
