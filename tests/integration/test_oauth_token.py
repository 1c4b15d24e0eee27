"""Token acquisition against a real local token endpoint: each grant, each provider answer, each transport failure.

The endpoint (tests/servers/token_endpoint.py) serves HTTPS with a private CA and answers
in Microsoft's and Google's dialects. Every result is checked for the refresh token, the
client secret and every access token the endpoint issued.
"""

import base64
import hashlib
import hmac
import json
import shutil
import socket
import subprocess
import threading
import time

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _oauth_token
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import CODES
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import Masker
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._oauth_token import acquire
from tests.servers import certs
from tests.servers.token_endpoint import TokenEndpoint

USER = "reception@practice.example.test"
CLIENT = "3f1c2a9e-0000-4000-8000-practiceapp01"
REFRESH = "Refresh-Token-Secret-9Xq2Vb"
CLIENT_SECRET = "Client-Secret-Value-4Lp7Hd"
DELEGATED = ["https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"]

# refresh token -> (endpoint outcome, registration options)
REFRESH_TOKENS = {
    REFRESH: {},
    "Refresh-Rotating-2Wm8": {"rotate": True},
    "Refresh-Consent-7Tg1": {"outcome": "consent_required"},
    "Refresh-Scope-5Rr3": {"outcome": "invalid_scope"},
    "Refresh-Busy-8Kc4": {"outcome": "server_error"},
    "Refresh-Html-1Qa6": {"outcome": "not_json"},
    "Refresh-NoToken-6Ze9": {"outcome": "no_access_token"},
    "Refresh-Gateway-3Bn5": {"outcome": "gateway_down"},
    "Refresh-Echo-4Yu2": {"outcome": "echo"},
    "Refresh-Confidential-0Pw1": {"client_secret": CLIENT_SECRET},
}
SECRETS = [REFRESH, CLIENT_SECRET] + [token for token in REFRESH_TOKENS if token != REFRESH]


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return certs.make(str(tmp_path_factory.mktemp("oauth-tls")))


@pytest.fixture(scope="module")
def endpoint(tls):
    server = TokenEndpoint(cert=tls["valid"]["cert"], cert_key=tls["valid"]["key"])
    for token, options in REFRESH_TOKENS.items():
        server.add_refresh_token(token, USER, CLIENT, **options)
    server.add_client(CLIENT, CLIENT_SECRET, USER)
    with server:
        yield server


def declaration(token_endpoint, refresh_token=REFRESH, client_secret=None, client_id=CLIENT, scopes=None):
    """A normalised declaration with an OAuth 2.0 grant (only the parts token acquisition reads are realistic)."""
    return {
        "schema_version": 1, "address": USER, "display_name": None, "provider": "office365", "username": USER,
        "auth": {"method": "oauth2", "password": None, "oauth2": {
            "tenant": "practice.example.test", "token_endpoint": token_endpoint, "client_id": client_id,
            "client_secret": client_secret, "refresh_token": refresh_token, "scopes": list(DELEGATED if scopes is None else scopes)}},
        "outgoing": {"host": "smtp.office365.com", "port": 587, "security": "starttls", "authenticate": True},
        "incoming": {"enabled": False, "protocol": None, "host": None, "port": None, "security": None,
                     "leave_copy_on_server": False, "acknowledge_mail_removal": False},
        "sending": {"rate_per_minute": 3}, "practice": {"update_contact_email": False},
    }


def get(endpoint, tls, *, dialect="microsoft", url=None, ca_path="from-fixture", **grant):
    """acquire() against the endpoint; asserts that no secret or issued token shows in the result."""
    options = dict(ca_path=tls["ca"] if ca_path == "from-fixture" else ca_path, timeout=grant.pop("timeout", 10))
    options.update({key: grant.pop(key) for key in ("validate_certs", "plaintext_allowed_hosts") if key in grant})
    token, result = acquire(declaration(endpoint.url(dialect) if url is None else url, **grant), **options)
    text = json.dumps(result)
    for secret in SECRETS + endpoint.issued:
        assert secret not in text, "a secret leaked into the result"
    assert set(result) >= {"status", "stage", "code", "message", "hint", "server_response", "elapsed_ms", "stages"}
    assert result["protocol"] == "oauth2" and result["stage"] == "token"
    if result["status"] == "failed":
        assert token is None and result["code"] in CODES and result["hint"]
    return token, result


def claims(access_token, key):
    """The claims of an HS256 JWT after checking its signature with ``key``."""
    header, body, signature = access_token.split(".")
    expected = hmac.new(key, ("%s.%s" % (header, body)).encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "==") == expected
    return json.loads(base64.urlsafe_b64decode(body + "=="))


def test_refresh_token_grant_returns_a_signed_access_token(endpoint, tls):
    token, result = get(endpoint, tls)
    assert result["status"] == "ok" and result["code"] is None, result
    assert result["host"] == "127.0.0.1" and result["port"] == endpoint.port and result["security"] == "tls"
    assert [(stage["name"], stage["status"]) for stage in result["stages"]] == [("token", "ok")]
    assert token.expires_in == 3600 and token.refresh_token is None
    assert "valid 3600 s" in result["message"]
    assert claims(token.access_token, endpoint.key)["email"] == USER
    sent = endpoint.requests[-1]
    assert sent["grant_type"] == "refresh_token" and sent["client_id"] == CLIENT and sent["refresh_token"] == REFRESH
    assert sent["scope"].split() == DELEGATED and "client_secret" not in sent


def test_confidential_client_sends_its_secret_with_the_refresh_token(endpoint, tls):
    token, result = get(endpoint, tls, refresh_token="Refresh-Confidential-0Pw1", client_secret=CLIENT_SECRET)
    assert result["status"] == "ok", result
    assert endpoint.requests[-1]["client_secret"] == CLIENT_SECRET and endpoint.requests[-1]["grant_type"] == "refresh_token"


def test_rotated_refresh_token_is_returned_to_store_and_never_shown(endpoint, tls):
    token, result = get(endpoint, tls, refresh_token="Refresh-Rotating-2Wm8")
    assert result["status"] == "ok" and "rotated" in result["message"]
    assert token.refresh_token and token.refresh_token != "Refresh-Rotating-2Wm8"
    assert token.refresh_token not in json.dumps(result)
    again, result = get(endpoint, tls, refresh_token=token.refresh_token)
    assert result["status"] == "ok" and again.refresh_token not in (None, token.refresh_token)


def test_client_credentials_on_microsoft_ask_for_the_exchange_default_scope(endpoint, tls):
    token, result = get(endpoint, tls, refresh_token=None, client_secret=CLIENT_SECRET)
    assert result["status"] == "ok", result
    assert "client_credentials grant" in result["message"]
    sent = endpoint.requests[-1]
    assert sent["grant_type"] == "client_credentials" and sent["scope"] == "https://outlook.office365.com/.default"
    assert "refresh_token" not in sent
    assert claims(token.access_token, endpoint.key)["scope"] == "https://outlook.office365.com/.default"


def test_client_credentials_elsewhere_send_the_declared_scopes_without_offline_access(endpoint, tls):
    token, result = get(endpoint, tls, dialect="google", refresh_token=None, client_secret=CLIENT_SECRET,
                        scopes=["https://mail.google.com/", "offline_access"])
    assert result["status"] == "ok", result
    assert endpoint.requests[-1]["scope"] == "https://mail.google.com/"


FAILURES = [
    # id, dialect, grant options, code, text expected in server_response
    ("ms-expired-refresh-token", "microsoft", {"refresh_token": "Refresh-Unknown-1"}, "oauth_invalid_grant", "AADSTS70008"),
    ("google-revoked-refresh-token", "google", {"refresh_token": "Refresh-Unknown-2"}, "oauth_invalid_grant", "expired or revoked"),
    ("ms-wrong-client-secret", "microsoft", {"refresh_token": None, "client_secret": "Wrong-Secret-1"}, "oauth_invalid_client", "AADSTS7000215"),
    ("google-wrong-client-secret", "google", {"refresh_token": "Refresh-Confidential-0Pw1", "client_secret": "Wrong-Secret-2"},
     "oauth_invalid_client", "HTTP 401 invalid_client"),
    ("ms-unknown-client", "microsoft", {"client_id": "not-registered"}, "oauth_unauthorized_client", "AADSTS700016"),
    ("ms-consent-missing", "microsoft", {"refresh_token": "Refresh-Consent-7Tg1"}, "oauth_consent_required", "(consent_required)"),
    ("ms-invalid-scope", "microsoft", {"refresh_token": "Refresh-Scope-5Rr3"}, "oauth_invalid_scope", "AADSTS1002012"),
    ("google-invalid-scope", "google", {"refresh_token": "Refresh-Scope-5Rr3"}, "oauth_invalid_scope", "invalid_scope"),
    ("ms-temporarily-unavailable", "microsoft", {"refresh_token": "Refresh-Busy-8Kc4"}, "oauth_request_rejected", "HTTP 503"),
    ("html-instead-of-json", "microsoft", {"refresh_token": "Refresh-Html-1Qa6"}, "oauth_bad_response", None),
    ("json-without-access-token", "google", {"refresh_token": "Refresh-NoToken-6Ze9"}, "oauth_bad_response", None),
    ("gateway-html-502", "microsoft", {"refresh_token": "Refresh-Gateway-3Bn5"}, "oauth_endpoint_unreachable", "HTTP 502"),
    ("redirect-not-followed", "moved", {}, "oauth_bad_response", "HTTP 302"),
]


@pytest.mark.parametrize("dialect, grant, code, answer", [case[1:] for case in FAILURES], ids=[case[0] for case in FAILURES])
def test_each_provider_answer_has_its_diagnosis(endpoint, tls, dialect, grant, code, answer):
    asked = len(endpoint.requests)
    token, result = get(endpoint, tls, dialect=dialect, **grant)
    assert (result["status"], result["code"]) == ("failed", code), result
    assert result["hint"] == CODES[code][1]
    assert "127.0.0.1:%d" % endpoint.port in result["message"]
    if answer:
        assert answer in result["server_response"]
    assert len(endpoint.requests) == asked + (0 if dialect == "moved" else 1)  # one request; a redirect is not followed


def test_missing_access_token_message_names_the_fields_but_no_values(endpoint, tls):
    token, result = get(endpoint, tls, refresh_token="Refresh-NoToken-6Ze9")
    assert "without an access_token (fields: expires_in, token_type)" in result["message"]


def test_a_secret_quoted_back_by_the_endpoint_is_masked(endpoint, tls):
    token, result = get(endpoint, tls, refresh_token="Refresh-Echo-4Yu2")
    assert result["code"] == "oauth_request_rejected"
    assert result["server_response"] == "HTTP 400 invalid_request: bad token ********"


def test_no_grant_means_no_request(endpoint, tls):
    asked = len(endpoint.requests)
    token, result = get(endpoint, tls, refresh_token=None, client_secret=None)
    assert result["code"] == "oauth_invalid_grant" and "neither a refresh_token nor a client_secret" in result["message"]
    assert result["stages"] == [] and len(endpoint.requests) == asked


def test_private_ca_is_required_unless_certificates_are_not_validated(endpoint, tls):
    token, result = get(endpoint, tls, ca_path=None)
    assert result["code"] == "oauth_endpoint_unreachable" and "certificate_untrusted" in result["message"], result
    assert "ca_path" in result["hint"]
    token, result = get(endpoint, tls, ca_path=None, validate_certs=False)
    assert result["status"] == "ok", result


def test_ca_path_may_be_a_folder_of_hashed_certificates(endpoint, tls, tmp_path):
    """tls_context takes a folder too (``openssl rehash`` layout)."""
    shutil.copy(tls["ca"], str(tmp_path / "ca.pem"))
    subprocess.run(["openssl", "rehash", str(tmp_path)], check=True)
    token, result = get(endpoint, tls, ca_path=str(tmp_path))
    assert result["status"] == "ok", result


def test_stopped_endpoint_is_unreachable(tls):
    server = TokenEndpoint(cert=tls["valid"]["cert"], cert_key=tls["valid"]["key"]).start()
    server.add_refresh_token(REFRESH, USER, CLIENT)
    url = server.url()
    assert get(server, tls, url=url)[1]["status"] == "ok"
    server.stop()
    token, result = get(server, tls, url=url)
    assert result["code"] == "oauth_endpoint_unreachable" and "(connection_refused)" in result["message"], result
    assert result["hint"] == CODES["oauth_endpoint_unreachable"][1]


@pytest.fixture
def raw_listener():
    """A TCP port that accepts and then answers ``reply`` (None: never answers)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    state = {"reply": None, "open": []}

    def serve():
        while True:
            try:
                conn, _peer = listener.accept()
            except OSError:
                return
            state["open"].append(conn)
            if state["reply"] is not None:
                conn.recv(65536)
                conn.sendall(state["reply"])
                conn.close()

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    yield listener.getsockname()[1], state
    listener.close()
    for conn in state["open"]:
        conn.close()


def test_silent_endpoint_times_out_within_the_timeout(endpoint, tls, raw_listener):
    port, _state = raw_listener
    started = time.monotonic()
    token, result = get(endpoint, tls, url="http://127.0.0.1:%d/token" % port, timeout=1, plaintext_allowed_hosts=["127.0.0.1"])
    assert result["code"] == "oauth_endpoint_unreachable" and "(timeout)" in result["message"], result
    assert time.monotonic() - started < 5


def test_plaintext_endpoint_on_a_tls_client_is_a_protocol_mismatch(endpoint, tls, raw_listener):
    port, state = raw_listener
    state["reply"] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    token, result = get(endpoint, tls, url="https://127.0.0.1:%d/token" % port)
    assert result["code"] == "oauth_endpoint_unreachable" and "(tls_protocol_mismatch)" in result["message"], result


def test_garbage_instead_of_http_is_a_bad_response(endpoint, tls, raw_listener):
    port, state = raw_listener
    state["reply"] = b"* OK IMAP4rev1 ready\r\n"
    token, result = get(endpoint, tls, url="http://127.0.0.1:%d/token" % port, plaintext_allowed_hosts=["127.0.0.1"])
    assert result["code"] == "oauth_bad_response" and "broke the HTTP protocol" in result["message"], result


def test_plain_http_endpoint_only_when_allowed(tls):
    with TokenEndpoint() as plain:
        plain.add_refresh_token(REFRESH, USER, CLIENT)
        asked = len(plain.requests)
        token, result = get(plain, tls, url=plain.url())
        assert (result["code"], result["security"]) == ("oauth_endpoint_insecure", "none")
        assert len(plain.requests) == asked
        token, result = get(plain, tls, url=plain.url(), plaintext_allowed_hosts=["127.0.0.1"])
        assert result["status"] == "ok", result


def test_an_unusable_endpoint_url_is_rejected_before_any_request(endpoint, tls):
    for url in ("", "ftp://tokens.example.test/token", "https://tokens.example.test:notaport/token"):
        token, result = get(endpoint, tls, url=url)
        assert result["code"] == "oauth_request_rejected" and "no usable token endpoint" in result["message"]


AADSTS = [
    # error, AADSTS numbers, code: Microsoft's numbers decide over the generic error field
    ("invalid_grant", [700082], "oauth_invalid_grant"),
    ("invalid_grant", [50173], "oauth_invalid_grant"),
    ("invalid_client", [7000222], "oauth_invalid_client"),
    ("invalid_grant", [65001], "oauth_consent_required"),
    ("interaction_required", [50076], "oauth_consent_required"),
    ("invalid_request", [90002], "oauth_request_rejected"),
    ("interaction_required", [], "oauth_consent_required"),
    ("unsupported_grant_type", [], "oauth_request_rejected"),
]


@pytest.mark.parametrize("error, numbers, code", AADSTS)
def test_error_fields_and_aadsts_numbers(error, numbers, code):
    body = json.dumps({"error": error, "error_description": "AADSTS%s: text\r\nTrace ID: 1" % (numbers or [""])[0],
                       "error_codes": numbers}).encode()
    failure = _oauth_token._classify_error(400, body, "login.example.test:443", Masker([]))
    assert failure.code == code
    assert "Trace ID" not in failure.server_response
