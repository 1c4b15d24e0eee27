# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The INI file store, edited line by line.

``configparser`` drops comments and blank lines when it writes a file back, so this
store touches only the lines of our keys: a changed value keeps its line, indentation
and ``=``/``:`` spacing; a new key goes after the last entry of its section; a new
section goes at the end. Comments, blank lines, other sections and the order of keys
stay as they were. A key ``email.outgoing.host`` is ``outgoing.host`` under
``[email]``, unless ``store.ini_section`` puts every key, full name, under one section.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import re

from ansible_collections.mailops.mailconfig.plugins.module_utils._settings import text_value
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import ABSENT
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file import FileStore


# lines: [(text without line ending, line ending)]; newline: what new lines end with.
Document = collections.namedtuple("Document", "lines newline")
# One [section] and the lines up to the next header; header is None before the first one.
_Block = collections.namedtuple("_Block", "section header body")

_SECTION = re.compile(r"^\s*\[([^\]]*)\]")
_ENTRY = re.compile(r"^(\s*)([^\s=:#;\[][^=:]*?)(\s*[=:]\s*)(.*?)\s*$")


def _place(key, store):
    """``(section, name)`` of a key in the file."""
    if store.get("ini_section"):
        return store["ini_section"], key
    if "." not in key:
        raise ValueError("key %s has no section part: set store.ini_section, or key_map it to section.name" % key)
    return tuple(key.split(".", 1))


def _blocks(lines):
    blocks = [_Block(None, None, [])]
    for index, (text, _ending) in enumerate(lines):
        header = _SECTION.match(text)
        if header:
            blocks.append(_Block(header.group(1).strip(), index, []))
        else:
            blocks[-1].body.append(index)
    return blocks


def _entries(lines, blocks):
    """``(section, name) -> [line index, ...]`` for every key line, in file order."""
    found = collections.OrderedDict()
    for block in blocks:
        for index in block.body:
            entry = _ENTRY.match(lines[index][0])
            if entry:
                found.setdefault((block.section, entry.group(2)), []).append(index)
    return found


def _check_value(key, value):
    if "\n" in value or "\r" in value or value != value.strip():
        raise ValueError("the value of %s cannot be kept on one INI line (it has a line break or a space at either end)" % key)


def _append(out, line, newline):
    if out and not out[-1].endswith("\n"):
        out[-1] += newline
    out.append(line + newline)


def _drop_emptied_sections(lines, blocks, drop):
    """Also drop a section header whose block this edit left with nothing but blank lines.

    Blocks are visited last first, so "nothing follows" already counts later sections dropped.
    """
    for block in reversed(blocks):
        if block.header is None or not drop.intersection(block.body):
            continue
        rest = [i for i in block.body if i not in drop]
        if any(lines[i][0].strip() for i in rest):
            continue
        drop.add(block.header)
        drop.update(rest)
        if all(i in drop for i in range(block.header, len(lines))):  # the file ends here now
            previous = block.header - 1
            while previous >= 0 and previous not in drop and not lines[previous][0].strip():
                drop.add(previous)
                previous -= 1


class IniStore(FileStore):
    """An INI settings file, edited line by line."""

    NAME = "ini"
    KIND = "INI"
    DESCRIPTION = "key lines of an INI file"
    OPTIONS = dict(ini_section=dict(type="str"))

    def parse(self, text):
        """Split ``text`` (None: a new, empty file) into lines, keeping each line's ending."""
        if text is None:
            return Document([], "\n")
        pieces = text.split("\n")
        lines = [(piece[:-1], "\r\n") if piece.endswith("\r") else (piece, "\n") for piece in pieces[:-1]]
        if pieces[-1]:
            lines.append((pieces[-1], ""))
        return Document(lines, lines[0][1] if lines and lines[0][1] else "\n")

    def current(self, document, keys):
        """Our keys present in the file, with the value of their first line."""
        entries = _entries(document.lines, _blocks(document.lines))
        found = {}
        for key in keys:
            at = entries.get(_place(key, self.options))
            if at:
                found[key] = _ENTRY.match(document.lines[at[0]][0]).group(4)
        return found

    def encode(self, value):
        return "" if value is None else text_value(value)

    def same(self, old, new):
        return old == new

    def edit(self, document, todo):
        """The file text after applying ``todo`` (key -> value or ABSENT); the document is not modified."""
        lines = [list(line) for line in document.lines]
        blocks = _blocks(document.lines)
        entries = _entries(document.lines, blocks)
        drop, new_entries = set(), collections.OrderedDict()
        for key, value in todo.items():
            section, name = _place(key, self.options)
            at = entries.get((section, name), [])
            if value is ABSENT:
                drop.update(at)
                continue
            _check_value(key, value)
            if at:
                entry = _ENTRY.match(lines[at[0]][0])
                lines[at[0]][0] = entry.group(1) + entry.group(2) + entry.group(3) + value
                drop.update(at[1:])  # one line per key, so every reader sees the same value
            else:
                new_entries.setdefault(section, []).append(("%s = %s" % (name, value)).rstrip())
        _drop_emptied_sections(lines, blocks, drop)

        insert_after = {}
        for block in blocks:
            if block.section in new_entries and block.header is not None:
                kept = [i for i in block.body if i not in drop and _ENTRY.match(lines[i][0])]
                insert_after[kept[-1] if kept else block.header] = new_entries.pop(block.section)
        out = []
        for index, (text, ending) in enumerate(lines):
            if index not in drop:
                out.append(text + ending)
            for added in insert_after.get(index, ()):
                _append(out, added, document.newline)
        for section, added in new_entries.items():
            if out and out[-1].strip():
                _append(out, "", document.newline)
            _append(out, "[%s]" % section, document.newline)
            for line in added:
                _append(out, line, document.newline)
        return "".join(out)

    def escaped(self, secret):
        return {secret}
