"""The probes against real Dovecot (and the scripted servers): each case names its exact diagnosis.

These call the module's own code (module_utils.probe._verify.verify) with a normalised
declaration, so they also cover shapes the controller would refuse before connecting.
"""

import os

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _sasl
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import verify
from tests.servers import declarations, tokens

TIMEOUT = 10  # Dovecot answers a failed login after about half a second; leave ample room.


def run(state, **kwargs):
    names = (
        "ca_path",
        "timeout",
        "plaintext_allowed_hosts",
        "access_token",
        "validate_certs",
        "send_test_to",
        "check_mode",
    )
    options = {key: kwargs.pop(key) for key in names if key in kwargs}
    options.setdefault("ca_path", state["ca"])
    options.setdefault("timeout", TIMEOUT)
    return verify(declarations.normalised(state, **kwargs), **options)


SUCCESS = [
    # id, outgoing endpoint, incoming endpoint, protocol
    ("submissions-465-style+imaps", ("submissions", "tls"), ("imaps", "tls"), "imap"),
    ("submission-587-style+imap-starttls", ("submission", "starttls"), ("imap", "starttls"), "imap"),
    ("submissions+pop3s", ("submissions", "tls"), ("pop3s", "tls"), "pop3"),
    ("submission+pop3-stls", ("submission", "starttls"), ("pop3", "starttls"), "pop3"),
    ("ipv6-submissions+imap-starttls", ("submissions", "tls", "::1"), ("imap", "starttls", "::1"), "imap"),
    ("ipv6-submission+pop3s", ("submission", "starttls", "::1"), ("pop3s", "tls", "::1"), "pop3"),
]


@pytest.mark.parametrize(
    "outgoing, incoming, protocol", [case[1:] for case in SUCCESS], ids=[case[0] for case in SUCCESS]
)
def test_each_listener_succeeds(mail_servers, outgoing, incoming, protocol):
    result, warnings = run(mail_servers, outgoing=outgoing, incoming=incoming, protocol=protocol)
    assert result["ok"] is True and result["changed"] is False
    assert warnings == []
    for side in ("outgoing", "incoming"):
        check = result[side]
        assert (check["status"], check["code"], check["auth_mechanism"]) == ("ok", None, "PLAIN"), check
        assert check["tls"]["version"].startswith("TLSv1.")
        assert check["tls"]["issuer"] == "CN=mailconfig test CA"
        assert check["tls"]["days_left"] >= 360
        endpoint = outgoing if side == "outgoing" else incoming
        assert check["address"] == (endpoint[2] if len(endpoint) > 2 else "127.0.0.1")
        assert [stage["status"] for stage in check["stages"]] == ["ok"] * len(check["stages"])
    if outgoing[1] == "tls":
        expected = ["resolve", "connect", "tls", "greeting", "capabilities", "authenticate", "command", "logout"]
    else:
        expected = [
            "resolve",
            "connect",
            "greeting",
            "capabilities",
            "starttls",
            "capabilities",
            "authenticate",
            "command",
            "logout",
        ]
    assert [stage["name"] for stage in result["outgoing"]["stages"]] == expected


@pytest.mark.parametrize("user", ["jose", "colon"])
@pytest.mark.parametrize("incoming, protocol", [(("imap", "starttls"), "imap"), (("pop3s", "tls"), "pop3")])
def test_non_ascii_and_colon_passwords_log_in_everywhere(mail_servers, user, incoming, protocol):
    result = run(mail_servers, user=user, incoming=incoming, protocol=protocol)[0]
    assert result["outgoing"]["status"] == "ok", result["outgoing"]
    assert result["incoming"]["status"] == "ok", result["incoming"]


def _keeper_files(state):
    maildir = os.path.join(state["dir"], "dovecot", "mail", state["users"]["keeper"]["username"])
    return sorted(name for sub in ("new", "cur") for name in os.listdir(os.path.join(maildir, sub)))


def test_pop3_verification_leaves_every_message_on_the_server(mail_servers):
    before = _keeper_files(mail_servers)
    assert len(before) == mail_servers["keeper_messages"]
    for endpoint in (("pop3s", "tls"), ("pop3", "starttls"), ("pop3s", "tls")):
        result = run(mail_servers, user="keeper", incoming=endpoint, protocol="pop3")[0]
        assert result["incoming"]["status"] == "ok", result["incoming"]
        assert result["incoming"]["messages"] == mail_servers["keeper_messages"]
    after = _keeper_files(mail_servers)
    assert len(after) == mail_servers["keeper_messages"]
    assert [name.split(":")[0].split(",")[0] for name in after] == [name.split(":")[0].split(",")[0] for name in before]
    imap = run(mail_servers, user="keeper", incoming=("imaps", "tls"))[0]
    assert imap["incoming"]["messages"] == mail_servers["keeper_messages"]


FAILURES = [
    # id, side, declaration kwargs, verify options, expected (stage, code)
    ("smtp-wrong-password", "outgoing", {"password": "Wrong-Pass-For-Test-1"}, {}, ("authenticate", "auth_failed")),
    ("imap-wrong-password", "incoming", {"password": "Wrong-Pass-For-Test-1"}, {}, ("authenticate", "auth_failed")),
    (
        "pop3-wrong-password",
        "incoming",
        {"password": "Wrong-Pass-For-Test-1", "incoming": ("pop3", "starttls"), "protocol": "pop3"},
        {},
        ("authenticate", "auth_failed"),
    ),
    (
        "unknown-ca",
        "outgoing",
        {"outgoing": ("submissions", "tls")},
        {"ca_path": None},
        ("tls", "certificate_untrusted"),
    ),
    (
        "unknown-ca-starttls",
        "incoming",
        {"incoming": ("imap", "starttls")},
        {"ca_path": None},
        ("starttls", "certificate_untrusted"),
    ),
    ("self-signed", "outgoing", {"outgoing": ("smtp_selfsigned", "tls")}, {}, ("tls", "certificate_untrusted")),
    (
        "hostname-mismatch",
        "outgoing",
        {"outgoing": ("submissions", "tls", "127.0.0.2")},
        {},
        ("tls", "certificate_hostname_mismatch"),
    ),
    (
        "hostname-mismatch-imap",
        "incoming",
        {"incoming": ("imaps", "tls", "127.0.0.2")},
        {},
        ("tls", "certificate_hostname_mismatch"),
    ),
    ("expired", "outgoing", {"outgoing": ("smtp_expired", "tls")}, {}, ("tls", "certificate_expired")),
    (
        "implicit-tls-on-starttls-port",
        "outgoing",
        {"outgoing": ("submission", "tls")},
        {},
        ("tls", "tls_protocol_mismatch"),
    ),
    (
        "implicit-tls-on-imap-starttls-port",
        "incoming",
        {"incoming": ("imap", "tls")},
        {},
        ("tls", "tls_protocol_mismatch"),
    ),
    (
        "starttls-on-implicit-tls-port",
        "outgoing",
        {"outgoing": ("submissions", "starttls")},
        {"timeout": 3},
        ("greeting", "tls_protocol_mismatch"),
    ),
    (
        "stls-on-pop3s-port",
        "incoming",
        {"incoming": ("pop3s", "starttls"), "protocol": "pop3"},
        {"timeout": 3},
        ("greeting", "tls_protocol_mismatch"),
    ),
    (
        "no-starttls-offered",
        "outgoing",
        {"outgoing": ("smtp_no_starttls", "starttls")},
        {},
        ("starttls", "starttls_unavailable"),
    ),
    (
        "imap-preauth-instead-of-starttls",
        "incoming",
        {"incoming": ("imap_preauth", "starttls")},
        {},
        ("greeting", "starttls_unavailable"),
    ),
    (
        "no-auth-before-tls",
        "outgoing",
        {"outgoing": ("submission", "none", "127.0.0.2")},
        {"plaintext_allowed_hosts": ["127.0.0.2"]},
        ("authenticate", "auth_unavailable"),
    ),
    (
        "imap-logindisabled-before-tls",
        "incoming",
        {"incoming": ("imap", "none", "127.0.0.2")},
        {"plaintext_allowed_hosts": ["127.0.0.2"]},
        ("authenticate", "auth_unavailable"),
    ),
    (
        "plaintext-not-allowed",
        "outgoing",
        {"outgoing": ("submission", "none")},
        {},
        ("authenticate", "plaintext_refused"),
    ),
    (
        "plaintext-other-host-allowed",
        "incoming",
        {"incoming": ("pop3", "none"), "protocol": "pop3"},
        {"plaintext_allowed_hosts": ["mail.example.test"]},
        ("authenticate", "plaintext_refused"),
    ),
    (
        "mechanism-not-offered",
        "outgoing",
        {"outgoing": ("smtp_exotic_auth", "starttls")},
        {},
        ("authenticate", "auth_mechanism_unavailable"),
    ),
    (
        "token-but-no-token-mechanism",
        "outgoing",
        {"method": "oauth2", "outgoing": ("smtp_exotic_auth", "starttls")},
        {"access_token": "Access-Token-Xy12"},
        ("authenticate", "auth_mechanism_unavailable"),
    ),
    (
        "oauth2-token-endpoint-unresolvable",
        "outgoing",
        {"method": "oauth2"},
        {},
        ("token", "oauth_endpoint_unreachable"),
    ),
    ("connection-refused", "outgoing", {"outgoing": ("closed", "tls")}, {}, ("connect", "connection_refused")),
    ("silent-listener-tls", "outgoing", {"outgoing": ("silent", "tls")}, {"timeout": 2}, ("tls", "timeout")),
    (
        "silent-listener-plain",
        "incoming",
        {"incoming": ("silent", "starttls")},
        {"timeout": 2},
        ("greeting", "timeout"),
    ),
    (
        "dns-invalid-name",
        "outgoing",
        {"outgoing": ("submission", "starttls", "smtp.no-such-practice.invalid")},
        {},
        ("resolve", "dns_failure"),
    ),
]


@pytest.mark.parametrize(
    "side, decl, options, expected", [case[1:] for case in FAILURES], ids=[case[0] for case in FAILURES]
)
def test_failure_is_named_exactly(mail_servers, side, decl, options, expected):
    result = run(mail_servers, **dict(decl, **options))[0]
    check = result[side]
    assert result["ok"] is False
    assert (check["status"], check["stage"], check["code"]) == ("failed",) + expected, check
    assert check["hint"] and check["message"]
    assert check["stages"][-1]["name"] == expected[0] and check["stages"][-1]["status"] == "failed"


def test_timeout_bounds_each_stage(mail_servers):
    result = run(mail_servers, outgoing=("silent", "tls"), timeout=1.5)[0]
    assert 1400 <= result["outgoing"]["stages"][-1]["elapsed_ms"] < 3000


def test_validate_certs_false_connects_but_warns(mail_servers):
    result, warnings = run(
        mail_servers, outgoing=("smtp_selfsigned", "tls"), incoming=None, ca_path=None, validate_certs=False
    )
    assert result["outgoing"]["status"] == "ok"
    assert any("validate_certs is false" in warning for warning in warnings)


def test_expiring_certificate_is_reported_and_warned(mail_servers):
    result, warnings = run(mail_servers, outgoing=("smtp_provider", "tls", "localhost"), incoming=None)
    assert result["outgoing"]["status"] == "ok"
    assert result["outgoing"]["tls"]["days_left"] < 30
    assert [w for w in warnings if "expires on %s" % result["outgoing"]["tls"]["not_after"] in w]


def test_incoming_disabled_is_skipped(mail_servers):
    result = run(mail_servers, incoming=None)[0]
    assert result["ok"] is True
    assert result["incoming"]["status"] == "skipped"


def test_authenticate_false_skips_login(mail_servers):
    result = run(mail_servers, authenticate=False, incoming=None)[0]
    assert result["outgoing"]["status"] == "ok"
    assert "authenticate" not in [stage["name"] for stage in result["outgoing"]["stages"]]
    assert result["outgoing"]["auth_mechanism"] is None


TOKEN_SERVERS = [
    (("submission", "starttls"), ("imaps", "tls"), "imap"),
    (("submissions", "tls"), ("imap", "starttls"), "imap"),
    (("submission", "starttls", "::1"), ("pop3s", "tls"), "pop3"),
    (("submissions", "tls"), ("pop3", "starttls"), "pop3"),
]


@pytest.mark.parametrize("outgoing, incoming, protocol", TOKEN_SERVERS)
def test_access_token_logs_in_with_xoauth2_everywhere(mail_servers, outgoing, incoming, protocol):
    token = tokens.access_token(mail_servers["users"]["alice"]["username"])
    result = run(
        mail_servers, method="oauth2", outgoing=outgoing, incoming=incoming, protocol=protocol, access_token=token
    )[0]
    assert result["ok"] is True, result
    assert result["outgoing"]["auth_mechanism"] == result["incoming"]["auth_mechanism"] == "XOAUTH2"


def test_oauthbearer_is_accepted_by_dovecot(mail_servers, monkeypatch):
    """Dovecot offers XOAUTH2 too; narrowing our preference exercises the OAUTHBEARER messages on the real server."""
    monkeypatch.setitem(_sasl.PREFERENCE, "token", ("OAUTHBEARER",))
    token = tokens.access_token(mail_servers["users"]["alice"]["username"])
    result = run(mail_servers, method="oauth2", incoming=("pop3s", "tls"), protocol="pop3", access_token=token)[0]
    assert result["ok"] is True, result
    assert result["outgoing"]["auth_mechanism"] == result["incoming"]["auth_mechanism"] == "OAUTHBEARER"


@pytest.mark.parametrize(
    "token_options", [{"lifetime": -300}, {"key": b"not-the-servers-key"}], ids=["expired", "wrong-signature"]
)
def test_rejected_token_is_auth_failed_with_the_token_hint(mail_servers, token_options):
    token = tokens.access_token(mail_servers["users"]["alice"]["username"], **token_options)
    result = run(mail_servers, method="oauth2", access_token=token)[0]
    for side in ("outgoing", "incoming"):
        check = result[side]
        assert (check["stage"], check["code"]) == ("authenticate", "auth_failed"), check
        assert "token" in check["hint"]
        assert check["elapsed_ms"] < 5000  # the JSON error challenge was answered; no wait for a server timeout
