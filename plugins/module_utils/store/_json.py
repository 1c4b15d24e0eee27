# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON file store: each dot in a key is one level of nesting.

``email.outgoing.port`` lives at ``{"email": {"outgoing": {"port": 587}}}`` with its
JSON type (number, boolean, null, list). Unrelated keys keep their values and order;
the file keeps its indentation and final newline. Removing our keys also removes the
objects that the removal leaves empty.
"""

import collections
import copy
import json
import re
from typing import Any, Iterable, Optional, Set

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import ABSENT
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file import FileStore

NEW_FILE_INDENT = 2

Document = collections.namedtuple("Document", "data indent final_newline")

_FIRST_INDENT = re.compile(r"\n([ \t]+)\S")


def _parent(data, key, create):
    """The object holding ``key``'s last part, or None when it is missing and not to be created."""
    node = data
    parts = key.split(".")
    for depth, part in enumerate(parts[:-1]):
        if part not in node:
            if not create:
                return None
            node[part] = {}
        node = node[part]
        if not isinstance(node, dict):
            raise ValueError("cannot hold %s: %s is not an object" % (key, ".".join(parts[:depth + 1])))
    return node


def _remove(data, key):
    parts = key.split(".")
    chain = [data]
    for part in parts[:-1]:
        chain.append(chain[-1][part])
    del chain[-1][parts[-1]]
    for depth in range(len(parts) - 1, 0, -1):
        if chain[depth]:
            break
        del chain[depth - 1][parts[depth - 1]]


class JsonStore(FileStore):
    """A JSON settings file."""

    NAME = "json"
    KIND = "JSON"
    DESCRIPTION = "nested keys of a JSON file"

    def parse(self, text: Optional[str]) -> Document:
        """The document in ``text`` (None: a new, empty one); ValueError when it is not a JSON object."""
        if text is None:
            return Document({}, NEW_FILE_INDENT, True)
        try:
            data = json.loads(text)
        except ValueError as exc:
            where = " at line %d column %d" % (exc.lineno, exc.colno) if hasattr(exc, "lineno") else ""
            raise ValueError("is not valid JSON (%s%s)" % (getattr(exc, "msg", "parse error"), where))
        if not isinstance(data, dict):
            raise ValueError("holds a JSON %s at the top level, not an object" % type(data).__name__)
        match = _FIRST_INDENT.search(text)
        return Document(data, match.group(1) if match else None, text.endswith("\n"))

    def current(self, document: Document, keys: Iterable[str]) -> dict:
        """Our keys present in the document, with their values."""
        found = {}
        for key in keys:
            parent = _parent(document.data, key, create=False)
            leaf = key.split(".")[-1]
            if parent is not None and leaf in parent:
                found[key] = parent[leaf]
        return found

    def encode(self, value: Any) -> Any:
        return list(value) if isinstance(value, list) else value

    def same(self, old: Any, new: Any) -> bool:
        """Equal in value and JSON type (``1`` is not ``true``, ``"587"`` is not ``587``)."""
        return type(old) is type(new) and old == new

    def edit(self, document: Document, todo: dict) -> str:
        """The file text after applying ``todo`` (key -> value or ABSENT); the document is not modified."""
        data = copy.deepcopy(document.data)
        for key, value in todo.items():
            if value is ABSENT:
                _remove(data, key)
            else:
                _parent(data, key, create=True)[key.split(".")[-1]] = value
        text = json.dumps(data, indent=document.indent, ensure_ascii=False)
        return text + "\n" if document.final_newline else text

    def display(self, value: Any) -> str:
        """JSON, so the diff tells ``587`` from ``"587"``."""
        return json.dumps(value, ensure_ascii=False)

    def escaped(self, secret: str) -> Set[str]:
        """The ways ``secret`` can be spelled inside a JSON string."""
        return {json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1]}
