"""A hostile OAuth 2.0 token endpoint: drip, redirect, huge body, endless headers, the form echoed back.

The token request is bounded in time as a whole (urllib would bound each read only),
in memory, never follows a redirect with the grant, and masks every encoding of the
grant's secrets that the endpoint quotes back.
"""

import base64
import json
import urllib.parse

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._oauth_token import acquire
from tests.adversarial.hostile import (CLIENT_SECRET, MEMORY_BOUND_KB, PASSWORD, REFRESH_TOKEN, assert_bounded, declaration, drip,
                                       fragments, leaked, peer, read_line, send_forever, verify)

DEADLINE = 3


def _request(conn):
    """Read the POST (headers and form body); return the body text."""
    length = 0
    while True:
        line = read_line(conn)
        if not line:
            break
        name, _colon, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    body = b""
    while len(body) < length:
        body += conn.recv(length - len(body))
    return body.decode()


def dripping_headers(conn, stop):
    _request(conn)
    drip(conn, stop, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{}", every=0.2)


def dripping_body(conn, stop):
    _request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
    drip(conn, stop, b'{"access_token": "' + b"a" * 80, every=0.2)


def redirect(conn, stop):
    _request(conn)
    conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/steal\r\nContent-Length: 0\r\n\r\n")
    stop.wait(5)


def huge_body(conn, stop):
    _request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
    send_forever(conn, stop, b'{"access_token": "' + b"A" * 1000)


def endless_headers(conn, stop):
    _request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    send_forever(conn, stop, b"X-Hostile: yes\r\n")


def echo_form(conn, stop):
    """Quotes the request back in every encoding: the form as sent, decoded, JSON-escaped, base64."""
    form = _request(conn)
    decoded = urllib.parse.unquote_plus(form)
    description = "bad request %s | %s | %s | %s" % (form, decoded, json.dumps(decoded)[1:-1], base64.b64encode(decoded.encode()).decode())
    body = json.dumps({"error": "invalid_grant", "error_description": description}).encode()
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    stop.wait(5)


CASES = [
    ("drip headers", dripping_headers, "oauth_endpoint_unreachable", "timeout"),
    ("drip body", dripping_body, "oauth_endpoint_unreachable", "timeout"),
    ("redirect", redirect, "oauth_bad_response", "redirect"),
    ("huge body", huge_body, "oauth_bad_response", "more than"),
    ("endless headers", endless_headers, "oauth_bad_response", "broke the HTTP protocol"),
    ("form echoed", echo_form, "oauth_invalid_grant", "invalid_grant"),
]


@pytest.mark.parametrize("handler, code, words", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_hostile_token_endpoint(handler, code, words):
    with peer(handler) as port:
        endpoint = "http://127.0.0.1:%d/token" % port
        report, output = verify(declaration(9, method="oauth2", token_endpoint=endpoint), timeout=2, deadline=DEADLINE)
    token = report["result"]["token"]
    assert (token["status"], token["code"], token["stage"]) == ("failed", code, "token"), token
    assert words in token["message"]
    assert report["result"]["outgoing"]["code"] == code  # no login attempted without a token
    assert_bounded(report, DEADLINE)
    assert not leaked(output, REFRESH_TOKEN, CLIENT_SECRET, PASSWORD)
    if handler is echo_form:
        assert token["server_response"].startswith("HTTP 400 invalid_grant: bad request ")
        assert "grant_type=refresh_token" in token["server_response"]  # the rest of the echo stays readable


def test_the_memory_meter_sees_growth():
    """The bound the other tests assert could fail: 100 MiB of ballast in the verifier shows up."""
    with peer(redirect) as port:
        report, _output = verify(declaration(9, method="oauth2", token_endpoint="http://127.0.0.1:%d/token" % port),
                                 ballast_mb=100, timeout=2, deadline=DEADLINE)
    assert report["grew_kb"] > MEMORY_BOUND_KB  # a verifier holding 100 MiB would fail every bound in this suite


def _answer(conn, status, body):
    conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body))


def wrapped_description(conn, _stop):
    """Quotes the client secret wrapped over two lines of its error description (only the first line is kept)."""
    secret = urllib.parse.parse_qs(_request(conn))["client_secret"][0]
    _answer(conn, 400, json.dumps({"error": "invalid_client", "error_description": "the secret %s\r\n%s is wrong"
                                   % (secret[:9], secret[9:])}).encode())


def token_type_echoed(conn, _stop):
    """Issues a token whose type is the client secret, twice over (the type used to be cut to 40 characters)."""
    secret = urllib.parse.parse_qs(_request(conn))["client_secret"][0]
    _answer(conn, 200, json.dumps({"access_token": "a", "token_type": "x" * (40 - len(secret) // 2) + secret * 2}).encode())


@pytest.mark.parametrize("handler, code", [(wrapped_description, "oauth_invalid_client"), (token_type_echoed, "oauth_bad_response")])
def test_the_secret_is_masked_before_the_answer_is_shortened(handler, code):
    """In this process: the token result alone, with no 4-character piece of the client secret in it."""
    with peer(handler) as port:
        _token, result = acquire(declaration(9, method="oauth2", token_endpoint="http://127.0.0.1:%d/token" % port),
                                 timeout=2, plaintext_allowed_hosts=["127.0.0.1"])
    assert result["code"] == code, result
    text = json.dumps(result)
    assert "********" in text
    assert not [piece for piece in fragments(CLIENT_SECRET) if piece in text], text
