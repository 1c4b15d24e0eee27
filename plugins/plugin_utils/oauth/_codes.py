# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a provider's refusal of a sign-in means: one ``oauth_*`` code with a hint.

A sign-in meets every refusal a token refresh meets (probe/_diagnosis.py's codes, reused
through probe/_oauth_token.py's classification) and a few only a person at a browser
causes: declining, letting the code expire, a conditional-access policy, a tenant that
wants an administrator's consent. Those are documented in docs/oauth.md. The device code
flow's "not yet" answers (``authorization_pending``, ``slow_down``) are not failures: they
are NotYet, which the poller reads as "ask again later".
"""

from __future__ import annotations

import json
from typing import Optional, Sequence

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import Masker
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _diagnosis, _oauth_token

# code -> (what it means, what to do); the sign-in's own codes, a documented contract (docs/oauth.md).
CODES = {
    "oauth_sign_in_declined": (
        "The person signing in declined the request or cancelled the sign-in.",
        "Ask them to sign in again as the practice mailbox and accept the permissions; run the sign-in again.",
    ),
    "oauth_sign_in_expired": (
        "Nobody finished signing in before the code expired (Microsoft's device codes last about 15 minutes).",
        "Start the sign-in again (a campaign re-run restarts expired ones) and sign in before the time on the "
        "hand-out.",
    ),
    "oauth_device_code_unknown": (
        "The provider no longer knows the device code (already used, or replaced by a newer sign-in).",
        "Start the sign-in again.",
    ),
    "oauth_conditional_access": (
        "A conditional-access policy of the tenant blocks this sign-in; many tenants block the device code flow.",
        "Use the loopback sign-in instead (mailconfig-oauth signin --flow loopback) on a device the tenant trusts, "
        "or ask the tenant administrator which policy applies.",
    ),
    "oauth_admin_consent_required": (
        "The tenant lets only an administrator consent to the application's mail permissions.",
        "Send the tenant administrator the admin consent URL in the message; once consented, sign in again.",
    ),
}

# error field -> code, for what only a sign-in sees (RFC 8628 section 3.5; RFC 6749 section 4.1.2.1).
_ERRORS = {
    "authorization_declined": "oauth_sign_in_declined",
    "access_denied": "oauth_sign_in_declined",
    "expired_token": "oauth_sign_in_expired",
    "bad_verification_code": "oauth_device_code_unknown",
}
# Microsoft's AADSTS numbers that decide over the error field during a sign-in.
_AADSTS = {
    53000: "oauth_conditional_access",  # device not compliant
    53001: "oauth_conditional_access",  # device not domain joined
    53003: "oauth_conditional_access",  # blocked by conditional access
    65001: "oauth_admin_consent_required",  # no consent to the application
    65004: "oauth_sign_in_declined",  # the user declined consent
}
NOT_YET = ("authorization_pending", "slow_down")
SLOW_DOWN_STEP = 5  # seconds added to the polling interval at each slow_down (RFC 8628 section 3.5)


class NotYet(Exception):
    """The device code flow's "ask again later": pending, or slow down (poll ``interval`` seconds apart from now on)."""

    def __init__(self, slow_down: bool, interval: Optional[int] = None):
        super().__init__("slow_down" if slow_down else "authorization_pending")
        self.slow_down, self.interval = slow_down, interval


class SignInError(Exception):
    """A sign-in that ended without a refresh token: a code (ours or probe/_diagnosis.py's), the message, the hint."""

    def __init__(self, code: str, message: str, hint: Optional[str] = None, server_response: Optional[str] = None):
        super().__init__(message)
        known = CODES.get(code) or _diagnosis.CODES.get(code)
        if known is None:
            raise ValueError("unknown sign-in code %r" % code)
        self.code, self.message, self.server_response = code, message, server_response
        self.hint = hint or known[1]

    @classmethod
    def from_failure(cls, failure: _diagnosis.Failure) -> "SignInError":
        return cls(failure.code, failure.message, failure.hint, failure.server_response)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "hint": self.hint, "server_response": self.server_response}


def admin_consent_url(authorize_endpoint: str, client_id: str) -> str:
    """Microsoft's admin consent URL for the tenant of ``authorize_endpoint`` (same host and tenant path)."""
    base = authorize_endpoint.rsplit("/oauth2/", 1)[0]
    return "%s/adminconsent?client_id=%s" % (base, client_id)


def refusal(
    error: str, numbers: Sequence[int], response: str, where: str, consent_url: Optional[str] = None
) -> Optional[SignInError]:
    """The SignInError for a sign-in refusal the provider named ``error``
    (with AADSTS ``numbers``); None when no sign-in code fits."""
    code = next((_AADSTS[number] for number in numbers if number in _AADSTS), None) or _ERRORS.get(error)
    if code is None:
        return None
    aadsts = ", ".join("AADSTS%d" % number for number in numbers)
    message = "%s refused the sign-in: %s%s" % (where, error, " (%s)" % aadsts if aadsts else "")
    hint = None
    if code == "oauth_admin_consent_required" and consent_url:
        hint = "Send the tenant administrator this admin consent URL: %s ; once consented, sign in again." % consent_url
    return SignInError(code, message, hint, response)


def read_error(status: int, body: bytes, where: str, masker: Masker, consent_url: Optional[str] = None) -> Exception:
    """NotYet or the SignInError for a token endpoint's non-200 answer; ``masker`` masks the form's secrets first."""
    parsed = _oauth_token._error_answer(status, body, masker)  # pylint: disable=protected-access
    if parsed is not None:
        error, numbers, response = parsed
        if error in NOT_YET:
            return NotYet(error == "slow_down", _interval(body))
        known = refusal(error, numbers, response, where, consent_url)
        if known is not None:
            return known
    # pylint: disable-next=protected-access
    return SignInError.from_failure(_oauth_token._classify_error(status, body, where, masker))


def _interval(body):
    """The longer ``interval`` a slow_down answer may carry, else None."""
    try:
        value = json.loads(body.decode("utf-8")).get("interval")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and 0 < value <= 300 else None
