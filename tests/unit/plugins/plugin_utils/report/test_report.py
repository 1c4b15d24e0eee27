"""The report model: order, changes since the previous run, merge refusals, run ids."""

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report, _report_prometheus, _run_info

RUN = {
    "run_id": "r1",
    "started": "2026-11-30T01:00:00Z",
    "ended": "2026-11-30T01:05:00Z",
    "operator": "ops",
    "inventory_commit": None,
}


def row(name, diagnosis="", provider="gmail"):
    made = _report.new_row(name)
    made.update(
        provider=provider, validated="yes", outgoing="failed" if diagnosis else "ok", incoming="ok", diagnosis=diagnosis
    )
    return made


def test_changes_first_then_attention_then_the_rest():
    previous = _report.build([row("a"), row("b"), row("c", "timeout"), row("d", "auth_failed")], dict(RUN, run_id="r0"))
    report = _report.build(
        [row("a"), row("b", "auth_failed"), row("c"), row("d", "app_password_required"), row("e", "timeout"), row("f")],
        RUN,
        previous,
    )
    assert [(r["practice"], r["change"]) for r in report["practices"]] == [
        ("b", "newly failing"),
        ("e", "newly failing"),
        ("d", "new diagnosis"),
        ("c", "recovered"),
        ("a", ""),
        ("f", ""),
    ]
    assert [r["practice"] for r in _report.new_failures(report)] == ["b", "e", "d"]
    assert report["totals"]["changed_since_previous"] == 4 and report["previous_run_id"] == "r0"
    assert report["counts"] == {
        "diagnosis": {"app_password_required": 1, "auth_failed": 1, "timeout": 1},
        "provider": {"gmail": 6},
    }
    assert _report.table(report).split()[:3] == ["practice", "change", "provider"]


def test_without_a_previous_report_failing_practices_lead():
    report = _report.build([row("a"), row("b", "timeout")], RUN)
    assert [r["practice"] for r in report["practices"]] == ["b", "a"]
    assert _report.table(report).split()[:3] == ["practice", "provider", "validated"]


def test_merge_keeps_rows_and_spans_the_run():
    first = _report.build([row("a")], dict(RUN, ended="2026-11-30T01:03:00Z"))
    second = _report.build([row("b", "timeout")], dict(RUN, started="2026-11-30T01:01:00Z", operator="other"))
    rows, run, deadlines = _report.merge([first, second], ["1.json", "2.json"])
    assert sorted(r["practice"] for r in rows) == ["a", "b"] and deadlines == []
    assert run["started"] == "2026-11-30T01:00:00Z" and run["ended"] == "2026-11-30T01:05:00Z" and run["slices"] == 2
    assert run["operator"] == ["ops", "other"]
    with pytest.raises(_report.ReportError, match="different runs"):
        _report.merge([first, _report.build([row("c")], dict(RUN, run_id="r2"))], ["1.json", "3.json"])


def test_load_refuses_other_versions_and_non_reports(tmp_path):
    (tmp_path / "old.json").write_text('{"generated": "x", "totals": {}, "practices": []}')
    with pytest.raises(_report.ReportError, match="report_version None"):
        _report.load(str(tmp_path / "old.json"))
    (tmp_path / "bad.json").write_text("[1")
    with pytest.raises(_report.ReportError, match="cannot read"):
        _report.load(str(tmp_path / "bad.json"))


def test_run_id_order():
    assert _run_info.run_id({"awx_workflow_job_id": 7}, {"MAILCONFIG_RUN_ID": "mine", "JOB_ID": "3"}) == "mine"
    assert _run_info.run_id({"awx_workflow_job_id": 7, "awx_job_id": 3}, {"JOB_ID": "3"}) == "awx-workflow-7"
    assert _run_info.run_id({}, {"JOB_ID": "3"}) == "awx-job-3"
    generated = _run_info.run_id({}, {})
    assert generated != _run_info.run_id({}, {}) and generated[:2] == "20"
    assert _run_info.operator({"awx_user_name": "admin"}) == "awx:admin"


def test_prometheus_labels_escaped_and_unchecked_sides_left_out():
    odd = row('we"ird\\name')
    odd["incoming"] = "skipped"
    text = _report_prometheus.render(_report.build([odd, row("b", "timeout")], RUN))
    assert 'mailconfig_check_ok{practice="we\\"ird\\\\name",side="outgoing"} 1' in text
    assert 'side="incoming"} 1' not in text.split("\n")[2] and 'practice="b",side="outgoing"} 0' in text
    assert "mailconfig_report_timestamp_seconds 1796000700" in text
