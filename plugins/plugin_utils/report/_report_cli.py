# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``mailconfig-report`` command: one report from the slices of a run, and what changed since the last one.

    mailconfig-report merge slice1.json slice2.json ... -o reports/fleet [--previous last.json]
                      [--fail-on new|attention|deadline:DAYS ...] [--prometheus mail.prom]

Writes ``reports/fleet.json`` and ``reports/fleet.html`` (one JSON report works too:
it is then compared and re-rendered). Exit status: 0 done, 1 when a ``--fail-on``
finds what it looks for (``new``: a practice newly failing or with a new diagnosis since
``--previous``; ``attention``: any practice with a diagnosis; ``deadline:30``: a dated
provider change at most 30 days after the run, or passed), 2 usage error or a report
that cannot be read or merged (different runs or report versions).
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence, TextIO, Tuple

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report


def _fail_on(text: str) -> Tuple[str, int]:
    """``new``, ``attention`` or ``deadline:DAYS``, as (what, days)."""
    what, _colon, days = text.partition(":")
    if what in ("new", "attention") and not days:
        return what, 0
    if what == "deadline" and days.isdigit():
        return what, int(days)
    raise argparse.ArgumentTypeError("%r: use new, attention or deadline:DAYS (deadline:30)" % text)


def _parser():
    parser = argparse.ArgumentParser(prog="mailconfig-report", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    merge = commands.add_parser("merge", help="merge the JSON reports of one run's slices into one JSON and one HTML report")
    merge.add_argument("reports", nargs="+", metavar="REPORT.json")
    merge.add_argument("-o", "--output", required=True, metavar="PREFIX", help="writes PREFIX.json and PREFIX.html")
    merge.add_argument("--previous", metavar="REPORT.json", help="the previous run's report: list what changed since, first")
    merge.add_argument("--fail-on", type=_fail_on, action="append", default=[], metavar="new|attention|deadline:DAYS",
                       help="exit 1 when a practice is newly failing (new), when any needs attention (attention), "
                            "or when a provider deadline is at most DAYS days away (deadline:30); "
                            "may be given more than once")
    merge.add_argument("--prometheus", metavar="FILE", help="also write the Prometheus text format (node_exporter textfile)")
    return parser


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        reports = [_report.load(path) for path in args.reports]
        rows, run, deadlines = _report.merge(reports, args.reports)
        previous = _report.load(args.previous) if args.previous else None
    except _report.ReportError as exc:
        print("mailconfig-report: %s" % exc, file=sys.stderr)
        return 2
    report = _report.build(rows, run, previous, deadlines)
    _report.write(report, args.output, args.prometheus)
    print(_report.table(report), file=out)
    for line in _report.deadline_lines(report):
        print(line, file=out)
    print("report: %s.html (and %s.json)" % (args.output, args.output), file=out)
    found = [_found(report, what, days) for what, days in args.fail_on]
    for line in filter(None, found):
        print(line, file=out)
    return 1 if any(found) else 0


def _found(report, what, days):
    """What ``--fail-on what[:days]`` found in ``report``, as the line that says so, or None."""
    if what == "new" and _report.new_failures(report):
        return "%s newly failing since run %s" % (
            _report.counted(len(_report.new_failures(report)), "practice"),
            report["previous_run_id"],
        )
    if what == "attention" and report["totals"]["need_attention"]:
        return "%s with a diagnosis" % _report.counted(report["totals"]["need_attention"], "practice")
    near = _report.deadlines_within(report, days) if what == "deadline" else ()
    if near:
        return "%s within %s: %s" % (_report.counted(sum(group["count"] for group in near), "practice deadline"),
                                     _report.counted(days, "day"),
                                     ", ".join("%s %s" % (group["provider"], group["date"]) for group in near))
    return None
