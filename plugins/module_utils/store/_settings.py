# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The flat, canonical settings map an application reads, and how to show it safely.

A normalised declaration becomes one ordered ``key -> value`` map (``email.address``,
``email.outgoing.port``, ...). Every key is always written, ``None`` where it does
not apply, so switching from a password to OAuth 2.0 clears the old password.
``key_map`` renames keys for an application with names of its own; masking keeps
secret values out of diffs and return values. docs/store-keys.md lists every key.
"""

import copy
from typing import Any, Dict, FrozenSet, Iterable, Mapping, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils._declaration_spec import SECRET_FIELDS
from ansible_collections.mailops.mailconfig.plugins.module_utils._scrub import MASK

CHANGED_MARK = " (changed)"

# (canonical key, path in the normalised declaration), in the order stores write them.
_SOURCES = (
    ("email.address", ("address",)),
    ("email.display_name", ("display_name",)),
    ("email.username", ("username",)),
    ("email.auth.method", ("auth", "method")),
    ("email.auth.password", ("auth", "password")),
    ("email.oauth2.tenant", ("auth", "oauth2", "tenant")),
    ("email.oauth2.token_endpoint", ("auth", "oauth2", "token_endpoint")),
    ("email.oauth2.client_id", ("auth", "oauth2", "client_id")),
    ("email.oauth2.client_secret", ("auth", "oauth2", "client_secret")),
    ("email.oauth2.refresh_token", ("auth", "oauth2", "refresh_token")),
    ("email.oauth2.scopes", ("auth", "oauth2", "scopes")),
    ("email.outgoing.host", ("outgoing", "host")),
    ("email.outgoing.port", ("outgoing", "port")),
    ("email.outgoing.security", ("outgoing", "security")),
    ("email.outgoing.authenticate", ("outgoing", "authenticate")),
    ("email.incoming.enabled", ("incoming", "enabled")),
    ("email.incoming.protocol", ("incoming", "protocol")),
    ("email.incoming.host", ("incoming", "host")),
    ("email.incoming.port", ("incoming", "port")),
    ("email.incoming.security", ("incoming", "security")),
    ("email.incoming.leave_copy_on_server", ("incoming", "leave_copy_on_server")),
    ("email.sending.rate_per_minute", ("sending", "rate_per_minute")),
)

CANONICAL_KEYS = tuple(key for key, _path in _SOURCES)
SECRET_KEYS = frozenset(key for key, path in _SOURCES if path in SECRET_FIELDS)
# The keys a login depends on: a change to one of them is tested before it is saved.
CONNECTION_KEYS = frozenset(
    key
    for key in CANONICAL_KEYS
    if key.split(".")[1] in ("username", "auth", "oauth2", "outgoing")
    or key
    in (
        "email.incoming.enabled",
        "email.incoming.protocol",
        "email.incoming.host",
        "email.incoming.port",
        "email.incoming.security",
    )
)
# How a stored text reads back as the declaration's type (text stores keep every value as text).
_INTEGERS = frozenset(("email.outgoing.port", "email.incoming.port", "email.sending.rate_per_minute"))
_BOOLEANS = frozenset(("email.outgoing.authenticate", "email.incoming.enabled", "email.incoming.leave_copy_on_server"))


def canonical(declaration: Mapping[str, Any]) -> Dict[str, Any]:
    """The ordered canonical settings of a normalised declaration."""
    settings = {}
    for key, path in _SOURCES:
        node = declaration
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        settings[key] = list(node) if isinstance(node, list) else node
    return settings


def mapped(settings: Mapping[str, Any], key_map: Optional[Mapping[str, str]]) -> Tuple[Dict[str, Any], FrozenSet[str]]:
    """``(values, secrets)`` under the application's key names.

    Raises ValueError for a key_map that names an unknown key or gives two keys one name.
    """
    key_map = key_map or {}
    unknown = sorted(set(key_map) - set(CANONICAL_KEYS))
    if unknown:
        raise ValueError(
            "key_map names unknown canonical keys: %s (docs/store-keys.md lists them)" % ", ".join(unknown)
        )
    values, secrets = {}, set()
    for key, value in settings.items():
        name = key_map.get(key, key)
        if not isinstance(name, str) or not name.strip():
            raise ValueError("key_map gives %s an empty name" % key)
        if name in values:
            raise ValueError("key_map gives two keys the name %s" % name)
        values[name] = value
        if key in SECRET_KEYS:
            secrets.add(name)
    return values, frozenset(secrets)


def canonical_names(key_map: Optional[Mapping[str, str]]) -> Dict[str, str]:
    """Store key name -> canonical key, undoing ``key_map``."""
    key_map = key_map or {}
    return dict((key_map.get(key, key), key) for key in CANONICAL_KEYS)


def touches_connection(store_keys: Iterable[str], key_map: Optional[Mapping[str, str]]) -> bool:
    """Whether any of these store keys is one a login depends on."""
    names = canonical_names(key_map)
    return any(names.get(key) in CONNECTION_KEYS for key in store_keys)


def connection_of(declaration: Mapping[str, Any]) -> Dict[str, Any]:
    """The login-relevant settings of a normalised declaration (to tell whether two need one test)."""
    settings = canonical(declaration)
    return dict((key, settings[key]) for key in CONNECTION_KEYS)


def _typed(key, value):
    """A stored value as the declaration's type: ports and rates as numbers, flags as booleans, scopes as a list."""
    if not isinstance(value, str):
        return list(value) if isinstance(value, list) else value
    if value == "" and key not in SECRET_KEYS:
        return None
    if key in _INTEGERS:
        return int(value) if value.strip().isdigit() else value
    if key in _BOOLEANS:
        return {"true": True, "false": False}.get(value.strip().lower(), value)
    if key == "email.oauth2.scopes":
        return value.split()
    return value


def with_settings(declaration: Dict[str, Any], stored: Mapping[str, Any]) -> Dict[str, Any]:
    """A copy of a normalised declaration with some canonical keys replaced by stored values (canonical key -> value)."""
    result = copy.deepcopy(declaration)
    paths = dict(_SOURCES)
    for key, value in stored.items():
        node = result
        path = paths[key]
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[path[-1]] = _typed(key, value)
    return result


def text_value(value: Any) -> Optional[str]:
    """A setting as stored in a text column or line: ``true``/``false``, decimal, space-separated list."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(value)
    return str(value)


def shown(value: Any, secret: bool, changed: bool = False) -> Any:
    """``value`` fit for output: a non-empty secret becomes the mask, marked when it changes."""
    if not secret or value in (None, "", []):
        return value
    return MASK + (CHANGED_MARK if changed else "")
