# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decide a mail address's provider from the catalogue and DNS (``provider: auto``).

The order follows Thunderbird's account setup, minus the web requests: the
catalogue's known address domains (no DNS needed, so it works offline), then the
domain's MX hosts against the catalogue's MX patterns, then RFC 6186 SRV records.
Every answer names the rule that decided and what it saw, so an MSP can check it;
an undecidable domain is an error that asks for an explicit provider.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue, _dns, _sender_checks
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding

# RFC 6186 (and RFC 8314 for submissions) services we read, in order of preference.
SRV_SERVICES = (
    ("_submissions._tcp", "outgoing", "smtp", "tls"),
    ("_submission._tcp", "outgoing", "smtp", "starttls"),
    ("_imaps._tcp", "incoming", "imap", "tls"),
    ("_pop3s._tcp", "incoming", "pop3", "tls"),
)


@dataclasses.dataclass(frozen=True)
class Detection:
    """The detected provider key, the rule that decided, and what it saw.

    ``rule`` is ``catalogue-domain``, ``mx`` or ``srv``. ``servers`` is set by the
    ``srv`` rule only: the published settings (``outgoing`` and/or ``incoming``
    with host, port, security, and protocol for incoming), which a declaration
    with provider ``other`` needs.
    """

    provider: str
    rule: str
    evidence: tuple
    servers: dict = None

    def as_dict(self) -> dict:
        return {"provider": self.provider, "rule": self.rule, "evidence": list(self.evidence), "servers": self.servers}


class DetectionError(Exception):
    """The provider of ``domain`` cannot be decided; ``hint`` says what to do."""

    CODE = "MC650"

    def __init__(self, domain, message, hint, evidence=()):
        super().__init__(message)
        self.domain = domain
        self.message = message
        self.hint = hint
        self.evidence = tuple(evidence)

    def finding(self, path: str = "provider") -> Finding:
        """The error as a finding, for the declaration pipeline."""
        return Finding(self.CODE, "error", self.message, self.hint, path=path)


def _explicit_hint(extra=""):
    keys = ", ".join(_catalogue.live_keys())
    return (extra + " " if extra else "") + "Set provider explicitly (one of %s, or other with the servers)." % keys


def domain_of(address: str) -> str:
    """The lower-case domain of ``address``, or a DetectionError."""
    local, at, domain = str(address).strip().rpartition("@")
    domain = domain.strip().rstrip(".").lower()
    if not at or not local or "." not in domain:
        raise DetectionError(
            domain or str(address),
            "cannot detect a provider: %r is not an email address" % str(address),
            "Give the bare address, like reception@example.co.uk.",
        )
    return domain


def detect_provider(address: str, resolver: Any = None) -> Detection:
    """Return the Detection for ``address``; raise DetectionError when undecidable.

    ``resolver`` is a ``_dns.Resolver``, or a function that makes one (called only
    when DNS is needed); by default the process's shared one, configured from the
    environment (``MAILCONFIG_DNS_SERVER``, ``MAILCONFIG_OFFLINE``...).
    Every failure, a bad resolver setting included, is a DetectionError.
    """
    domain = domain_of(address)
    key = _catalogue.provider_for_domain(domain)
    if key:
        return Detection(
            key,
            "catalogue-domain",
            ("address domain %s is one of %s's domains in the provider catalogue" % (domain, key),),
        )
    try:
        resolver = resolver() if callable(resolver) else resolver or _dns.shared_resolver()
    except _dns.DNSConfigError as exc:
        raise DetectionError(domain, "cannot detect the provider of %s: %s" % (domain, exc),
                             _explicit_hint("Fix %s / %s." % (_dns.ENV_SERVER, _dns.ENV_TIMEOUT))) from None
    evidence = []
    for preference, host in _lookup(resolver.mx, domain, domain, evidence):
        if host == ".":
            evidence.append("MX %d . (null MX: the domain receives no mail)" % preference)
            continue
        keys = _catalogue.providers_for_mx(host)
        evidence.append(
            "MX %d %s %s"
            % (preference, host, ("matches %s's MX patterns" % keys[0]) if keys else "(no catalogue MX pattern)")
        )
        if keys:
            return Detection(_product_by_spf(keys, domain, resolver, evidence), "mx", tuple(evidence))
    if not evidence:
        evidence.append("%s has no MX record" % domain)
    servers = _srv_servers(domain, resolver, evidence)
    if servers:
        key = _provider_for_servers(servers)
        evidence.append(
            ("%s is %s's published server" % (key[1], key[0]))
            if key
            else "the SRV hosts are not in the provider catalogue"
        )
        return Detection(key[0] if key else "other", "srv", tuple(evidence), servers)
    raise DetectionError(
        domain, "cannot detect the provider of %s: %s; and no RFC 6186 SRV records" % (domain, "; ".join(evidence)),
        _explicit_hint(), evidence)


def decide(declaration: dict, resolver: Any = None) -> Tuple[Optional[dict], Finding]:
    """``provider: auto`` decided from the address: (declaration with the provider set, or None; finding).

    The info finding (MC651) says which rule decided and what it saw; an error finding
    asks for an explicit provider. Servers found only through SRV records fill the
    fields the declaration leaves out, and are trusted for credentials only inside the
    address's own domain or when the provider publishes them (MC652): SRV answers are
    not authenticated, so otherwise the password could go to anyone.
    """
    try:
        detection = detect_provider(declaration.get("address", ""), resolver)
    except DetectionError as exc:
        return None, exc.finding(path="provider")
    decided = dict(declaration, provider=detection.provider)
    merged = []
    for side, servers in (detection.servers or {}).items():
        given = decided.get(side)
        if side == "outgoing" or (given and given.get("protocol", servers.get("protocol")) == servers.get("protocol")):
            decided[side] = dict(servers, **(given or {}))
            if "host" not in (given or {}):
                merged.append(servers["host"])
    domain = domain_of(declaration["address"])
    published = _catalogue.published_hosts(detection.provider)
    untrusted = sorted(
        host for host in merged if not _within_domain(host, domain) and host.lower().rstrip(".") not in published
    )
    if untrusted:
        return None, Finding(
            "MC652",
            "error",
            "SRV records name servers outside the address's domain (%s); they are not trusted "
            "for credentials" % ", ".join(untrusted),
            "Set provider and the servers explicitly if these are the practice's real servers.",
            path="provider",
        )
    evidence = "; ".join(detection.evidence)
    return decided, Finding(
        "MC651",
        "info",
        "provider detected as '%s' by %s (%s)" % (detection.provider, detection.rule, evidence),
        "Write provider: %s to skip detection." % detection.provider,
        path="provider",
    )


def _within_domain(host, domain):
    host = host.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


def _product_by_spf(keys, domain, resolver, evidence):
    """Of providers sharing an MX host, the one whose ``spf_marker`` the domain's SPF record includes.

    Microsoft 365 from GoDaddy has Microsoft's MX hosts but GoDaddy's SPF include
    (secureserver.net); without such a marker the most specific MX pattern decides.
    """
    marked = {
        key: _catalogue.provider(key)["spf_marker"] for key in keys[1:] if _catalogue.provider(key).get("spf_marker")
    }
    if not marked:
        return keys[0]
    includes = set()
    for record in _sender_checks.spf_records(_lookup(resolver.txt, domain, domain, evidence)):
        includes.update(
            term[2].lower().rstrip(".") for term in _sender_checks.parse_spf(record)[0] if term[1] == "include"
        )
    for key, marker in marked.items():
        if marker in includes:
            evidence.append("SPF include:%s is %s's" % (marker, key))
            return key
    return keys[0]


def _lookup(ask, name, domain, evidence):
    """Records from ``ask(name)``; none when the name has none; DetectionError when DNS fails."""
    try:
        return ask(name)
    except _dns.DNSLookupError as exc:
        if exc.kind == "no_answer" or (exc.kind == "nxdomain" and name != domain):
            return []
        if exc.kind == "nxdomain":
            raise DetectionError(
                domain,
                "cannot detect the provider of %s: the domain does not exist (NXDOMAIN)" % domain,
                _explicit_hint("Check the address for a typo."),
                evidence,
            ) from None
        raise DetectionError(domain, "cannot detect the provider of %s: %s" % (domain, exc.message),
                             _explicit_hint(exc.hint), evidence) from None


def _srv_servers(domain, resolver, evidence):
    """Server settings from the preferred RFC 6186 SRV record of each direction."""
    servers = {}
    for service, direction, protocol, security in SRV_SERVICES:
        name = "%s.%s" % (service, domain)
        records = _lookup(resolver.srv, name, domain, evidence)
        if not records:
            continue
        priority, weight, port, target = records[0]
        if target == ".":
            evidence.append("SRV %s: target '.' (service not offered)" % name)
            continue
        evidence.append("SRV %s: %d %d %d %s" % (name, priority, weight, port, target))
        if direction not in servers:
            servers[direction] = {"host": target, "port": port, "security": security}
            if direction == "incoming":
                servers[direction]["protocol"] = protocol
    return servers


def _provider_for_servers(servers):
    """``(key, host)`` of the first catalogue provider publishing one of these hosts, or None."""
    wanted = [servers[d]["host"] for d in ("outgoing", "incoming") if d in servers]
    for host in wanted:
        for key, entry in _catalogue.providers().items():
            published = [entry.get("outgoing", {}).get("host")] + [
                s.get("host") for s in (entry.get("incoming") or {}).values()
            ]
            if host in (h.lower() for h in published if h):
                return key, host
    return None
