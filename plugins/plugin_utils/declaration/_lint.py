# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lint rules: the semantic checks a JSON Schema cannot express.

Each rule has a stable code and name (documented in docs/rules.md) and yields
``(path, message, hint)``, or ``(path, message, hint, date)`` when the finding is about a
dated change at the provider: the finding then carries that date and the provider key
(``Finding.deadline``), from which the fleet-wide deadline list is built. Rules marked ``raw`` also run on a declaration that
failed the schema, so the most specific explanation wins (a display name in the
address says more than "does not match the pattern"); the others see the
normalised declaration too.
"""

from __future__ import annotations

import collections
import datetime
import email.utils
import re
from typing import Callable, List, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils._control_characters import control_character_fields
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import (
    rule_codes as application_rule_codes,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding, SECRET_FIELDS
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._normalise import (
    DEFAULT_RATE_PER_MINUTE,
    SECURITY_FOR_PORT,
)

Rule = collections.namedtuple("Rule", "code name severity raw reads check")
RULES = []
# Codes the parser (MC001-MC004, MC006), Ansible's variables (MC007) and the schema (MC010-MC013) report:
# errors, never silenced.
PIPELINE_ERRORS = ("MC001", "MC002", "MC003", "MC004", "MC006", "MC007", "MC010", "MC011", "MC012", "MC013")


def rule(code: str, name: str, severity: str, raw: bool = False, reads: tuple = ()) -> Callable:
    """Register a rule; ``reads`` names the fields (or whole sections) whose values it judges."""
    def register(check):
        RULES.append(Rule(code, name, severity, raw, tuple(reads), check))
        return check
    return register


def _get(data, path):
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


_CODE = re.compile(r"MC[0-9]{3}")  # the schema's pattern; it reports anything else in lint.ignore


def _ignore_list(raw):
    """The codes in ``lint.ignore`` as ``(index, code)``; this also runs on schema-invalid input."""
    ignore = _get(raw, "lint.ignore")
    if not isinstance(ignore, list):
        return []
    return [(index, code) for index, code in enumerate(ignore) if isinstance(code, str) and _CODE.fullmatch(code)]


# A bare address as the schema's pattern accepts it, minus parentheses (comments in RFC 5322).
_BARE_ADDRESS = re.compile(r'[^\s<>"@()]+@[^\s<>"@()]+\.[^\s<>"@()]+')


def _split_address(text):
    """``(display name, bare address)`` found in a masked address; '' for a part not found."""
    name, bare = email.utils.parseaddr(text)
    if not _BARE_ADDRESS.fullmatch(bare):
        found = _BARE_ADDRESS.search(text)
        bare = found.group(0) if found else ""
        name = text.replace(bare, " ") if bare else ""
    name = " ".join(name.translate({ord(c): " " for c in '"<>()'}).split())
    return ("" if name == bare else name), bare


@rule("MC101", "display-name-in-address", "error", raw=True)
def _display_name_in_address(ctx):
    address = ctx.raw.get("address")
    if (
        not isinstance(address, str)
        or not any(c in address for c in '<>"')
        and not any(c.isspace() for c in address.strip())
    ):
        return
    name, bare = _split_address(address)
    what = "the address contains a display name, quotes, angle brackets or spaces"
    if bare:
        hint = "Write address: %s" % bare
        if name:
            hint += " and, if you want the name shown, display_name: %s" % name
        yield "address", "%s; use the bare address '%s'" % (what, bare), hint
    else:
        yield "address", what, "Write the bare address only, like name@example.co.uk."


@rule("MC014", "control-character", "error", raw=True)
def _control_character(ctx):
    for path, found in control_character_fields(ctx.raw):
        yield (path, "the value contains the control character %s" % found,
               "Remove it: a line break, NUL or other control character in a value sent to a mail server would end "
               "the command and start another.")


# Masking replaces a secret wherever it appears in returned text; a short one also
# matches ordinary words, so masking can neither hide it nor keep results readable.
SHORT_SECRET = 8


@rule("MC311", "short-secret", "warning", reads=tuple(SECRET_FIELDS))
def _short_secret(ctx):
    for path in SECRET_FIELDS:
        value = _get(ctx.raw, path)
        if isinstance(value, str) and 0 < len(value) < SHORT_SECRET:
            yield (
                path,
                "the secret is shorter than %d characters" % SHORT_SECRET,
                "Use a longer password or app password: a short one is easy to guess, and output masking cannot hide it "
                "because it matches ordinary words. Silence MC311 only where the provider imposes it.",
            )


@rule("MC301", "provider-unsupported", "error", raw=True)
def _provider_unsupported(ctx):
    if ctx.entry.get("unsupported"):
        yield ("provider", "provider '%s' can no longer be used from an application" % ctx.raw.get("provider"),
               ctx.entry.get("unsupported_hint", "Declare the practice's current provider."))


@rule("MC309", "provider-key-regional", "warning", raw=True)
def _provider_key_regional(ctx):
    if ctx.entry.get("alias_of"):
        yield (
            "provider",
            "provider '%s' is an old key; it now means %s" % (ctx.raw.get("provider"), ctx.entry["alias_of"]),
            ctx.entry.get("alias_hint") or "Write provider: %s." % ctx.entry["alias_of"],
        )


@rule("MC201", "pop3-removes-mail", "error", reads=("provider", "incoming"))
def _pop3_removes_mail(ctx):
    incoming = ctx.norm["incoming"]
    if not incoming["enabled"] or incoming["protocol"] != "pop3" or incoming["acknowledge_mail_removal"]:
        return
    offers_copy = ctx.raw["provider"] == "other" or (ctx.entry.get("incoming", {}).get("pop3") or {}).get(
        "leave_copy_available"
    )
    if incoming["leave_copy_on_server"] and offers_copy:
        return
    if incoming["leave_copy_on_server"]:
        yield (
            "incoming.leave_copy_on_server",
            "provider '%s' does not offer 'leave a copy on the server' for POP3" % ctx.raw["provider"],
            "Use protocol: imap, or set acknowledge_mail_removal: true if moving every message off the server is intended.",
        )
    else:
        yield ("incoming.protocol", "POP3 moves every message off the server; staff will not see them anywhere else",
               "Use protocol: imap (recommended), or set leave_copy_on_server: true where the provider offers it, "
               "or acknowledge_mail_removal: true to accept the removal.")


def _plaintext_logins(norm):
    """(side, protocol, allowed) for each server that would log in without encryption."""
    out, inc = norm["outgoing"], norm["incoming"]
    if out["security"] == "none" and out["authenticate"]:
        yield "outgoing", "SMTP", out["allow_plaintext_login"]
    if inc["enabled"] and inc["security"] == "none":
        yield "incoming", inc["protocol"].upper(), inc["allow_plaintext_login"]


@rule("MC202", "credentials-in-clear", "error", reads=("outgoing", "incoming"))
def _credentials_in_clear(ctx):
    safer = {"SMTP": "tls (port 465) or starttls (port 587)", "IMAP": "tls (port 993)", "POP3": "tls (port 995)"}
    for side, protocol, allowed in _plaintext_logins(ctx.norm):
        if not allowed:
            yield (
                "%s.security" % side,
                "the %s login would send credentials unencrypted (security: none)" % protocol,
                "Use security: %s. Only for a trusted-network server without TLS, set %s.allow_plaintext_login: true."
                % (safer[protocol], side),
            )


@rule("MC206", "plaintext-login-allowed", "warning", reads=("outgoing", "incoming"))
def _plaintext_login_allowed(ctx):
    for side, protocol, allowed in _plaintext_logins(ctx.norm):
        if allowed:
            yield (
                "%s.allow_plaintext_login" % side,
                "the %s login sends credentials unencrypted on purpose" % protocol,
                "Keep this to servers on a trusted network; mail_verify also needs the host in plaintext_allowed_hosts.",
            )


_IMPLICIT_TLS_PORTS = {port for port, security in SECURITY_FOR_PORT.items() if security == "tls"}
_STARTTLS_PORTS = {port for port, security in SECURITY_FOR_PORT.items() if security == "starttls"}


@rule("MC203", "port-security-mismatch", "warning", reads=("outgoing", "incoming"))
def _port_security_mismatch(ctx):
    for side in ("outgoing", "incoming"):
        server = ctx.norm[side]
        port, security = server["port"], server["security"]
        if security == "starttls" and port in _IMPLICIT_TLS_PORTS:
            yield ("%s.port" % side, "port %d expects implicit TLS, but security is starttls" % port,
                   "Use security: tls on port %d, or the STARTTLS port." % port)
        elif security == "tls" and port in _STARTTLS_PORTS:
            yield ("%s.port" % side, "port %d expects STARTTLS, but security is tls" % port,
                   "Use security: starttls on port %d, or the implicit TLS port." % port)


@rule("MC204", "provider-port-unsupported", "error", reads=("provider", "outgoing"))
def _provider_port_unsupported(ctx):
    reason = (ctx.entry.get("outgoing_forbidden_ports") or {}).get(ctx.norm["outgoing"]["port"])
    if reason:
        yield (
            "outgoing.port",
            "port %d is not supported by %s for SMTP AUTH" % (ctx.norm["outgoing"]["port"], ctx.entry["name"]),
            reason,
        )


def _services(norm):
    yield "smtp", "outgoing"
    if norm["incoming"]["enabled"]:
        yield norm["incoming"]["protocol"], "incoming"


def _basic_auth(ctx, retired):
    """Password logins the provider has retired (``retired``), or will retire or turns off by default: ``(path, message, hint, date)``.

    ``retired``: gone for good, nothing brings it back (MC303). ``default_off``: off from the
    date unless an administrator turns it back on, until the provider removes it (MC302).
    """
    if ctx.norm["auth"]["method"] != "password":
        return
    for service, _side in _services(ctx.norm):
        plan = (ctx.entry.get("basic_auth") or {}).get(service)
        if not plan:
            continue
        when = plan.get("when") or plan["date"]
        passed = datetime.date.fromisoformat(plan["date"]) <= ctx.today
        if (plan["status"] == "retired" and passed) != retired:
            continue
        name, protocol = ctx.entry["name"], service.upper()
        if plan["status"] == "retired":
            what = "%s %s password login to %s (basic authentication) %s %s (%s)" % (
                name,
                "retired" if passed else "retires",
                protocol,
                "for good since" if passed else "on",
                when,
                plan["date"],
            )
            hint = "%s Switch to auth.method: oauth2 (see docs/oauth.md)." % plan.get("note", "")
        else:
            what = "%s %s password login to %s (basic authentication) by default %s %s (%s)" % (
                name,
                "has disabled" if passed else "disables",
                protocol,
                "since" if passed else "from",
                when,
                plan["date"],
            )
            hint = ("%s your tenant admin can re-enable it until %s removes it; move to OAuth: auth.method: oauth2 "
                    "(see docs/oauth.md)." % ("Where it is off, only" if passed else "After that,", name))
        yield "auth.method", what, hint, plan["date"]


@rule("MC303", "basic-auth-retired", "error", reads=("provider", "auth.method", "incoming"))
def _basic_auth_retired(ctx):
    return _basic_auth(ctx, retired=True)


@rule("MC302", "basic-auth-retiring", "warning", reads=("provider", "auth.method", "incoming"))
def _basic_auth_retiring(ctx):
    return _basic_auth(ctx, retired=False)


@rule("MC304", "app-password-needed", "info", reads=("provider", "auth.method"))
def _app_password_needed(ctx):
    if ctx.norm["auth"]["method"] == "password" and ctx.entry.get("app_password_required"):
        yield (
            "auth.password",
            "%s: only an app password works here, not the account password" % ctx.entry["name"],
            "Create an app password (it needs 2-step verification) and store it in the vault, or use auth.method: oauth2.",
        )


@rule("MC306", "oauth2-endpoint-unknown", "error", reads=("provider", "auth.oauth2"))
def _oauth2_endpoint_unknown(ctx):
    oauth2 = ctx.norm["auth"]["oauth2"]
    if oauth2 and not oauth2["token_endpoint"]:
        needs_tenant = "{tenant}" in ((ctx.entry.get("oauth2") or {}).get("token_endpoint") or "")
        yield (
            "auth.oauth2",
            "no token endpoint is known for this OAuth 2.0 grant",
            "Set auth.oauth2.tenant (the Microsoft tenant ID or domain)."
            if needs_tenant
            else "Set auth.oauth2.token_endpoint.",
        )


@rule("MC308", "oauth2-endpoint-insecure", "error", reads=("auth.oauth2",))
def _oauth2_endpoint_insecure(ctx):
    oauth2 = ctx.norm["auth"]["oauth2"]
    if oauth2 and (oauth2["token_endpoint"] or "").lower().startswith("http://"):
        yield (
            "auth.oauth2.token_endpoint",
            "the token endpoint is plain http: the refresh token and client secret would travel in clear",
            "Use the provider's https:// token endpoint.",
        )


@rule("MC307", "oauth2-grant-missing", "error", reads=("auth.oauth2",))
def _oauth2_grant_missing(ctx):
    oauth2 = ctx.norm["auth"]["oauth2"]
    if oauth2 and not oauth2["client_secret"] and not oauth2["refresh_token"]:
        yield (
            "auth.oauth2",
            "the OAuth 2.0 grant has neither a refresh_token nor a client_secret",
            "Add the refresh token issued at consent (delegated access) or the client secret (app-only access), from the vault.",
        )


@rule("MC310", "provider-note", "info", reads=("provider", "incoming"))
def _provider_note(ctx):
    """What the catalogue says a practice manager must know about this provider (NHSmail Application Accounts ...)."""
    hint = ctx.entry.get("hint")
    if hint and not (ctx.entry.get("incoming_off_by_default") and not ctx.norm["incoming"]["enabled"]):
        yield "provider", "%s needs something done outside this declaration (see the hint)" % ctx.entry["name"], hint


@rule("MC401", "rate-above-provider-limit", "warning", reads=("provider", "sending"))
def _rate_above_limit(ctx):
    rate = _get(ctx.raw, "sending.rate_per_minute")
    limit = ctx.entry.get("rate_per_minute_max") or DEFAULT_RATE_PER_MINUTE
    if rate is not None and rate > limit:
        known = (
            "%s allows at most %d messages a minute" % (ctx.entry["name"], limit)
            if ctx.entry.get("rate_per_minute_max")
            else "the provider publishes no per-minute limit, and 3 a minute is mailconfig's conservative default"
        )
        yield "sending.rate_per_minute", "send rate %d is above the limit: %s" % (rate, known), \
            "Lower it to %d, or silence MC401 if the provider confirmed a higher limit." % limit


@rule("MC402", "rate-default", "info", reads=("sending",))
def _rate_default(ctx):
    if _get(ctx.raw, "sending.rate_per_minute") is None:
        yield "sending", "no send rate given; the default of 3 messages a minute applies", \
            "Set sending.rate_per_minute to state it explicitly."


@rule("MC501", "host-differs-from-catalogue", "warning", reads=("provider", "outgoing", "incoming"))
def _host_differs(ctx):
    for side in ("outgoing", "incoming"):
        given = _get(ctx.raw, "%s.host" % side)
        if not given or not ctx.entry.get(side):
            continue
        published = (
            ctx.entry[side] if side == "outgoing" else (ctx.entry[side].get(ctx.norm[side]["protocol"] or "") or {})
        )
        expected = published.get("host")
        if expected and given.lower() != expected.lower():
            yield (
                "%s.host" % side,
                "host '%s' differs from '%s', which %s publishes" % (given, expected, ctx.entry["name"]),
                "Remove the host to use the published one, or silence MC501 if this server is intended.",
            )


@rule("MC502", "username-differs", "info", reads=("address", "username"))
def _username_differs(ctx):
    if ctx.norm["username"].lower() != ctx.norm["address"].lower():
        yield (
            "username",
            "the user name differs from the address",
            "Most providers log in with the address itself; check it is intended.",
        )


@rule("MC503", "incoming-disabled-with-settings", "warning", reads=("incoming",))
def _incoming_disabled_with_settings(ctx):
    incoming = _get(ctx.raw, "incoming") or {}
    if incoming.get("enabled") is False:
        extra = sorted(k for k in incoming if k != "enabled")
        if extra:
            yield ("incoming.enabled", "incoming is disabled, so %s has no effect" % ", ".join(extra),
                   "Remove those settings, or set enabled: true.")


@rule("MC504", "server-settings-missing", "error", reads=("provider", "outgoing", "incoming"))
def _server_settings_missing(ctx):
    for side in ("outgoing", "incoming"):
        server = ctx.norm[side]
        if side == "incoming" and not server["enabled"]:
            continue
        for field in ("host", "port", "security"):
            if server[field] is None:
                yield (
                    "%s.%s" % (side, field),
                    "no %s %s is given and provider '%s' does not publish one" % (side, field, ctx.raw["provider"]),
                    "Set %s.%s explicitly." % (side, field),
                )


@rule("MC505", "pop3-options-on-imap", "warning", reads=("incoming",))
def _pop3_options_on_imap(ctx):
    incoming = _get(ctx.raw, "incoming") or {}
    if incoming.get("protocol", "imap") == "imap" and incoming.get("enabled") is not False:
        for field in ("leave_copy_on_server", "acknowledge_mail_removal"):
            if field in incoming:
                yield "incoming.%s" % field, "%s applies to POP3 only" % field, "Remove it, or set protocol: pop3."


@rule("MC005", "unsilenceable-code", "warning", raw=True)
def _unsilenceable(ctx):
    applications = application_rule_codes()
    errors = {r.code for r in RULES if r.severity == "error"}.union(
        PIPELINE_ERRORS, (c for c, s in applications.items() if s == "error")
    )
    known = {r.code for r in RULES}.union(applications)
    for index, code in _ignore_list(ctx.raw):
        if code in errors:
            yield (
                "lint.ignore.%d" % index,
                "%s is an error and cannot be silenced" % code,
                "Fix the declaration instead.",
            )
        elif code not in known:
            yield ("lint.ignore.%d" % index, "%s is not a lint code, so ignoring it silences nothing" % code,
                   "Check the code against docs/rules.md; a typo here leaves the intended finding active.")


class _Context:
    """What a rule sees: the declaration as written and normalised, its catalogue entry, the date and the store option."""

    __slots__ = ("raw", "norm", "entry", "today", "store")

    def __init__(self, raw, norm, entry, today, store=None):
        self.raw, self.norm, self.entry, self.today, self.store = raw, norm, entry, today, store or {}


def reads(code: str) -> tuple:
    """The fields rule ``code`` judges (empty for raw rules and unknown codes)."""
    for item in RULES:
        if item.code == code:
            return item.reads
    return ()


def ignored_codes(raw: dict) -> set:
    """The codes a declaration's ``lint.ignore`` names."""
    return {code for _index, code in _ignore_list(raw)}


def lint(raw: dict, norm: Optional[dict], entry: dict, today: Optional[datetime.date] = None, raw_only: bool = False,
         store: Optional[dict] = None) -> List[Finding]:
    """Run the raw rules (``raw_only``), which need no valid schema, or the others on ``norm``.

    ``store`` is the module's store option where the caller knows it (rules for one application read it).
    """
    ctx = _Context(raw, norm, entry, today or datetime.date.today(), store)
    if not raw_only and entry.get("unsupported"):
        return []  # MC301 already says the provider is gone; its missing servers are no news
    ignored = ignored_codes(raw)
    findings = []
    for item in RULES:
        if item.raw != raw_only:
            continue
        if item.severity != "error" and item.code in ignored:
            continue
        for path, message, hint, *date in item.check(ctx) or ():
            deadline = (date[0], raw.get("provider")) if date else ()
            findings.append(Finding(item.code, item.severity, message, hint, path=path, deadline=deadline))
    return findings
