"""Each diagnosis class: exceptions, SMTP replies, IMAP and POP3 answers map to one stable code."""

import errno
import os
import re
import socket
import ssl

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe import _diagnosis
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import CODES, Failure
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT
WHERE = "smtp.example.test:587"


def _cert_error(code, message):
    error = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: %s" % message)
    error.verify_code, error.verify_message = code, message
    return error


def _ssl_error(reason):
    error = ssl.SSLError(1, "[SSL: %s] %s" % (reason, reason.lower()))
    error.reason = reason
    return error


EXCEPTIONS = [
    # id, exception, stage, expected code
    ("gaierror", socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "resolve", "dns_failure"),
    ("resolve-timeout", socket.timeout("DNS lookup timed out"), "resolve", "dns_failure"),
    ("expired", _cert_error(10, "certificate has expired"), "tls", "certificate_expired"),
    ("not-yet-valid", _cert_error(9, "certificate is not yet valid"), "tls", "certificate_expired"),
    ("hostname", _cert_error(62, "Hostname mismatch"), "tls", "certificate_hostname_mismatch"),
    ("ip-address", _cert_error(64, "IP address mismatch"), "starttls", "certificate_hostname_mismatch"),
    ("self-signed", _cert_error(18, "self-signed certificate"), "tls", "certificate_untrusted"),
    ("unknown-issuer", _cert_error(20, "unable to get local issuer certificate"), "tls", "certificate_untrusted"),
    ("wrong-version", _ssl_error("WRONG_VERSION_NUMBER"), "tls", "tls_protocol_mismatch"),
    ("record-layer", _ssl_error("RECORD_LAYER_FAILURE"), "tls", "tls_protocol_mismatch"),
    ("protocol-alert", _ssl_error("TLSV1_ALERT_PROTOCOL_VERSION"), "tls", "tls_handshake_failed"),
    ("reset-in-handshake", ConnectionResetError(errno.ECONNRESET, "reset"), "starttls", "tls_handshake_failed"),
    ("timeout", socket.timeout("timed out"), "greeting", "timeout"),
    ("handshake-timeout", socket.timeout("_ssl.c:999: The handshake operation timed out"), "tls", "timeout"),
    ("refused", ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "connect", "connection_refused"),
    ("unreachable", OSError(errno.ENETUNREACH, "Network is unreachable"), "connect", "network_unreachable"),
    ("no-route", OSError(errno.EHOSTUNREACH, "No route to host"), "connect", "network_unreachable"),
    ("closed", EOFError("connection closed by the server"), "greeting", "server_error"),
    ("reset-later", ConnectionResetError(errno.ECONNRESET, "reset"), "authenticate", "server_error"),
]


@pytest.mark.parametrize("exc, stage, code", [case[1:] for case in EXCEPTIONS], ids=[case[0] for case in EXCEPTIONS])
def test_exception(exc, stage, code):
    failure = _diagnosis.from_exception(exc, stage, WHERE)
    assert failure.code == code
    assert WHERE in failure.message
    if code == "certificate_hostname_mismatch":  # names the practice's own server, not a provider's
        assert "does not name smtp.example.test:" in failure.hint and "office365" not in failure.hint
    else:
        assert failure.hint == CODES[code][1]


def test_a_failure_passes_through_unchanged():
    failure = Failure("auth_unavailable", "no AUTH")
    assert _diagnosis.from_exception(failure, "authenticate", WHERE) is failure


def test_unknown_codes_are_refused():
    with pytest.raises(ValueError):
        raise Failure("something_else", "text")


def test_plaintext_client_on_tls_port():
    assert _diagnosis.plaintext_on_tls_port(WHERE).code == "tls_protocol_mismatch"


SMTP = [
    # id, stage, code, enhanced, text, token, expected
    (
        "starttls-refused",
        "starttls",
        454,
        "4.7.0",
        "TLS not available due to local problem",
        False,
        "starttls_unavailable",
    ),
    ("greeting-421", "greeting", 421, "4.7.0", "Too many connections, try again later", False, "rate_limited"),
    ("greeting-554", "greeting", 554, "5.7.1", "Access denied", False, "server_error"),
    (
        "m365-tenant",
        "authenticate",
        535,
        "5.7.139",
        "Authentication unsuccessful, SmtpClientAuthentication is disabled for "
        "the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
        False,
        "smtp_auth_disabled",
    ),
    (
        "m365-basic-5.7.139",
        "authenticate",
        535,
        "5.7.139",
        "Authentication unsuccessful, basic authentication is disabled.",
        False,
        "basic_auth_disabled",
    ),
    (
        "m365-security-defaults",
        "authenticate",
        535,
        "5.7.139",
        "Authentication unsuccessful, user is locked by your organization's security defaults policy.",
        False,
        "basic_auth_disabled",
    ),
    (
        "m365-wrong-password-5.7.139",
        "authenticate",
        535,
        "5.7.139",
        "Authentication unsuccessful, the user credentials were incorrect.",
        False,
        "auth_failed",
    ),
    (
        "m365-locked-5.7.139",
        "authenticate",
        535,
        "5.7.139",
        "Authentication unsuccessful, account is locked due to IdsLocked.",
        False,
        "rate_limited",
    ),
    (
        "m365-policy-5.7.139",
        "authenticate",
        535,
        "5.7.139",
        "Authentication unsuccessful, the request did not meet the "
        "criteria to be authenticated successfully. Contact your administrator.",
        False,
        "basic_auth_disabled",
    ),
    (
        "m365-5.7.30",
        "authenticate",
        550,
        "5.7.30",
        "Basic authentication is not supported for Client Submission.",
        False,
        "basic_auth_disabled",
    ),
    ("m365-wrong", "authenticate", 535, "5.7.3", "Authentication unsuccessful", False, "auth_failed"),
    (
        "gmail-app-password",
        "authenticate",
        534,
        "5.7.9",
        "Application-specific password required.",
        False,
        "app_password_required",
    ),
    (
        "gmail-web-login",
        "authenticate",
        534,
        "5.7.14",
        "<https://accounts.google.com/signin/continue> Please log in via your web browser and then try again.",
        False,
        "signin_challenge",
    ),
    (
        "m365-not-authenticated-mail",
        "send",
        530,
        "5.7.57",
        "Client not authenticated to send mail. [BN1P110CA0052.NAMP110.PROD.OUTLOOK.COM]",
        False,
        "smtp_client_not_authenticated",
    ),
    (
        "m365-not-authenticated-auth",
        "authenticate",
        530,
        "5.7.57",
        "Client not authenticated to send mail.",
        False,
        "smtp_client_not_authenticated",
    ),
    ("gmail-wrong", "authenticate", 535, "5.7.8", "Username and Password not accepted.", False, "auth_failed"),
    (
        "gmail-too-many",
        "authenticate",
        454,
        "4.7.0",
        "Too many login attempts, please try again later.",
        False,
        "rate_limited",
    ),
    ("yahoo-auth005", "authenticate", 535, "5.7.0", "(#AUTH005) Too many bad auth attempts.", False, "rate_limited"),
    (
        "mechanism",
        "authenticate",
        504,
        "5.5.4",
        "Unrecognized authentication type",
        False,
        "auth_mechanism_unavailable",
    ),
    (
        "m365-mechanism",
        "authenticate",
        504,
        "5.7.4",
        "Unrecognized authentication type",
        False,
        "auth_mechanism_unavailable",
    ),
    ("must-starttls", "authenticate", 530, "5.7.0", "Must issue a STARTTLS command first", False, "plaintext_refused"),
    (
        "encryption-required",
        "authenticate",
        538,
        "5.7.11",
        "Encryption required for requested authentication mechanism",
        False,
        "plaintext_refused",
    ),
    ("no-enhanced", "authenticate", 535, None, "authentication failed", False, "auth_failed"),
    ("temporary", "authenticate", 451, "4.3.0", "Temporary server error", False, "server_error"),
    ("token-rejected", "authenticate", 535, "5.7.3", "Authentication unsuccessful", True, "auth_failed"),
    ("noop", "command", 502, "5.5.1", "Command not implemented", False, "server_error"),
    (
        "send-as-denied",
        "send",
        550,
        "5.7.60",
        "Client does not have permissions to send as this sender",
        False,
        "server_error",
    ),
]


@pytest.mark.parametrize(
    "stage, code, enhanced, text, token, expected", [case[1:] for case in SMTP], ids=[case[0] for case in SMTP]
)
def test_smtp(stage, code, enhanced, text, token, expected):
    failure = _diagnosis.smtp(stage, code, enhanced, text, WHERE, token=token)
    assert failure.code == expected
    assert failure.server_response.startswith(str(code))
    assert text in failure.server_response


def test_token_rejection_has_its_own_hint():
    password = _diagnosis.smtp("authenticate", 535, "5.7.3", "Authentication unsuccessful", WHERE)
    token = _diagnosis.smtp("authenticate", 535, "5.7.3", "Authentication unsuccessful", WHERE, token=True)
    assert password.hint == CODES["auth_failed"][1]
    assert "token" in token.hint and token.hint != password.hint


IMAP = [
    # id, stage, status, text, expected
    ("dovecot-wrong", "authenticate", "NO", "[AUTHENTICATIONFAILED] Authentication failed.", "auth_failed"),
    ("m365-wrong", "authenticate", "NO", "AUTHENTICATE failed.", "auth_failed"),
    ("authorization", "authenticate", "NO", "[AUTHORIZATIONFAILED] Not allowed", "auth_failed"),
    ("expired-password", "authenticate", "NO", "[EXPIRED] Password expired", "auth_failed"),
    (
        "gmail-app-password",
        "authenticate",
        "NO",
        "[ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)",
        "app_password_required",
    ),
    (
        "gmail-web-login",
        "authenticate",
        "NO",
        "[ALERT] Please log in via your web browser (Failure)",
        "signin_challenge",
    ),
    (
        "imap-switched-off",
        "authenticate",
        "NO",
        "[ALERT] IMAP access is disabled for this account.",
        "protocol_disabled",
    ),
    ("inuse", "authenticate", "NO", "[INUSE] Mailbox in use", "mailbox_in_use"),
    ("in-use", "command", "NO", "[IN-USE] Mailbox locked", "mailbox_in_use"),
    ("limit", "authenticate", "NO", "[LIMIT] Too many connections", "rate_limited"),
    ("privacy", "authenticate", "NO", "[PRIVACYREQUIRED] Use TLS", "plaintext_refused"),
    ("unavailable", "authenticate", "NO", "[UNAVAILABLE] Temporary authentication failure.", "server_error"),
    ("m365-not-connected", "command", "BAD", "User is authenticated but not connected.", "mailbox_unavailable"),
    ("examine-no", "command", "NO", "[NONEXISTENT] Mailbox doesn't exist: INBOX", "mailbox_unavailable"),
    ("starttls", "starttls", "BAD", "TLS support isn't enabled.", "starttls_unavailable"),
    ("greeting-bye", "greeting", "BYE", "Server shutting down.", "server_error"),
    ("greeting-bye-limit", "greeting", "BYE", "[LIMIT] Too many connections from your IP", "rate_limited"),
    ("bad-authenticate", "authenticate", "BAD", "Invalid command", "server_error"),
]


@pytest.mark.parametrize("stage, status, text, expected", [case[1:] for case in IMAP], ids=[case[0] for case in IMAP])
def test_imap(stage, status, text, expected):
    failure = _diagnosis.imap(stage, status, text, WHERE)
    assert failure.code == expected
    assert failure.server_response == "%s %s" % (status, text)


POP3 = [
    # id, stage, text, expected
    ("auth-code", "authenticate", "[AUTH] Authentication failed.", "auth_failed"),
    ("no-code", "authenticate", "Authentication failure: unknown user name or bad password.", "auth_failed"),
    ("gmail-app-password", "authenticate", "[AUTH] Application-specific password required.", "app_password_required"),
    (
        "gmail-web-login",
        "authenticate",
        "[AUTH] Web login required: https://support.google.com/mail/answer/78754 (WebLoginRequired)",
        "signin_challenge",
    ),
    ("pop-switched-off", "authenticate", "POP3 is not enabled for this account.", "protocol_disabled"),
    ("in-use", "authenticate", "[IN-USE] Unable to lock maildrop", "mailbox_in_use"),
    ("login-delay", "authenticate", "[LOGIN-DELAY] Minimum time between mail checks violation", "rate_limited"),
    ("sys-temp", "authenticate", "[SYS/TEMP] Temporary failure", "server_error"),
    ("sys-perm", "command", "[SYS/PERM] Your account is disabled", "server_error"),
    ("stat", "command", "Mailbox unavailable", "mailbox_unavailable"),
    ("stls", "starttls", "TLS not available", "starttls_unavailable"),
    ("greeting", "greeting", "Server busy", "server_error"),
]


@pytest.mark.parametrize("stage, text, expected", [case[1:] for case in POP3], ids=[case[0] for case in POP3])
def test_pop3(stage, text, expected):
    failure = _diagnosis.pop3(stage, text, WHERE)
    assert failure.code == expected
    assert failure.server_response == "-ERR " + text


# Raised by the probes themselves (no server answer to classify); the integration and adversarial tests name them.
RAISED_BY_PROBES = {"auth_unavailable", "protocol_violation", "control_character_refused"}


def test_plain_text_after_starttls_is_not_told_to_use_implicit_tls():
    failure = _diagnosis.from_exception(_ssl_error("WRONG_VERSION_NUMBER"), "starttls", WHERE)
    assert failure.code == "starttls_unavailable"
    assert "agreed to STARTTLS" in failure.message and "Match security to the port" not in failure.hint
    assert "firewall or antivirus proxy" in failure.hint and failure.hint != CODES["tls_protocol_mismatch"][1]


def test_the_checks_deadline_is_told_apart_from_a_stage_timeout():
    from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import DeadlineExceeded
    failure = _diagnosis.from_exception(DeadlineExceeded("deadline"), "authenticate", WHERE)
    assert failure.code == "timeout" and "deadline" in failure.message and "deadline" in failure.hint


# Raised by the token request; tests/integration/test_oauth_token.py reaches each one against a real endpoint.
RAISED_BY_TOKEN_REQUEST = {code for code in CODES if code.startswith("oauth_")}


def test_every_code_is_reached_by_a_case():
    reached = {case[-1] for case in EXCEPTIONS + SMTP + IMAP + POP3} | RAISED_BY_PROBES | RAISED_BY_TOKEN_REQUEST
    assert reached == set(CODES)


def test_every_code_is_documented_with_its_hint():
    with open(os.path.join(ROOT, "docs", "diagnoses.md"), encoding="utf-8") as handle:
        text = handle.read()
    documented = re.findall(r"^### `([a-z_0-9]+)`$", text, re.M)
    assert sorted(documented) == sorted(CODES)
    flat = " ".join(text.split())
    for code, (meaning, hint) in CODES.items():
        assert meaning in flat, code
        assert hint in flat, code
