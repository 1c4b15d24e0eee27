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
  - Collects the results of the C(mail_declaration), C(mail_account), C(mail_verify), C(mail_verify_batch) and
    C(mail_sender_check) tasks of every host (a batch task's result gives each practice it checked its row) and
    prints, when the playbook ends, one row per practice with its provider, whether its declaration validated,
    whether its settings changed (and the apply outcome and where it was tested from, when the module reports
    them), the outgoing and incoming check results, the sender DNS check, the server (C(host:port)) of the failing
    side (else the outgoing one), its dated provider changes, and the diagnosis code and hint of the first problem;
    then totals. The JSON and HTML reports add the server's reply and when the check ran.
  - A practice on a guided application (EXACT, set up by hand in its own wizard) shows as C(awaiting entry) until
    C(mail_account_entered) records the day its settings were typed in, then as C(entered and verified) with both
    dates in a run whose check of the declared settings passed; the table and the reports say what that check cannot
    prove.
  - In check mode nothing is written, and the rows say so (C(would change), C(would write)). A restore says
    C(restored from) and the backup file it put back.
  - When O(report) is set, writes the same as C(<report>.json) and as a self-contained C(<report>.html) page, with
    C(report_version), the run (C(run_id), start and end, operator, inventory git commit), counts by diagnosis and
    provider, and with O(previous) what changed since then.
  - After the table, the deadlines of the C(validate) and C(site) playbooks, soonest first, one line per provider and
    date (Microsoft 365 turning SMTP AUTH password login off by default, a retired password login) with the days left,
    the number of practices and what changes. The JSON report has them as C(deadlines) (each with the practices it
    hits and what to do), the HTML report as a Deadlines list linking to the practices' rows.
  - Appends every settings change to the audit log (O(audit_log)), with or without O(report).
  - Reads only values that the modules already return masked; no secret reaches the table, the reports or the log.
requirements:
  - The collection's playbooks load it themselves (C(playbooks/callback_plugins)); for other playbooks enable it in
    C(ansible.cfg) (C(callbacks_enabled = mailops.mailconfig.fleet_summary)) or with C(ANSIBLE_CALLBACKS_ENABLED).
extends_documentation_fragment:
  - mailops.mailconfig.fleet_summary
author:
  - mailconfig contributors (@mailops)
'''

from ansible import context
from ansible.plugins.callback import CallbackBase

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._lockout_guard import guarded
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _deadlines
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _audit_log, _entry_state, _report, _run_info

_ACTIONS = {"mail_declaration": "validate", "mail_account": "apply", "mail_verify": "verify", "mail_verify_batch": "verify_batch",
            "mail_sender_check": "sender"}
# Warnings that need someone even when nothing failed: an Open Dental practice on Microsoft 365 with a password.
_ATTENTION = ("MC711",)
# mail_account's outcome in check mode, said as what a real run would do.
_WOULD = {"written": "would write", "written_untested": "would write untested", "kept_previous": "would keep previous"}


def _step(task):
    name = (getattr(task, "resolved_action", None) or task.action or "").rsplit(".", 1)[-1]
    return _ACTIONS.get(name)


def _vantage(data):
    """Where the apply step's test ran from, or that the lockout guard stopped it (no login was tried)."""
    if data.get("tested") and guarded(data):
        return " (not tested: lockout guard)"
    return " (tested from %s)" % data["tested_from"] if data.get("tested_from") else ""


def _outcome(data, dry):
    """The apply outcome as the row says it: a restore names its backup, a dry run says what it would do."""
    outcome = data["outcome"]
    if data.get("restored_from") and outcome in ("written", "restored"):
        return "%s from %s" % ("would restore" if dry else "restored", data["restored_from"])
    return _WOULD.get(outcome, outcome) if dry else outcome


# What names a store in the audit log: a file store's path and table, a database store's server, database and clinic.
_AUDITED_STORE = ("type", "application", "path", "table", "host", "port", "database", "clinic")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "mailops.mailconfig.fleet_summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.rows = {}
        self.run = None
        self.deadlines = []  # dated provider changes per practice (validate), soonest first
        self.play_hosts = {}  # every practice a play of the run targeted, in order: those never reached get a row too

    def _row(self, host):
        return self.rows.setdefault(host, _report.new_row(host))

    def _note(self, row, code, hint):
        if not row["diagnosis"]:
            row["diagnosis"], row["hint"] = code or "", hint or ""

    # ---- the run -------------------------------------------------------------------------------------------------

    def v2_playbook_on_play_start(self, play):
        manager = play.get_variable_manager()
        inventory = getattr(manager, "_inventory", None)
        if self.run is None:
            self.run = _run_info.start(dict(manager.extra_vars), list(getattr(inventory, "_sources", None) or ()))
        self.run["check_mode"] = bool(context.CLIARGS.get("check"))
        if inventory is not None:
            # the whole play, not only this serial batch (--limit still applies)
            self.play_hosts.update(dict.fromkeys(host.get_name() for host in inventory.get_hosts(play.hosts, ignore_restrictions=True)))

    def _not_reached(self, stats):
        """A row for each practice of the run's plays that no step reached, with why (the rollout stopped, or the run ended)."""
        failed = sorted(host for host in self.rows if stats.summarize(host).get("failures"))
        why = ("the rollout stopped before this practice's batch: an earlier batch had more failures than "
               "mail_account_max_fail_percentage allows (failed: %s)" % ", ".join(failed) if failed else
               "the run ended before any step reached this practice")
        for host in self.play_hosts:
            if host not in self.rows:
                row = self._row(host)
                row["outcome"] = "not reached"
                self._note(row, "not_reached", why)

    # ---- results -------------------------------------------------------------------------------------------------

    def _attention(self, row, findings):
        for finding in findings or ():
            if finding.get("code") in _ATTENTION:
                self._note(row, finding["code"], finding.get("message"))

    def _record(self, result, failed):
        step = _step(result._task)
        if step is None:
            return
        if step == "verify" and (result._task_fields.get("args") or {}).get("from_batch"):
            # the batch task's result already gave this practice its row; reading the result again would cost
            # ansible-core a conversion of it per practice, in the one process that runs the whole play
            return
        data = result._result
        if step == "validate" and isinstance(data.get("declarations"), dict):
            self._validated_many(data["declarations"])
            self.deadlines = _deadlines.merged(self.deadlines, data.get("deadlines") or (), data["declarations"])
            return
        if step == "verify_batch":  # verify from the controller: every practice's row from the one task
            for host, entry in (data.get("results") or {}).items():
                self._practice("verify", host, entry, not entry.get("ok"), result)
            return
        self._practice(step, result._host.get_name(), data, failed, result)

    def _practice(self, step, host, data, failed, result):
        """One practice's result of one step into its row."""
        row = self._row(host)
        declaration = ((data.get("invocation") or {}).get("module_args") or {}).get("declaration") or {}
        if declaration.get("provider") or data.get("provider"):
            row["provider"] = declaration.get("provider") or data["provider"]
        # Declaration findings; a sender check that ran (it names its domain) reports DNS findings instead.
        ran_dns = step == "sender" and "domain" in data
        errors = [] if ran_dns else [f for f in data.get("findings") or () if f.get("severity") == "error"]
        if data.get("argument_errors"):  # refused by the batch check for its role variables (playbooks/site.yml, verify.yml)
            row["validated"] = "no"
            self._note(row, "role_variables", data["argument_errors"][0])
        if step == "validate" or errors:
            row["validated"] = "no" if errors or (failed and step == "validate") else "yes"
            if errors:
                self._note(row, errors[0]["code"], "%s: %s" % (errors[0]["path"], errors[0]["message"]))
        self._attention(row, data.get("findings"))
        if step in ("apply", "verify") and not errors and row["validated"] == "-":
            row["validated"] = "yes"  # their action plugins validate the declaration before the module runs
        if data.get("guided"):  # set up by hand (EXACT): its outcome is settled when the run ends
            row["guided"] = dict(row.get("guided") or {}, **data["guided"])
        if step == "apply" and not (errors or data.get("argument_errors")):  # refused ones never reached the store
            self._applied(row, result, data, failed, errors)
        if step == "verify" or data.get("tested"):  # mail_account's test before the save has the same sides
            self._verified(row, data, failed, errors)
        if ran_dns:
            self._sender(row, data, failed)
        elif step == "sender":
            row["sender"] = "failed"  # refused before any DNS question

    def _applied(self, row, result, data, failed, errors):
        """The apply step: changed or not, the module's outcome and test vantage when it reports them, the audit line."""
        dry = result._task.check_mode
        changed = (_report.WOULD_CHANGE if dry else "yes") if data.get("changed") else "no"
        row["changed"] = "failed" if failed else changed
        if data.get("outcome"):
            row["outcome"] = _outcome(data, dry) + _vantage(data)
        if failed and not errors and not data.get("tested"):  # a failed test is noted with its diagnosis
            self._note(row, "apply_failed", data.get("msg", ""))
        if (data.get("changed") or failed) and not result._task.check_mode:
            self._audit(row["practice"], data, failed)

    def _verified(self, row, data, failed, errors):
        """The check's sides; the row names the failing side's server and reply (else the outgoing server) and when."""
        sides = [data.get(side) or {} for side in ("outgoing", "incoming")]
        for side, check in zip(("outgoing", "incoming"), sides):
            if check.get("status"):
                row[side] = check["status"]
            if check.get("status") == "failed":
                self._note(row, check.get("code"), check.get("hint") or check.get("message"))
        shown = next((check for check in sides if check.get("status") == "failed"), sides[0])
        if shown.get("host"):
            host = "[%s]" % shown["host"] if ":" in str(shown["host"]) else shown["host"]
            row["server"] = "%s:%s" % (host, shown.get("port"))
            row["reply"] = (shown.get("server_response") or "") if shown.get("status") == "failed" else ""
        if any(check.get("status") for check in sides):
            row["checked"] = _run_info.now()
        if failed and not errors and row["outgoing"] == "-":
            self._note(row, "verify_failed", data.get("msg", ""))

    def _validated_many(self, declarations):
        """One mail_declaration task that checked many hosts (validate.yml): a row for each."""
        for name, checked in declarations.items():
            row = self._row(name)
            row["validated"] = "yes" if checked.get("ok") else "no"
            row["provider"] = checked.get("provider") or row["provider"]
            findings = checked.get("findings") or ()
            if checked.get("guided"):
                row["guided"] = dict(checked["guided"], **(row.get("guided") or {}))
            self._attention(row, findings)
            problems = [f for f in findings if f.get("severity") == "error"] or [f for f in findings if f.get("severity") == "warning"]
            if not checked.get("ok"):
                if checked.get("argument_errors"):
                    self._note(row, "role_variables", checked["argument_errors"][0])
                elif problems:
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

    # ---- the audit log ---------------------------------------------------------------------------------------------

    def _audit(self, practice, data, failed):
        path = self.get_option("audit_log") or _audit_log.default_path()
        run = self.run or {}
        store = data.get("store") or {}
        _audit_log.append(path, {
            "time": _run_info.now(), "run_id": run.get("run_id"), "operator": run.get("operator"), "practice": practice,
            "store": {k: store.get(k) for k in _AUDITED_STORE if store.get(k) is not None},
            "keys": _audit_log.changed_keys(data), "changed": bool(data.get("changed")),
            "outcome": data.get("outcome") or ("failed" if failed else "written"), "restored_from": data.get("restored_from"),
            "tested_from": data.get("tested_from"), "inventory_commit": run.get("inventory_commit")})

    # ---- the end ---------------------------------------------------------------------------------------------------

    def report(self):
        """The report of this run (compared with the previous one when given)."""
        run = dict(self.run or _run_info.start({}, ()))
        run["ended"] = _run_info.now()
        previous = _report.load(self.get_option("previous")) if self.get_option("previous") else None
        return _report.build(self.rows.values(), run, previous, self.deadlines)

    def v2_playbook_on_stats(self, stats):
        if not self.rows:
            return
        self._not_reached(stats)
        for row in self.rows.values():
            if row.get("guided") and row.get("outcome") != "not reached":
                _entry_state.settle(row)
        try:
            report = self.report()
        except _report.ReportError as exc:
            self._display.warning("fleet summary: %s; no comparison with the previous report" % exc)
            run = dict(self.run or {}, ended=_run_info.now())
            report = _report.build(self.rows.values(), run, deadlines=self.deadlines)
        self._display.display("\nMAIL ACCOUNTS " + "*" * 66)
        self._display.display(_report.table(report))
        for line in _report.deadline_lines(report):
            self._display.display(line)
        prefix = self.get_option("report")
        _report.write(report, prefix, self.get_option("prometheus"))
        if prefix:
            self._display.display("report: %s.html (and %s.json)" % (prefix, prefix))
