"""Reports across runs, through real verify.yml runs: slices merged, changes since the previous run, alerts.

Practices are virtual users of the test Dovecot, checked from the controller in a batch.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, PlaybookRunner
from tests.servers import declarations, fleet

VERIFY = os.path.join(ROOT, "playbooks", "verify.yml")
REPORT_CLI = os.path.join(ROOT, "bin", "mailconfig-report")
WRONG = "Wrong-Report-Pass-5150"


def verify(folder, state, count, report, *args, wrong=(), env=None):
    """verify.yml from the controller over ``count`` practices; those in ``wrong`` have a wrong password."""
    overrides = {n: declarations.virtual(state, n, password=WRONG) for n in wrong}
    inventory = fleet.write(folder, state, count, overrides,
                            {"mail_account_verify_from": "controller", "mail_account_verify_fail_on_error": False})
    result = PlaybookRunner(folder).run(
        VERIFY, *args, inventory=inventory, env=dict({"MAILCONFIG_REPORT": report}, **(env or {}))
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return result


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def cli(*args):
    return subprocess.run([sys.executable, REPORT_CLI] + list(args), capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def slices(mail_servers, tmp_path_factory):
    """One run of 6 practices unsliced, and the same run in two slices (as AWX job slicing runs it)."""
    folder = tmp_path_factory.mktemp("slices")
    run = {"MAILCONFIG_RUN_ID": "sliced-run-1"}
    verify(folder / "whole", mail_servers, 6, str(folder / "whole" / "report"), wrong=(4,), env=run)
    for number, limit in ((1, "practice0000:practice0001:practice0002"), (2, "practice0003:practice0004:practice0005")):
        verify(
            folder / ("slice%d" % number),
            mail_servers,
            6,
            str(folder / ("slice%d" % number) / "report"),
            "--limit",
            limit,
            wrong=(4,),
            env=run,
        )
    return folder


def test_two_slices_merged_equal_the_unsliced_report(slices):
    merged = cli(
        "merge",
        str(slices / "slice1" / "report.json"),
        str(slices / "slice2" / "report.json"),
        "-o",
        str(slices / "fleet"),
    )
    assert merged.returncode == 0, merged.stderr
    whole, fleet_report = load(str(slices / "whole" / "report.json")), load(str(slices / "fleet.json"))
    untimed = [dict(row, checked=None) for row in whole["practices"]]
    assert [dict(row, checked=None) for row in fleet_report["practices"]] == untimed
    started = fleet_report["run"]["started"]
    assert all(row["checked"] >= started for row in fleet_report["practices"])  # each slice's own time
    failing = next(row for row in fleet_report["practices"] if row["diagnosis"])
    assert failing["server"].startswith("127.0.0.1:") and failing["reply"].startswith("535 ")
    for path in ("fleet.json", "fleet.html", "whole/report.json", "whole/report.html"):
        assert WRONG not in (slices / path).read_text(encoding="utf-8"), path
    assert fleet_report["totals"] == whole["totals"] and fleet_report["counts"] == whole["counts"]
    assert fleet_report["counts"]["diagnosis"] == {"auth_failed": 1}
    assert fleet_report["run"]["run_id"] == "sliced-run-1" and fleet_report["run"]["slices"] == 2
    assert fleet_report["report_version"] == 1
    assert "practice0004" in (slices / "fleet.html").read_text(encoding="utf-8")
    assert "6 practices: 6 validated, 0 changed, 5 verified ok, 1 needs attention" in merged.stdout


def test_reports_of_different_runs_or_versions_are_refused(slices, tmp_path):
    other = load(str(slices / "slice2" / "report.json"))
    other["run"]["run_id"] = "another-run"
    (tmp_path / "other.json").write_text(json.dumps(other))
    refused = cli(
        "merge", str(slices / "slice1" / "report.json"), str(tmp_path / "other.json"), "-o", str(tmp_path / "out")
    )
    assert refused.returncode == 2
    assert "different runs (another-run, sliced-run-1)" in refused.stderr and not (tmp_path / "out.json").exists()
    other["run"]["run_id"], other["report_version"] = "sliced-run-1", 99
    (tmp_path / "other.json").write_text(json.dumps(other))
    refused = cli(
        "merge", str(slices / "slice1" / "report.json"), str(tmp_path / "other.json"), "-o", str(tmp_path / "out")
    )
    assert refused.returncode == 2 and "report_version 99; this mailconfig reads version 1" in refused.stderr
    twice = cli(
        "merge",
        str(slices / "slice1" / "report.json"),
        str(slices / "slice1" / "report.json"),
        "-o",
        str(tmp_path / "out"),
    )
    assert twice.returncode == 2 and "is in both" in twice.stderr


def test_changes_since_the_previous_run_come_first(mail_servers, tmp_path):
    """Previous: three ok and one failing. Now: one of the three newly failing, the failing one recovered."""
    previous = str(tmp_path / "previous")
    verify(tmp_path / "first", mail_servers, 4, previous, wrong=(3,))
    current = str(tmp_path / "current")
    result = verify(tmp_path / "second", mail_servers, 4, current, wrong=(1,), env={
        "MAILCONFIG_REPORT_PREVIOUS": previous + ".json", "MAILCONFIG_PROMETHEUS": str(tmp_path / "mail.prom")})
    report = load(current + ".json")
    assert [(row["practice"], row["change"]) for row in report["practices"]] == [
        ("practice0001", "newly failing"), ("practice0003", "recovered"), ("practice0000", ""), ("practice0002", "")]
    assert report["practices"][1]["previous_diagnosis"] == "auth_failed"
    assert report["previous_run_id"] == load(previous + ".json")["run"]["run_id"]
    summary = result.stdout.split("MAIL ACCOUNTS")[1].splitlines()
    rows = [line.split() for line in summary if line.startswith("practice0")]
    assert [row[:3] for row in rows[:2]] == [
        ["practice0001", "newly", "failing"],
        ["practice0003", "recovered", "other"],
    ]
    assert "2 changed since the previous report" in result.stdout
    page = open(current + ".html", encoding="utf-8").read()
    assert page.index("practice0001") < page.index("practice0003") < page.index("practice0000")
    prom = (tmp_path / "mail.prom").read_text()
    assert 'mailconfig_check_ok{practice="practice0001",side="outgoing"} 0' in prom
    assert 'mailconfig_check_ok{practice="practice0003",side="incoming"} 1' in prom
    assert 'mailconfig_practices_by_diagnosis{diagnosis="auth_failed"} 1' in prom

    alert = cli(
        "merge", current + ".json", "--previous", previous + ".json", "--fail-on", "new", "-o", str(tmp_path / "again")
    )
    assert alert.returncode == 1 and "1 practice newly failing since run" in alert.stdout
    quiet = cli(
        "merge", previous + ".json", "--previous", previous + ".json", "--fail-on", "new", "-o", str(tmp_path / "same")
    )
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert cli("merge", previous + ".json", "--fail-on", "attention", "-o", str(tmp_path / "same")).returncode == 1
