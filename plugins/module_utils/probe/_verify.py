# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The "Test Credentials" check: outgoing and incoming servers of one normalised declaration.

Runs the SMTP probe and (when enabled) the IMAP or POP3 probe side by side, turns
whatever stopped a probe into one diagnosis, and builds the result the module
returns. Every string in it is scrubbed of the secrets (the declaration's, the
access token, and the SASL messages we sent) as a second line of defence behind
Ansible's no_log masking.
"""

import ssl
import threading
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import (
    _diagnosis,
    _imap,
    _oauth_token,
    _pop3,
    _smtp,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._check_result import side
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._connection import Gate, Settings
from ansible_collections.mailops.mailconfig.plugins.module_utils._control_characters import refuse_control_characters
from ansible_collections.mailops.mailconfig.plugins.module_utils._declaration_spec import secret_values
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._sasl import Credential
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import scrub_result
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import (
    Deadline,
    Stages,
    speaks_tls,
    tls_context,
)

PROBES = {"smtp": _smtp.probe, "imap": _imap.probe, "pop3": _pop3.probe}
PROVED = {"smtp": "NOOP accepted", "imap": "INBOX opened read-only", "pop3": "STAT answered"}
EXPIRY_WARNING_DAYS = 30
# A plaintext greeting that never comes may mean an implicit-TLS port; this bounds the extra check.
_TLS_SNIFF_SECONDS = 5
# The whole check's default deadline, in stage timeouts: a check runs about ten short stages per side.
DEADLINE_TIMEOUTS = 3
# The stage of a check that never got a connection slot of its batch (see Settings.gate).
QUEUED = "queued"


def credential_for(declaration: Mapping[str, Any], access_token: Optional[str] = None) -> Credential:
    """The credential to log in with: the password, or for OAuth 2.0 the access token."""
    username = declaration["username"] or declaration["address"]
    if declaration["auth"]["method"] == "oauth2":
        return Credential("token", username, access_token)
    return Credential("password", username, declaration["auth"]["password"])


def _success_message(protocol, server, report):
    where = "%s:%d" % (server["host"], server["port"])
    security = "over %s" % report["tls"]["version"] if report["tls"] else "without TLS"
    login = (
        "logged in with %s" % report["auth_mechanism"]
        if report["auth_mechanism"]
        else "no login (authenticate is false)"
    )
    counted = " (%d messages)" % report["messages"] if report.get("messages") is not None else ""
    return "%s %s: %s, %s; %s%s" % (protocol.upper(), where, security, login, PROVED[protocol], counted)


def check(
    protocol: str, server: Mapping[str, Any], credential: Credential, settings: Settings
) -> Tuple[Dict[str, Any], List[str]]:
    """Probe one server; the side's result and the SASL strings sent (to scrub)."""
    stages = Stages(settings.timeout, settings.deadline)
    report = {
        "address": None,
        "tls": None,
        "auth_mechanisms": [],
        "auth_mechanism": None,
        "server_response": None,
        "sent": [],
    }
    where = "%s:%d" % (server["host"], server["port"])
    started = time.monotonic()
    failure = None
    try:
        with settings.gate(server["host"], server["port"], settings.deadline):
            PROBES[protocol](server, credential, settings, stages, report)
    except (Failure, OSError, EOFError, ValueError) as exc:
        failure = _diagnosis.from_exception(exc, stages.current, where)
        if failure.code == "timeout" and stages.current == "greeting" and server["security"] != "tls" \
                and speaks_tls(report["address"], server["port"], settings.context, _sniff_seconds(settings)):
            failure = _diagnosis.plaintext_on_tls_port(where)
    result = side(
        failure,
        protocol,
        server["host"],
        server["port"],
        server["security"],
        stages.current or QUEUED,
        None if failure else _success_message(protocol, server, report),
        started,
        stages.records,
        report["address"],
        report["tls"],
        report["auth_mechanisms"],
        report["auth_mechanism"],
        report["server_response"],
    )
    if protocol != "smtp":
        result["messages"] = report.get("messages")
    elif settings.send_test_to:
        result["test_message"] = report.get("test_message") or {
            "to": settings.send_test_to,
            "sent": False,
            "server_response": None,
        }
    return result, report["sent"]


def _sniff_seconds(settings):
    left = settings.deadline.left() if settings.deadline else settings.timeout
    return min(settings.timeout, _TLS_SNIFF_SECONDS, left)


def skipped() -> Dict[str, Any]:
    """The incoming side when the declaration has no incoming server."""
    result = side(None, None, None, None, None, None, "incoming mail is not enabled in the declaration", None)
    result.update(status="skipped", messages=None)
    return result


def _warnings(result, validate_certs):
    """Warnings about the check itself, and certificates close to expiry (``result`` None: none checked)."""
    warnings = []
    if not validate_certs:
        warnings.append(
            "validate_certs is false: server certificates were not verified, so a successful check does not "
            "prove the connection is private or reaches the real server"
        )
    for direction in ("outgoing", "incoming") if result else ():
        tls = result[direction]["tls"] or {}
        if tls.get("days_left") is not None and tls["days_left"] < EXPIRY_WARNING_DAYS:
            warnings.append("%s server %s:%s: its certificate expires on %s (%d days left)" % (
                direction, result[direction]["host"], result[direction]["port"], tls["not_after"], tls["days_left"]))
    return warnings


def summary(result: Mapping[str, Any]) -> str:
    """One line per side for the task's ``msg``: the status, or the diagnosis and its hint."""
    parts = []
    for name in ("outgoing", "incoming"):
        checked = result[name]
        if checked["status"] == "failed":
            parts.append(
                "%s %s at %s: %s. Hint: %s"
                % (name, checked["code"], checked["stage"], checked["message"], checked["hint"])
            )
        else:
            parts.append("%s %s: %s" % (name, checked["status"], checked["message"]))
    return " | ".join(parts)


def _token_failed(declaration, token_result):
    """Both sides fail at the token stage: without an access token there is nothing to log in with."""
    incoming = dict(token_result) if declaration["incoming"]["enabled"] else skipped()
    return {"ok": False, "changed": False, "outgoing": token_result, "incoming": incoming, "token": token_result}


def _our_names(declaration, token_result):
    """Host names and host:port strings we put into messages; a secret that happens to be part of one stays visible there."""
    names = []
    servers = [declaration["outgoing"], declaration["incoming"]] + ([token_result] if token_result else [])
    for server in servers:
        if server.get("host"):
            names += [server["host"], "%s:%s" % (server["host"], server.get("port"))]
    return names


def verify(
    declaration: Dict[str, Any],
    ca_path: Optional[str] = None,
    validate_certs: bool = True,
    timeout: float = 15,
    send_test_to: Optional[str] = None,
    plaintext_allowed_hosts: Sequence[str] = (),
    access_token: Optional[str] = None,
    check_mode: bool = False,
    deadline: Optional[float] = None,
    gate: Optional[Gate] = None,
    context: Optional[ssl.SSLContext] = None,
) -> Tuple[Dict[str, Any], List[str]]:
    """Check both sides of ``declaration``; return (result, warnings), both scrubbed of secrets.

    For OAuth 2.0 without a given ``access_token``, first get one from the token
    endpoint with the declared grant (reported as ``token``). ``deadline`` (seconds,
    default DEADLINE_TIMEOUTS stage timeouts) bounds everything together: DNS,
    connections, TLS, every exchange of both sides and the token request.
    Raises ControlCharacterError, before any connection, for a value that would
    carry a control character onto the wire. A batch passes ``gate`` (see Settings)
    and one TLS ``context`` built from the same ``ca_path`` for all its checks.
    """
    refuse_control_characters({"declaration": declaration, "send_test_to": send_test_to,
                               "plaintext_allowed_hosts": list(plaintext_allowed_hosts), "access_token": access_token})
    deadline = Deadline(deadline if deadline else DEADLINE_TIMEOUTS * timeout)
    secrets = secret_values(declaration)
    token_result = None
    if declaration["auth"]["method"] == "oauth2" and not access_token:
        token, token_result = _oauth_token.acquire(
            declaration, ca_path, validate_certs, timeout, plaintext_allowed_hosts, deadline
        )
        if token is None:
            keep = _our_names(declaration, token_result)
            return (scrub_result(_token_failed(declaration, token_result), secrets, keep=keep),
                    scrub_result(_warnings(None, validate_certs), secrets, keep=keep))
        access_token = token.access_token
        secrets = secrets + [token.refresh_token]
    settings = Settings(context or tls_context(ca_path, validate_certs), timeout, plaintext_allowed_hosts, send_test_to,
                        declaration["address"], declaration.get("display_name"), check_mode, deadline, gate)
    credential = credential_for(declaration, access_token)
    incoming = declaration["incoming"]
    answers = {}
    side_by_side = threading.Thread(
        target=lambda: answers.update(incoming=check(incoming["protocol"], incoming, credential, settings))
    )
    if incoming["enabled"]:
        side_by_side.start()
    outgoing, sent = check("smtp", declaration["outgoing"], credential, settings)
    if incoming["enabled"]:
        side_by_side.join()
        incoming_result, sent_in = answers["incoming"]
        sent = sent + sent_in
    else:
        incoming_result = skipped()
    result = {"ok": outgoing["status"] == "ok" and incoming_result["status"] != "failed",
              "outgoing": outgoing, "incoming": incoming_result}
    if token_result:
        result["token"] = token_result
    test_message = outgoing.get("test_message")
    result["changed"] = bool(test_message and (test_message["sent"] or check_mode and outgoing["status"] == "ok"))
    secrets = secrets + [access_token] + sent
    keep = _our_names(declaration, token_result)
    return scrub_result(result, secrets, keep=keep), scrub_result(_warnings(result, validate_certs), secrets, keep=keep)
