# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render findings for people (text), tools (json), CI dashboards (junit) and GitHub annotations."""

from __future__ import annotations

import json
from typing import List, Mapping, Sequence, Tuple
from xml.sax.saxutils import escape, quoteattr

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue._deadlines import deadlines
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding

# (file, its findings) for every file checked
Results = Sequence[Tuple[str, List[Finding]]]


def text(results: Results, counts: Mapping[str, int]) -> str:
    lines = [f.text() for _path, findings in results for f in findings]
    lines.append("%d file%s checked: %d error%s, %d warning%s, %d info" % (
        counts["files"], "" if counts["files"] == 1 else "s",
        counts["error"], "" if counts["error"] == 1 else "s",
        counts["warning"], "" if counts["warning"] == 1 else "s", counts["info"]))
    return "\n".join(lines) + "\n"


def as_json(results: Results, counts: Mapping[str, int]) -> str:
    """Every finding, and the deadline list (dated provider changes by file, soonest first)."""
    del counts
    document = {
        "findings": [f.as_dict() for _path, findings in results for f in findings],
        "deadlines": deadlines(results),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def junit(results: Results, counts: Mapping[str, int], strict: bool = False) -> str:
    failing = ("error", "warning") if strict else ("error",)
    cases = []
    for path, findings in results:
        bad = [f for f in findings if f.severity in failing]
        body = "".join('<failure type=%s message=%s>%s</failure>' % (
            quoteattr(f.code), quoteattr(f.message), escape(f.text())) for f in bad)
        cases.append('  <testcase classname="mailconfig-lint" name=%s>%s</testcase>' % (quoteattr(path), body))
    failures = sum(1 for _path, findings in results if any(f.severity in failing for f in findings))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="mailconfig-lint" tests="%d" failures="%d" errors="0">\n%s\n</testsuite>\n'
        % (counts["files"], failures, "\n".join(cases))
    )


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _github_escape(value, prop=False):
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github(results: Results, counts: Mapping[str, int]) -> str:
    del counts
    lines = []
    for _path, findings in results:
        for f in findings:
            where = "file=%s" % _github_escape(f.file, True)
            if f.line:
                where += ",line=%d,col=%d" % (f.line, f.column)
            message = "%s: %s" % (f.path, f.message) if f.path else f.message
            if f.hint:
                message += "\nhint: " + f.hint
            lines.append("::%s %s,title=%s::%s" % (_GITHUB_LEVEL[f.severity], where, f.code, _github_escape(message)))
    return "\n".join(lines) + ("\n" if lines else "")
