# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Setup sheets on disk: one Markdown and one HTML file per practice, and an index of every sheet in the folder.

Written on the controller only, each file replaced atomically and only when its text changes, so a
second rollout reports nothing changed. The index is rebuilt from each sheet's small entry file
(``PRACTICE.json``: status, address, never a secret) under a lock, since practices are written by
parallel workers and a run limited to a few practices must not drop the others from the index.
"""

from __future__ import annotations

import fcntl
import html
import json
import os
import re
from typing import Any, Dict, List, Mapping, Tuple

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report._report import _atomic_write
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report._setup_sheet import markdown, page

INDEX = "index"
# An entry file is a few hundred bytes; anything larger is not ours and is skipped.
MAX_ENTRY_BYTES = 16 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def file_name(practice: str) -> str:
    """The practice's file name stem: its inventory name with any character unsafe in a path replaced."""
    name = _UNSAFE.sub("_", practice).lstrip(".") or "_"
    return "%s-practice" % name if name == INDEX else name


def _read(path: str, limit: int) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(limit + 1)
    except (OSError, UnicodeDecodeError):
        return ""


def _replace(path: str, text: str, dry: bool) -> bool:
    """Whether ``path`` would change; written (atomically) unless ``dry``."""
    if _read(path, len(text.encode("utf-8"))) == text:
        return False
    if not dry:
        _atomic_write(path, text)
    return True


def _entry(sheet: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: sheet[key] for key in ("practice", "application", "title", "address", "provider", "status")}


def write(folder: str, sheet: Mapping[str, Any], dry: bool = False) -> Tuple[bool, Dict[str, str]]:
    """``(changed, paths)`` of one practice's sheet in ``folder``; with ``dry`` nothing is written."""
    stem = os.path.join(folder, file_name(sheet["practice"]))
    paths = {"markdown": stem + ".md", "html": stem + ".html", "index": os.path.join(folder, INDEX + ".html")}
    texts = ((stem + ".md", markdown(sheet)), (stem + ".html", page(sheet)),
             (stem + ".json", json.dumps(_entry(sheet), indent=1, sort_keys=True) + "\n"))
    changed = [_replace(path, text, dry) for path, text in texts]
    if any(changed) and not dry:
        _rebuild_index(folder)
    return any(changed), paths


def _entries(folder: str) -> List[Dict[str, Any]]:
    entries = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        try:
            entry = json.loads(_read(os.path.join(folder, name), MAX_ENTRY_BYTES))
        except ValueError:
            continue
        if isinstance(entry, dict) and {"practice", "status", "address"} <= set(entry):
            entries.append(dict(entry, stem=name[:-5]))
    return entries


def _rebuild_index(folder: str) -> None:
    with open(os.path.join(folder, ".index.lock"), "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        entries = _entries(folder)
        _replace(os.path.join(folder, INDEX + ".md"), index_markdown(entries), False)
        _replace(os.path.join(folder, INDEX + ".html"), index_page(entries), False)


def index_markdown(entries: List[Mapping[str, Any]]) -> str:
    lines = ["# Mail setup sheets", "", "| Practice | Application | Address | Status | Sheet |", "|---|---|---|---|---|"]
    for entry in entries:
        lines.append("| %s | %s | `%s` | %s | [Markdown](%s.md), [HTML](%s.html) |" % (
            entry["practice"], entry.get("title", ""), entry["address"], entry["status"], entry["stem"], entry["stem"]))
    return "\n".join(lines) + "\n"


def index_page(entries: List[Mapping[str, Any]]) -> str:
    escape = html.escape
    rows = "\n".join("<tr><td><a href=\"%s.html\">%s</a></td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>" % (
        escape(entry["stem"]), escape(entry["practice"]), escape(entry.get("title", "")), escape(entry["address"]),
        escape(entry["status"])) for entry in entries)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Mail setup sheets</title>"
            "<style>body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}"
            "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left}</style></head><body>\n"
            "<h1>Mail setup sheets</h1>\n<table><tr><th>Practice</th><th>Application</th><th>Address</th><th>Status</th></tr>\n"
            "%s\n</table></body></html>\n" % rows)
