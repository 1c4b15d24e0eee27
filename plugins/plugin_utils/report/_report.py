# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as data: rows, totals, counts, what changed since the previous run, merging slices.

The fleet_summary callback builds one from a run, ``mailconfig-report`` merges the
slices of one run and compares with a previous report; both write it through
``write`` so the JSON, the HTML page and the optional Prometheus file always agree.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
import textwrap
from typing import Any, Collection, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _deadlines
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report_html, _report_prometheus

REPORT_VERSION = 1
COLUMNS = ("practice", "provider", "validated", "changed", "outcome", "outgoing", "incoming", "sender", "server",
           "deadline", "diagnosis", "hint")
# Columns the table leaves out when no row has a value in them.
OPTIONAL = ("change", "outcome", "server", "deadline", "reply", "checked")
# The console table wraps a longer cell onto more lines rather than cutting it.
CELL_WIDTH = 60
# A dry run's (check mode) changed cell: nothing was written.
WOULD_CHANGE = "would change"
# Changes since the previous report, in the order they are listed.
CHANGES = ("newly failing", "new diagnosis", "recovered")


class ReportError(Exception):
    """A report that cannot be read or merged; the message says which file and why."""


def new_row(practice: str) -> Dict[str, str]:
    blank = dict.fromkeys(("outcome", "diagnosis", "hint", "change", "reply", "checked"), "")
    return dict.fromkeys(COLUMNS, "-") | blank | {"practice": practice}


def counted(number: int, noun: str) -> str:
    """``1 practice``, ``2 practices``."""
    return "%d %s%s" % (number, noun, "" if number == 1 else "s")


def totals(rows: Collection[Mapping[str, Any]]) -> Dict[str, int]:
    return {
        "practices": len(rows),
        "validated": sum(1 for r in rows if r["validated"] == "yes"),
        "changed": sum(1 for r in rows if r["changed"] == "yes"),
        "would_change": sum(1 for r in rows if r["changed"] == WOULD_CHANGE),
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


def as_of(run: Mapping[str, Any]) -> datetime.date:
    """The day deadlines are counted from: the day the run ended (today while it runs)."""
    try:
        return datetime.date.fromisoformat(str(run.get("ended"))[:10])
    except ValueError:
        return datetime.date.today()


def build(rows: Iterable[Mapping[str, Any]], run: Dict[str, Any], previous: Optional[Mapping[str, Any]] = None,
          deadlines: Iterable[Mapping[str, Any]] = ()) -> Dict[str, Any]:
    """The report for ``rows`` of ``run``; with ``previous`` (an earlier report) each row says what changed.

    ``deadlines`` are rows of ``_deadlines.deadlines`` (or a report's grouped entries): the report lists them
    by provider and date, and each practice's row names its dates.
    """
    rows = [dict(row) for row in rows]
    groups = _deadlines.grouped(deadlines, as_of(run))
    dates = {}
    for group in groups:
        for practice in group["practices"]:
            dates.setdefault(practice, []).append(group["date"])
    for row in rows:
        if row["practice"] in dates:
            row["deadline"] = ", ".join(dates[row["practice"]])
    before = {row["practice"]: row for row in (previous or {}).get("practices", ())}
    for row in rows:
        row["change"] = _change(before.get(row["practice"]), row) if previous else ""
        if row["change"]:
            was = before.get(row["practice"])
            row["previous_diagnosis"] = (was or {}).get("diagnosis", "") if was else None
    report = {"report_version": REPORT_VERSION, "run": run, "totals": totals(rows), "counts": counts(rows),
              "previous_run_id": (previous or {}).get("run", {}).get("run_id") if previous else None,
              "practices": ordered(rows), "deadlines": groups,
              # what a check cannot prove for practices set up by hand (EXACT), once per application
              "notes": sorted({row["guided"]["cannot_prove"] for row in rows if (row.get("guided") or {}).get("cannot_prove")})}
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


def merge(reports: Sequence[Mapping[str, Any]],
          paths: Sequence[str]) -> Tuple[List[Dict[str, Any]], Dict[str, Any], List[Dict[str, Any]]]:
    """One report from the slices of one run: their rows together, the run spanning all of them, their deadlines."""
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
    return rows, run, [group for report in reports for group in report.get("deadlines") or ()]


def new_failures(report: Mapping[str, Any]) -> List[Dict[str, Any]]:
    return [row for row in report["practices"] if row.get("change") in ("newly failing", "new diagnosis")]


def deadlines_within(report: Mapping[str, Any], days: int) -> List[Dict[str, Any]]:
    """The report's deadlines at most ``days`` away, passed ones included."""
    return [group for group in report.get("deadlines") or () if group["days_left"] <= days]


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
        _atomic_write(prefix + ".html", _report_html.render(report, summary_line(report)))
    if prometheus:
        _atomic_write(prometheus, _report_prometheus.render(report))


def summary_line(report: Mapping[str, Any]) -> str:
    totals = report["totals"]
    would = totals.get("would_change")
    text = "%s: %d validated, %d changed, %s%d verified ok, %d need%s attention" % (
        counted(totals["practices"], "practice"), totals["validated"], totals["changed"],
        "%d would change (check mode: nothing written), " % would if would else "", totals["verified_ok"],
        totals["need_attention"], "s" if totals["need_attention"] == 1 else "")
    if report.get("previous_run_id") is not None or report["totals"]["changed_since_previous"]:
        text += "; %d changed since the previous report" % report["totals"]["changed_since_previous"]
    return text


def table(report: Mapping[str, Any]) -> str:
    """The plain-text table: changed practices first, the change in its own column when there is a previous report.

    A cell longer than CELL_WIDTH continues on the next lines of its column, so a hint is never cut.
    """
    rows = report["practices"]
    columns = [c for c in COLUMNS[:1] + ("change",) + COLUMNS[1:]
               if c not in OPTIONAL or any(_filled(r.get(c)) for r in rows)]
    cells = [[[c] for c in columns]] + [[_wrapped(_text(r, c)) for c in columns] for r in rows]
    widths = [max(len(part) for line in cells for part in line[i]) for i in range(len(columns))]
    text = []
    for line in cells:
        for depth in range(max(len(cell) for cell in line)):
            parts = ((cell[depth] if depth < len(cell) else "").ljust(widths[i]) for i, cell in enumerate(line))
            text.append("  ".join(parts).rstrip())
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text + ["", summary_line(report)] + ["note: " + note for note in report.get("notes") or ()])


def _text(row, column):
    return str(row.get(column) or "") if column in OPTIONAL else str(row.get(column, "-"))


def _filled(value):
    return value not in (None, "", "-")


def _wrapped(cell):
    return textwrap.wrap(cell, CELL_WIDTH, break_on_hyphens=False) or [""]


def deadline_lines(report: Mapping[str, Any]) -> List[str]:
    """One console line per provider and date: the count and what changes (the practices are in the JSON and HTML)."""
    lines = []
    for group in report.get("deadlines") or ():
        left = group["days_left"]
        when = "in %s" % counted(left, "day") if left >= 0 else "passed %s ago" % counted(-left, "day")
        lines.append("deadline %s (%s)  %s  %s  %s" % (
            group["date"], when, group["provider"], counted(group["count"], "practice"),
            "; ".join("%s: %s" % (change["code"], change["what"]) for change in group["changes"])))
    return lines
