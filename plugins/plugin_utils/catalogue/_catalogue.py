# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provider catalogue (data/providers.yml): published settings per provider, each value sourced."""

from __future__ import annotations

import datetime
import functools
import os
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

import yaml

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._paths import COLLECTION_ROOT

CATALOGUE_PATH = os.path.join(COLLECTION_ROOT, "data", "providers.yml")
# Fields that state a fact about the provider: each needs a source (or a reason under ``ours``).
# Mappings of per-protocol or per-service values are sourced one item at a time (incoming.imap ...).
FACT_FIELDS = ("outgoing", "outgoing_forbidden_ports", "auth_methods", "app_password_required", "rate_per_minute_max",
               "messages_per_day", "recipients_per_day", "personal_recipients_per_day", "domains", "mx_patterns",
               "spf_marker", "oauth2", "unsupported", "alias_of", "incoming_off_by_default", "hint", "note")
ITEM_FIELDS = ("incoming", "basic_auth")
STALE_AFTER_DAYS = 365


@functools.lru_cache(maxsize=1)
def providers() -> Dict[str, Dict[str, Any]]:
    """Every catalogue entry by key, as written (an alias is not resolved here)."""
    with open(CATALOGUE_PATH, encoding="utf-8") as handle:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(handle, Loader=loader)["providers"]


def provider(key: str) -> Dict[str, Any]:
    """The catalogue entry for ``key``, an old key's target merged in, or an empty mapping (``other``, unknown)."""
    entry = providers().get(key) or {}
    if entry.get("alias_of"):
        return dict(
            providers()[entry["alias_of"]],
            name=entry["name"],
            alias_of=entry["alias_of"],
            alias_hint=entry.get("alias_hint", ""),
        )
    return entry


def live_keys() -> List[str]:
    """Keys a declaration should name today: neither unsupported nor an old alias."""
    return [key for key, entry in providers().items() if not entry.get("unsupported") and not entry.get("alias_of")]


def provider_for_domain(domain: str) -> Optional[str]:
    """The provider key whose known address domains include ``domain``, or None."""
    domain = domain.lower().rstrip(".")
    for key, entry in providers().items():
        if domain in entry.get("domains", ()):
            return key
    return None


def providers_for_mx(mx_host: str) -> List[str]:
    """Provider keys whose MX patterns match ``mx_host`` (a suffix match), the most specific pattern first.

    Several products can share MX hosts (Microsoft 365 and Microsoft 365 from GoDaddy;
    Yahoo's ``yahoodns.net`` and AOL's ``mail.gm0.yahoodns.net``): the longest matching
    pattern wins, and equal ones keep the catalogue's order.
    """
    host = mx_host.lower().rstrip(".")
    matches = []
    for order, key in enumerate(live_keys()):
        for pattern in providers()[key].get("mx_patterns", ()):
            if host == pattern or host.endswith("." + pattern):
                matches.append((-len(pattern), order, key))
    return [key for _length, _order, key in sorted(matches)]


def provider_for_mx(mx_host: str) -> Optional[str]:
    """The provider key whose MX patterns match ``mx_host`` most specifically, or None."""
    keys = providers_for_mx(mx_host)
    return keys[0] if keys else None


def published_hosts(key: str) -> Set[str]:
    """Every server host name the catalogue publishes for provider ``key`` (lower case)."""
    entry = provider(key)
    servers = [entry.get("outgoing") or {}] + list((entry.get("incoming") or {}).values())
    return {server["host"].lower() for server in servers if server.get("host")}


def fact_paths(entry: Mapping[str, Any]) -> List[str]:
    """The fact fields ``entry`` states, as dotted paths (``outgoing``, ``incoming.imap``, ``basic_auth.smtp`` ...).

    An empty list (``domains: []``) states nothing, so it needs no source.
    """
    paths = [field for field in FACT_FIELDS if entry.get(field) not in (None, [], {})]
    for field in ITEM_FIELDS:
        paths.extend("%s.%s" % (field, item) for item in entry.get(field) or {})
    return paths


def unsourced(entry: Mapping[str, Any]) -> List[str]:
    """Fact paths of ``entry`` that no source names and ``ours`` does not explain."""
    named = {
        value
        for source in entry.get("sources") or ()
        if isinstance(source, dict)
        for value in source.get("values") or ()
    }
    ours = {field for field, why in (entry.get("ours") or {}).items() if why}
    return [path for path in fact_paths(entry) if path not in named and path not in ours]


def stale(today: Optional[datetime.date] = None, days: int = STALE_AFTER_DAYS) -> List[Tuple[str, str]]:
    """``(key, checked)`` of the entries last checked more than ``days`` before ``today``, oldest first."""
    limit = (today or datetime.date.today()) - datetime.timedelta(days=days)
    old = [
        (entry["checked"], key)
        for key, entry in providers().items()
        if datetime.date.fromisoformat(entry["checked"]) < limit
    ]
    return [(key, checked) for checked, key in sorted(old)]
