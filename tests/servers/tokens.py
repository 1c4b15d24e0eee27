"""OAuth 2.0 access tokens the test Dovecot accepts: HS256-signed JWTs, made with the standard library."""

import base64
import hashlib
import hmac
import json
import time

from tests.servers import dovecot


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def access_token(email, lifetime=3600, key=dovecot.OAUTH2_KEY, now=None):
    """A JWT for ``email`` valid ``lifetime`` seconds from ``now`` (negative: already expired)."""
    issued = int(now if now is not None else time.time())
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64url(json.dumps({"sub": email, "email": email, "iat": issued - 60, "nbf": issued - 60,
                                 "exp": issued + lifetime}).encode())
    signature = hmac.new(key, ("%s.%s" % (header, claims)).encode("ascii"), hashlib.sha256).digest()
    return "%s.%s.%s" % (header, claims, _b64url(signature))
