# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet-wide deadline list: which practices a dated provider change hits, soonest first.

A month before Microsoft turns SMTP AUTH password login off by default, an MSP needs
one list, not a warning buried in each practice's output. Every finding that carries
a deadline (MC302, MC303 ...) becomes one row: practice, provider, date, what happens,
what to do. Reports show them grouped: one entry per provider and date, with the days
left and the practices it hits, each named once.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, Iterable, List, Sequence, Tuple, Union

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding


def deadlines(named_findings: Iterable[Tuple[str, Sequence[Union[Finding, Dict[str, Any]]]]]) -> List[Dict[str, Any]]:
    """Rows for ``[(practice, findings)]`` (Finding objects or their dicts), sorted by date then practice."""
    rows = []
    for practice, findings in named_findings:
        for finding in findings:
            data = finding if isinstance(finding, dict) else finding.as_dict()
            deadline = data.get("deadline")
            if deadline:
                rows.append(
                    {
                        "practice": practice,
                        "provider": deadline["provider"],
                        "date": deadline["date"],
                        "code": data["code"],
                        "severity": data["severity"],
                        "what": data["message"],
                        "to_do": data["hint"],
                    }
                )
    return sorted(rows, key=_order)


def merged(
    earlier: Iterable[Dict[str, Any]], later: Iterable[Dict[str, Any]], practices: Iterable[str]
) -> List[Dict[str, Any]]:
    """``earlier`` rows, those of ``practices`` replaced by ``later`` (a rollout checks one batch at a time), sorted."""
    replaced = set(practices)
    return sorted([row for row in earlier if row["practice"] not in replaced] + list(later), key=_order)


def grouped(rows: Iterable[Dict[str, Any]], today: datetime.date) -> List[Dict[str, Any]]:
    """One entry per provider and date, soonest first: days left from ``today``, count, each practice and change once.

    ``rows`` are rows of ``deadlines`` or entries of an earlier ``grouped`` (the slices of one run merge that way).
    """
    groups = {}
    for row in rows:
        days_left = (datetime.date.fromisoformat(row["date"]) - today).days
        group = groups.setdefault((row["date"], row["provider"]), {
            "provider": row["provider"], "date": row["date"], "days_left": days_left, "count": 0, "practices": [],
            "changes": []})
        group["practices"].extend(row.get("practices") or [row["practice"]])
        change = {key: row.get(key) for key in ("code", "severity", "what", "to_do")}
        group["changes"].extend(row.get("changes") or [change])
    for group in groups.values():
        group["practices"] = sorted(set(group["practices"]))
        group["count"] = len(group["practices"])
        group["changes"] = sorted({change["code"] + change["what"]: change for change in group["changes"]}.values(),
                                  key=lambda change: (change["code"], change["what"]))
    return [groups[key] for key in sorted(groups)]


def _order(row: Dict[str, Any]) -> Tuple[str, str, str, str]:
    return (row["date"], row["practice"], row["code"], row["what"])
