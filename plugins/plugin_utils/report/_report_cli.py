# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``mailconfig-report`` command: one report from the slices of a run, and what changed since the last one.

    mailconfig-report merge slice1.json slice2.json ... -o reports/fleet [--previous last.json]
                      [--fail-on new|attention] [--prometheus mail.prom]

Writes ``reports/fleet.json`` and ``reports/fleet.html`` (one JSON report works too:
it is then compared and re-rendered). Exit status: 0 done, 1 when ``--fail-on`` finds
what it looks for (``new``: a practice newly failing or with a new diagnosis since
``--previous``; ``attention``: any practice with a diagnosis), 2 usage error or a
report that cannot be read or merged (different runs or report versions).
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence, TextIO

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report


def _parser():
    parser = argparse.ArgumentParser(prog="mailconfig-report", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    merge = commands.add_parser("merge", help="merge the JSON reports of one run's slices into one JSON and one HTML report")
    merge.add_argument("reports", nargs="+", metavar="REPORT.json")
    merge.add_argument("-o", "--output", required=True, metavar="PREFIX", help="writes PREFIX.json and PREFIX.html")
    merge.add_argument("--previous", metavar="REPORT.json", help="the previous run's report: list what changed since, first")
    merge.add_argument("--fail-on", choices=("new", "attention"),
                       help="exit 1 when a practice is newly failing (new) or when any needs attention (attention)")
    merge.add_argument("--prometheus", metavar="FILE", help="also write the Prometheus text format (node_exporter textfile)")
    return parser


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        reports = [_report.load(path) for path in args.reports]
        rows, run = _report.merge(reports, args.reports)
        previous = _report.load(args.previous) if args.previous else None
    except _report.ReportError as exc:
        print("mailconfig-report: %s" % exc, file=sys.stderr)
        return 2
    report = _report.build(rows, run, previous)
    _report.write(report, args.output, args.prometheus)
    print(_report.table(report), file=out)
    print("report: %s.html (and %s.json)" % (args.output, args.output), file=out)
    if args.fail_on == "new" and _report.new_failures(report):
        print("%d practices newly failing since run %s" % (len(_report.new_failures(report)), report["previous_run_id"]), file=out)
        return 1
    if args.fail_on == "attention" and report["totals"]["need_attention"]:
        return 1
    return 0
