"""OAuth 2.0 access tokens the test Dovecot accepts, minted directly (no token endpoint)."""

import time

from tests.servers import dovecot
from tests.servers.token_endpoint import jwt


def access_token(email, lifetime=3600, key=dovecot.OAUTH2_KEY, now=None):
    """A JWT for ``email`` valid ``lifetime`` seconds from ``now`` (negative: already expired)."""
    issued = int(now if now is not None else time.time())
    claims = {"iss": dovecot.OAUTH2_ISSUER, "sub": email, "email": email, "iat": issued - 60, "nbf": issued - 60,
              "exp": issued + lifetime}
    return jwt(claims, key, None)
