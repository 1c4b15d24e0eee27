# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sender checks: does the sending domain's DNS let receivers trust its mail?

Since February 2024 Gmail and Yahoo junk or refuse mail that fails their sender
rules (SPF or DKIM for everyone; SPF, DKIM and an aligned DMARC record for bulk
senders), which looks exactly like "the application stopped sending".
These checks read what a receiver reads (MX, SPF, DMARC, DKIM for the provider's
selectors) and report findings with stable MC6xx codes, in the same shape as the
declaration's lint findings. DNS data is public: messages may quote it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue, _dns
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._paths import COLLECTION_ROOT

REQUIREMENTS_PATH = os.path.join(COLLECTION_ROOT, "data", "sender_requirements.yml")

# code: (name, severity); documented in docs/detection.md
CODES = {
    "MC600": ("dns-lookup-failed", "error"),
    "MC601": ("domain-not-found", "error"),
    "MC602": ("mx-missing", "error"),
    "MC610": ("spf-missing", "error"),
    "MC611": ("spf-multiple", "error"),
    "MC612": ("spf-invalid", "error"),
    "MC613": ("spf-provider-not-included", "error"),
    "MC614": ("spf-allows-anyone", "warning"),
    "MC615": ("spf-provider-unknown", "info"),
    "MC620": ("dmarc-missing", "warning"),
    "MC621": ("dmarc-invalid", "error"),
    "MC622": ("dmarc-monitor-only", "info"),
    "MC630": ("dkim-missing", "warning"),
    "MC631": ("dkim-key-invalid", "warning"),
    "MC632": ("dkim-selectors-unknown", "info"),
    "MC641": ("provider-owned-domain", "info"),
}
SPF_LOOKUP_LIMIT = 10  # RFC 7208 4.6.4: DNS-querying terms per evaluation


@functools.lru_cache(maxsize=1)
def requirements() -> Dict[str, Dict[str, Any]]:
    """Provider key -> {spf_includes, dkim_selectors, ...} from data/sender_requirements.yml."""
    with open(REQUIREMENTS_PATH, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["providers"]


class _Report:
    """Collects the findings of one domain."""

    def __init__(self, domain, path):
        self.domain = domain
        self.path = path
        self.findings = []

    def add(self, code, message, hint):
        self.findings.append(Finding(code, CODES[code][1], message, hint, path=self.path))

    def lookup(self, ask, name):
        """Records from ``ask(name)``; ``[]`` when there are none; None (and MC600) when DNS failed."""
        try:
            return ask(name)
        except _dns.DNSLookupError as exc:
            if exc.kind in ("no_answer", "nxdomain"):
                return []
            self.add("MC600", "cannot check %s: %s" % (self.domain, exc.message), exc.hint)
            return None


def check_sender(domain: str, provider: Optional[str] = None, dkim_selectors: Optional[Sequence[str]] = None,
                 resolver: Optional[_dns.Resolver] = None, path: str = "domain") -> List[Finding]:
    """Findings for the sending ``domain`` as mail from ``provider`` (a catalogue key, or None).

    ``dkim_selectors`` replaces the provider's usual selectors; ``path`` is the
    field the findings point at (``address`` for a declaration).
    """
    domain = domain.strip().rstrip(".").lower()
    report = _Report(domain, path)
    owner = _catalogue.provider_for_domain(domain)
    if owner:
        report.add(
            "MC641",
            "%s is %s's own domain; its SPF, DKIM and DMARC records are the provider's" % (domain, owner),
            "Nothing to publish: these checks are for a practice's own domain.",
        )
        return report.findings
    resolver = resolver or _dns.shared_resolver()
    if not _check_mx(report, resolver):
        return report.findings
    wanted = requirements().get(provider) or {}
    _check_spf(report, resolver, provider, wanted.get("spf_includes") or [])
    _check_dmarc(report, resolver)
    _check_dkim(
        report, resolver, provider, list(dkim_selectors or wanted.get("dkim_selectors") or []), bool(dkim_selectors)
    )
    return report.findings


def _provider_words(provider):
    return ("provider %s" % provider) if provider else "an undetected provider"


def _check_mx(report, resolver):
    """MX present and not null; False when the domain does not exist or DNS failed."""
    domain = report.domain
    try:
        records = resolver.mx(domain)
    except _dns.DNSLookupError as exc:
        if exc.kind == "nxdomain":
            report.add("MC601", "the domain %s does not exist (NXDOMAIN)" % domain,
                       "Check the address for a typo; receivers refuse mail from a domain that does not exist.")
            return False
        if exc.kind != "no_answer":
            report.add("MC600", "cannot check %s: %s" % (domain, exc.message), exc.hint)
            return False
        records = []
    if not records:
        report.add("MC602", "%s has no MX record, so replies and bounces to the practice cannot be delivered" % domain,
                   "Publish the provider's MX record for %s." % domain)
    elif all(record[1] == "." for record in records):
        report.add("MC602", "%s publishes a null MX (RFC 7505): it declares that it receives no mail" % domain,
                   "Replace the null MX with the provider's MX record so patients' replies arrive.")
    return True


# --- SPF (RFC 7208) -----------------------------------------------------------

_MACRO = re.compile(r"%(?:\{[slodiphcrtv][0-9]*r?[-.+,/_=]*\}|[%_-])", re.IGNORECASE)
_TOPLABEL = re.compile(r"(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])\.?", re.IGNORECASE)
_TERM = re.compile(r"^([-+~?]?)([a-z][a-z0-9_.-]*)(.*)$", re.IGNORECASE)
_MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
_QUERYING = ("include", "a", "mx", "ptr", "exists", "redirect")
_LENGTH = r"(0|[1-9][0-9]{0,2})"
_DUAL_CIDR = re.compile(r"(?:/%s)?(?://%s)?" % (_LENGTH, _LENGTH))
_CIDR = re.compile(r"(?:/%s)?" % _LENGTH)


def _domain_spec_ok(spec):
    """RFC 7208 domain-spec: visible characters and macros, ending in a top label or a macro."""
    literal = _MACRO.sub("", spec)
    if not spec or "%" in literal or any(not 0x21 <= ord(c) <= 0x7e for c in literal):
        return False
    macros = list(_MACRO.finditer(spec))
    if macros and macros[-1].end() == len(spec):
        return True
    labels = spec.rstrip(".").split(".")
    return len(labels) >= 2 and bool(_TOPLABEL.fullmatch(labels[-1]))


def _cidr_ok(text, pattern, limits):
    """Prefix lengths (``/n``, or ``/n//m`` for a and mx) present in the right form and range."""
    match = pattern.fullmatch(text)
    return bool(match) and all(g is None or int(g) <= limit for g, limit in zip(match.groups(), limits))


def _mechanism_error(name, rest):
    """Why ``name`` + ``rest`` (":arg/cidr" or "") is not a valid mechanism, or None."""
    if name == "all":
        return None if not rest else "'all' takes no argument"
    if name in ("include", "exists"):
        return (
            None
            if rest.startswith(":") and _domain_spec_ok(rest[1:])
            else "'%s' needs a domain, like %s:example.com" % (name, name)
        )
    if name in ("a", "mx"):
        spec, slash, cidr = rest.partition("/")
        if spec and not (spec.startswith(":") and _domain_spec_ok(spec[1:])):
            return "'%s%s' has an invalid domain" % (name, spec)
        return (
            None
            if _cidr_ok(slash + cidr, _DUAL_CIDR, (32, 128))
            else "'%s' has an invalid prefix length %r" % (name, slash + cidr)
        )
    if name == "ptr":
        return (
            None if not rest or (rest.startswith(":") and _domain_spec_ok(rest[1:])) else "'ptr' has an invalid domain"
        )
    if name in ("ip4", "ip6"):
        address, slash, length = rest[1:].partition("/") if rest.startswith(":") else ("", "", "")
        try:
            (ipaddress.IPv4Address if name == "ip4" else ipaddress.IPv6Address)(address)
        except ValueError:
            return "'%s%s' is not a valid %s address" % (name, rest, "IPv4" if name == "ip4" else "IPv6")
        return (
            None
            if _cidr_ok(slash + length, _CIDR, (32 if name == "ip4" else 128,))
            else "'%s%s' has an invalid prefix length" % (name, rest)
        )
    return "unknown mechanism '%s'" % name


def parse_spf(record: str) -> Tuple[List[Tuple[str, str, str]], List[str]]:
    """``(terms, errors)`` for one SPF record: terms are ``(qualifier, name, value)``, lower-case names."""
    words = record.split(" ")
    terms, errors = [], []
    if words[0].lower() != "v=spf1":
        return terms, ["the record does not start with v=spf1"]
    for word in (w for w in words[1:] if w):
        match = _TERM.match(word)
        if not match:
            errors.append("'%s' is not an SPF term" % word)
            continue
        qualifier, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        if rest.startswith("=") and name not in _MECHANISMS:
            if qualifier:
                errors.append("modifier '%s' cannot take a qualifier" % word)
            elif name in ("redirect", "exp") and not _domain_spec_ok(rest[1:]):
                errors.append("'%s' needs a domain" % word)
            elif name in ("redirect", "exp") and any(t[1] == name for t in terms):
                errors.append("'%s' appears more than once" % name)
            terms.append(("", name, rest[1:]))
            continue
        problem = _mechanism_error(name, rest)
        if problem:
            errors.append(problem)
        else:
            terms.append((qualifier or "+", name, rest[1:] if rest.startswith(":") else rest))
    lookups = sum(1 for t in terms if t[1] in _QUERYING)
    if lookups > SPF_LOOKUP_LIMIT:
        errors.append("%d terms need DNS lookups; receivers give up (permerror) after %d" % (lookups, SPF_LOOKUP_LIMIT))
    return terms, errors


def spf_records(records: Iterable[str]) -> List[str]:
    """The SPF records (v=spf1) among TXT ``records``."""
    return [r for r in records if r.lower() == "v=spf1" or r.lower().startswith("v=spf1 ")]


def _check_spf(report, resolver, provider, includes):
    domain = report.domain
    records = report.lookup(resolver.txt, domain)
    if records is None:
        return
    spf = spf_records(records)
    if not spf:
        report.add(
            "MC610",
            "%s has no SPF record" % domain,
            'Publish one TXT record like "v=spf1 include:%s -all".'
            % (includes[0] if includes else "<the provider's SPF domain>"),
        )
        return
    if len(spf) > 1:
        report.add(
            "MC611",
            "%s has %d SPF records (%s); receivers treat that as a permanent error"
            % (domain, len(spf), " | ".join(spf)),
            "Merge them into one v=spf1 record.",
        )
        return
    terms, errors = parse_spf(spf[0])
    if errors:
        report.add("MC612", "the SPF record of %s is not valid: %s" % (domain, "; ".join(errors)),
                   "Fix the record \"%s\" (RFC 7208 syntax)." % spf[0])
        return
    permissive = [t[0] for t in terms if t[1] == "all" and t[0] in ("+", "?")]
    if permissive:
        report.add(
            "MC614",
            "the SPF record of %s ends in %sall, which lets any server send as the practice" % (domain, permissive[0]),
            "End the record with -all (or ~all while testing).",
        )
    if not includes:
        report.add(
            "MC615",
            "no SPF include is known for %s, so the SPF record was checked for validity only"
            % _provider_words(provider),
            "Make sure the record covers the servers the practice sends through.",
        )
        return
    found, unread = _reaches(resolver, terms, includes)
    if not found:
        report.add(
            "MC613",
            "the SPF record of %s does not include the provider's sending hosts (include:%s)%s"
            % (domain, " or include:".join(includes), ("; could not read %s" % ", ".join(unread)) if unread else ""),
            'Add include:%s to the record "%s".' % (includes[0], spf[0]),
        )


def _reaches(resolver, terms, includes):
    """Whether the record reaches one of ``includes`` through include:/redirect=, within the lookup limit."""
    wanted = {i.lower().rstrip(".") for i in includes}
    queue = [t[2].lower().rstrip(".") for t in terms if t[1] in ("include", "redirect")]
    seen, unread = set(), []
    while queue and len(seen) < SPF_LOOKUP_LIMIT:
        name = queue.pop(0)
        if name in wanted:
            return True, unread
        if name in seen or "%" in name:
            continue
        seen.add(name)
        try:
            records = spf_records(resolver.txt(name))
        except _dns.DNSLookupError:
            unread.append(name)
            continue
        if len(records) == 1:
            queue.extend(t[2].lower().rstrip(".") for t in parse_spf(records[0])[0] if t[1] in ("include", "redirect"))
    return any(name in wanted for name in queue), unread


# --- DMARC (RFC 7489) ---------------------------------------------------------

_POLICIES = ("none", "quarantine", "reject")


def _tags(record):
    """``[(tag, value)]`` of a tag=value; list (DMARC and DKIM share the syntax)."""
    pairs = []
    for part in record.split(";"):
        if part.strip():
            tag, value = part.partition("=")[::2]
            pairs.append((tag.strip().lower(), value.strip()))
    return pairs


def dmarc_errors(record: str) -> Tuple[List[str], Dict[str, str]]:
    """What is wrong with one DMARC record (empty when valid), and its tags."""
    tags = _tags(record)
    values = dict(tags)
    errors = []
    if "p" not in values:
        errors.append("it has no p= policy")
    elif values["p"].lower() not in _POLICIES:
        errors.append("p=%s is not one of %s" % (values["p"], ", ".join(_POLICIES)))
    if "sp" in values and values["sp"].lower() not in _POLICIES:
        errors.append("sp=%s is not one of %s" % (values["sp"], ", ".join(_POLICIES)))
    if "pct" in values and not (values["pct"].isdigit() and 0 <= int(values["pct"]) <= 100):
        errors.append("pct=%s is not a number from 0 to 100" % values["pct"])
    for tag in ("adkim", "aspf"):
        if tag in values and values[tag].lower() not in ("r", "s"):
            errors.append("%s=%s is not r or s" % (tag, values[tag]))
    return errors, values


def _check_dmarc(report, resolver):
    name = "_dmarc." + report.domain
    records = report.lookup(resolver.txt, name)
    if records is None:
        return
    dmarc = [r for r in records if re.match(r"v\s*=\s*DMARC1\s*(;|$)", r)]
    hint = (
        "Publish a TXT record at %s like \"v=DMARC1; p=none; rua=mailto:dmarc@%s\" (p=none is enough for Gmail's and Yahoo's rules)."
        % (name, report.domain)
    )
    if not dmarc:
        report.add("MC620", "%s has no DMARC record at %s" % (report.domain, name), hint)
        return
    if len(dmarc) > 1:
        report.add(
            "MC621",
            "%s has %d DMARC records; receivers then apply none of them" % (name, len(dmarc)),
            "Keep exactly one DMARC record.",
        )
        return
    errors, values = dmarc_errors(dmarc[0])
    if errors:
        report.add(
            "MC621",
            "the DMARC record at %s is not valid: %s" % (name, "; ".join(errors)),
            'Fix the record "%s".' % dmarc[0],
        )
    elif values["p"].lower() == "none":
        report.add(
            "MC622",
            "the DMARC policy of %s is p=none: receivers only report, they do not act on failures" % report.domain,
            "Enough for Gmail's and Yahoo's sender rules; move to p=quarantine once reports show all mail passes.",
        )


# --- DKIM (RFC 6376) ----------------------------------------------------------

def dkim_key_error(record: str) -> Optional[str]:
    """Why a DKIM key record is unusable, or None."""
    tags = _tags(record)
    values = dict(tags)
    if "v" in values and (tags[0][0] != "v" or values["v"] != "DKIM1"):
        return "v=DKIM1 must come first"
    if "p" not in values:
        return "it has no p= public key"
    if not values["p"]:
        return "its key is revoked (empty p=)"
    try:
        base64.b64decode("".join(values["p"].split()), validate=True)
    except (binascii.Error, ValueError):
        return "its p= public key is not valid base64"
    if values.get("k", "rsa").lower() not in ("rsa", "ed25519"):
        return "key type k=%s is unknown" % values["k"]
    return None


def _check_dkim(report, resolver, provider, selectors, declared):
    domain = report.domain
    if not selectors:
        report.add("MC632", "no DKIM selector is known for %s, so DKIM was not checked" % _provider_words(provider),
                   "Give the practice's selectors in the task's dkim_selectors option to check them.")
        return
    found = []
    for selector in selectors:
        name = "%s._domainkey.%s" % (selector, domain)
        records = report.lookup(resolver.txt, name)
        if records is None:
            return
        keys = [r for r in records if dict(_tags(r)).get("v") == "DKIM1" or "p" in dict(_tags(r))]
        for record in keys:
            problem = dkim_key_error(record)
            if problem:
                report.add(
                    "MC631",
                    "the DKIM record at %s is unusable: %s" % (name, problem),
                    "Publish the current key from the provider's DKIM settings.",
                )
            else:
                found.append(selector)
    if not found:
        whose = "the declared" if declared else "%s's usual" % provider
        report.add(
            "MC630",
            "%s publishes no DKIM key for %s selector%s %s"
            % (domain, whose, "s" if len(selectors) > 1 else "", ", ".join(selectors)),
            "Turn on DKIM signing at the provider and publish the records it shows (for Microsoft 365: the selector1/selector2 CNAMEs).",
        )
