# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The result of a sign-in: a refresh token (to keep) and an access token (to prove it works), never shown."""

from __future__ import annotations

import collections
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _oauth_token
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._codes import SignInError

Grant = collections.namedtuple("Grant", "refresh_token access_token expires_in")


def grant_of(body: bytes, where: str) -> Grant:
    """The Grant in a 200 token answer; SignInError when it has no Bearer access token or no refresh token."""
    try:
        token = _oauth_token._token(body, None, where)  # pylint: disable=protected-access
    except Failure as failure:
        raise SignInError.from_failure(failure)
    if not token.refresh_token:
        raise SignInError("oauth_invalid_scope", "%s issued no refresh token: the offline_access scope (Microsoft) or "
                          "access_type=offline with prompt=consent (Google) was not granted" % where)
    return Grant(token.refresh_token, token.access_token, token.expires_in)
