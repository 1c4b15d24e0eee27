# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One practice's device code sign-in (RFC 8628), one step at a time.

``step()`` starts the sign-in (the device authorization request), then polls the token
endpoint once per call; between calls the caller waits until ``due``. The provider's
``interval`` is kept, and every ``slow_down`` adds 5 seconds to it for good (or takes the
longer interval the answer names). A code past its ``expires_in`` is not polled again.
Microsoft gives no ``verification_uri_complete``: the URL and the code are shown apart.
"""

from __future__ import annotations

import ssl
import time
from typing import Any, Dict, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._bounded_http import Connections
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth import _exchange
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._codes import SLOW_DOWN_STEP, NotYet, SignInError
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._endpoints import Endpoints
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._grant import Grant, grant_of

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5  # RFC 8628 section 3.2, when the answer names none
MAX_INTERVAL = 300


class DeviceSignIn:
    """State of one sign-in: ``new``, ``waiting`` (code shown), ``signed_in`` (``grant`` set) or ``failed``
    (``error``)."""

    def __init__(
        self,
        practice: str,
        endpoints: Endpoints,
        client_id: str,
        context: ssl.SSLContext,
        timeout: float = 15,
        consent_url: Optional[str] = None,
        connections: Optional[Connections] = None,
    ):
        if not endpoints.device:
            raise SignInError(
                "oauth_request_rejected", "%s: the provider has no device code sign-in; use --flow loopback" % practice
            )
        self.practice, self.endpoints, self.client_id = practice, endpoints, client_id
        self._context, self._timeout, self._consent_url, self._connections = context, timeout, consent_url, connections
        self.state = "new"
        self.due = 0.0
        self.user_code = self.verification_uri = None
        self.expires_at = None  # wall clock (time.time()), for the hand-out
        self.interval = DEFAULT_INTERVAL
        self.polls = 0
        self.grant: Optional[Grant] = None
        self.error: Optional[SignInError] = None
        self._device_code = None
        self._expires_monotonic = None

    @property
    def finished(self) -> bool:
        return self.state in ("signed_in", "failed")

    def step(self) -> None:
        """Start, or poll once; sets ``due`` (time.monotonic()) for the next step. Never raises a SignInError."""
        try:
            if self.state == "new":
                self._start()
            else:
                self._poll()
        except SignInError as error:
            self.state, self.error = "failed", error

    def _start(self):
        form = {"client_id": self.client_id, "scope": " ".join(self.endpoints.scopes)}
        answer = _exchange.post(self.endpoints.device, form, self._context, self._timeout, self._consent_url,
                                connections=self._connections)
        fields = dict((key, answer.get(key)) for key in ("device_code", "user_code", "verification_uri"))
        if not all(isinstance(value, str) and value for value in fields.values()):
            raise SignInError("oauth_bad_response", "the device code answer lacks %s" % ", ".join(
                sorted(key for key, value in fields.items() if not isinstance(value, str) or not value)))
        now = time.monotonic()
        lifetime = _seconds(answer.get("expires_in"), 900, 3600)
        self._device_code, self.user_code, self.verification_uri = (
            fields["device_code"],
            fields["user_code"],
            fields["verification_uri"],
        )
        self.interval = _seconds(answer.get("interval"), DEFAULT_INTERVAL, MAX_INTERVAL)
        self.expires_at, self._expires_monotonic = time.time() + lifetime, now + lifetime
        self.state, self.due = "waiting", now + self.interval

    def _poll(self):
        if time.monotonic() >= self._expires_monotonic:
            raise SignInError(
                "oauth_sign_in_expired",
                "%s: the code %s expired before anyone signed in" % (self.practice, self.user_code),
            )
        form = {"grant_type": DEVICE_GRANT, "client_id": self.client_id, "device_code": self._device_code}
        self.polls += 1
        try:
            self.grant = _exchange.post(
                self.endpoints.token, form, self._context, self._timeout, self._consent_url, grant_of, self._connections
            )
        except NotYet as not_yet:
            if not_yet.slow_down:
                self.interval = min(max(self.interval + SLOW_DOWN_STEP, not_yet.interval or 0), MAX_INTERVAL)
            self.due = time.monotonic() + self.interval
            return
        self.state = "signed_in"

    def summary(self) -> Dict[str, Any]:
        """What may be shown: never the device code or a token."""
        return {
            "practice": self.practice,
            "state": self.state,
            "user_code": self.user_code,
            "verification_uri": self.verification_uri,
            "expires_at": self.expires_at,
            "polls": self.polls,
            "error": self.error.as_dict() if self.error else None,
        }


def _seconds(value, default, most):
    return value if isinstance(value, int) and 0 < value <= most else default
