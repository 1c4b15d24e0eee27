# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse a YAML declaration into plain data plus the line and column of every field.

PyYAML's constructors drop source positions, so we compose the node tree (with the
C parser when available) and build the values ourselves, recording each key's mark
under its dotted field path. This also lets us refuse duplicate keys, which PyYAML
silently accepts (the later value wins), and bound alias expansion and nesting.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Tuple, Union

import yaml

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import (
    Finding,
    safe_name,
    safe_path,
)

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader

MAX_BYTES = 1024 * 1024
MAX_NODES = 20000
MAX_DEPTH = 32  # a declaration nests four levels (auth.oauth2.scopes.0); recursive aliases nest forever
# A number, date or boolean is a few characters. Longer ones are refused before PyYAML builds
# them: a sexagesimal integer (1:59:59:...) costs quadratic time, and an integer of more than
# 4,300 digits cannot even be printed back.
MAX_NON_TEXT_SCALAR = 64

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_TEXT_TAGS = (_STR, "!unsafe")  # Ansible's unsafe string is text as written
# An Ansible Vault value is text the check cannot (and must not) decrypt. A fixed stand-in
# keeps its checks honest: the ciphertext is four times longer than the secret (a long
# refresh token would fail maxLength) and means nothing to any rule.
VAULT_TAG = "!vault"
VAULT_STAND_IN = "vault-encrypted"
# A whole file encrypted with ansible-vault starts with this header (after any byte-order mark or blank lines).
VAULT_FILE_HEADER = "$ANSIBLE_VAULT;"
# What construct_object raises for a scalar its tag cannot hold (2024-13-01, !!bool maybe, !!float x).
_SCALAR_ERRORS = (yaml.YAMLError, ValueError, KeyError, TypeError, AttributeError, OverflowError)


class DeclarationSyntaxError(Exception):
    """The input is not a YAML mapping we can check; carries a finding."""

    def __init__(self, finding):
        super().__init__(finding.message)
        self.finding = finding


def _fail(code, message, hint, line=0, column=0, path=""):
    raise DeclarationSyntaxError(Finding(code, "error", message, hint, path=path, line=line, column=column))


def _where(node):
    return node.start_mark.line + 1, node.start_mark.column + 1


def _offset_where(text, offset):
    """Line and column (1-based) of ``offset`` in ``text`` (bytes or str)."""
    newline = b"\n" if isinstance(text, bytes) else "\n"
    return text.count(newline, 0, offset) + 1, offset - (text.rfind(newline, 0, offset) + 1) + 1


class _Builder:
    def __init__(self):
        self.marks = {}
        self.nodes = 0
        self._scalars = yaml.constructor.SafeConstructor()

    def build(self, node, path, depth=0):
        self.nodes += 1
        if self.nodes > MAX_NODES:
            _fail("MC004", "the document expands to more than %d values (alias bomb?)" % MAX_NODES,
                  "A declaration is a small mapping; remove the anchors and aliases.", *_where(node), path=path)
        if depth > MAX_DEPTH:
            _fail("MC004", "the document nests more than %d levels deep (a recursive alias?)" % MAX_DEPTH,
                  "A declaration nests a few levels at most; remove the anchors and aliases.", *_where(node), path=path)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                child = "%s.%d" % (path, index) if path else str(index)
                self.marks[child] = _where(item)
                items.append(self.build(item, child, depth + 1))
            return items
        if node.tag in _TEXT_TAGS:
            return node.value
        if node.tag == VAULT_TAG and isinstance(node, yaml.ScalarNode):
            return VAULT_STAND_IN
        if len(node.value) > MAX_NON_TEXT_SCALAR:
            _fail(
                "MC004",
                "a value read as %s is longer than %d characters" % (_tag_words(node.tag), MAX_NON_TEXT_SCALAR),
                "Put the value in quotes if it is text; a number or date is a few characters.",
                *_where(node),
                path=path,
            )
        try:
            return self._scalars.construct_object(node, deep=True)
        except _SCALAR_ERRORS:
            # Never quote the value: it may be an unquoted password.
            _fail("MC001", "the value cannot be read as %s" % _tag_words(node.tag),
                  "Put the value in quotes if it is text, or remove the explicit tag.", *_where(node), path=path)

    def _mapping(self, node, path, depth):
        result = {}
        for key_node, value_node in node.value:
            line, column = _where(key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                _fail("MC001", "YAML merge keys (<<) are not supported in a declaration",
                      "Write the fields out in full.", line, column, path)
            if not isinstance(key_node, yaml.ScalarNode):
                _fail("MC001", "a mapping key must be a plain name", "Use field names as keys.", line, column, path)
            # The key as written: YAML 1.1 would turn `on:` into True and `no:` into False.
            key = key_node.value
            child = "%s.%s" % (path, key) if path else key
            if key in result:
                first = self.marks.get(child, (0, 0))[0]
                shown = "%s.%s" % (safe_path(path), safe_name(key)) if path else safe_name(key)
                _fail("MC003", "duplicate key '%s' (first defined on line %d)" % (shown, first),
                      "Keep one of the two; YAML would silently use the last one.", line, column, shown)
            self.marks[child] = (line, column)
            result[key] = self.build(value_node, child, depth + 1)
        return result


def _tag_words(tag):
    """'a date' for tag:yaml.org,2002:timestamp; unknown tags are not named."""
    words = {"timestamp": "a date", "int": "a whole number", "float": "a decimal number", "bool": "true or false",
             "binary": "base64 binary data", "null": "empty"}
    short = tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else None
    # Never name an unknown tag: an unquoted password starting with "!" parses as one.
    return words.get(short, "an unknown YAML tag")


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def _yaml_problem(exc):
    """Our wording of a PyYAML syntax error: the problem, then what the parser was doing."""
    if "another document" in (exc.problem or ""):
        return ("the file holds more than one YAML document; a declaration is a single mapping",
                "Put each account in its own file, or remove the extra '---' line.")
    # PyYAML quotes what it read ('undefined alias ...', tag handles): that may be a secret.
    message = "not valid YAML: %s" % _QUOTED.sub("'...'", exc.problem or exc.context or "syntax error")
    if exc.problem and exc.context and exc.context_mark:
        message += " (%s on line %d)" % (exc.context, exc.context_mark.line + 1)
    return message, "Check the indentation and quoting around this line."


def _reader_problem(text, exc):
    """Locate a character YAML refuses (a control character) and say which it is."""
    offset = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
    where = _offset_where(text, offset) if offset >= 0 else (0, 0)
    _fail("MC001", "not valid YAML: the file contains the control character U+%04X" % exc.character
          if isinstance(exc.character, int) else "not valid YAML: %s" % exc.reason,
          "Remove the character; a declaration is plain text.", *where)


def load_declaration(text: Union[str, bytes]) -> Tuple[Dict[str, Any], Dict[str, Tuple[int, int]]]:
    """Parse ``text`` (str or bytes) and return ``(mapping, marks)``.

    ``marks`` maps a dotted field path ('' for the document) to ``(line, column)``.
    Raises DeclarationSyntaxError with a located finding for anything that is not
    a single YAML mapping (an info, MC008, for a file encrypted with ansible-vault).
    """
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            _fail("MC004", "the file is larger than %d bytes; a declaration is a few hundred bytes" % MAX_BYTES,
                  "Is this the right file? A declaration is a few dozen lines.")
        if b"\x00" in text:
            _fail(
                "MC004",
                "the file contains NUL bytes; it is not a text file",
                "Point the check at the YAML declaration, not a binary file.",
                *_offset_where(text, text.index(b"\x00")),
            )
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            _fail("MC004", "the file is not valid UTF-8 (byte 0x%02X)" % exc.object[exc.start],
                  "Save the declaration as UTF-8.", *_offset_where(exc.object, exc.start))
    elif len(text) > MAX_BYTES:
        _fail("MC004", "the input is %d characters; a declaration is at most %d" % (len(text), MAX_BYTES),
              "Is this the right file? A declaration is a few dozen lines.")
    if text.lstrip("\ufeff \t\r\n").startswith(VAULT_FILE_HEADER):
        raise DeclarationSyntaxError(
            Finding(
                "MC008",
                "info",
                "the file is encrypted with Ansible Vault; it is not decrypted here, so nothing in it was checked",
                "Keep the declaration in a plain file and vault only the secrets (!vault values or vault_ variables); "
                "the validate playbook checks the decrypted values.",
                line=1,
                column=1,
            )
        )
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        if mark and text[mark.index:mark.index + 1] == "\t":
            _fail("MC001", "not valid YAML: a tab character; YAML indents with spaces only",
                  "Replace the tabs at the start of this line with spaces.", *where)
        _fail("MC001", *_yaml_problem(exc), *where)
    except yaml.reader.ReaderError as exc:
        _reader_problem(text, exc)
    except yaml.YAMLError as exc:
        _fail("MC001", "not valid YAML: %s" % type(exc).__name__, "Check the file's syntax.")
    except UnicodeEncodeError as exc:  # a str holding lone surrogates, which no file can
        _fail("MC004", "the input is not valid Unicode text (U+%04X)" % ord(exc.object[exc.start]),
              "Save the declaration as UTF-8.", *_offset_where(text, exc.start))
    if node is None:
        _fail("MC002", "the file holds no YAML document (it is empty or only comments)",
              "A declaration is a mapping with at least schema_version, address, provider and auth.")
    if not isinstance(node, yaml.MappingNode):
        _fail(
            "MC002",
            "the document is a %s, not a mapping" % ("list" if isinstance(node, yaml.SequenceNode) else "single value"),
            "A declaration is a mapping of fields (address: ..., provider: ...).",
            *_where(node),
        )
    builder = _Builder()
    builder.marks[""] = _where(node)
    return builder.build(node, ""), builder.marks
