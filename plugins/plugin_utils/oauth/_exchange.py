# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One form POST to a sign-in endpoint (device authorization or token), bounded in bytes and time.

The transport is the target side's (probe/_oauth_token.exchange over probe/_bounded_http):
certificate verified, no redirect followed, at most MAX_BODY bytes read, the whole
exchange ended by ``timeout``. A 200 answer is read by the caller's ``answer`` (a JSON object by default); anything else
becomes NotYet or a SignInError, with every secret the form carried masked out of the message.
"""

from __future__ import annotations

import ssl
from typing import Any, Callable, Dict, Mapping, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import Masker, scrub
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _bounded_http, _oauth_token
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import Stages
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._codes import SignInError, read_error

SECRET_FIELDS = ("device_code", "code", "code_verifier", "client_secret", "refresh_token")


def json_object(body: bytes, where: str) -> Dict[str, Any]:
    """A 200 answer's JSON object; SignInError when it is not one."""
    try:
        return _oauth_token.json_object(body, where)
    except Failure as failure:
        raise SignInError(failure.code, failure.message) from None


def post(
    url: str,
    form: Mapping[str, str],
    context: ssl.SSLContext,
    timeout: float,
    consent_url: Optional[str] = None,
    answer: Callable[[bytes, str], Any] = json_object,
    connections: Optional[_bounded_http.Connections] = None,
) -> Any:
    """``answer(body, where)`` of a 200 answer; raises NotYet (device code: ask again later) or SignInError.

    ``connections``: open connections to reuse and keep (HTTP keep-alive), for a caller that posts many times.
    """
    secrets = [form[name] for name in SECRET_FIELDS if form.get(name)]
    masker = Masker(secrets)

    def read(status, body, where):
        if status != 200:
            raise read_error(status, body, where, masker, consent_url)
        return answer(body, where)

    try:
        return _oauth_token.exchange(url, dict(form), context, Stages(timeout), read, connections=connections)
    except Failure as failure:
        raise _masked(SignInError.from_failure(failure), secrets)
    except SignInError as error:
        raise _masked(error, secrets)


def _masked(error, secrets):
    error.message, error.hint, error.server_response = scrub(
        [error.message, error.hint, error.server_response], secrets
    )
    error.args = (error.message,)
    return error
