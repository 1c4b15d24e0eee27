# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An application profile's column rules, as pure functions over the canonical settings.

The profile (data/applications/<name>.yml) arrives from the controller; nothing here knows
an application. ``matches`` is also what the controller's lint uses for the profile's rules,
so a rule and the column it protects read the settings the same way.
"""

import itertools
from typing import Any, Callable, Collection, Dict, Mapping, Optional, Tuple, Union

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import CONNECTION_KEYS


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


def encode(encoding: str, value: Any) -> Union[bool, int, str]:
    """A value as a column of that encoding holds it (cipher columns stay plain text here)."""
    if encoding == "integer":
        return 0 if value in (None, "") else int(value)
    if encoding in ("text", "cipher"):
        return "" if value is None else str(value)
    if encoding == "boolean":
        return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "t")
    raise ValueError("the profile names an unknown encoding %r (text, integer, boolean, cipher)" % (encoding,))


def desired(columns: Mapping[str, Dict[str, Any]], settings: Mapping[str, Any]) -> Dict[str, Union[int, str]]:
    """``column -> value`` the account row must hold, in the profile's order.

    ``settings`` are the canonical settings; a column takes one setting, the first of its
    rules whose ``when`` holds, or a fixed value.
    """
    return dict((column, _column_value(column, spec, settings)) for column, spec in columns.items())


def _column_value(column, spec, settings):
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
    return encode(spec.get("encoding", "text"), value)


_INCOMING = ("email.incoming.enabled", "email.incoming.protocol", "email.incoming.host", "email.incoming.port",
             "email.incoming.security", "email.incoming.leave_copy_on_server")


def settings_of(profile: Mapping[str, Any], row: Mapping[str, Any], declared: Mapping[str, Any],
                decrypt: Callable[[Any], Optional[str]]) -> Dict[str, Any]:
    """The canonical settings that give the stored account ``row`` (a backup, for a restore).

    A column's own setting comes from the row (``decrypt`` reads a cipher column; of two columns
    of one setting, the first that is not empty). A setting
    no column holds keeps its declared value unless then a column filled by rules (UseSSL)
    reads otherwise than the row, or an error rule of the profile (implicit TLS only on 465)
    would refuse the result: those settings are then searched, fewest changes first, among
    the values the rules name. ValueError when no declaration gives the row (a fixed column
    such as AuthenticationType holding another value).
    """
    columns = profile["columns"]
    settings = dict(declared)
    held = set(spec["setting"] for spec in columns.values() if "setting" in spec)
    read = set()
    for column, spec in columns.items():
        if "setting" in spec:
            stored = row.get(column)
            encoding = spec.get("encoding", "text")
            value = decrypt(stored) if encoding == "cipher" else encode(encoding, stored)
            if spec["setting"] not in read:  # two columns of one setting: the first that is not empty wins
                settings[spec["setting"]] = value
            if value not in (None, ""):
                read.add(spec["setting"])
    if settings.get("email.incoming.host") in (None, ""):  # a blank incoming server: the account only sends
        settings.update(
            (key, False if key == "email.incoming.enabled" else None) for key in _INCOMING if key in settings
        )
    filled = [(column, spec) for column, spec in columns.items() if "setting" not in spec]
    # The error rules that speak of the settings' shape (a rule without ``when``, such as a length limit, does not)
    refusing = [rule for rule in profile.get("rules", ()) if rule.get("severity") == "error" and "when" in rule]

    def differs(candidate):
        return [
            column
            for column, spec in filled
            if not same(spec.get("encoding", "text"), row.get(column), _column_value(column, spec, candidate))
        ]

    def fits(candidate):
        return not differs(candidate) and not any(matches(rule.get("when"), candidate) for rule in refusing)

    conditions = [rule.get("when") or {} for _column, spec in filled for rule in spec.get("rules", ())] + [
        rule.get("when") or {} for rule in refusing
    ]
    for candidate in _alternatives(conditions, settings, held):
        if fits(candidate):
            return candidate
    wrong = differs(settings)
    if wrong:
        raise ValueError("the backup's %s is not what mail_account writes for any declaration" % ", ".join(
            "%s = %s" % (column, row.get(column)) for column in wrong))
    raise ValueError("no declaration that the profile's rules accept gives the backup's row")


def _alternatives(conditions, settings, held):
    """``settings`` first, then with the settings ``conditions`` name (but no column ``held``) set to the values they
    name, fewest changes first."""
    named = {}
    for when in conditions:
        for name, condition in when.items():
            if name in held:
                continue
            values = named.setdefault(name, [settings.get(name)])
            for value in ([condition] if not isinstance(condition, dict) else
                          [condition.get("not")] + list(condition.get("in", ())) + list(condition.get("not_in", ()))):
                if value is not None and value not in values:
                    values.append(value)
    candidates = [dict(settings, **dict(zip(named, combination))) for combination in itertools.product(*named.values())]
    return sorted(candidates, key=lambda candidate: sum(1 for name in named if candidate[name] != settings.get(name)))


def changed_settings(
    profile: Mapping[str, Any], values: Mapping[str, Any], todo: Mapping[str, Any], everything: bool
) -> Dict[str, Any]:
    """The settings a change of ``todo``'s columns stands for (all of ``values`` when ``everything``): a column's own
    setting; for a column that a rule or a fixed value fills (UseSSL, SMTP_SECURE), every connection setting, so the
    change is tested."""
    if everything:
        return dict(values)
    changed = {}
    for column in todo:
        spec = profile["columns"][column]
        keys = [spec["setting"]] if "setting" in spec else [key for key in values if key in CONNECTION_KEYS]
        changed.update((key, values[key]) for key in keys)
    return changed


def same(encoding: str, stored: Any, wanted: Union[bool, int, str]) -> bool:
    """Whether a stored column value already reads as ``wanted`` (cipher columns: compare decrypted)."""
    if encoding == "boolean":
        return stored is not None and encode(encoding, stored) == wanted
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


def too_long(columns: Mapping[str, Dict[str, Any]], todo: Mapping[str, Any]) -> Optional[Tuple[str, int, int]]:
    """``(column, width, length)`` of the first value of ``todo`` longer than its column's ``width``, or None.

    A lenient SQL mode would cut it silently: stores refuse it before writing."""
    for column, value in todo.items():
        width = columns[column].get("width")
        if width and isinstance(value, str) and len(value) > width:
            return column, width, len(value)
    return None


def schema_problem(
    profile: Mapping[str, Any], found: Mapping[str, Collection[str]], version: Callable[[], Optional[str]]
) -> Optional[str]:
    """Why a database is not one the profile can write, or None.

    ``found`` maps each of the profile's tables present (lower case) to its columns (lower case);
    ``version()`` reads the application's release (None when unknown). A missing table means another
    application's database; a missing column, or a release outside ``schema.releases``, another release.
    """
    schema, title = profile["schema"], profile.get("title", profile["name"])
    missing_tables = sorted(table for table in schema["tables"] if table.lower() not in found)
    if missing_tables:
        has = sorted(table for table in schema["tables"] if table.lower() in found)
        return "is not a database of %s: it has no table %s (of %s's tables it has %s; %s %s or later has them all)" % (
            title, ", ".join(missing_tables), title, ", ".join(has) or "none", title, schema["minimum"])
    missing = ["%s.%s" % (table, column) for table, columns in schema["tables"].items()
               for column in columns if column.lower() not in found[table.lower()]]
    releases = schema.get("releases")
    if not missing and not releases:
        return None
    found_version = version()
    if missing:
        return "%s version %s is too old: it lacks %s; mail_account needs %s %s or later (update %s first)" % (
            title, found_version or "(unknown)", ", ".join(missing), title, schema["minimum"], title)
    if found_version and not any(
        found_version == release or found_version.startswith(release + ".") for release in releases
    ):
        return "%s release %s is not one mail_account knows: its profile models %s %s; nothing was written" % (
            title, found_version, title, " and ".join(releases))
    return None
