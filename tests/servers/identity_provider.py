"""A local identity provider for the sign-in tests: device code, authorize and token endpoints.

It answers as Microsoft Entra ID and Google document their endpoints (the real ones are
not reachable from the test machines):

- POST ``/<tenant>/oauth2/v2.0/devicecode`` (RFC 8628 device authorization, Microsoft's
  shape: ``user_code``, ``verification_uri``, ``expires_in``, ``interval``, ``message``;
  no ``verification_uri_complete``);
- GET ``/<tenant>/oauth2/v2.0/authorize`` and Google's ``/o/oauth2/v2/auth``: the
  authorization code request with PKCE; the simulated person answers at once with a 302
  to the loopback ``redirect_uri`` (``code`` and ``state``, or ``error``);
- POST ``/<tenant>/oauth2/v2.0/token`` and ``/token``: the device code and authorization
  code grants here, the refresh-token and client-credentials grants by TokenEndpoint.

A simulated ``Person`` decides each sign-in: who signs in (the access token's ``email``),
after how many polls, and how it ends (``OUTCOMES``). People are found by tenant (device
code: the URL names no user) or by ``login_hint`` (authorize). Tokens are HS256 JWTs from
TokenEndpoint.mint, so the suite's Dovecot accepts them; each refresh token issued is
registered with the token endpoint, so the refresh grant works with it afterwards.
"""

import base64
import hashlib
import secrets
import threading
import time
import urllib.parse

from tests.servers.token_endpoint import MICROSOFT_PATH, Grant, TokenEndpoint, _Handler

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_PATH = "/oauth2/v2.0/devicecode"
AUTHORIZE_PATH = "/oauth2/v2.0/authorize"
GOOGLE_AUTHORIZE_PATH = "/o/oauth2/v2/auth"
# How a sign-in ends. Device code: answered at the poll after the person's ``polls`` pending ones.
OUTCOMES = ("ok", "declined", "expired", "slow_down", "bad_verification_code", "conditional_access", "consent_required")
# outcome -> (HTTP status, error, AADSTS number, description); descriptions paraphrase Microsoft's.
_ANSWERS = {
    "pending": (400, "authorization_pending", 70016, "The user has not finished signing in yet."),
    "slow_down": (400, "slow_down", 70016, "Polling too fast: wait the longer interval."),
    "declined": (400, "authorization_declined", 70000, "The user declined the sign-in."),
    "expired": (400, "expired_token", 70020, "The device code expired before the user signed in."),
    "bad_verification_code": (400, "bad_verification_code", 70019, "The device code is not known."),
    "conditional_access": (400, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies."),
    "consent_required": (400, "invalid_grant", 65001, "The user or administrator has not consented to use the application."),
    "invalid_client": (401, "invalid_client", 7000218, "The request body must contain client_assertion or client_secret: "
                                                       "public client flows are not allowed for this application."),
    "unknown_client": (400, "unauthorized_client", 700016, "Application not found in the directory."),
    "pkce": (400, "invalid_grant", 501481, "The code_verifier does not match the code_challenge."),
}


class Person:
    """Who signs in for a tenant, after how many pending polls, and how it ends (one of OUTCOMES)."""

    def __init__(self, user, outcome="ok", polls=0):
        assert outcome in OUTCOMES, outcome
        self.user, self.outcome, self.polls = user, outcome, polls


class _Pending:
    """One device code or authorization code the provider has handed out."""

    def __init__(self, person, client_id, scope, expires_at, **extra):
        self.person, self.client_id, self.scope, self.expires_at = person, client_id, scope, expires_at
        self.polls = 0
        self.last_poll = None
        self.extra = extra


class IdentityProvider(TokenEndpoint):
    """TokenEndpoint plus the sign-in endpoints; ``interval`` and ``expires_in`` shape each device code.

    ``public_clients``: client IDs allowed to use the device code flow without a secret;
    ``confidential_clients``: client_id -> secret (Google's desktop clients send theirs).
    Any other client is unknown (``unauthorized_client``, AADSTS700016).
    """

    def __init__(self, *args, interval=5, expires_in=900, **kwargs):
        super().__init__(*args, **kwargs)
        self.interval, self.expires_in = interval, expires_in
        self.people_by_tenant, self.people_by_user = {}, {}
        self.public_clients, self.confidential_clients, self.no_public_flow = set(), {}, set()
        self.device_codes, self.auth_codes = {}, {}
        self.authorize_requests = []
        self._sign_in_lock = threading.Lock()

    def add_person(self, user, tenant=None, **options):
        """``user`` signs in for ``tenant`` (default: the address's domain); options: outcome, polls."""
        person = Person(user, **options)
        self.people_by_tenant[(tenant or user.split("@")[1]).lower()] = person
        self.people_by_user[user.lower()] = person
        return person

    def base_url(self):
        return "%s://%s:%d" % ("https" if self.cert else "http", self.host, self.port)

    def verification_uri(self):
        return self.base_url() + "/devicelogin"

    # Device authorization -----------------------------------------------------------------------

    def device_code(self, tenant, form):
        """(status, content type, body) for a device authorization request."""
        self.requests.append(dict(form, _dialect="devicecode", _tenant=tenant))
        client_id = form.get("client_id")
        if client_id in self.no_public_flow:
            return self._answer("invalid_client")
        if client_id not in self.public_clients:
            return self._answer("unknown_client")
        person = self.people_by_tenant.get(tenant.lower())
        device_code = "dc-" + secrets.token_urlsafe(24)
        user_code = "".join(secrets.choice("BCDFGHJKLMNPQRSTVWXZ") for _letter in range(8))
        with self._sign_in_lock:
            self.device_codes[device_code] = _Pending(person, client_id, form.get("scope", ""), time.time() + self.expires_in,
                                                      user_code=user_code)
        uri = self.verification_uri()
        return self._json(200, {"device_code": device_code, "user_code": user_code, "verification_uri": uri,
                                "expires_in": self.expires_in, "interval": self.interval,
                                "message": "To sign in, use a web browser to open the page %s and enter the code %s "
                                           "to authenticate." % (uri, user_code)})

    def _device_token(self, form):
        with self._sign_in_lock:
            pending = self.device_codes.get(form.get("device_code"))
            if pending is None:
                return self._answer("bad_verification_code")
            if form.get("client_id") != pending.client_id:
                return self._answer("unknown_client")
            now = time.monotonic()
            too_soon = pending.last_poll is not None and now - pending.last_poll < pending.extra.get("min_gap", 0)
            pending.last_poll = now
            pending.polls += 1
            person = pending.person
            if time.time() > pending.expires_at:
                return self._answer("expired")
            if person is None or too_soon:
                return self._answer("slow_down" if too_soon else "pending")
            if person.outcome == "slow_down" and "min_gap" not in pending.extra:
                pending.extra["min_gap"] = self.interval + 5
                return self._answer("slow_down", interval=self.interval + 5)
            if pending.polls <= person.polls:
                return self._answer("pending")
            if person.outcome == "bad_verification_code":
                del self.device_codes[form["device_code"]]
            if person.outcome not in ("ok", "slow_down"):
                return self._answer(person.outcome)
            del self.device_codes[form["device_code"]]
        return self._issue(person, pending.client_id, pending.scope, refresh=True)

    # Authorization code with PKCE ---------------------------------------------------------------

    def authorize(self, dialect, query):
        """(status, location) for the browser's authorize request: a 302 to the loopback redirect_uri."""
        self.authorize_requests.append(dict(query, _dialect=dialect))
        redirect = query.get("redirect_uri", "")
        parts = urllib.parse.urlsplit(redirect)
        if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1") or query.get("response_type") != "code":
            return 400, None
        client_id = query.get("client_id")
        person = self.people_by_user.get((query.get("login_hint") or "").lower())
        answer = {"state": query.get("state", "")}
        if client_id not in self.public_clients and client_id not in self.confidential_clients:
            answer.update(error="unauthorized_client", error_description="AADSTS700016: " + _ANSWERS["unknown_client"][3])
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            answer.update(error="invalid_request", error_description="PKCE with S256 is required.")
        elif person is None or person.outcome in ("declined", "expired"):
            answer.update(error="access_denied", error_description="AADSTS65004: The user declined to consent.")
        elif person.outcome in ("conditional_access", "consent_required"):
            status, error, number, text = _ANSWERS[person.outcome]
            answer.update(error="access_denied" if error == "invalid_grant" else error,
                          error_description="AADSTS%d: %s" % (number, text))
        else:
            code = "ac-" + secrets.token_urlsafe(24)
            offline = dialect != "google" or (query.get("access_type") == "offline" and query.get("prompt") == "consent")
            with self._sign_in_lock:
                self.auth_codes[code] = _Pending(person, client_id, query.get("scope", ""), time.time() + 600,
                                                 redirect_uri=redirect, challenge=query["code_challenge"], offline=offline)
            answer["code"] = code
        return 302, redirect + ("&" if "?" in redirect else "?") + urllib.parse.urlencode(answer)

    def _code_token(self, dialect, form):
        with self._sign_in_lock:
            pending = self.auth_codes.pop(form.get("code"), None)
        if pending is None or time.time() > pending.expires_at or form.get("redirect_uri") != pending.extra["redirect_uri"]:
            return self._error(dialect, "invalid_grant")
        if form.get("client_id") != pending.client_id:
            return self._answer("unknown_client")
        secret = self.confidential_clients.get(pending.client_id)
        if secret is not None and form.get("client_secret") != secret:
            return self._error(dialect, "invalid_client")
        verifier = form.get("code_verifier", "").encode("ascii", "replace")
        if base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode() != pending.extra["challenge"]:
            return self._answer("pkce")
        return self._issue(pending.person, pending.client_id, pending.scope, refresh=pending.extra["offline"])

    # Answers ------------------------------------------------------------------------------------

    def answer(self, dialect, form):
        grant_type = form.get("grant_type")
        if grant_type == DEVICE_GRANT:
            self.requests.append(dict(form, _dialect=dialect))
            return self._device_token(form)
        if grant_type == "authorization_code":
            self.requests.append(dict(form, _dialect=dialect))
            return self._code_token(dialect, form)
        return super().answer(dialect, form)

    def _issue(self, person, client_id, scope, refresh):
        grant = Grant(person.user, client_id, self.confidential_clients.get(client_id))
        body = {"token_type": "Bearer", "scope": scope, "expires_in": grant.lifetime, "ext_expires_in": grant.lifetime,
                "access_token": self.mint(grant, scope)}
        if refresh:
            refresh_token = "rt-" + secrets.token_urlsafe(32)
            self.refresh_tokens[refresh_token] = grant
            body["refresh_token"] = refresh_token
        return self._json(200, body)

    def _answer(self, name, **extra):
        status, error, number, text = _ANSWERS[name]
        body = {"error": error, "error_description": "AADSTS%d: %s Trace ID: 0000 Correlation ID: 0000" % (number, text),
                "error_codes": [number], "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())}
        body.update(extra)
        return self._json(status, body)


class _SignInHandler(_Handler):
    """The token endpoint's handler plus the device code POST and the authorize GET."""

    def do_POST(self):
        if self.path.endswith(DEVICE_PATH):
            length = min(int(self.headers.get("Content-Length") or 0), 65536)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8")))
            self._send(*self.owner.device_code(self.path[1:-len(DEVICE_PATH)], form))
            return
        super().do_POST()

    def do_GET(self):
        parts = urllib.parse.urlsplit(self.path)
        if parts.path.endswith(AUTHORIZE_PATH) or parts.path == GOOGLE_AUTHORIZE_PATH:
            status, location = self.owner.authorize("google" if parts.path == GOOGLE_AUTHORIZE_PATH else "microsoft",
                                                    dict(urllib.parse.parse_qsl(parts.query)))
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def _send(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


IdentityProvider.handler = _SignInHandler


def microsoft_endpoints(provider, tenant_placeholder="{tenant}"):
    """The endpoint overrides that point a Microsoft provider's sign-in at ``provider``."""
    base = provider.base_url() + "/" + tenant_placeholder
    return {"device_endpoint": base + DEVICE_PATH, "authorize_endpoint": base + AUTHORIZE_PATH,
            "token_endpoint": base + MICROSOFT_PATH}


def google_endpoints(provider):
    """The endpoint overrides that point Google's sign-in at ``provider``."""
    return {"authorize_endpoint": provider.base_url() + GOOGLE_AUTHORIZE_PATH, "token_endpoint": provider.url("google")}
