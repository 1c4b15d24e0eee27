# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report in Prometheus text format, for node_exporter's textfile collector.

One gauge per practice and side (1 ok, 0 failed; sides not checked are left out), the
number of practices per diagnosis, and the days left until each dated provider change
that hits a practice (negative once passed), so an alert can fire a month ahead. The
writer replaces the file atomically, as the collector requires.
"""

from __future__ import annotations

import calendar
import time
from typing import Any, Mapping


def _label(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(report: Mapping[str, Any]) -> str:
    lines = ["# HELP mailconfig_check_ok Whether the practice's last mail check on this side passed (1) or failed (0).",
             "# TYPE mailconfig_check_ok gauge"]
    for row in sorted(report["practices"], key=lambda r: r["practice"]):
        for side in ("outgoing", "incoming"):
            if row.get(side) in ("ok", "failed"):
                lines.append(
                    'mailconfig_check_ok{practice="%s",side="%s"} %d'
                    % (_label(row["practice"]), side, row[side] == "ok")
                )
    lines += ["# HELP mailconfig_practices_by_diagnosis Practices needing attention, by diagnosis code.",
              "# TYPE mailconfig_practices_by_diagnosis gauge"]
    lines += ['mailconfig_practices_by_diagnosis{diagnosis="%s"} %d' % (_label(code), number)
              for code, number in report["counts"]["diagnosis"].items()]
    lines += ["# HELP mailconfig_deadline_days_left Days from the run's end to a provider change hitting the practice.",
              "# TYPE mailconfig_deadline_days_left gauge"]
    lines += sorted('mailconfig_deadline_days_left{practice="%s",provider="%s",date="%s"} %d'
                    % (_label(practice), _label(group["provider"]), _label(group["date"]), group["days_left"])
                    for group in report.get("deadlines") or () for practice in group["practices"])
    lines += [
        "# HELP mailconfig_practices_need_attention Practices with a diagnosis.",
        "# TYPE mailconfig_practices_need_attention gauge",
        "mailconfig_practices_need_attention %d" % report["totals"]["need_attention"],
    ]
    ended = (report.get("run") or {}).get("ended")
    if ended:
        stamp = calendar.timegm(time.strptime(ended, "%Y-%m-%dT%H:%M:%SZ"))
        lines += ["# HELP mailconfig_report_timestamp_seconds When the run that made this report ended.",
                  "# TYPE mailconfig_report_timestamp_seconds gauge", "mailconfig_report_timestamp_seconds %d" % stamp]
    return "\n".join(lines) + "\n"
