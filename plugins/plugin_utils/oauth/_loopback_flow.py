# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The authorization code sign-in with PKCE and a loopback redirect (RFC 8252, RFC 7636).

For tenants whose conditional access blocks the device code flow, and for Google, which
offers no device code flow for mail scopes. A one-shot listener on the loopback
interface receives the browser's redirect; ``state`` ties it to this sign-in and the
S256 ``code_verifier`` makes an intercepted code useless. Google gets the catalogue's
``access_type=offline`` and ``prompt=consent``, without which a second sign-in issues
no refresh token. The listener reads one bounded request line, stops at the deadline,
and answers the browser with a short page that names no secret.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import secrets
import ssl
import time
import urllib.parse
from typing import Callable, Optional

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth import _exchange
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._codes import SignInError, refusal
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._endpoints import Endpoints
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._grant import Grant, grant_of

PAGE = b"<!doctype html><title>Signed in</title><p>mailconfig received the sign-in. You can close this window.</p>"


def _challenge(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


class _Listener(http.server.HTTPServer):
    """Binds the loopback address only; remembers the query of the first request to its path."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Redirected)
        self.query = None


class _Redirected(http.server.BaseHTTPRequestHandler):
    timeout = 10  # seconds for one browser connection to send its request

    def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
        parts = urllib.parse.urlsplit(self.path)
        if parts.path not in ("", "/"):  # favicon and the like
            self.send_error(404)
            return
        self.server.query = dict(urllib.parse.parse_qsl(parts.query, max_num_fields=20))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        """Quiet: the request line carries the authorization code."""


def sign_in(endpoints: Endpoints, client_id: str, context: ssl.SSLContext, open_browser: Callable[[str], object],
            login_hint: Optional[str] = None, client_secret: Optional[str] = None, wait: float = 300, timeout: float = 15,
            consent_url: Optional[str] = None) -> Grant:
    """Open the provider's sign-in page, wait (at most ``wait`` seconds) for the redirect, exchange the code."""
    if not endpoints.authorize:
        raise SignInError("oauth_request_rejected", "the provider has no authorize endpoint in the catalogue")
    verifier, state = secrets.token_urlsafe(64), secrets.token_urlsafe(24)
    listener = _Listener()
    try:
        redirect_uri = "http://%s:%d" % (endpoints.loopback_host, listener.server_address[1])
        query = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri,
                 "scope": " ".join(endpoints.scopes), "state": state, "code_challenge": _challenge(verifier),
                 "code_challenge_method": "S256"}
        if login_hint:
            query["login_hint"] = login_hint
        query.update(endpoints.authorize_parameters)
        open_browser(endpoints.authorize + "?" + urllib.parse.urlencode(query))
        deadline = time.monotonic() + wait
        while listener.query is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SignInError("oauth_sign_in_expired", "nobody finished the sign-in in the browser within %d s" % wait)
            listener.timeout = left
            listener.handle_request()
        answer = listener.query
    finally:
        listener.server_close()
    if answer.get("state") != state:
        raise SignInError("oauth_bad_response", "the redirect to %s did not carry this sign-in's state; ignored" % redirect_uri)
    if answer.get("error") or not answer.get("code"):
        raise _refused(answer, endpoints.authorize, consent_url)
    form = {"grant_type": "authorization_code", "client_id": client_id, "code": answer["code"], "redirect_uri": redirect_uri,
            "code_verifier": verifier}
    if client_secret:
        form["client_secret"] = client_secret
    return _exchange.post(endpoints.token, form, context, timeout, consent_url, grant_of)


def _refused(answer, authorize, consent_url):
    """The SignInError for an ``error`` redirect; AADSTS numbers come in Microsoft's error_description."""
    error = answer.get("error") or "no code"
    description = answer.get("error_description", "")[:300]
    numbers = [int(word[6:].rstrip(":")) for word in description.split() if word.startswith("AADSTS") and word[6:].rstrip(":").isdigit()]
    where = urllib.parse.urlsplit(authorize).netloc
    return refusal(error, numbers, "%s: %s" % (error, description), where, consent_url) or SignInError(
        "oauth_request_rejected", "%s refused the sign-in: %s" % (where, error), server_response="%s: %s" % (error, description))
