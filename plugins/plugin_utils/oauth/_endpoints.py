# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a practice signs in: its provider's endpoints and scopes from the catalogue, with overrides.

The catalogue (data/providers.yml, ``oauth2``) names Microsoft's and Google's public
endpoints; the inventory's application registration may override any of them (a national
cloud, or the tests' local identity provider). ``{tenant}`` is filled with the practice's
tenant: its declaration's, or else its address's domain (Microsoft accepts a verified
domain as the tenant).
"""

from __future__ import annotations

import collections
from typing import Any, Mapping, Optional

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue

Endpoints = collections.namedtuple("Endpoints", "device authorize token scopes loopback_host authorize_parameters")
OVERRIDABLE = ("device_endpoint", "authorize_endpoint", "token_endpoint", "scopes")


class NoSignIn(ValueError):
    """The provider has no sign-in the catalogue knows (no oauth2 entry, or no tenant for a Microsoft one)."""


def tenant_of(declaration: Mapping[str, Any]) -> str:
    """The declared tenant, else the domain of the practice's address."""
    declared = ((declaration.get("auth") or {}).get("oauth2") or {}).get("tenant")
    return str(declared or str(declaration.get("address", "")).rpartition("@")[2]).lower()


def endpoints(provider: str, tenant: Optional[str], overrides: Optional[Mapping[str, Any]] = None) -> Endpoints:
    """The sign-in endpoints of ``provider`` for ``tenant``; ``overrides`` is the registration's mapping."""
    entry = dict(_catalogue.provider(provider).get("oauth2") or {})
    if not entry:
        raise NoSignIn("provider %r has no OAuth 2.0 sign-in in the catalogue" % provider)
    entry.update((key, value) for key, value in (overrides or {}).items() if key in OVERRIDABLE and value)
    templates = [entry.get(key) or "" for key in ("device_endpoint", "authorize_endpoint", "token_endpoint")]
    if any("{tenant}" in template for template in templates) and not tenant:
        raise NoSignIn("provider %r needs a tenant: declare auth.oauth2.tenant or an address with a domain" % provider)
    device, authorize, token = (template.replace("{tenant}", tenant or "") or None for template in templates)
    return Endpoints(device, authorize, token, list(entry.get("scopes") or []), entry.get("loopback_host", "127.0.0.1"),
                     dict(entry.get("authorize_parameters") or {}))
