# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as data: rows, totals, counts, what changed since the previous run, merging slices.

The fleet_summary callback builds one from a run, ``mailconfig-report`` merges the
slices of one run and compares with a previous report; both write it through
``write`` so the JSON, the HTML page and the optional Prometheus file always agree.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Collection, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report_html, _report_prometheus

REPORT_VERSION = 1
COLUMNS = ("practice", "provider", "validated", "changed", "outcome", "outgoing", "incoming", "sender", "diagnosis", "hint")
# Changes since the previous report, in the order they are listed.
CHANGES = ("newly failing", "new diagnosis", "recovered")


class ReportError(Exception):
    """A report that cannot be read or merged; the message says which file and why."""


def new_row(practice: str) -> Dict[str, str]:
    return dict.fromkeys(COLUMNS, "-") | {"practice": practice, "outcome": "", "diagnosis": "", "hint": "", "change": ""}


def totals(rows: Collection[Mapping[str, Any]]) -> Dict[str, int]:
    return {
        "practices": len(rows),
        "validated": sum(1 for r in rows if r["validated"] == "yes"),
        "changed": sum(1 for r in rows if r["changed"] == "yes"),
        "verified_ok": sum(1 for r in rows if r["outgoing"] == "ok" and r["incoming"] in ("ok", "skipped", "-")),
        "need_attention": sum(1 for r in rows if r["diagnosis"]),
        "changed_since_previous": sum(1 for r in rows if r.get("change")),
    }


def counts(rows: Iterable[Mapping[str, Any]]) -> Dict[str, Dict[str, int]]:
    """Practices by diagnosis (those needing attention) and by provider."""
    by_diagnosis, by_provider = {}, {}
    for row in rows:
        if row["diagnosis"]:
            by_diagnosis[row["diagnosis"]] = by_diagnosis.get(row["diagnosis"], 0) + 1
        by_provider[row["provider"]] = by_provider.get(row["provider"], 0) + 1
    return {"diagnosis": dict(sorted(by_diagnosis.items(), key=lambda kv: (-kv[1], kv[0]))),
            "provider": dict(sorted(by_provider.items(), key=lambda kv: (-kv[1], kv[0])))}


def _change(before, row):
    """How ``row`` differs from the previous run's row (None when the practice is new)."""
    was, now = (before or {}).get("diagnosis", ""), row["diagnosis"]
    if before is None:
        return "newly failing" if now else ""
    if now and not was:
        return "newly failing"
    if was and not now:
        return "recovered"
    if was and now and was != now:
        return "new diagnosis"
    return ""


def ordered(rows: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Changed practices first (newly failing, new diagnosis, recovered), then those needing attention, then the rest."""
    def key(row):
        if row.get("change"):
            return (0, CHANGES.index(row["change"]), row["practice"])
        return (1 if row["diagnosis"] else 2, 0, row["practice"])
    return sorted(rows, key=key)


def build(rows: Iterable[Mapping[str, Any]], run: Dict[str, Any], previous: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """The report for ``rows`` of ``run``; with ``previous`` (an earlier report) each row says what changed."""
    rows = [dict(row) for row in rows]
    before = {row["practice"]: row for row in (previous or {}).get("practices", ())}
    for row in rows:
        row["change"] = _change(before.get(row["practice"]), row) if previous else ""
        if row["change"]:
            was = before.get(row["practice"])
            row["previous_diagnosis"] = (was or {}).get("diagnosis", "") if was else None
    report = {"report_version": REPORT_VERSION, "run": run, "totals": totals(rows), "counts": counts(rows),
              "previous_run_id": (previous or {}).get("run", {}).get("run_id") if previous else None,
              "practices": ordered(rows)}
    return report


def load(path: str) -> Dict[str, Any]:
    """A JSON report, checked enough to merge or compare it."""
    try:
        with open(path, encoding="utf-8") as handle:
            report = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ReportError("%s: cannot read the report: %s" % (path, exc))
    if not isinstance(report, dict) or "practices" not in report:
        raise ReportError("%s: not a mailconfig report (no practices)" % path)
    if report.get("report_version") != REPORT_VERSION:
        raise ReportError("%s: report_version %r; this mailconfig reads version %d" % (path, report.get("report_version"), REPORT_VERSION))
    return report


def merge(reports: Sequence[Mapping[str, Any]], paths: Sequence[str]) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
    """One report from the slices of one run: their rows together, the run spanning all of them."""
    ids = sorted({str(report["run"].get("run_id")) for report in reports})
    if len(ids) > 1:
        raise ReportError("these reports are of different runs (%s): %s; merge only the slices of one run"
                          % (", ".join(ids), ", ".join("%s=%s" % (p, r["run"].get("run_id")) for p, r in zip(paths, reports))))
    rows, seen = [], {}
    for path, report in zip(paths, reports):
        for row in report["practices"]:
            if row["practice"] in seen:
                raise ReportError("practice %s is in both %s and %s; slices of one run never share a host"
                                  % (row["practice"], seen[row["practice"]], path))
            seen[row["practice"]] = path
            rows.append({k: v for k, v in row.items() if k not in ("change", "previous_diagnosis")})
    runs = [report["run"] for report in reports]
    run = dict(runs[0])
    run["started"] = min(r.get("started") or "" for r in runs) or None
    run["ended"] = max(r.get("ended") or "" for r in runs) or None
    run["slices"] = len(reports)
    for field in ("operator", "inventory_commit"):
        values = sorted({str(r.get(field)) for r in runs})
        run[field] = runs[0].get(field) if len(values) == 1 else values
    return rows, run


def new_failures(report: Mapping[str, Any]) -> List[Dict[str, Any]]:
    return [row for row in report["practices"] if row.get("change") in ("newly failing", "new diagnosis")]


def _atomic_write(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def write(report: Mapping[str, Any], prefix: Optional[str] = None, prometheus: Optional[str] = None) -> None:
    """``prefix``.json and ``prefix``.html and the Prometheus text file, those asked for, each replaced atomically."""
    if prefix:
        _atomic_write(prefix + ".json", json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        _atomic_write(prefix + ".html", _report_html.render(report))
    if prometheus:
        _atomic_write(prometheus, _report_prometheus.render(report))


def summary_line(report: Mapping[str, Any]) -> str:
    text = ("%(practices)d practices: %(validated)d validated, %(changed)d changed, %(verified_ok)d verified ok, "
            "%(need_attention)d need attention" % report["totals"])
    if report.get("previous_run_id") is not None or report["totals"]["changed_since_previous"]:
        text += "; %d changed since the previous report" % report["totals"]["changed_since_previous"]
    return text


def table(report: Mapping[str, Any]) -> str:
    """The plain-text table: changed practices first, the change in its own column when there is a previous report."""
    rows = report["practices"]
    columns = [c for c in COLUMNS if c != "outcome" or any(r.get("outcome") for r in rows)]
    if any(r.get("change") for r in rows):
        columns.insert(1, "change")
    lines = [tuple(columns)] + [tuple(str(r.get(c, "" if c in ("change", "outcome") else "-")) for c in columns) for r in rows]
    widths = [min(max(len(line[i]) for line in lines), 60) for i in range(len(columns))]
    text = ["  ".join(cell[:60].ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text + ["", summary_line(report)])
