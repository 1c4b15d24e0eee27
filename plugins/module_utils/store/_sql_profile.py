# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An application profile's column rules, as pure functions over the canonical settings.

The profile (data/applications/<name>.yml) arrives from the controller; nothing here knows
an application. ``matches`` is also what the controller's lint uses for the profile's rules,
so a rule and the column it protects read the settings the same way.
"""

from typing import Any, Dict, Mapping, Optional, Union


def matches(when: Optional[Mapping[str, Any]], values: Mapping[str, Any]) -> bool:
    """Whether every condition of ``when`` holds for the flat ``values``.

    A condition is ``name: value`` (equal), ``name: {not: value}``, ``name: {in: [...]}``
    or ``name: {not_in: [...]}``; a name missing from ``values`` counts as None.
    """
    for name, expected in (when or {}).items():
        actual = values.get(name)
        if isinstance(expected, dict):
            if "not" in expected and actual == expected["not"]:
                return False
            if "in" in expected and actual not in expected["in"]:
                return False
            if "not_in" in expected and actual in expected["not_in"]:
                return False
        elif actual != expected:
            return False
    return True


def encode(encoding: str, value: Any) -> Union[int, str]:
    """A value as a column of that encoding holds it (cipher columns stay plain text here)."""
    if encoding == "integer":
        return 0 if value in (None, "") else int(value)
    if encoding in ("text", "cipher"):
        return "" if value is None else str(value)
    raise ValueError("the profile names an unknown encoding %r (text, integer, cipher)" % (encoding,))


def desired(columns: Mapping[str, Dict[str, Any]], settings: Mapping[str, Any]) -> Dict[str, Union[int, str]]:
    """``column -> value`` the account row must hold, in the profile's order.

    ``settings`` are the canonical settings; a column takes one setting, the first of its
    rules whose ``when`` holds, or a fixed value.
    """
    row = {}
    for column, spec in columns.items():
        if "setting" in spec:
            if spec["setting"] not in settings:
                raise ValueError("the profile maps %s to %s, which is not a canonical setting (key_map cannot rename keys "
                                 "for an application profile)" % (column, spec["setting"]))
            value = settings[spec["setting"]]
        elif "rules" in spec:
            chosen = [rule for rule in spec["rules"] if matches(rule.get("when"), settings)]
            if not chosen:
                raise ValueError("no rule of the profile gives column %s a value" % column)
            value = chosen[0]["value"]
        else:
            value = spec.get("value")
        row[column] = encode(spec.get("encoding", "text"), value)
    return row


def same(encoding: str, stored: Any, wanted: Union[int, str]) -> bool:
    """Whether a stored column value already reads as ``wanted`` (cipher columns: compare decrypted)."""
    if encoding == "integer":
        try:
            return stored is not None and int(stored) == wanted
        except (TypeError, ValueError):
            return False
    return stored is not None and str(stored) == wanted


def pointer_number(text: Optional[Union[str, int]]) -> int:
    """The row number a pointer's text holds ('' means 0); ValueError for anything else."""
    text = "" if text is None else str(text).strip()
    if not text:
        return 0
    if not text.isdigit():
        raise ValueError("holds %r, not a row number" % text[:40])
    return int(text)
