# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bridge Ansible's variable values to the plain data the declaration checks expect.

Inventory values arrive as Ansible's own str/dict subclasses (tagged, unsafe or
vaulted); jsonschema and our rules want builtins. Ansible also records where each
value came from: we turn that into the same ``marks`` the YAML parser produces, so
a finding in an inventory points at its file and line too.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import Checked, Context, check

try:  # ansible-core 2.19+ tags every loaded value with its origin
    from ansible._internal._datatag._tags import Origin
except ImportError:  # pragma: no cover - older ansible-core
    Origin = None


def to_plain(value: Any) -> Any:
    """A deep copy of ``value`` made of builtin types only."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def origin_of(value: Any) -> Optional[Tuple[str, int, int]]:
    """``(file, line, column)`` Ansible recorded for a loaded value, or None."""
    if Origin is not None:
        tag = Origin.get_tag(value)
        if tag is not None and tag.path:
            return tag.path, tag.line_num or 0, tag.col_num or 0
    pos = getattr(value, "ansible_pos", None)  # ansible-core < 2.19
    if pos:
        return pos
    return None


def origin_marks(value: Any) -> Tuple[str, dict]:
    """``(source_file, marks)`` for a declaration loaded by Ansible; ``("", {})`` when unknown."""
    marks = {}
    source = ""

    def walk(node, path):
        nonlocal source
        where = origin_of(node)
        if where:
            source = source or where[0]
            marks[path] = (where[1], where[2])
        if isinstance(node, dict):
            for key, child in node.items():
                key_where = origin_of(key)
                child_path = "%s.%s" % (path, key) if path else str(key)
                if key_where:
                    marks[child_path] = (key_where[1], key_where[2])
                walk(child, child_path)
                if key_where is None and child_path not in marks and origin_of(child):
                    marks[child_path] = origin_of(child)[1:]
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, "%s.%d" % (path, index) if path else str(index))

    walk(value, "")
    return source, marks


def check_declaration(value: Any, context: Optional[Context] = None) -> Checked:
    """Run the declaration pipeline on an Ansible variable value (UnknownApplication for an unknown profile)."""
    source, marks = origin_marks(value)
    return check(to_plain(value), marks, source, context=context)
