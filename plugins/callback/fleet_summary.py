# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: fleet_summary
type: aggregate
short_description: One table at the end of a rollout, which practices are fine and which need attention
version_added: 0.1.0
description:
  - Collects the results of the C(mail_declaration), C(mail_account), C(mail_verify) and C(mail_sender_check) tasks
    of every host and prints, when the playbook ends, one row per practice with its provider, whether its declaration
    validated, whether its settings changed, the outgoing and incoming check results, the sender DNS check, and the
    diagnosis code and hint of the first problem; then totals.
  - After the table, the deadline list of the C(validate) playbook, soonest first; every practice a dated provider
    change hits (Microsoft 365 turning SMTP AUTH password login off by default, a retired password login), with the
    provider, the date and what to do. The JSON report has it as C(deadlines).
  - When O(report) is set, writes the same as C(<report>.json) and as a self-contained C(<report>.html) page.
  - Reads only values that the modules already return masked; no secret reaches the table or the reports.
requirements:
  - enable it in C(ansible.cfg) (C(callbacks_enabled = mailops.mailconfig.fleet_summary)); the collection's playbooks
    ship an C(ansible.cfg) that does.
options:
  report:
    description: Path prefix of the JSON and HTML reports; no report when unset.
    type: path
    env:
      - name: MAILCONFIG_REPORT
    ini:
      - section: mailconfig
        key: report
author:
  - mailconfig contributors (@mailops)
'''

import datetime
import html
import json
import os

from ansible.plugins.callback import CallbackBase

COLUMNS = ("practice", "provider", "validated", "changed", "outgoing", "incoming", "sender", "diagnosis", "hint")
_ACTIONS = {"mail_declaration": "validate", "mail_account": "apply", "mail_verify": "verify", "mail_sender_check": "sender"}
# Warnings that need someone even when nothing failed: an Open Dental practice on Microsoft 365 with a password.
_ATTENTION = ("MC711",)


def _step(task):
    name = (getattr(task, "resolved_action", None) or task.action or "").rsplit(".", 1)[-1]
    return _ACTIONS.get(name)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "mailops.mailconfig.fleet_summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.rows = {}
        self.deadlines = []  # dated provider changes per practice (validate), soonest first

    def _row(self, host):
        return self.rows.setdefault(host, dict.fromkeys(COLUMNS, "-") | {"practice": host, "diagnosis": "", "hint": ""})

    def _note(self, row, code, hint):
        if not row["diagnosis"]:
            row["diagnosis"], row["hint"] = code or "", hint or ""

    def _attention(self, row, findings):
        for finding in findings or ():
            if finding.get("code") in _ATTENTION:
                self._note(row, finding["code"], finding.get("message"))

    def _record(self, result, failed):
        step = _step(result._task)
        if step is None:
            return
        data = result._result
        if step == "validate" and isinstance(data.get("declarations"), dict):
            self._validated_many(data["declarations"])
            self.deadlines = list(data.get("deadlines") or ())
            return
        row = self._row(result._host.get_name())
        declaration = ((data.get("invocation") or {}).get("module_args") or {}).get("declaration") or {}
        if declaration.get("provider"):
            row["provider"] = declaration["provider"]
        # Declaration findings; a sender check that ran (it names its domain) reports DNS findings instead.
        ran_dns = step == "sender" and "domain" in data
        errors = [] if ran_dns else [f for f in data.get("findings") or () if f.get("severity") == "error"]
        if step == "validate" or errors:
            row["validated"] = "no" if errors or (failed and step == "validate") else "yes"
            if errors:
                self._note(row, errors[0]["code"], "%s: %s" % (errors[0]["path"], errors[0]["message"]))
        self._attention(row, data.get("findings"))
        if step in ("apply", "verify") and not errors and row["validated"] == "-":
            row["validated"] = "yes"  # their action plugins validate the declaration before the module runs
        if step == "apply":
            row["changed"] = "failed" if failed else ("yes" if data.get("changed") else "no")
            if failed and not errors and not data.get("tested"):
                self._note(row, "apply_failed", data.get("msg", ""))
        if step == "verify" or data.get("tested"):  # mail_account's test before the save has the same sides
            for side in ("outgoing", "incoming"):
                check = data.get(side) or {}
                if check.get("status"):
                    row[side] = check["status"]
                if check.get("status") == "failed":
                    self._note(row, check.get("code"), check.get("hint") or check.get("message"))
            if failed and not errors and row["outgoing"] == "-":
                self._note(row, "verify_failed", data.get("msg", ""))
        if ran_dns:
            self._sender(row, data, failed)
        elif step == "sender":
            row["sender"] = "failed"  # refused before any DNS question

    def _validated_many(self, declarations):
        """One mail_declaration task that checked many hosts (validate.yml): a row for each."""
        for name, checked in declarations.items():
            row = self._row(name)
            row["validated"] = "yes" if checked.get("ok") else "no"
            row["provider"] = checked.get("provider") or row["provider"]
            findings = checked.get("findings") or ()
            self._attention(row, findings)
            problems = [f for f in findings if f.get("severity") == "error"] or [f for f in findings if f.get("severity") == "warning"]
            if not checked.get("ok"):
                if problems:
                    self._note(row, problems[0]["code"], "%s: %s" % (problems[0]["path"], problems[0]["message"]))
                else:
                    self._note(row, "no_declaration", "the host has no mail_account variable")

    def _sender(self, row, data, failed):
        """The DNS sender check: ok, or the worst finding's severity; its first error becomes the diagnosis."""
        findings = data.get("findings") or []
        worst = [severity for severity in ("error", "warning") if any(f.get("severity") == severity for f in findings)]
        row["sender"] = "failed" if failed and not findings else (worst[0] if worst else "ok")
        problem = next((f for f in findings if f.get("severity") == "error"), None)
        if problem:
            self._note(row, problem["code"], problem.get("hint") or problem.get("message"))

    def v2_runner_on_ok(self, result):
        self._record(result, failed=False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_runner_on_unreachable(self, result):
        row = self._row(result._host.get_name())
        self._note(row, "unreachable", "Ansible could not reach the site: %s" % result._result.get("msg", ""))

    def totals(self):
        rows = self.rows.values()
        return {
            "practices": len(self.rows),
            "validated": sum(1 for r in rows if r["validated"] == "yes"),
            "changed": sum(1 for r in rows if r["changed"] == "yes"),
            "verified_ok": sum(1 for r in rows if r["outgoing"] == "ok" and r["incoming"] in ("ok", "skipped", "-")),
            "need_attention": sum(1 for r in rows if r["diagnosis"]),
        }

    def table(self):
        rows = [COLUMNS] + [tuple(str(r[c]) for c in COLUMNS) for _host, r in sorted(self.rows.items())]
        widths = [min(max(len(row[i]) for row in rows), 60) for i in range(len(COLUMNS))]
        lines = ["  ".join(cell[:60].ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        totals = self.totals()
        lines.append("")
        lines.append("%(practices)d practices: %(validated)d validated, %(changed)d changed, "
                     "%(verified_ok)d verified ok, %(need_attention)d need attention" % totals)
        return "\n".join(lines)

    def v2_playbook_on_stats(self, stats):
        if not self.rows:
            return
        self._display.display("\nMAIL ACCOUNTS " + "*" * 66)
        self._display.display(self.table())
        for row in self.deadlines:
            self._display.display("deadline %(date)s  %(practice)s  %(provider)s  %(code)s: %(what)s\n    to do: %(to_do)s" % row)
        prefix = self.get_option("report")
        if prefix:
            self.write_reports(prefix)
            self._display.display("report: %s.html (and %s.json)" % (prefix, prefix))

    def write_reports(self, prefix):
        folder = os.path.dirname(os.path.abspath(prefix))
        os.makedirs(folder, exist_ok=True)
        generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        data = {"generated": generated, "totals": self.totals(), "practices": [r for _host, r in sorted(self.rows.items())],
                "deadlines": self.deadlines}
        with open(prefix + ".json", "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        with open(prefix + ".html", "w", encoding="utf-8") as handle:
            handle.write(_html(data))


_STATUS_CLASS = {"ok": "ok", "yes": "ok", "no": "", "failed": "bad", "error": "bad", "warning": "", "skipped": "", "-": ""}


def _html(data):
    head = "".join("<th>%s</th>" % html.escape(c) for c in COLUMNS)
    body = []
    for row in data["practices"]:
        cells = []
        for column in COLUMNS:
            value = str(row[column])
            css = _STATUS_CLASS.get(value, "") if column in ("validated", "changed", "outgoing", "incoming", "sender") else ""
            if column == "validated" and value == "no":
                css = "bad"
            cells.append('<td class="%s">%s</td>' % (css, html.escape(value)))
        body.append('<tr class="%s">%s</tr>' % ("attention" if row["diagnosis"] else "", "".join(cells)))
    totals = data["totals"]
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Mail accounts: fleet summary</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%%}th,td{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0}td:first-child,td:nth-child(8){white-space:nowrap}
.ok{color:#176c2c;font-weight:600}.bad{color:#a40000;font-weight:600}tr.attention{background:#fff6e5}
</style></head><body>
<h1>Mail accounts: fleet summary</h1>
<p>Generated %s. %d practices: %d validated, %d changed, %d verified ok, <strong>%d need attention</strong>.</p>
<table><thead><tr>%s</tr></thead><tbody>
%s
</tbody></table></body></html>
""" % (html.escape(data["generated"]), totals["practices"], totals["validated"], totals["changed"],
       totals["verified_ok"], totals["need_attention"], head, "\n".join(body))
