"""What a practice's row says: dry runs and restores as such, the server, its reply and the check time, the deadlines.

Results are shaped as mail_account, mail_verify and mail_declaration return them (their RETURN blocks).
"""

import datetime
import json
import re
from types import SimpleNamespace

from ansible.executor.stats import AggregateStats

from ansible_collections.mailops.mailconfig.plugins.callback.fleet_summary import CallbackModule
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report

SECRET = "Never-In-A-Report-4471"
OK_SIDE = {"status": "ok", "code": None, "message": "logged in", "hint": None, "host": "smtp.gmail.com", "port": 465,
           "server_response": "235 2.7.0 Accepted"}
FAILED_IMAP = {"status": "failed", "code": "auth_failed", "message": "rejected", "hint": "check the password",
               "host": "imap.gmail.com", "port": 993,
               "server_response": "a1 NO [AUTHENTICATIONFAILED] Invalid credentials"}
DECLARATION = {"provider": "gmail", "address": "a@example.test", "auth": {"method": "password", "password": SECRET}}


def _result(action, host, data, check_mode=False):
    task = SimpleNamespace(resolved_action="mailops.mailconfig." + action, action=action, check_mode=check_mode,
                           args={})
    return SimpleNamespace(_task=task, _host=SimpleNamespace(get_name=lambda: host), _task_fields={"args": {}},
                           _result=dict(data, invocation={"module_args": {"declaration": DECLARATION}}))


def _summary(tmp_path, report=None):
    """The callback with the options ansible-core would give it (report unset: no files but the audit log)."""
    summary = CallbackModule()
    summary._plugin_options = {"report": report, "previous": None, "prometheus": None,
                               "audit_log": str(tmp_path / "audit.jsonl")}
    return summary


def _applied(outcome="written", **more):
    return dict({"changed": True, "outcome": outcome, "kept_previous": False, "tested": True, "tested_from": "site",
                 "ok": True, "outgoing": OK_SIDE, "incoming": dict(OK_SIDE, host="imap.gmail.com", port=993)}, **more)


def test_a_dry_run_row_says_would_write_and_would_change():
    summary = CallbackModule()
    summary.v2_runner_on_ok(_result("mail_account", "p1", _applied(), check_mode=True))
    unchanged = _applied(changed=False, outcome="unchanged")
    summary.v2_runner_on_ok(_result("mail_account", "p2", unchanged, check_mode=True))
    assert summary.rows["p1"]["changed"] == "would change"
    assert summary.rows["p1"]["outcome"] == "would write (tested from site)"
    assert (summary.rows["p2"]["changed"], summary.rows["p2"]["outcome"]) == ("no", "unchanged (tested from site)")
    totals = _report.build(summary.rows.values(), {})["totals"]
    assert (totals["changed"], totals["would_change"]) == (0, 1)


def test_a_real_run_row_says_written(tmp_path):
    summary = _summary(tmp_path)
    summary.v2_runner_on_ok(_result("mail_account", "p1", _applied(outcome="kept_previous", changed=False)))
    summary.v2_runner_on_ok(_result("mail_account", "p2", _applied()))
    assert summary.rows["p1"]["outcome"] == "kept_previous (tested from site)"
    assert (summary.rows["p2"]["changed"], summary.rows["p2"]["outcome"]) == ("yes", "written (tested from site)")


def test_a_restore_says_restored_and_names_the_backup(tmp_path):
    summary = _summary(tmp_path)
    backup = "/var/lib/dentalsoft/settings.db.20260102T030405.123456Z.bak"
    summary.v2_runner_on_ok(_result("mail_account", "p1", _applied(restored_from=backup, secret_source="backup")))
    summary.v2_runner_on_ok(_result("mail_account", "p2", _applied(restored_from=backup), check_mode=True))
    assert summary.rows["p1"]["outcome"] == "restored from %s (tested from site)" % backup
    assert summary.rows["p2"]["outcome"].startswith("would restore from " + backup)


def test_a_failing_row_names_the_failing_server_its_reply_and_when():
    summary = CallbackModule()
    failed = {"ok": False, "outgoing": OK_SIDE, "incoming": FAILED_IMAP}
    summary.v2_runner_on_failed(_result("mail_verify", "p1", failed))
    fine = {"ok": True, "outgoing": dict(OK_SIDE, host="::1"), "incoming": {"status": "skipped"}}
    summary.v2_runner_on_ok(_result("mail_verify", "p2", fine))
    failing, fine = summary.rows["p1"], summary.rows["p2"]
    assert (failing["server"], failing["reply"], failing["diagnosis"]) == (
        "imap.gmail.com:993", "a1 NO [AUTHENTICATIONFAILED] Invalid credentials", "auth_failed")
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", failing["checked"])
    assert (fine["server"], fine["reply"]) == ("[::1]:465", "")


def test_deadlines_reach_the_report_grouped_and_no_secret_anywhere(tmp_path):
    summary = _summary(tmp_path, report=str(tmp_path / "fleet"))
    change = {"provider": "office365", "date": "2036-12-31", "code": "MC302", "severity": "warning",
              "what": "SMTP AUTH off", "to_do": "move to OAuth"}
    summary.v2_runner_on_ok(_result("mail_declaration", "controller", {
        "declarations": {name: {"ok": True, "provider": "office365", "findings": []} for name in ("p1", "p2", "p3")},
        "deadlines": [dict(change, practice=name) for name in ("p1", "p2", "p3")]}))
    summary.v2_runner_on_ok(_result("mail_account", "p1", _applied()))
    shown = []
    summary._display = SimpleNamespace(display=shown.append, warning=shown.append)
    summary.v2_playbook_on_stats(AggregateStats())
    console = "\n".join(shown)
    assert [line for line in console.splitlines() if line.startswith("deadline ")] == [
        "deadline 2036-12-31 (in %s)  office365  3 practices  MC302: SMTP AUTH off" % _days_to("2036-12-31")]
    report = json.loads((tmp_path / "fleet.json").read_text(encoding="utf-8"))
    assert report["deadlines"][0]["practices"] == ["p1", "p2", "p3"]
    assert report["practices"][0]["deadline"] == "2036-12-31"
    for text in (console, json.dumps(report), (tmp_path / "fleet.html").read_text(encoding="utf-8"),
                 (tmp_path / "audit.jsonl").read_text(encoding="utf-8")):
        assert SECRET not in text


def _days_to(date):
    days = (datetime.date.fromisoformat(date) - datetime.datetime.now(datetime.timezone.utc).date()).days
    return "%d day%s" % (days, "" if days == 1 else "s")
