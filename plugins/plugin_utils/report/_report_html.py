# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report as one self-contained HTML page that stays readable at a thousand practices.

Changed and failing practices come first (the report's own order), counts by diagnosis
and by provider are drawn as CSS bars, and a filter box hides rows that do not match;
no external asset, so the file opens offline and attached to a ticket.
"""

from __future__ import annotations

import html
from typing import Any, Mapping

_STATUS_CLASS = {"ok": "ok", "yes": "ok", "failed": "bad", "error": "bad"}
_STATUS_COLUMNS = ("validated", "changed", "outgoing", "incoming", "sender")
_COLUMNS = ("practice", "change", "provider", "validated", "changed", "outcome", "outgoing", "incoming", "sender", "diagnosis", "hint")

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0;position:sticky;top:0}td.nowrap{white-space:nowrap}
.ok{color:#176c2c;font-weight:600}.bad{color:#a40000;font-weight:600}tr.attention{background:#fff6e5}
tr.changed td:first-child{border-left:4px solid #a40000}tr.recovered td:first-child{border-left:4px solid #176c2c}
.charts{display:flex;gap:2em;flex-wrap:wrap;margin:1em 0}.chart{min-width:18em;flex:1}
.bar{display:flex;align-items:center;gap:.5em;margin:.15em 0;cursor:pointer;border:0;background:none;width:100%;padding:0;font:inherit}
.bar span.label{width:11em;text-align:right;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.bar span.fill{height:1em;background:#c0504d;display:inline-block}.provider span.fill{background:#4f81bd}
#filter{font-size:1em;padding:.3em;width:24em;margin:.5em 0}
"""

_SCRIPT = """
(function(){var box=document.getElementById('filter'),rows=document.querySelectorAll('tbody tr'),shown=document.getElementById('shown');
function apply(){var q=box.value.trim().toLowerCase(),n=0;
for(var i=0;i<rows.length;i++){var r=rows[i],hit=!q||r.getAttribute('data-key').indexOf(q)>=0;r.hidden=!hit;if(hit)n++;}
shown.textContent=n;}
box.addEventListener('input',apply);
document.querySelectorAll('button.bar').forEach(function(b){b.addEventListener('click',function(){box.value=b.getAttribute('data-filter');apply();});});
})();
"""


def _bars(title, counted, css):
    if not counted:
        return '<div class="chart %s"><h3>%s</h3><p>none</p></div>' % (css, html.escape(title))
    top = max(counted.values())
    bars = "".join(
        '<button class="bar" type="button" data-filter="%s" title="show only %s"><span class="label">%s</span>'
        '<span class="fill" style="width:%.1fem"></span><span>%d</span></button>'
        % (html.escape(name.lower()), html.escape(name), html.escape(name), 12.0 * number / top, number)
        for name, number in counted.items())
    return '<div class="chart %s"><h3>%s</h3>%s</div>' % (css, html.escape(title), bars)


def _row(row, columns):
    cells = []
    for column in columns:
        value = str(row.get(column, "-") if column not in ("change", "outcome") else row.get(column) or "")
        css = _STATUS_CLASS.get(value, "") if column in _STATUS_COLUMNS else ""
        if column == "validated" and value == "no":
            css = "bad"
        if column in ("practice", "diagnosis", "provider", "change"):
            css = (css + " nowrap").strip()
        cells.append(('<td class="%s">%s</td>' % (css, html.escape(value))) if css else "<td>%s</td>" % html.escape(value))
    classes = []
    if row.get("diagnosis"):
        classes.append("attention")
    if row.get("change"):
        classes.append("recovered" if row["change"] == "recovered" else "changed")
    key = " ".join(str(row.get(c) or "") for c in ("practice", "provider", "diagnosis", "change")).lower()
    return '<tr%s data-key="%s">%s</tr>' % (' class="%s"' % " ".join(classes) if classes else "", html.escape(key), "".join(cells))


def render(report: Mapping[str, Any]) -> str:
    rows = report["practices"]
    columns = [c for c in _COLUMNS if c not in ("change", "outcome") or any(r.get(c) for r in rows)]
    totals, run = report["totals"], report.get("run") or {}
    facts = "Run %s, %s to %s, by %s%s." % (
        html.escape(str(run.get("run_id"))), html.escape(str(run.get("started"))), html.escape(str(run.get("ended"))),
        html.escape(str(run.get("operator"))),
        (", inventory at commit %s" % html.escape(str(run["inventory_commit"]))) if run.get("inventory_commit") else "")
    changed = ""
    if report.get("previous_run_id") is not None:
        changed = " <strong>%d changed since run %s</strong> (listed first)." % (
            totals["changed_since_previous"], html.escape(str(report["previous_run_id"])))
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Mail accounts: fleet summary</title>
<style>%s</style></head><body>
<h1>Mail accounts: fleet summary</h1>
<p>%s</p>
<p>%d practices: %d validated, %d changed, %d verified ok, <strong>%d need attention</strong>.%s</p>
<div class="charts">%s%s</div>
<label>Filter (practice, provider, diagnosis, change): <input id="filter" type="search" autocomplete="off"></label>
<span><span id="shown">%d</span> of %d shown</span>
<table><thead><tr>%s</tr></thead><tbody>
%s
</tbody></table>
<script>%s</script>
</body></html>
""" % (_STYLE, facts, totals["practices"], totals["validated"], totals["changed"], totals["verified_ok"],
       totals["need_attention"], changed,
       _bars("Need attention, by diagnosis", report["counts"]["diagnosis"], "diagnosis"),
       _bars("Practices by provider", report["counts"]["provider"], "provider"),
       len(rows), len(rows), "".join("<th>%s</th>" % html.escape(c) for c in columns),
       "\n".join(_row(row, columns) for row in rows), _SCRIPT)
