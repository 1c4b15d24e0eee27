# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An OAuth 2.0 access token for a normalised declaration, from its provider's token endpoint.

One form-encoded POST (RFC 6749 section 6 refresh-token grant, or section 4.4 client
credentials), one JSON answer. Every way it can fail becomes one ``oauth_*`` code with
a hint, in the same result shape the verify probes give for a server, so a token
problem is reported exactly like a login problem. Error answers are classified by
what the providers agree on: the ``error`` field, and Microsoft's numeric
``error_codes`` (AADSTS), which tell apart answers sharing one ``error``. Secrets
(refresh token, client secret, access token) never reach a message: messages are
built from our own words and the server's error fields, and those are masked too.
"""

import collections
import http.client
import json
import re
import ssl
import time
import urllib.parse
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _bounded_http, _diagnosis
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._check_result import side
from ansible_collections.mailops.mailconfig.plugins.module_utils._declaration_spec import secret_values
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import Masker, scrub, scrub_result
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import Deadline, Stages, tls_context


MAX_BODY = 256 * 1024  # a token response is a few kilobytes
# app-only (client credentials) access to Exchange Online mail over IMAP, POP and SMTP.
MICROSOFT_APP_ONLY_SCOPE = "https://outlook.office365.com/.default"
_MICROSOFT_PATH = re.compile(r"/oauth2/v2\.0/token$")

# Microsoft's AADSTS numbers that mean more than their ``error`` field says.
_AADSTS = {
    70008: "oauth_invalid_grant",  # refresh token expired from inactivity
    700082: "oauth_invalid_grant",  # refresh token expired from inactivity (90 days)
    50173: "oauth_invalid_grant",  # grant expired: the user's password changed
    700084: "oauth_invalid_grant",  # refresh token for a single-page app expired
    7000215: "oauth_invalid_client",  # invalid client secret
    7000222: "oauth_invalid_client",  # client secret expired
    700016: "oauth_unauthorized_client",  # application not found in the tenant
    65001: "oauth_consent_required",  # no consent to the application
    65004: "oauth_consent_required",  # user declined consent
    50076: "oauth_consent_required",  # multi-factor authentication required
    50079: "oauth_consent_required",  # multi-factor registration required
    70011: "oauth_invalid_scope",  # scope not valid
    1002012: "oauth_invalid_scope",  # client credentials without a /.default scope
    90002: "oauth_request_rejected",  # tenant not found
}

# RFC 6749 section 5.2 ``error`` values and the OpenID Connect ones Microsoft and Google send.
_ERRORS = {
    "invalid_grant": "oauth_invalid_grant",
    "invalid_client": "oauth_invalid_client",
    "unauthorized_client": "oauth_unauthorized_client",
    "consent_required": "oauth_consent_required",
    "interaction_required": "oauth_consent_required",
    "invalid_scope": "oauth_invalid_scope",
}

Token = collections.namedtuple("Token", "access_token expires_in refresh_token")
"""``refresh_token`` is set only when the provider rotated it (a new value to store)."""


def _grant_form(oauth2):
    """(grant type, form fields) for the declared grant: refresh token if present, else client credentials."""
    scopes = list(oauth2.get("scopes") or [])
    if oauth2.get("refresh_token"):
        form = {
            "grant_type": "refresh_token",
            "client_id": oauth2["client_id"],
            "refresh_token": oauth2["refresh_token"],
        }
    elif oauth2.get("client_secret"):
        form = {"grant_type": "client_credentials", "client_id": oauth2["client_id"]}
        scopes = _app_only_scopes(scopes, oauth2["token_endpoint"])
    else:
        raise Failure("oauth_invalid_grant", "the declaration has neither a refresh_token nor a client_secret, so "
                      "there is no grant to request a token with")
    if oauth2.get("client_secret"):
        form["client_secret"] = oauth2["client_secret"]
    if scopes:
        form["scope"] = " ".join(scopes)
    return form["grant_type"], form


def _app_only_scopes(scopes, endpoint):
    """Client credentials take resource-wide scopes; Microsoft's are ``<resource>/.default``."""
    resource_wide = [scope for scope in scopes if scope.endswith("/.default")]
    if resource_wide:
        return resource_wide
    if _MICROSOFT_PATH.search(urllib.parse.urlsplit(endpoint).path):
        return [MICROSOFT_APP_ONLY_SCOPE]
    return [scope for scope in scopes if scope != "offline_access"]


def _host_port(endpoint):
    """(host, port) of an http(s) URL; (None, None) when it has no usable host or port."""
    parts = urllib.parse.urlsplit(endpoint)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None, None
    return (parts.hostname, port) if parts.scheme in ("https", "http") and parts.hostname else (None, None)


def _error_answer(status, body, masker):
    """The OAuth error fields of a JSON answer, as (error, AADSTS numbers, server_response); None if not OAuth.

    The description is masked before its first line is taken: a secret the server
    wrapped over two lines would otherwise keep its first half.
    """
    try:
        answer = json.loads(body.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(answer, dict) or not isinstance(answer.get("error"), str):
        return None
    numbers = [number for number in answer.get("error_codes") or [] if isinstance(number, int)]
    description = answer.get("error_description") if isinstance(answer.get("error_description"), str) else ""
    # Microsoft appends trace and correlation IDs; the first line is the explanation.
    description = masker.text(description).replace("\r", "").split("\n")[0].split(" Trace ID:")[0]
    response = "HTTP %d %s%s%s" % (
        status,
        answer["error"],
        " (%s)" % answer["suberror"] if isinstance(answer.get("suberror"), str) else "",
        ": " + description if description else "",
    )
    return answer["error"], numbers, response


def _classify_error(status, body, where, masker):
    """The failure for an HTTP error status; ``masker`` masks the secrets before the description is shortened."""
    parsed = _error_answer(status, body, masker)
    if parsed is None:
        if status >= 500:
            return Failure("oauth_endpoint_unreachable", "the token endpoint %s answered HTTP %d without an OAuth "
                           "error: the provider or a proxy in between is failing" % (where, status), "HTTP %d" % status)
        return Failure("oauth_bad_response", "the token endpoint %s answered HTTP %d, which is not an OAuth 2.0 "
                       "error answer" % (where, status), "HTTP %d" % status)
    error, numbers, response = parsed
    code = next((_AADSTS[number] for number in numbers if number in _AADSTS), None) or _ERRORS.get(
        error, "oauth_request_rejected"
    )
    aadsts = ", ".join("AADSTS%d" % number for number in numbers)
    return Failure(
        code,
        "the token endpoint %s refused the grant: %s%s" % (where, error, " (%s)" % aadsts if aadsts else ""),
        response,
    )


def json_object(body: bytes, where: str) -> dict:
    """A 200 answer's JSON object; the oauth_bad_response Failure naming ``where`` when it is not one."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise Failure("oauth_bad_response", "%s answered HTTP 200 with something that is not a JSON object "
                      "(%d bytes)" % (where, len(body)))
    return answer


def _token(body, sent_refresh_token, where):
    """The Token in a successful answer; oauth_bad_response when it is not one."""
    answer = json_object(body, "the token endpoint %s" % where)
    access_token, token_type = answer.get("access_token"), answer.get("token_type", "Bearer")
    if not isinstance(access_token, str) or not access_token:
        raise Failure("oauth_bad_response", "the token endpoint %s answered HTTP 200 without an access_token "
                      "(fields: %s)" % (where, ", ".join(sorted(str(key) for key in answer)) or "none"))
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        issued = [access_token] + [value for value in (answer.get("refresh_token"),) if isinstance(value, str)]
        # tokens there masked; cut later
        raise Failure("oauth_bad_response", "the token endpoint %s issued a token of type %s; mail servers take "
                      "Bearer tokens only" % (where, scrub(json.dumps(token_type), issued)))
    try:
        expires_in = int(answer.get("expires_in"))  # Microsoft's older endpoints send it as a string
    except (TypeError, ValueError):
        expires_in = None
    refresh_token = answer.get("refresh_token")
    if not isinstance(refresh_token, str) or not refresh_token or refresh_token == sent_refresh_token:
        refresh_token = None
    return Token(access_token, expires_in, refresh_token)


def _unreachable(exc, where):
    """Transport failures, classified by _diagnosis and reported as oauth_endpoint_unreachable."""
    cause = _diagnosis.from_exception(exc, "token", where)
    hint = cause.hint if cause.code.startswith("certificate_") else None
    return Failure(
        "oauth_endpoint_unreachable",
        "cannot reach the token endpoint (%s): %s" % (cause.code, cause.message),
        hint=hint,
    )


def exchange(
    endpoint: str,
    form: Dict[str, str],
    context: ssl.SSLContext,
    stages: Stages,
    read: Callable[[int, bytes, str], Any],
    plaintext_allowed_hosts: Iterable[str] = (),
    connections: Optional[_bounded_http.Connections] = None,
) -> Any:
    """POST ``form`` to the https ``endpoint`` in stage "token"; ``read(status, body, where)`` judges the answer.

    Every transport failure, an oversized answer, a redirect or broken HTTP is a Failure;
    ``read`` runs inside the stage, so what it raises marks the stage failed. Shared by the
    refresh here and the controller's sign-in (plugin_utils/oauth), which keeps ``connections`` open.
    """
    host, port = _host_port(endpoint)
    if host is None:
        raise Failure("oauth_request_rejected", "no usable token endpoint in the declaration: set tenant (Microsoft) "
                      "or an https:// token_endpoint")
    where = "%s:%d" % (host, port)
    if not endpoint.lower().startswith("https:") and host.lower() not in {
        name.lower() for name in plaintext_allowed_hosts
    }:
        raise Failure("oauth_endpoint_insecure", "refusing to send the grant to %s over plain http" % where)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    try:
        with stages("token"):
            status, body = _bounded_http.post(endpoint, urllib.parse.urlencode(form).encode("ascii"), headers, context,
                                              stages, MAX_BODY, connections)
            if len(body) > MAX_BODY:
                raise Failure(
                    "oauth_bad_response",
                    "the token endpoint %s answered with more than %d bytes, far more than "
                    "a token response; the rest was not read" % (where, MAX_BODY),
                    "HTTP %d" % status,
                )
            if 300 <= status < 400:
                raise Failure("oauth_bad_response", "the token endpoint %s answered with a redirect (HTTP %d); "
                              "it was not followed" % (where, status), "HTTP %d" % status)
            return read(status, body, where)
    except (OSError, EOFError) as error:
        raise _unreachable(error, where)
    except http.client.HTTPException as error:
        raise Failure(
            "oauth_bad_response", "the token endpoint %s broke the HTTP protocol (%s)" % (where, type(error).__name__)
        )


def _request(endpoint, form, context, stages, masker, plaintext_allowed_hosts=()):
    """POST ``form`` to the token ``endpoint``; the Token, or Failure."""

    def read(status, body, where):
        if status != 200:
            raise _classify_error(status, body, where, masker)
        return _token(body, form.get("refresh_token"), where)

    return exchange(endpoint, form, context, stages, read, plaintext_allowed_hosts)


def acquire(
    declaration: Dict[str, Any],
    ca_path: Optional[str] = None,
    validate_certs: bool = True,
    timeout: float = 15,
    plaintext_allowed_hosts: Iterable[str] = (),
    deadline: Optional[Deadline] = None,
) -> Tuple[Optional[Token], Dict[str, Any]]:
    """(Token or None, result): the result has the shape of a verify probe's, with protocol "oauth2".

    The request, DNS included, takes at most ``timeout`` seconds and ends by ``deadline``
    (a _transport.Deadline for the whole check), whatever the endpoint does.
    """
    oauth2 = declaration["auth"]["oauth2"] or {}
    endpoint = oauth2.get("token_endpoint") or ""
    host, port = _host_port(endpoint)
    stages = Stages(timeout, deadline)
    secrets = secret_values(declaration)
    started = time.monotonic()
    token, failure, grant_type = None, None, None
    try:
        grant_type, form = _grant_form(oauth2)
        token = _request(
            endpoint, form, tls_context(ca_path, validate_certs), stages, Masker(secrets), plaintext_allowed_hosts
        )
    except Failure as exc:
        failure = exc
    message = None if failure else "access token issued by %s:%d (%s grant%s%s)" % (
        host, port, grant_type, ", valid %d s" % token.expires_in if token.expires_in else "",
        ", refresh token rotated" if token.refresh_token else "")
    security = "tls" if endpoint.lower().startswith("https:") else "none"
    result = side(failure, "oauth2", host, port, security, "token", message, started, stages.records)
    return token, scrub_result(result, secrets, keep=[host, "%s:%s" % (host, port)] if host else ())
