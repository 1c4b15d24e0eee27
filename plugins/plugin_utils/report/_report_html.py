# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report as one self-contained HTML page that stays readable at a thousand practices.

Dated provider changes come first (a Deadlines list linking to the practices' rows), then
changed and failing practices (the report's own order). Counts by diagnosis and by provider
are drawn as CSS bars; clicking one filters on exactly that value (``provider:sky`` shows
provider sky, not practice skyline), while typed text matches anywhere. Rows stay one line
high so that a screen holds the failing ones; a click on a row shows its long cells whole.
No external asset, so the file opens offline and attached to a ticket.
"""

from __future__ import annotations

import html
import urllib.parse
from typing import Any, Mapping

_STATUS_CLASS = {"ok": "ok", "yes": "ok", "failed": "bad", "error": "bad"}
_STATUS_COLUMNS = ("validated", "changed", "outgoing", "incoming", "sender")
_COLUMNS = ("practice", "change", "provider", "validated", "changed", "outcome", "outgoing", "incoming", "sender",
            "diagnosis", "hint", "server", "reply", "deadline", "checked")
# Free text cut to one line until its row is opened (the whole text is also the cell's tooltip).
_LONG = ("hint", "reply", "outcome")
# Columns left out when no row has a value in them.
_OPTIONAL = ("change", "outcome", "server", "reply", "deadline", "checked")
# Row attributes a chart bar filters on exactly.
_FACETS = ("provider", "diagnosis", "change")

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;width:100%;font-size:.875em;line-height:1.3}
th,td{border:1px solid #ccc;padding:.15em .4em;text-align:left;vertical-align:top}
th{background:#f0f0f0;position:sticky;top:0}td.nowrap{white-space:nowrap}
td.long{max-width:24em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;cursor:pointer}
tr.open td.long{white-space:normal;overflow:visible}
tbody tr{scroll-margin-top:2.5em}tbody tr:target{outline:3px solid #4f81bd}
.dryrun{background:#fff3c4;border:1px solid #d9b300;padding:.4em .6em}
ul.deadlines{padding-left:1.2em}ul.deadlines li{margin:.3em 0}.soon{color:#a40000;font-weight:600}
.ok{color:#176c2c;font-weight:600}.bad{color:#a40000;font-weight:600}tr.attention{background:#fff6e5}
tr.changed td:first-child{border-left:4px solid #a40000}tr.recovered td:first-child{border-left:4px solid #176c2c}
.charts{display:flex;gap:2em;flex-wrap:wrap;margin:1em 0}.chart{min-width:18em;flex:1}
.bar{display:flex;align-items:center;gap:.5em;margin:.15em 0;cursor:pointer;border:0;background:none;width:100%;padding:0;font:inherit}
.bar span.label{flex:0 0 auto;text-align:right;white-space:nowrap}
.bar span.fill{height:1em;background:#c0504d;display:inline-block}.provider span.fill{background:#4f81bd}
#filter{font-size:1em;padding:.3em;width:24em;margin:.5em 0}
"""

_SCRIPT = """
(function(){var box=document.getElementById('filter'),rows=document.querySelectorAll('#practices tbody tr'),
shown=document.getElementById('shown');
function apply(){var q=box.value.trim().toLowerCase(),facet=/^(provider|diagnosis|change):\\s*(.*)$/.exec(q),n=0;
for(var i=0;i<rows.length;i++){var r=rows[i],
hit=!q||(facet?r.getAttribute('data-'+facet[1])===facet[2]:r.getAttribute('data-key').indexOf(q)>=0);
r.hidden=!hit;if(hit)n++;}
shown.textContent=n;}
box.addEventListener('input',apply);
document.querySelectorAll('button.bar').forEach(function(b){b.addEventListener('click',function(){
box.value=b.getAttribute('data-filter');apply();});});
document.querySelectorAll('ul.deadlines a').forEach(function(a){a.addEventListener('click',function(){
var target=document.getElementById(a.getAttribute('href').slice(1));
if(target&&target.hidden){box.value='';apply();}});});
document.getElementById('practices').addEventListener('click',function(e){var cell=e.target.closest('td.long');
if(cell)cell.parentNode.classList.toggle('open');});
})();
"""


def row_id(practice: str) -> str:
    """The id of a practice's row, for links (``report.html#p-smiles-dental``)."""
    return "p-" + urllib.parse.quote(practice, safe="")


def _bars(title, counted, css, facet):
    if not counted:
        return '<div class="chart %s"><h3>%s</h3><p>none</p></div>' % (css, html.escape(title))
    top, width = max(counted.values()), max(len(name) for name in counted) + 1
    bars = "".join(
        '<button class="bar" type="button" data-filter="%s:%s" title="show only %s %s">'
        '<span class="label" style="min-width:%dch">%s</span>'
        '<span class="fill" style="width:%.1fem"></span><span>%d</span></button>'
        % (facet, html.escape(name.lower()), facet, html.escape(name), width, html.escape(name), 12.0 * number / top,
           number)
        for name, number in counted.items())
    return '<div class="chart %s"><h3>%s</h3>%s</div>' % (css, html.escape(title), bars)


def _deadlines(groups):
    """The Deadlines list: per provider and date, the days left and the practices, each a link to its row."""
    if not groups:
        return ""
    items = []
    for group in groups:
        left = group["days_left"]
        when = ("in %d day%s" % (left, "" if left == 1 else "s")) if left >= 0 else "passed %d days ago" % -left
        links = ", ".join('<a href="#%s">%s</a>' % (html.escape(row_id(name)), html.escape(name))
                          for name in group["practices"])
        changes = " ".join("%s: %s. To do: %s" % tuple(html.escape(change[key]) for key in ("code", "what", "to_do"))
                           for change in group["changes"])
        items.append('<li><strong>%s</strong> <span class="%s">%s</span>, %s, <strong>%d</strong> practice%s: %s'
                     '<br><small>%s</small></li>'
                     % (html.escape(group["date"]), "soon" if left <= 30 else "left", when,
                        html.escape(group["provider"]), group["count"], "" if group["count"] == 1 else "s", links,
                        changes))
    return '<section id="deadlines"><h2>Deadlines</h2><ul class="deadlines">%s</ul></section>' % "".join(items)


def _cell(row, column):
    value = str(row.get(column, "-") if column not in _OPTIONAL else row.get(column) or "")
    css = _STATUS_CLASS.get(value, "") if column in _STATUS_COLUMNS else ""
    if column == "validated" and value == "no":
        css = "bad"
    if column in ("practice", "diagnosis", "provider", "change", "server", "deadline", "checked"):
        css = (css + " nowrap").strip()
    shown, title = value, ""
    if column in _LONG and value:
        css, title = (css + " long").strip(), ' title="%s"' % html.escape(value)
    if column == "checked" and value:
        shown, title = value[11:19] or value, ' title="%s"' % html.escape(value)  # the date is the run's
    return '<td%s%s>%s</td>' % (' class="%s"' % css if css else "", title, html.escape(shown))


def _row(row, columns):
    classes = []
    if row.get("diagnosis"):
        classes.append("attention")
    if row.get("change"):
        classes.append("recovered" if row["change"] == "recovered" else "changed")
    key = " ".join(str(row.get(c) or "") for c in ("practice", "provider", "diagnosis", "change")).lower()
    facets = "".join(' data-%s="%s"' % (facet, html.escape(str(row.get(facet) or "").lower())) for facet in _FACETS)
    return '<tr id="%s"%s data-key="%s"%s>%s</tr>' % (
        html.escape(row_id(row["practice"])), ' class="%s"' % " ".join(classes) if classes else "", html.escape(key),
        facets, "".join(_cell(row, column) for column in columns))


def render(report: Mapping[str, Any], summary: str) -> str:
    """The page; ``summary`` is the report's one-line summary, worded as on the console."""
    rows = report["practices"]
    columns = [c for c in _COLUMNS if c not in _OPTIONAL or any(r.get(c) not in (None, "", "-") for r in rows)]
    totals, run = report["totals"], report.get("run") or {}
    facts = "Run %s, %s to %s, by %s%s." % (
        html.escape(str(run.get("run_id"))), html.escape(str(run.get("started"))), html.escape(str(run.get("ended"))),
        html.escape(str(run.get("operator"))),
        (", inventory at commit %s" % html.escape(str(run["inventory_commit"]))) if run.get("inventory_commit") else "")
    changed = ""
    if report.get("previous_run_id") is not None:
        changed = " Changed since run %s: listed first." % html.escape(str(report["previous_run_id"]))
    dry_run = ""
    if run.get("check_mode") or totals.get("would_change"):
        dry_run = ('<p class="dryrun"><strong>Dry run (check mode): nothing was written.</strong> '
                   'The rows say what a real run would do (<em>would change</em>, <em>would write</em>).</p>')
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Mail accounts: fleet summary</title>
<style>%s</style></head><body>
<h1>Mail accounts: fleet summary</h1>
<p>%s</p>
%s%s
<p><strong>%s.</strong>%s</p>
%s
<div class="charts">%s%s</div>
<label>Filter (practice, provider, diagnosis, change; provider:KEY for exactly that provider):
<input id="filter" type="search" autocomplete="off"></label>
<span><span id="shown">%d</span> of %d shown</span>
<table id="practices"><thead><tr>%s</tr></thead><tbody>
%s
</tbody></table>
<script>%s</script>
</body></html>
""" % (_STYLE, facts, dry_run, _deadlines(report.get("deadlines")), html.escape(summary), changed,
       "".join('<p class="note">Note: %s</p>' % html.escape(note) for note in report.get("notes") or ()),
       _bars("Need attention, by diagnosis", report["counts"]["diagnosis"], "diagnosis", "diagnosis"),
       _bars("Practices by provider", report["counts"]["provider"], "provider", "provider"),
       len(rows), len(rows), "".join("<th>%s</th>" % html.escape(c) for c in columns),
       "\n".join(_row(row, columns) for row in rows), _SCRIPT)
