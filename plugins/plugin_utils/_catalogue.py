# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provider catalogue (data/providers.yml): published settings per provider."""

from __future__ import annotations

import functools
import os

import yaml

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._paths import COLLECTION_ROOT

CATALOGUE_PATH = os.path.join(COLLECTION_ROOT, "data", "providers.yml")


@functools.lru_cache(maxsize=1)
def providers():
    with open(CATALOGUE_PATH, encoding="utf-8") as handle:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(handle, Loader=loader)["providers"]


def provider(key):
    """The catalogue entry for ``key``, or an empty mapping (``other``, unknown)."""
    return providers().get(key) or {}


def provider_for_domain(domain):
    """The provider key whose known address domains include ``domain``, or None."""
    domain = domain.lower().rstrip(".")
    for key, entry in providers().items():
        if domain in entry.get("domains", ()):
            return key
    return None


def provider_for_mx(mx_host):
    """The provider key whose MX patterns match ``mx_host`` (a suffix match), or None."""
    host = mx_host.lower().rstrip(".")
    for key, entry in providers().items():
        for pattern in entry.get("mx_patterns", ()):
            if host == pattern or host.endswith("." + pattern):
                return key
    return None


def published_hosts(key):
    """Every server host name the catalogue publishes for provider ``key`` (lower case)."""
    entry = provider(key)
    servers = [entry.get("outgoing") or {}] + list((entry.get("incoming") or {}).values())
    return {server["host"].lower() for server in servers if server.get("host")}
