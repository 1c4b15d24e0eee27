"""A small OAuth 2.0 token endpoint for the tests, answering as Microsoft Entra ID and Google do.

POST ``/<tenant>/oauth2/v2.0/token`` answers in Microsoft's dialect (AADSTS codes in
``error_description`` and ``error_codes``, HTTP 401 for a bad client); POST ``/token``
in Google's. Both take the refresh-token and the client-credentials grants.

Access tokens are HS256-signed JWTs that Dovecot 2.3 checks offline with
``passdb { driver = oauth2 }`` and ``introspection_mode = local``:

- header ``{"alg": "HS256", "typ": "JWT", "kid": KID}``; claims ``sub`` (required by
  Dovecot), ``email`` (Dovecot's default ``username_attribute``), ``iss`` (checked
  against Dovecot's ``issuers``), ``exp`` (required), ``nbf``, ``iat``, ``aud``,
  ``scope``; no ``azp``, so Dovecot looks the key up as ``/shared/default/HS256/KID``
  (``default`` when the token has no ``kid``): the file ``<prefix>/default/HS256/KID``
  holding the key in base64, as tests/servers/dovecot.py writes it.

Each refresh token or client is registered with an ``outcome`` naming the answer to
give: "ok", one of the failure cases in ``_FAILURES`` / ``_RAW_ANSWERS``, or "echo"
(a careless endpoint quoting the refresh token back in its error). An unknown
refresh token gets ``invalid_grant`` (expired or revoked), a wrong client secret
``invalid_client``. The server runs in a thread of the test process; ``stop()``
closes its port, which is the "token endpoint down" case.
"""

import base64
import hashlib
import hmac
import json
import os
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers import dovecot

MICROSOFT_PATH = "/oauth2/v2.0/token"
GOOGLE_PATH = "/token"
MOVED_PATH = "/moved"  # answers 302 to the Google path: a client must not follow it
ALGORITHM = "HS256"

# outcome -> (HTTP status, error, Microsoft AADSTS number, Microsoft description, Google description).
# The descriptions paraphrase what each provider sends; the codes are theirs.
_FAILURES = {
    "invalid_grant": (400, "invalid_grant", 70008,
                      "The refresh token has expired because it was not used for too long.",
                      "Token has been expired or revoked."),
    "invalid_client": (401, "invalid_client", 7000215,
                       "The client secret sent is not valid: send the secret's value, not its ID.",
                       "Unauthorized"),
    "unauthorized_client": (400, "unauthorized_client", 700016,
                            "No application with this client ID exists in the tenant.",
                            "Unauthorized"),
    "consent_required": (400, "invalid_grant", 65001,
                         "Neither the user nor an administrator has consented to this application.",
                         "The user has not granted the requested scopes."),
    "invalid_scope": (400, "invalid_scope", 1002012,
                      "The scope requested is not valid for this grant: app-only access needs '<resource>/.default'.",
                      "Some requested scopes were invalid."),
    "server_error": (503, "temporarily_unavailable", 90033,
                     "The service is temporarily unavailable; try again.",
                     "Backend Error"),
}

# outcome -> (HTTP status, content type, body): answers that are not OAuth at all.
_RAW_ANSWERS = {
    "not_json": (200, "text/html; charset=utf-8", b"<html><body>Sign in to continue</body></html>"),
    "no_access_token": (200, "application/json", b'{"token_type": "Bearer", "expires_in": 3599}'),
    "gateway_down": (502, "text/html", b"<html><body>502 Bad Gateway</body></html>"),
}


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt(claims, key, kid):
    """A compact JWS: base64url(header).base64url(claims).base64url(HMAC-SHA256 signature)."""
    header = {"alg": ALGORITHM, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    signing_input = "%s.%s" % (_b64url(json.dumps(header).encode()), _b64url(json.dumps(claims).encode()))
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return "%s.%s" % (signing_input, _b64url(signature))


class Grant:
    """One refresh token or client-credentials client the endpoint knows."""

    def __init__(self, user, client_id, client_secret=None, outcome="ok", lifetime=3600, rotate=False, signing_key=None):
        self.user = user
        self.client_id = client_id
        self.client_secret = client_secret
        self.outcome = outcome
        self.lifetime = lifetime
        self.rotate = rotate
        self.signing_key = signing_key


class TokenEndpoint:
    """The endpoint; ``start()`` serves HTTPS when given ``cert``/``cert_key``, else plain HTTP.

    ``key`` is the HMAC signing key (random unless given) and ``kid`` the key ID put in
    each token's header; ``kid=None`` leaves it out, so Dovecot looks for the key "default".
    """

    handler = None  # the request handler class; _Handler unless a subclass serves more paths

    def __init__(self, cert=None, cert_key=None, key=None, kid="mailconfig-test-1", issuer=dovecot.OAUTH2_ISSUER,
                 host="127.0.0.1"):
        self.cert, self.cert_key, self.issuer, self.kid, self.host = cert, cert_key, issuer, kid, host
        self.key = key or os.urandom(32)
        self.refresh_tokens = {}
        self.clients = {}
        self.requests = []
        self.issued = []
        self._server = None
        self._thread = None
        self._lock = threading.Lock()
        self._serial = 0

    # Registration -----------------------------------------------------------------------------

    def add_refresh_token(self, refresh_token, user, client_id, client_secret=None, **options):
        """Accept ``refresh_token`` for ``client_id`` (and ``client_secret`` when given)."""
        self.refresh_tokens[refresh_token] = Grant(user, client_id, client_secret, **options)

    def add_client(self, client_id, client_secret, user, **options):
        """Accept the client-credentials grant of ``client_id``; its tokens name ``user``."""
        self.clients[client_id] = Grant(user, client_id, client_secret, **options)

    # Serving ----------------------------------------------------------------------------------

    @property
    def port(self):
        return self._server.server_address[1]

    def url(self, dialect="microsoft", tenant="practice.example.test"):
        """The token endpoint URL answering in ``dialect`` ("microsoft", "google", or "moved")."""
        scheme = "https" if self.cert else "http"
        path = {"microsoft": "/%s%s" % (tenant, MICROSOFT_PATH), "google": GOOGLE_PATH, "moved": MOVED_PATH}[dialect]
        return "%s://%s:%d%s" % (scheme, self.host, self.port, path)

    def start(self):
        """Serve on a free port of ``host`` from a daemon thread; returns self."""
        endpoint = self

        class Handler(self.handler or _Handler):
            owner = endpoint

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        if self.cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.cert, self.cert_key)
            # The handshake happens in each request's thread, so one slow client cannot stall the rest.
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True, do_handshake_on_connect=False)
        self._thread = threading.Thread(target=self._server.serve_forever, name="token endpoint", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving and close the port: later requests are refused."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # Answers ----------------------------------------------------------------------------------

    def mint(self, grant, scope):
        """A signed access token for ``grant``; ``grant.lifetime`` may be negative (already expired)."""
        now = int(time.time())
        expires = now + grant.lifetime
        issued_at = now if grant.lifetime > 0 else expires - 3600
        claims = {"iss": self.issuer, "sub": grant.user, "email": grant.user, "aud": grant.client_id,
                  "iat": issued_at, "nbf": issued_at, "exp": expires, "scope": scope,
                  "jti": "%d-%d" % (now, self._next_serial())}
        token = jwt(claims, grant.signing_key or self.key, self.kid)
        self.issued.append(token)
        return token

    def _next_serial(self):
        with self._lock:
            self._serial += 1
            return self._serial

    def answer(self, dialect, form):
        """(HTTP status, content type, body bytes) for one token request."""
        self.requests.append(dict(form, _dialect=dialect))
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            grant = self.refresh_tokens.get(form.get("refresh_token"))
            if grant is None:
                return self._error(dialect, "invalid_grant")
        elif grant_type == "client_credentials":
            grant = self.clients.get(form.get("client_id"))
            if grant is None:
                return self._error(dialect, "unauthorized_client")
        else:
            return self._json(400, {"error": "unsupported_grant_type", "error_description": "grant_type %r" % grant_type})
        if form.get("client_id") != grant.client_id:
            return self._error(dialect, "unauthorized_client")
        if grant.client_secret is not None and form.get("client_secret") != grant.client_secret:
            return self._error(dialect, "invalid_client")
        scope = form.get("scope", "")
        if grant_type == "client_credentials" and dialect == "microsoft" and not scope.endswith("/.default"):
            return self._error(dialect, "invalid_scope")
        if grant.outcome == "echo":
            return self._json(400, {"error": "invalid_request", "error_description": "bad token %s" % form.get("refresh_token")})
        if grant.outcome in _RAW_ANSWERS:
            return _RAW_ANSWERS[grant.outcome]
        if grant.outcome != "ok":
            return self._error(dialect, grant.outcome)
        body = {"token_type": "Bearer", "scope": scope, "expires_in": max(grant.lifetime, 0),
                "access_token": self.mint(grant, scope)}
        if grant_type == "refresh_token" and grant.rotate:
            rotated = "%s-r%d" % (form["refresh_token"], self._next_serial())
            self.refresh_tokens[rotated] = grant
            body["refresh_token"] = rotated
        return self._json(200, body)

    @staticmethod
    def _json(status, body):
        return status, "application/json; charset=utf-8", json.dumps(body).encode("utf-8")

    def _error(self, dialect, outcome):
        status, error, aadsts, microsoft, google = _FAILURES[outcome]
        if dialect == "google":
            return self._json(status, {"error": error, "error_description": google})
        body = {"error": error, "error_description": "AADSTS%d: %s Trace ID: 0000 Correlation ID: 0000" % (aadsts, microsoft),
                "error_codes": [aadsts], "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
                "error_uri": "https://login.microsoftonline.com/error?code=%d" % aadsts}
        if outcome == "consent_required":
            body["suberror"] = "consent_required"
        return self._json(status, body)


class _Handler(BaseHTTPRequestHandler):
    owner = None
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8")))
        if self.path == MOVED_PATH:
            self.send_response(302)
            self.send_header("Location", self.owner.url("google"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.endswith(MICROSOFT_PATH):
            status, content_type, body = self.owner.answer("microsoft", form)
        elif self.path == GOOGLE_PATH:
            status, content_type, body = self.owner.answer("google", form)
        else:
            status, content_type, body = 404, "text/plain", b"not found"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        """No token endpoint answers GET; recorded so a test sees a client that followed a redirect."""
        self.owner.requests.append({"_method": "GET", "_path": self.path})
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        """Quiet: request lines would only clutter the test output."""
