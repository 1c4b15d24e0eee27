# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a schema-valid declaration into the complete, plain dict the modules receive.

Explicit values win; what is missing comes from the provider catalogue, then from
the port/security conventions (465 tls, 587 starttls, 993/995 tls, 143/110 starttls).
Every field is present afterwards (None where it does not apply), so target-side
code never guesses.
"""

from __future__ import annotations

from typing import Optional

DEFAULT_RATE_PER_MINUTE = 3

_PORT_FOR = {
    "smtp": {"tls": 465, "starttls": 587, "none": 25},
    "imap": {"tls": 993, "starttls": 143, "none": 143},
    "pop3": {"tls": 995, "starttls": 110, "none": 110},
}
SECURITY_FOR_PORT = {
    465: "tls",
    993: "tls",
    995: "tls",
    587: "starttls",
    143: "starttls",
    110: "starttls",
    25: "starttls",
}


def _server(given, published, protocol):
    """Fill host, port and security of one server from the catalogue and conventions."""
    given = given or {}
    published = published or {}
    port, security = given.get("port"), given.get("security")
    if port is None and security is None:
        port, security = published.get("port"), published.get("security")
    if security is None and port is not None:
        security = SECURITY_FOR_PORT.get(port, "tls")
    if port is None and security is not None:
        port = _PORT_FOR[protocol][security]
    return {"host": given.get("host", published.get("host")), "port": port, "security": security}


def token_endpoint(oauth2: dict, entry: dict) -> Optional[str]:
    """The OAuth 2.0 token endpoint: explicit, or the catalogue's template with the tenant."""
    if oauth2.get("token_endpoint"):
        return oauth2["token_endpoint"]
    template = (entry.get("oauth2") or {}).get("token_endpoint")
    if not template:
        return None
    if "{tenant}" in template:
        return template.format(tenant=oauth2["tenant"]) if oauth2.get("tenant") else None
    return template


def normalise(decl: dict, entry: dict) -> dict:
    """Return the normalised declaration for schema-valid ``decl`` and its catalogue ``entry``."""
    auth = decl["auth"]
    oauth2 = None
    if auth["method"] == "oauth2":
        given = auth["oauth2"]
        oauth2 = {
            "tenant": given.get("tenant"),
            "token_endpoint": token_endpoint(given, entry),
            "client_id": given["client_id"],
            "client_secret": given.get("client_secret"),
            "refresh_token": given.get("refresh_token"),
            "scopes": list(given.get("scopes") or (entry.get("oauth2") or {}).get("scopes") or []),
        }
    outgoing = _server(decl.get("outgoing"), entry.get("outgoing"), "smtp")
    outgoing["authenticate"] = (decl.get("outgoing") or {}).get("authenticate", True)
    outgoing["allow_plaintext_login"] = (decl.get("outgoing") or {}).get("allow_plaintext_login", False)

    given_in = decl.get("incoming")
    enabled = bool(given_in) and given_in.get("enabled", True)
    protocol = (given_in or {}).get("protocol", "imap")
    if enabled:
        incoming = _server(given_in, (entry.get("incoming") or {}).get(protocol), protocol)
    else:
        incoming = {"host": None, "port": None, "security": None}
    incoming.update(
        {
            "enabled": enabled,
            "protocol": protocol if enabled else None,
            "leave_copy_on_server": bool(
                enabled and protocol == "pop3" and given_in.get("leave_copy_on_server", False)
            ),
            "acknowledge_mail_removal": bool(
                enabled and protocol == "pop3" and given_in.get("acknowledge_mail_removal", False)
            ),
            "allow_plaintext_login": bool(enabled and given_in.get("allow_plaintext_login", False)),
        }
    )
    return {
        "schema_version": decl["schema_version"],
        "address": decl["address"],
        "display_name": decl.get("display_name"),
        "provider": decl["provider"],
        "username": decl.get("username", decl["address"]),
        "auth": {
            "method": auth["method"],
            "password": auth.get("password") if auth["method"] == "password" else None,
            "oauth2": oauth2,
        },
        "outgoing": outgoing,
        "incoming": incoming,
        "sending": {"rate_per_minute": (decl.get("sending") or {}).get("rate_per_minute", DEFAULT_RATE_PER_MINUTE)},
        "practice": {"update_contact_email": (decl.get("practice") or {}).get("update_contact_email", False)},
    }
