# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every way a verification can fail, as one stable code with a hint (docs/diagnoses.md).

Classification goes by what machines agree on: exception types and OpenSSL verify
codes; SMTP reply and enhanced status codes; IMAP and POP3 response codes. Free text
is read only to tell apart answers a provider gives under one status code (Microsoft's
5.7.139 family, Google's app-password answers, Yahoo's #AUTH005).
"""

import errno
import re
import socket
import ssl
from typing import Optional

# code -> (what it means, what to do). The keys are a public, documented contract.
CODES = {
    "dns_failure": (
        "The server's host name does not resolve.",
        "Check the host name for typos, and that the site's DNS resolver works (getent hosts HOST on the site).",
    ),
    "connection_refused": (
        "The server's address answered, but nothing accepts connections on that port.",
        "Check the port: 465 or 587 for SMTP submission, 993 for IMAP, 995 for POP3.",
    ),
    "network_unreachable": (
        "There is no network route from the site to the server.",
        "Check the site's internet connection, or whether the server has only an IPv6 (or only an IPv4) address the site cannot reach.",
    ),
    "timeout": (
        "The server did not answer within the stage timeout.",
        "A firewall is probably dropping the traffic (outbound mail ports are often blocked), or the server is overloaded. "
        "Raise timeout only if the server is merely slow.",
    ),
    "tls_protocol_mismatch": (
        "One side spoke TLS and the other plain text: implicit TLS on a STARTTLS port, or the reverse.",
        "Match security to the port: security: tls for 465, 993 and 995 (implicit TLS); security: starttls for 587, 143 and 110.",
    ),
    "tls_handshake_failed": (
        "The TLS handshake failed for a reason other than the certificate.",
        "The server may offer only outdated TLS versions or ciphers (TLS 1.2 is the minimum), or closed the connection; "
        "check the server's TLS settings.",
    ),
    "certificate_untrusted": (
        "The server's certificate is not signed by an authority the site trusts (self-signed, or a private CA).",
        "If the server uses a private CA, give its certificate as ca_path. Otherwise the site may be reaching the wrong "
        "server or its traffic is being intercepted; do not turn validate_certs off to get past this.",
    ),
    "certificate_hostname_mismatch": (
        "The certificate is valid, but for a different host name.",
        "Use a host name the certificate names: usually the provider's own server name, as its help pages give it, "
        "rather than an alias under the practice's domain (mail.<practice domain>).",
    ),
    "certificate_expired": (
        "The server's certificate has expired (or is not valid yet).",
        "The server's operator must renew the certificate. Check the site's clock too.",
    ),
    "starttls_unavailable": (
        "The connection should have been upgraded with STARTTLS, but the server did not offer it, refused it, or "
        "skipped it (IMAP PREAUTH). Nothing was sent in clear.",
        "Use the provider's implicit-TLS port (465, 993, 995 with security: tls), or fix the server's TLS set-up. "
        "We never fall back to plain text.",
    ),
    "plaintext_refused": (
        "Logging in would have sent the credentials unencrypted, so the login was not attempted.",
        "Use security: tls or starttls. Only for a server on a trusted network: security: none and the host "
        "listed in plaintext_allowed_hosts.",
    ),
    "auth_unavailable": (
        "The server offers no authentication on this connection.",
        "Servers usually offer AUTH only after TLS: use security: starttls or tls. Port 25 is for relaying between "
        "servers; clients submit on 587 or 465.",
    ),
    "auth_mechanism_unavailable": (
        "The server offers authentication, but none of the mechanisms these credentials can use.",
        "Passwords need PLAIN or LOGIN (over TLS); OAuth 2.0 tokens need XOAUTH2 or OAUTHBEARER. Check the "
        "declaration's auth.method against what the provider supports.",
    ),
    "auth_failed": (
        "The server rejected the credentials.",
        "Check the user name (usually the full address) and the password in the vault. Fix it before retrying: "
        "repeated failures can lock the account.",
    ),
    "app_password_required": (
        "The provider does not accept the account password from applications; it wants an app password.",
        "Turn on 2-step verification for the account, create an app password for the practice application and store "
        "it in the vault, or switch to auth.method: oauth2.",
    ),
    "smtp_auth_disabled": (
        "SMTP AUTH (authenticated client submission) is disabled for this Microsoft 365 tenant or mailbox: off by "
        "default for tenants created after 2020, and for every tenant from the end of December 2026.",
        "Move to auth.method: oauth2 (see docs/oauth.md). Until Microsoft removes SMTP AUTH basic authentication, a "
        "Microsoft 365 admin can re-enable Authenticated SMTP for this mailbox (admin center, the user's Mail tab, "
        "Manage email apps) or for the tenant.",
    ),
    "basic_auth_disabled": (
        "The provider no longer accepts passwords (basic authentication) for this service; for Microsoft 365 SMTP "
        "AUTH (550 5.7.30) this is the final removal, which no admin setting undoes.",
        "Switch to auth.method: oauth2 (see docs/oauth.md).",
    ),
    "smtp_client_not_authenticated": (
        "Microsoft 365 refused mail from a session that had not logged in (530 5.7.57 Client not authenticated "
        "to send mail).",
        "Turn authentication on (outgoing.authenticate: true) with smtp.office365.com, port 587 and STARTTLS, and check "
        "that the login succeeds; a device that cannot log in needs a Microsoft 365 connector (SMTP relay) instead.",
    ),
    "signin_challenge": (
        "Google refused the login until the account holder signs in through a web browser (534 5.7.14, a security "
        "check after a login from a new place or device); the password itself may be right.",
        "Sign in to the account in a web browser, preferably from the practice's own network, and complete Google's "
        "check; then verify again. If the account password (not an app password) is in the vault, create an app "
        "password or switch to auth.method: oauth2.",
    ),
    "protocol_disabled": (
        "The provider answered that IMAP or POP access is switched off for this mailbox.",
        "Switch it on in the mailbox's settings (Outlook.com: Settings > Mail > Forwarding and IMAP, off by default; "
        "Microsoft 365: an admin enables IMAP or POP for the mailbox; Zoho: Settings > Mail accounts > IMAP), or set "
        "incoming.enabled: false.",
    ),
    "rate_limited": (
        "The server is limiting logins or connections from this account or address.",
        "Wait before retrying (each attempt can extend the block), and make sure no other device keeps trying an old "
        "password.",
    ),
    "mailbox_in_use": (
        "The mailbox is locked by another session.",
        "Another POP3 client (often the practice's old mail program) holds the mailbox; close it and verify again.",
    ),
    "mailbox_unavailable": (
        "Logged in, but the server refused the read-only mailbox command (EXAMINE INBOX, STAT).",
        "Microsoft 365 answers this way ('User is authenticated but not connected') when the app lacks the mailbox "
        "permission, the token names another principal, or IMAP/POP is switched off for the mailbox (Outlook.com: off "
        "by default); check the app's IMAP/POP permissions, the grant and the mailbox's IMAP/POP setting.",
    ),
    # Getting the OAuth 2.0 access token (module_utils/probe/_oauth_token.py; docs/oauth.md).
    "oauth_invalid_grant": (
        "The token endpoint refused the refresh token: it expired (unused for too long), was revoked, or the "
        "password behind it changed.",
        "Get a new refresh token with the one-time consent flow in docs/oauth.md and replace it in the vault.",
    ),
    "oauth_invalid_client": (
        "The token endpoint did not accept the client: wrong or expired client secret, or a secret where none "
        "is expected.",
        "Check client_secret in the vault: it must be the secret's value (not its ID) and not expired; create a new "
        "secret in the app registration if needed.",
    ),
    "oauth_unauthorized_client": (
        "The client may not use this grant, or the client ID is unknown to the tenant.",
        "Check client_id and tenant, and that the app registration allows this grant (public client flows for a "
        "refresh token without a secret; an application permission for client credentials).",
    ),
    "oauth_consent_required": (
        "The user or an administrator has not consented to the application's mail permissions, or the provider "
        "wants the user to sign in interactively again (MFA, conditional access).",
        "Have a tenant administrator grant consent to the app's mail permissions, then get a new refresh token with "
        "the consent flow in docs/oauth.md.",
    ),
    "oauth_invalid_scope": (
        "The provider refused the requested scopes.",
        "Use the provider's mail scopes (leave scopes unset for the catalogue's defaults); app-only access to "
        "Microsoft 365 needs https://outlook.office365.com/.default.",
    ),
    "oauth_request_rejected": (
        "The token endpoint refused the request for another reason (for example an unknown tenant, an "
        "unsupported grant, or a temporary failure at the provider).",
        "Read server_response for the provider's error; check tenant and token_endpoint. Temporary errors may clear "
        "by themselves.",
    ),
    "oauth_endpoint_insecure": (
        "The token endpoint is not an https:// URL, so the grant's secrets would travel in clear.",
        "Use the provider's https:// token endpoint. Only a trusted-network test endpoint may be plain http, with "
        "its host in plaintext_allowed_hosts.",
    ),
    "oauth_endpoint_unreachable": (
        "The token endpoint could not be reached: DNS failure, connection refused, timeout, or TLS failure.",
        "Check that the site can reach the token endpoint over HTTPS (proxy and firewall rules for "
        "login.microsoftonline.com or oauth2.googleapis.com) and the token_endpoint or tenant.",
    ),
    "oauth_bad_response": (
        "The token endpoint answered with something other than an OAuth 2.0 token response (not JSON, no "
        "access_token, or a redirect).",
        "Check token_endpoint: it must be the provider's token URL, not an authorization or sign-in page.",
    ),
    "protocol_violation": (
        "The server sent more than any mail server sends in one reply (too many lines, too many bytes, an oversized "
        "IMAP literal), so the check stopped reading. This is not a credentials problem.",
        "Check that host and port are the provider's mail server (a wrong port can reach another service) and that no "
        "proxy or interception device sits in between; if they are, report the answer to the server's operator.",
    ),
    "control_character_refused": (
        "A value to be sent to the server (user name, address, test recipient) contains a control character such as "
        "CR, LF or NUL, which would inject a command; nothing was sent.",
        "Remove the character from the declaration or the module option; mailconfig-lint reports it as MC014.",
    ),
    "server_error": (
        "The server answered with an error or broke the protocol.",
        "Read server_response. Temporary (4xx, [UNAVAILABLE], [SYS/TEMP]) answers may clear by themselves.",
    ),
}

_VERIFY_CODES = {
    9: "certificate_expired",  # X509_V_ERR_CERT_NOT_YET_VALID
    10: "certificate_expired",  # X509_V_ERR_CERT_HAS_EXPIRED
    62: "certificate_hostname_mismatch",  # X509_V_ERR_HOSTNAME_MISMATCH
    64: "certificate_hostname_mismatch",  # X509_V_ERR_IP_ADDRESS_MISMATCH
}

_PLAINTEXT_ON_TLS = {"WRONG_VERSION_NUMBER", "HTTP_REQUEST", "UNKNOWN_PROTOCOL", "RECORD_LAYER_FAILURE",
                     "PACKET_LENGTH_TOO_LONG", "WRONG_SSL_VERSION", "HTTPS_PROXY_REQUEST"}

# Plain text where the handshake after "220 Ready to start TLS" should be: the server is
# broken, or a middlebox rewrote the session; the port is right, so the implicit-TLS hint would mislead.
_STARTTLS_BROKEN = (
    "The server (or a firewall or antivirus proxy in between that inspects mail traffic) agreed to "
    "STARTTLS but did not start TLS. Nothing was sent in clear. Turn off the middlebox's mail inspection, "
    "or use the provider's implicit-TLS port (465, 993, 995 with security: tls)."
)
_DEADLINE_HINT = ("The whole check (DNS, connection, TLS, every exchange and the token request) took longer than "
                  "deadline allows: the server or the network is very slow, or the peer is stalling on purpose. "
                  "Raise deadline only if the server is merely slow.")

_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}


class Failure(Exception):
    """A verification failure: a code from CODES, what happened, and the server's answer if any."""

    def __init__(self, code, message, server_response=None, hint=None):
        super(Failure, self).__init__(message)
        if code not in CODES:
            raise ValueError("unknown diagnosis code %r" % code)
        self.code = code
        self.message = message
        self.server_response = server_response
        self.hint = hint or CODES[code][1]


def from_exception(exc: BaseException, stage: Optional[str], where: str) -> Failure:
    """Classify an exception raised during ``stage`` while talking to ``where`` (host:port)."""
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, socket.gaierror) or stage == "resolve":
        reason = "timed out" if isinstance(exc, socket.timeout) else (getattr(exc, "strerror", None) or str(exc))
        return Failure("dns_failure", "cannot resolve %s: %s" % (where, reason))
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = _VERIFY_CODES.get(exc.verify_code, "certificate_untrusted")
        hint = _hostname_hint(where) if code == "certificate_hostname_mismatch" else None
        return Failure(code, "%s presented a certificate that fails verification: %s" % (where, exc.verify_message),
                       hint=hint)
    if isinstance(exc, ssl.SSLError) and exc.reason in _PLAINTEXT_ON_TLS and stage == "starttls":
        return Failure("starttls_unavailable", "%s agreed to STARTTLS, then answered the TLS handshake in plain text "
                       "(%s)" % (where, exc.reason), hint=_STARTTLS_BROKEN)
    if isinstance(exc, ssl.SSLError) and exc.reason in _PLAINTEXT_ON_TLS:
        return Failure("tls_protocol_mismatch", "%s answered the TLS handshake in plain text (%s): the port does not "
                       "speak implicit TLS" % (where, exc.reason))
    if isinstance(exc, socket.timeout) and getattr(exc, "deadline", False):
        return Failure("timeout", "%s: the check's deadline passed during %s" % (where, stage), hint=_DEADLINE_HINT)
    if isinstance(exc, socket.timeout):
        return Failure("timeout", "%s did not answer within the timeout during %s" % (where, stage))
    if isinstance(exc, ssl.SSLError) or stage in ("tls", "starttls"):
        return Failure(
            "tls_handshake_failed", "TLS handshake with %s failed: %s" % (where, getattr(exc, "reason", None) or exc)
        )
    if isinstance(exc, ConnectionRefusedError):
        return Failure("connection_refused", "%s refused the connection" % where)
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE:
        return Failure("network_unreachable", "cannot reach %s: %s" % (where, exc.strerror or exc))
    if isinstance(exc, (ConnectionError, EOFError)):
        return Failure("server_error", "%s closed the connection during %s" % (where, stage))
    return Failure("server_error", "unexpected failure talking to %s during %s: %s" % (where, stage, exc))


def _hostname_hint(where):
    """The hostname-mismatch hint about the server this practice declared, not some provider's."""
    host = where.rsplit(":", 1)[0].strip("[]")
    return ("The certificate %s presented does not name %s: set the host to a name the certificate covers, usually the "
            "provider's own server name as its help pages give it, rather than an alias under the practice's domain."
            % (where, host))


def plaintext_on_tls_port(where: str) -> Failure:
    """The diagnosis when a plaintext greeting never came but the port completes a TLS handshake."""
    return Failure("tls_protocol_mismatch", "%s sent no greeting to a plaintext client but speaks TLS: "
                   "the port uses implicit TLS" % where)


# Answers that providers give under a generic status or response code.
_APP_PASSWORD = re.compile(r"application-specific password", re.I)
_SIGNIN_CHALLENGE = re.compile(r"log ?in via your web browser|WebLoginRequired", re.I)
_PROTOCOL_OFF = re.compile(r"\b(?:IMAP|POP3?)\b[^.\n]{0,40}\b(?:disabled|not enabled|turned off|switched off)\b", re.I)
_BASIC_AUTH_OFF = re.compile(r"basic authentication is disabled|security defaults", re.I)
_SMTP_AUTH_OFF = re.compile(r"SmtpClientAuthentication is disabled", re.I)
_POLICY = re.compile(r"did not meet the criteria to be authenticated", re.I)
_LOCKED = re.compile(r"account (?:is )?locked|locked out", re.I)


def smtp(stage: str, code: int, enhanced: Optional[str], text: str, where: str, token: bool = False) -> Failure:
    """Classify an SMTP reply ``code`` (int) / ``enhanced`` ("5.7.8" or None) at ``stage``."""
    answer = "%d %s" % (code, text) if not enhanced else "%d %s %s" % (code, enhanced, text)
    said = "%s answered %d%s" % (where, code, " " + enhanced if enhanced else "")
    if stage == "starttls":
        return Failure("starttls_unavailable", "%s to STARTTLS" % said, answer)
    if code == 421 or "#AUTH005" in text:
        return Failure("rate_limited", "%s: too many connections or failed logins" % said, answer)
    if enhanced == "5.7.57":
        return Failure(
            "smtp_client_not_authenticated",
            "%s during %s: the server wants a login before mail" % (said, stage),
            answer,
        )
    if stage != "authenticate":
        return Failure("server_error", "%s during %s" % (said, stage), answer)
    if enhanced == "5.7.139":
        # Microsoft 365 answers 5.7.139 for several causes; only its text tells them apart.
        if _SMTP_AUTH_OFF.search(text):
            return Failure("smtp_auth_disabled", "%s: SMTP AUTH is disabled for this tenant or mailbox" % said, answer)
        if _BASIC_AUTH_OFF.search(text):
            return Failure(
                "basic_auth_disabled", "%s: Microsoft 365 refuses password logins for this account" % said, answer
            )
        if _POLICY.search(text):
            return Failure(
                "basic_auth_disabled",
                "%s: a Microsoft 365 sign-in policy (conditional access or MFA) blocks this password login" % said,
                answer,
                hint="The password may be right: a tenant admin's conditional access or MFA policy blocks "
                "legacy logins for this mailbox. Switch to auth.method: oauth2, or ask the admin to exclude it.",
            )
        if _LOCKED.search(text):
            return Failure(
                "rate_limited", "%s: Microsoft 365 has locked the account after failed logins" % said, answer
            )
        return _rejected(said, answer, token)
    if enhanced == "5.7.30":
        return Failure(
            "basic_auth_disabled", "%s: basic authentication has been removed for SMTP submission" % said, answer
        )
    if enhanced == "5.7.14" or _SIGNIN_CHALLENGE.search(text):
        return Failure(
            "signin_challenge",
            "%s: the provider wants the account holder to sign in through a web browser" % said,
            answer,
        )
    if code == 534 and enhanced == "5.7.9" or _APP_PASSWORD.search(text):
        return Failure("app_password_required", "%s: the provider wants an app password" % said, answer)
    if code == 454 or code == 432:
        return Failure("rate_limited", "%s: login temporarily refused" % said, answer)
    if code in (504, 502) or enhanced in ("5.5.4", "5.7.4"):
        return Failure("auth_mechanism_unavailable", "%s: the mechanism is not accepted" % said, answer)
    if code in (530, 538) or enhanced == "5.7.11":
        return Failure("plaintext_refused", "%s: the server requires encryption before login" % said, answer)
    if code == 535 or code >= 500:
        return _rejected(said, answer, token)
    return Failure("server_error", "%s to the login" % said, answer)


def _rejected(said, answer, token):
    if token:
        return Failure(
            "auth_failed",
            "%s: the access token was rejected" % said,
            answer,
            hint="The token may be expired, issued for another user or scope, or the app may lack permission "
            "for this mailbox; obtain a fresh token with the provider's mail scopes.",
        )
    return Failure("auth_failed", "%s: the credentials were rejected" % said, answer)


def _challenge_or_app_password(said, answer, text):
    """The IMAP/POP3 login answers that Google and others word rather than code: a browser sign-in, an app password."""
    if _SIGNIN_CHALLENGE.search(text):
        return Failure(
            "signin_challenge",
            "%s: the provider wants the account holder to sign in through a web browser" % said,
            answer,
        )
    if _APP_PASSWORD.search(text):
        return Failure("app_password_required", "%s: the provider wants an app password" % said, answer)
    return None


def _response_code(text):
    """The bracketed response code at the start of an IMAP or POP3 answer, upper-case, or ''."""
    match = re.match(r"\s*\[([^\]\s]+)", text)
    return match.group(1).upper() if match else ""


def imap(stage: str, status: str, text: str, where: str, token: bool = False) -> Failure:
    """Classify a tagged IMAP answer (``status`` NO or BAD, or an untagged BYE) at ``stage``."""
    code = _response_code(text)
    answer = ("%s %s" % (status, text)).strip()
    said = "%s answered %s%s" % (where, status, " [%s]" % code if code else "")
    if stage == "starttls":
        return Failure("starttls_unavailable", "%s to STARTTLS" % said, answer)
    if code in ("INUSE", "IN-USE"):
        return Failure("mailbox_in_use", "%s: the mailbox is in use" % said, answer)
    if code == "LIMIT":
        return Failure("rate_limited", "%s: a connection or login limit was reached" % said, answer)
    if code == "PRIVACYREQUIRED":
        return Failure("plaintext_refused", "%s: the server requires encryption" % said, answer)
    if code == "UNAVAILABLE":
        return Failure("server_error", "%s: temporary failure at the server" % said, answer)
    if _PROTOCOL_OFF.search(text):
        return Failure("protocol_disabled", "%s: IMAP access is switched off for this mailbox" % said, answer)
    if stage == "authenticate":
        failure = _challenge_or_app_password(said, answer, text)
        if failure:
            return failure
        if status == "NO" or code in ("AUTHENTICATIONFAILED", "AUTHORIZATIONFAILED", "EXPIRED"):
            return _rejected(said, answer, token)
    if stage == "command":
        return Failure("mailbox_unavailable", "%s to EXAMINE INBOX after a successful login" % said, answer)
    return Failure("server_error", "%s during %s" % (said, stage), answer)


def pop3(stage: str, text: str, where: str, token: bool = False) -> Failure:
    """Classify a POP3 ``-ERR`` answer (``text`` follows -ERR) at ``stage``."""
    code = _response_code(text)
    answer = ("-ERR %s" % text).strip()
    said = "%s answered -ERR%s" % (where, " [%s]" % code if code else "")
    if stage == "starttls":
        return Failure("starttls_unavailable", "%s to STLS" % said, answer)
    if code == "IN-USE":
        return Failure("mailbox_in_use", "%s: the maildrop is locked" % said, answer)
    if code == "LOGIN-DELAY":
        return Failure("rate_limited", "%s: the server wants more time between logins" % said, answer)
    if code.startswith("SYS/"):
        return Failure(
            "server_error", "%s: %s server failure" % (said, "temporary" if code == "SYS/TEMP" else "permanent"), answer
        )
    if _PROTOCOL_OFF.search(text):
        return Failure("protocol_disabled", "%s: POP access is switched off for this mailbox" % said, answer)
    if stage == "authenticate":
        return _challenge_or_app_password(said, answer, text) or _rejected(said, answer, token)
    if stage == "command":
        return Failure("mailbox_unavailable", "%s to STAT after a successful login" % said, answer)
    return Failure("server_error", "%s during %s" % (said, stage), answer)
