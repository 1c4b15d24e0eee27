# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate a declaration against schemas/mail_account.schema.json.

jsonschema's own messages quote the offending value, which for a password is the
secret itself; we build every message from the failed keyword instead, and show a
value only when its schema is not ``writeOnly`` (our marker for secrets).
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
import os

from typing import Any, Callable, List, Optional

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding, safe_name
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._install_hint import install_hint
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._paths import COLLECTION_ROOT
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._schema_fastpath import (
    Unsupported,
    compile_schema,
)

SCHEMA_PATH = os.path.join(COLLECTION_ROOT, "schemas", "mail_account.schema.json")
REDACTED = "<redacted>"


@functools.lru_cache(maxsize=1)
def schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        return json.load(handle)


@functools.lru_cache(maxsize=1)
def validator() -> Any:
    """jsonschema's validator, imported on first use.

    Valid declarations never need it (the fast path answers), and Ansible starts a
    fresh worker process per host and task, where importing jsonschema would cost
    about 50 ms each time.
    """
    try:
        import jsonschema  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise RuntimeError("mailconfig needs the Python library jsonschema in the Python that runs Ansible (%s): %s"
                           % (exc, install_hint(["jsonschema"]))) from exc
    return jsonschema.Draft202012Validator(schema())


@functools.lru_cache(maxsize=1)
def fast_check() -> Callable[[Any], bool]:
    """The compiled yes/no check, or jsonschema's own when the schema outgrows the compiler."""
    try:
        return compile_schema(schema())
    except Unsupported:
        return validator().is_valid


def secret_paths(node: Optional[dict] = None, prefix: str = "") -> List[str]:
    """Dotted paths of every writeOnly (secret) field in the schema."""
    node = schema() if node is None else node
    found = []
    for name, sub in node.get("properties", {}).items():
        path = "%s.%s" % (prefix, name) if prefix else name
        if sub.get("writeOnly"):
            found.append(path)
        found.extend(secret_paths(sub, path))
    return found


def _show(error):
    if error.schema.get("writeOnly") if isinstance(error.schema, dict) else False:
        return REDACTED
    value = error.instance
    if isinstance(value, (dict, list)):
        return "a %s" % ("mapping" if isinstance(value, dict) else "list")
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _spelling_hint(name, error):
    known = sorted(error.schema.get("properties", {}))
    close = difflib.get_close_matches(name, known, n=1)
    guess = ("Did you mean '%s'? " % close[0]) if close else ""
    return "%sKnown fields here: %s." % (guess, ", ".join(known))


def _property(path):
    """The schema of the field at dotted ``path`` (an if/then error carries only the ``then`` part)."""
    node = schema()
    for part in path.split("."):
        node = node.get("items", {}) if part.isdigit() else node.get("properties", {}).get(part, {})
    return node


def _field(path, name):
    name = safe_name(name)  # a key may hold a typed-in value, dots included
    return "%s.%s" % (path, name) if path else name


def _describe(error):
    """Return [(code, path, message, hint)] for one jsonschema error (one per unknown or missing field)."""
    path = ".".join(str(p) for p in error.absolute_path)
    kind, arg, sch = error.validator, error.validator_value, error.schema
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(sch.get("properties", {})), key=str)
        return [
            ("MC010", _field(path, name), "unknown field '%s'" % safe_name(name), _spelling_hint(str(name), error))
            for name in extra
        ]
    if kind == "required":
        missing = [name for name in arg if name not in error.instance]
        return [("MC011", _field(path, name), "required field '%s' is missing" % name,
                 "Add it: %s" % _property(_field(path, name)).get("description", name)) for name in missing]
    return [_describe_value(error, path)]


def _describe_value(error, path):
    """(code, path, message, hint) for an error about the value at ``path``."""
    kind, arg, sch = error.validator, error.validator_value, error.schema
    title = sch.get("title", "") if isinstance(sch, dict) else ""
    if kind == "type":
        quote = arg == "string" and not isinstance(error.instance, (dict, list, type(None)))
        return ("MC012", path, "must be %s, got %s" % (_type_words(arg), _type_name(error.instance)),
                ("Put the value in quotes: YAML read it as %s." % _type_name(error.instance)) if quote
                else "Fix the value of %s." % (title or path))
    if kind in ("enum", "const"):
        allowed = arg if kind == "enum" else [arg]
        return ("MC013", path, "%s is not allowed; use one of: %s" % (_show(error), ", ".join(str(a) for a in allowed)),
                "Pick one of the listed values for %s." % (title or path))
    if kind == "pattern":
        return ("MC013", path, "%s is not a valid %s" % (_show(error), (title or "value").lower()),
                sch.get("description", "Check the value's format."))
    if kind in ("minimum", "maximum"):
        return (
            "MC013",
            path,
            "%s is out of range (%s %s)" % (_show(error), "at least" if kind == "minimum" else "at most", arg),
            sch.get("description", "Use a value in range."),
        )
    if kind in ("minLength", "maxLength"):
        return (
            "MC013",
            path,
            "must be %s %d characters long" % ("at least" if kind == "minLength" else "at most", arg),
            sch.get("description", "Fix the length of the value."),
        )
    if kind == "uniqueItems":
        return ("MC013", path, "lists an item twice", "Remove the repeated item.")
    return ("MC013", path, "is not valid (%s)" % kind, "See the schema's description of %s." % (title or path))


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "boolean": "true or false",
               "object": "a mapping", "array": "a list", "number": "a number", "null": "empty"}


def _type_words(types):
    types = types if isinstance(types, list) else [types]
    return " or ".join(_TYPE_WORDS.get(t, t) for t in types)


def _type_name(value):
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date"
    if isinstance(value, bytes):
        return "binary data"
    return type(value).__name__


def _leaves(errors):
    """Flatten allOf/if-then wrappers to the errors that name a field."""
    for error in errors:
        if error.context:
            yield from _leaves(error.context)
        elif error.validator not in ("allOf", "anyOf", "oneOf", "if"):
            yield error


def validate(data: Any) -> List[Finding]:
    """Return schema findings (unlocated) for ``data``; an empty list when valid."""
    if fast_check()(data):
        return []
    described = [item for error in _leaves(validator().iter_errors(data)) for item in _describe(error)]
    # A value of the wrong type also fails its enum or const; the type is the news.
    mistyped = {item[1] for item in described if item[0] == "MC012"}
    findings = []
    seen = set()
    for code, path, message, hint in described:
        if (code, path) in seen or (code == "MC013" and path in mistyped):
            continue
        seen.add((code, path))
        findings.append(Finding(code, "error", message, hint, path=path))
    findings.sort(key=lambda f: (f.path, f.code))
    return findings
