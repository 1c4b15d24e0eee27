# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Application profiles (data/applications/<name>.yml): where an application keeps its mail account.

Read on the controller only. The profile's ``rules`` lint a declaration for that application
(the settings it cannot hold); the rest travels to the store as ``store.profile``.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Collection, Dict, List, Mapping, Optional

import yaml

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._cipher import cipher_class
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import canonical
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._sql_profile import matches
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._paths import COLLECTION_ROOT

APPLICATIONS_DIR = os.path.join(COLLECTION_ROOT, "data", "applications")
# What the store needs (the shape rules too: a restore keeps to them); the rest (settings, sources) is for lint and
# people.
_FOR_STORE = (
    "name",
    "title",
    "schema",
    "account",
    "columns",
    "cipher",
    "signal",
    "contact",
    "rules",
    "layout",
    "records",
    "settings_table",
)


class UnknownApplication(ValueError):
    """No profile of that name."""


def names() -> List[str]:
    """Every application with a profile, sorted."""
    return sorted(name[:-4] for name in os.listdir(APPLICATIONS_DIR) if name.endswith(".yml"))


@functools.lru_cache(maxsize=None)
def profile(name: str) -> Dict[str, Any]:
    """The profile of application ``name``; UnknownApplication when there is none."""
    if name not in names():
        raise UnknownApplication(
            "no application profile %r (known: %s; see data/applications/)" % (name, ", ".join(names()))
        )
    with open(os.path.join(APPLICATIONS_DIR, name + ".yml"), encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# Store types that name an application: a database the profile describes, or a guided application (no store).
_APPLICATION_STORES = ("mysql", "postgresql", "guided")


def of_store(store: Any) -> Optional[str]:
    """The application a store option names (a database or guided store's ``application``), or None."""
    if isinstance(store, dict) and store.get("type") in _APPLICATION_STORES and store.get("application"):
        return str(store["application"])
    return None


def guided(name: Optional[str]) -> bool:
    """Whether application ``name`` is set up by a person following its own wizard (its profile's store is guided)."""
    return bool(name) and profile(name).get("store") == "guided"


def for_store(name: str) -> Dict[str, Any]:
    """The part of the profile the store needs, as plain data for the module's ``store.profile``.

    Of the rules only the errors about the settings' shape travel (code, severity, when: what a restore must keep
    to); their words stay on the controller, which lints with them. Every run sends this to each practice and gets
    it back in the module's ``invocation``, so it is kept small.
    """
    data = profile(name)
    result = dict((key, data[key]) for key in _FOR_STORE if key in data)
    if "rules" in result:
        result["rules"] = [
            dict(code=rule["code"], severity=rule["severity"], when=rule["when"])
            for rule in result["rules"]
            if rule.get("severity") == "error" and "when" in rule
        ]
    return result


def rule_codes() -> Dict[str, str]:
    """``code -> severity`` of every application rule (lint.ignore accepts the non-errors)."""
    return dict((rule["code"], rule["severity"]) for name in names() for rule in profile(name)["rules"])


def _declared(raw, path):
    node = raw
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _written(raw, paths):
    """The declaration's own fields at ``paths`` as written, None where a field is not written."""
    values = {}
    for path in paths:
        node = raw
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        values[path] = node
    return values


def _too_long(application: Mapping[str, Any], where: Mapping[str, str], values: Mapping[str, Any]) -> bool:
    """Whether the setting, stored as the profile's column stores it (through the profile's cipher), exceeds the
    column's width."""
    value, column = values.get(where["setting"]), application["columns"][where["column"]]
    if not isinstance(value, str) or not column.get("width"):
        return False
    size = len(value.encode("utf-8"))
    stored = (
        cipher_class(application["cipher"]).stored_length(size) if column.get("encoding") == "cipher" else len(value)
    )
    return stored > column["width"]


def lint(
    name: str, raw: Mapping[str, Any], normalised: Mapping[str, Any], ignored: Collection[str] = ()
) -> List[Finding]:
    """The findings of application ``name``'s rules for one normalised declaration."""
    values = dict(canonical(normalised), provider=normalised.get("provider"))
    findings = []
    for rule in profile(name)["rules"]:
        if rule["severity"] != "error" and rule["code"] in ignored:
            continue
        if "when" in rule and not matches(rule["when"], values):
            continue
        if not all(_declared(raw, path) for path in rule.get("declared", ())):
            continue
        if "fields" in rule and not matches(rule["fields"], _written(raw, rule["fields"])):
            continue
        if "too_long" in rule and not _too_long(profile(name), rule["too_long"], values):
            continue
        findings.append(Finding(rule["code"], rule["severity"], rule["message"], rule["hint"], path=rule["path"],
                                deadline=_deadline(rule, values["provider"])))
    return findings


def _deadline(rule: Mapping[str, Any], provider: Optional[str]) -> tuple:
    """``(date, provider)`` for a rule about a provider's password-login change (``deadline: basic_auth.<service>``),
    from the catalogue, so the practice lists under that date in every report's Deadlines; else ()."""
    where = rule.get("deadline")
    if not where or not provider:
        return ()
    service = where.split(".", 1)[1]
    plan = (_catalogue.provider(provider).get("basic_auth") or {}).get(service)
    return (plan["date"], provider) if plan else ()
