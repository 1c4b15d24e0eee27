# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse a YAML declaration into plain data plus the line and column of every field.

PyYAML's constructors drop source positions, so we compose the node tree (with the
C parser when available) and build the values ourselves, recording each key's mark
under its dotted field path. This also lets us refuse duplicate keys, which PyYAML
silently accepts (the later value wins), and bound alias expansion.
"""

from __future__ import annotations

import yaml

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._findings import Finding

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader

MAX_BYTES = 1024 * 1024
MAX_NODES = 20000

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class DeclarationSyntaxError(Exception):
    """The input is not a YAML mapping we can check; carries a finding."""

    def __init__(self, finding):
        super().__init__(finding.message)
        self.finding = finding


def _fail(code, message, hint, line=0, column=0):
    raise DeclarationSyntaxError(Finding(code, "error", message, hint, line=line, column=column))


class _Builder:
    def __init__(self):
        self.marks = {}
        self.nodes = 0
        self._scalars = yaml.constructor.SafeConstructor()

    def build(self, node, path):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            _fail("MC004", "the document expands to more than %d values (alias bomb?)" % MAX_NODES,
                  "A declaration is a small mapping; remove the anchors and aliases.",
                  node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                child = "%s.%d" % (path, index) if path else str(index)
                self.marks[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
                items.append(self.build(item, child))
            return items
        if node.tag == _STR:
            return node.value
        return self._scalars.construct_object(node, deep=True)

    def _mapping(self, node, path):
        result = {}
        for key_node, value_node in node.value:
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                _fail("MC001", "YAML merge keys (<<) are not supported in a declaration",
                      "Write the fields out in full.", line, column)
            if not isinstance(key_node, yaml.ScalarNode):
                _fail("MC001", "a mapping key must be a plain name", "Use field names as keys.", line, column)
            key = key_node.value if key_node.tag == _STR else str(self._scalars.construct_object(key_node))
            child = "%s.%s" % (path, key) if path else key
            if key in result:
                first = self.marks.get(child, (0, 0))[0]
                _fail("MC003", "duplicate key '%s' (first defined on line %d)" % (child, first),
                      "Keep one of the two; YAML would silently use the last one.", line, column)
            self.marks[child] = (line, column)
            result[key] = self.build(value_node, child)
        return result


def load_declaration(text):
    """Parse ``text`` (str or bytes) and return ``(mapping, marks)``.

    ``marks`` maps a dotted field path ('' for the document) to ``(line, column)``.
    Raises DeclarationSyntaxError with a located finding for anything that is not
    a single YAML mapping.
    """
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            _fail("MC004", "the file is larger than %d bytes; a declaration is a few hundred" % MAX_BYTES,
                  "Is this the right file? A declaration is a few dozen lines.")
        if b"\x00" in text:
            _fail("MC004", "the file contains NUL bytes; it is not a text file",
                  "Point the check at the YAML declaration, not a binary file.")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            _fail("MC004", "the file is not valid UTF-8 (byte %d)" % exc.start,
                  "Save the declaration as UTF-8.")
    elif len(text) > MAX_BYTES:
        _fail("MC004", "the input is %d characters; a declaration is at most %d" % (len(text), MAX_BYTES),
              "Is this the right file? A declaration is a few dozen lines.")
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        _fail("MC001", "not valid YAML: %s" % (exc.problem or exc.context or "syntax error"),
              "Check the indentation and quoting around this line.", *where)
    except yaml.YAMLError as exc:
        _fail("MC001", "not valid YAML: %s" % type(exc).__name__, "Check the file's syntax.")
    if node is None:
        _fail("MC002", "the file is empty", "A declaration is a mapping with at least schema_version, address, provider and auth.")
    if not isinstance(node, yaml.MappingNode):
        _fail("MC002", "the document is a %s, not a mapping" % ("list" if isinstance(node, yaml.SequenceNode) else "single value"),
              "A declaration is a mapping of fields (address: ..., provider: ...).",
              node.start_mark.line + 1, node.start_mark.column + 1)
    builder = _Builder()
    builder.marks[""] = (node.start_mark.line + 1, node.start_mark.column + 1)
    try:
        data = builder.build(node, "")
    except yaml.YAMLError as exc:
        _fail("MC001", "not valid YAML: %s" % (getattr(exc, "problem", None) or type(exc).__name__),
              "Check the value's syntax.")
    return data, builder.marks
