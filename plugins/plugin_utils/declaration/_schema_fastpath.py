# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A compiled yes/no check for the common case: a declaration that is valid.

jsonschema interprets the schema on every call, which is most of the cost of
linting thousands of files. This compiles the keywords our schema uses into
closures once. It is conservative: anything it does not understand, or any doubt,
answers "not valid", and the caller then asks jsonschema, which also produces the
detailed errors. So it can only make valid declarations faster, never change a result.
"""

from __future__ import annotations

from typing import Any, Callable

import re


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not handle."""


_ANNOTATIONS = {"$schema", "$id", "title", "description", "examples", "writeOnly", "default", "$comment"}


def _is_integer(value):
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_integer,
    "null": lambda v: v is None,
}


def compile_schema(schema: dict) -> Callable[[Any], bool]:
    """Return ``check(instance) -> bool``; raises Unsupported for keywords it cannot compile."""
    checks = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword == "if":
            continue  # compiled together with "then" below
        checks.append(_KEYWORDS.get(keyword, _unsupported)(value, schema))

    def check(instance):
        for one in checks:
            if not one(instance):
                return False
        return True
    return check


def _unsupported(value, schema):
    raise Unsupported(repr(sorted(schema)))


def _type(value, schema):
    if not isinstance(value, str) or value not in _TYPES:
        raise Unsupported("type %r" % (value,))
    return _TYPES[value]


def _properties(value, schema):
    compiled = {name: compile_schema(sub) for name, sub in value.items()}

    def check(instance):
        if not isinstance(instance, dict):
            return True
        for name, sub in compiled.items():
            if name in instance and not sub(instance[name]):
                return False
        return True
    return check


def _additional(value, schema):
    if value is not False:
        raise Unsupported("additionalProperties other than false")
    known = frozenset(schema.get("properties", ()))
    return lambda instance: not isinstance(instance, dict) or all(key in known for key in instance)


def _required(value, schema):
    return lambda instance: not isinstance(instance, dict) or all(name in instance for name in value)


def _enum(value, schema):
    if not all(isinstance(v, str) for v in value):
        raise Unsupported("non-string enum")
    allowed = frozenset(value)
    return lambda instance: isinstance(instance, str) and instance in allowed


def _const(value, schema):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Unsupported("const %r" % (value,))
    return lambda instance: type(instance) is type(value) and instance == value


def _pattern(value, schema):
    regex = re.compile(value)
    return lambda instance: not isinstance(instance, str) or regex.search(instance) is not None


def _min_length(value, schema):
    return lambda instance: not isinstance(instance, str) or len(instance) >= value


def _max_length(value, schema):
    return lambda instance: not isinstance(instance, str) or len(instance) <= value


def _minimum(value, schema):
    return lambda instance: not _is_integer(instance) or instance >= value


def _maximum(value, schema):
    return lambda instance: not _is_integer(instance) or instance <= value


def _items(value, schema):
    item = compile_schema(value)
    return lambda instance: not isinstance(instance, list) or all(item(v) for v in instance)


def _unique(value, schema):
    if value is not True:
        raise Unsupported("uniqueItems false")
    # Only lists of strings are judged here; anything else goes to jsonschema.
    return lambda instance: not isinstance(instance, list) or (
        all(isinstance(v, str) for v in instance) and len(set(instance)) == len(instance))


def _then(value, schema):
    condition = compile_schema(schema["if"])
    consequence = compile_schema(value)
    return lambda instance: not condition(instance) or consequence(instance)


def _all_of(value, schema):
    compiled = [compile_schema(sub) for sub in value]
    return lambda instance: all(sub(instance) for sub in compiled)


_KEYWORDS = {
    "type": _type, "properties": _properties, "additionalProperties": _additional, "required": _required,
    "enum": _enum, "const": _const, "pattern": _pattern, "minLength": _min_length, "maxLength": _max_length,
    "minimum": _minimum, "maximum": _maximum, "items": _items, "uniqueItems": _unique,
    "then": _then, "allOf": _all_of,
}
