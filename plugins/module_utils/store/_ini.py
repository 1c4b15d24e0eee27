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

Names match the way the application's INI reader matches them (``store.ini_case``):
Windows' INI API (GetPrivateProfileString) ignores case in section and key names,
Python's configparser in key names only, so ``Auth.Password`` under ``[Email]`` is
our ``auth.password`` under ``[email]`` for the first, and a different section for the
second. A found key keeps its spelling and its line; only the value changes. Lines
indented under a key that are not keys themselves are the value's continuation
lines (configparser reads them as part of the value; under configparser's rule an
indented ``x = y`` is one too); they go with the key when it is replaced or removed.

A file saved by Notepad starts with a UTF-8 byte-order mark: it is set aside while
reading (else the first ``[email]`` would not read as a header and a second one would
be added) and written back in front, as the application expects to find it.
"""

import collections
import re
from typing import Any, Iterable, Optional, Set

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import text_value
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import ABSENT
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file import FileStore


# lines: [(text without line ending, line ending)]; newline: what new lines end with; bom: the byte-order mark or "".
Document = collections.namedtuple("Document", "lines newline bom")
# One [section] and the lines up to the next header; header is None before the first one.
_Block = collections.namedtuple("_Block", "section header body")

_SECTION = re.compile(r"^\s*\[([^\]]*)\]")
_ENTRY = re.compile(r"^(\s*)([^\s=:#;\[][^=:]*?)(\s*[=:]\s*)(.*?)\s*$")


WINDOWS, CONFIGPARSER = "windows", "configparser"
_COMMENT = ("#", ";")
_BOM = "\ufeff"


def _place(key, store):
    """``(section, name)`` of a key in the file."""
    if store.get("ini_section"):
        return store["ini_section"], key
    if "." not in key:
        raise ValueError("key %s has no section part: set store.ini_section, or key_map it to section.name" % key)
    return tuple(key.split(".", 1))


def _folded(section, name, case):
    """The identity of a key as the reader sees it: key names fold in both rules, section names only in Windows'."""
    return (section.lower() if case == WINDOWS and section is not None else section), name.strip().lower()


def _indent(text):
    return len(text) - len(text.lstrip())


def _blocks(lines):
    blocks = [_Block(None, None, [])]
    for index, (text, _ending) in enumerate(lines):
        header = _SECTION.match(text)
        if header:
            blocks.append(_Block(header.group(1).strip(), index, []))
        else:
            blocks[-1].body.append(index)
    return blocks


def _entries(lines, blocks, case):
    """``folded (section, name) -> [[key line, continuation line, ...], ...]`` for every key, in file order."""
    found = collections.OrderedDict()
    for block in blocks:
        owner = None  # (indentation, lines) of the key whose continuation lines may follow
        for index in block.body:
            text = lines[index][0]
            stripped = text.strip()
            if not stripped or stripped.startswith(_COMMENT):
                owner = None
                continue
            entry = _ENTRY.match(text)
            if owner and _indent(text) > owner[0] and (case == CONFIGPARSER or not entry):
                owner[1].append(index)
                continue
            owner = None
            if entry:
                occurrence = [index]
                found.setdefault(_folded(block.section, entry.group(2), case), []).append(occurrence)
                owner = (_indent(text), occurrence)
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
    OPTIONS = dict(ini_section=dict(type="str"), ini_case=dict(type="str", choices=[WINDOWS, CONFIGPARSER], default=WINDOWS))

    def _case(self):
        return self.options.get("ini_case") or WINDOWS

    def _key(self, key):
        return _folded(*_place(key, self.options), case=self._case())

    def parse(self, text: Optional[str]) -> Document:
        """Split ``text`` (None: a new, empty file) into lines, keeping each line's ending."""
        if text is None:
            return Document([], "\n", "")
        bom = _BOM if text.startswith(_BOM) else ""
        pieces = text[len(bom):].split("\n")
        lines = [(piece[:-1], "\r\n") if piece.endswith("\r") else (piece, "\n") for piece in pieces[:-1]]
        if pieces[-1]:
            lines.append((pieces[-1], ""))
        return Document(lines, lines[0][1] if lines and lines[0][1] else "\n", bom)

    def current(self, document: Document, keys: Iterable[str]) -> dict:
        """Our keys present in the file, with the value of their first occurrence (continuation lines joined by newlines)."""
        entries = _entries(document.lines, _blocks(document.lines), self._case())
        found = {}
        for key in keys:
            at = entries.get(self._key(key))
            if at:
                first, continued = at[0][0], at[0][1:]
                found[key] = "\n".join([_ENTRY.match(document.lines[first][0]).group(4)] +
                                       [document.lines[index][0].strip() for index in continued])
        return found

    def encode(self, value: Any) -> str:
        return "" if value is None else text_value(value)

    def same(self, old: Any, new: Any) -> bool:
        return old == new

    def edit(self, document: Document, todo: dict) -> str:
        """The file text after applying ``todo`` (key -> value or ABSENT); the document is not modified."""
        lines = [list(line) for line in document.lines]
        blocks = _blocks(document.lines)
        case = self._case()
        entries = _entries(document.lines, blocks, case)
        drop, new_entries = set(), collections.OrderedDict()
        for key, value in todo.items():
            section, name = _place(key, self.options)
            at = entries.get(self._key(key), [])
            if value is ABSENT:
                drop.update(index for occurrence in at for index in occurrence)
                continue
            _check_value(key, value)
            if at:
                entry = _ENTRY.match(lines[at[0][0]][0])
                lines[at[0][0]][0] = entry.group(1) + entry.group(2) + entry.group(3) + value
                # one line per key, so every reader sees the same value
                drop.update(index for occurrence in at for index in occurrence if index != at[0][0])
            else:
                new_entries.setdefault(_folded(section, "", case)[0], []).append((section, ("%s = %s" % (name, value)).rstrip()))
        _drop_emptied_sections(lines, blocks, drop)

        settled = set(index for found in entries.values() for occurrence in found for index in occurrence)
        insert_after = {}
        for block in blocks:
            folded = _folded(block.section, "", case)[0]
            if folded in new_entries and block.header is not None:
                kept = [i for i in block.body if i not in drop and i in settled]
                insert_after[kept[-1] if kept else block.header] = [line for _section, line in new_entries.pop(folded)]
        out = []
        for index, (text, ending) in enumerate(lines):
            if index not in drop:
                out.append(text + ending)
            for added in insert_after.get(index, ()):
                _append(out, added, document.newline)
        for added in new_entries.values():
            if out and out[-1].strip():
                _append(out, "", document.newline)
            _append(out, "[%s]" % added[0][0], document.newline)
            for _section, line in added:
                _append(out, line, document.newline)
        return document.bom + "".join(out)

    def escaped(self, secret: str) -> Set[str]:
        return {secret}
