"""Deadlines in the report: grouped by provider and date, counted from the run's end, merged, alerted on, exported."""

import io
import json

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report, _report_cli, _report_prometheus

RUN = {"run_id": "r1", "started": "2026-12-01T01:00:00Z", "ended": "2026-12-06T01:05:00Z", "operator": "ops",
       "inventory_commit": None}
SMTP_OFF = "Microsoft 365 (Exchange Online) disables password login to SMTP (basic authentication) by default"
IMAP_GONE = "Microsoft 365 (Exchange Online) retired password login to IMAP (basic authentication) for good"
TO_DO = "After that, your tenant admin can re-enable it; move to OAuth: auth.method: oauth2 (see docs/oauth.md)."


def row(name, provider="office365", diagnosis=""):
    made = _report.new_row(name)
    made.update(provider=provider, validated="yes", outgoing="failed" if diagnosis else "ok", incoming="ok",
                diagnosis=diagnosis)
    return made


def deadline(practice, provider="office365", date="2026-12-31", code="MC302", what=SMTP_OFF):
    """A row as _deadlines.deadlines makes it from a validate run's findings."""
    return {"practice": practice, "provider": provider, "date": date, "code": code, "severity": "warning", "what": what,
            "to_do": TO_DO}


# Two practices on Microsoft 365 with IMAP (two changes each), one on SMTP only, one NHSmail, one Gmail.
DEADLINES = [deadline("alpha"), deadline("alpha", date="2022-10-01", code="MC303", what=IMAP_GONE), deadline("bravo"),
             deadline("bravo", date="2022-10-01", code="MC303", what=IMAP_GONE), deadline("charlie"),
             deadline("delta", provider="nhsmail")]
ROWS = [row("alpha"), row("bravo"), row("charlie"), row("delta", "nhsmail"), row("echo", "gmail")]


def test_grouped_by_provider_and_date_soonest_first_each_practice_once():
    report = _report.build(ROWS, RUN, deadlines=DEADLINES)
    assert [(g["date"], g["provider"], g["days_left"], g["count"], g["practices"]) for g in report["deadlines"]] == [
        ("2022-10-01", "office365", -1527, 2, ["alpha", "bravo"]),
        ("2026-12-31", "nhsmail", 25, 1, ["delta"]),
        ("2026-12-31", "office365", 25, 3, ["alpha", "bravo", "charlie"])]
    assert report["deadlines"][2]["changes"] == [
        {"code": "MC302", "severity": "warning", "what": SMTP_OFF, "to_do": TO_DO}]
    by_name = {r["practice"]: r["deadline"] for r in report["practices"]}
    assert by_name == {"alpha": "2022-10-01, 2026-12-31", "bravo": "2022-10-01, 2026-12-31", "charlie": "2026-12-31",
                       "delta": "2026-12-31", "echo": "-"}
    assert json.dumps(report["deadlines"]).count('"charlie"') == 1


def test_console_prints_one_line_per_provider_and_date_with_the_count():
    lines = _report.deadline_lines(_report.build(ROWS, RUN, deadlines=DEADLINES))
    assert lines == [
        "deadline 2022-10-01 (passed 1527 days ago)  office365  2 practices  MC303: " + IMAP_GONE,
        "deadline 2026-12-31 (in 25 days)  nhsmail  1 practice  MC302: " + SMTP_OFF,
        "deadline 2026-12-31 (in 25 days)  office365  3 practices  MC302: " + SMTP_OFF]
    table = _report.table(_report.build(ROWS, RUN, deadlines=DEADLINES))
    assert table.splitlines()[0].split() == ["practice", "provider", "validated", "changed", "outgoing", "incoming",
                                             "sender", "deadline", "diagnosis", "hint"]


def test_merging_slices_regroups_their_deadlines():
    first = _report.build(ROWS[:2], RUN, deadlines=DEADLINES[:4])
    second = _report.build(ROWS[2:], RUN, deadlines=DEADLINES[4:])
    rows, run, deadlines = _report.merge([first, second], ["1.json", "2.json"])
    whole = _report.build(ROWS, RUN, deadlines=DEADLINES)
    assert _report.build(rows, run, deadlines=deadlines)["deadlines"] == whole["deadlines"]


def test_prometheus_gauge_of_days_left_per_practice():
    text = _report_prometheus.render(_report.build(ROWS, RUN, deadlines=DEADLINES))
    assert "# TYPE mailconfig_deadline_days_left gauge" in text
    assert 'mailconfig_deadline_days_left{practice="charlie",provider="office365",date="2026-12-31"} 25' in text
    assert 'mailconfig_deadline_days_left{practice="alpha",provider="office365",date="2022-10-01"} -1527' in text
    assert "echo" not in text.rsplit("mailconfig_deadline_days_left", maxsplit=1)[-1]


@pytest.fixture
def written(tmp_path):
    path = str(tmp_path / "slice.json")
    _report.write(_report.build(ROWS, RUN, deadlines=DEADLINES), str(tmp_path / "slice"))
    return path


@pytest.mark.parametrize("fail_on, status", [(["deadline:30"], 1), (["deadline:25"], 1), (["deadline:24"], 1),
                                             (["attention", "deadline:0"], 1), (["attention"], 0)])
def test_fail_on_deadline_within_days(written, tmp_path, fail_on, status):
    """Within 24 days only the passed 2022 deadline counts; it still fails (a passed deadline is nearer than any)."""
    out = io.StringIO()
    args = ["merge", written, "-o", str(tmp_path / "fleet")]
    args += [part for value in fail_on for part in ("--fail-on", value)]
    assert _report_cli.main(args, out) == status
    text = out.getvalue()
    assert text.count("deadline 2026-12-31") == 2
    if status:
        assert "practice deadlines within" in text and "office365 2022-10-01" in text
    assert ("office365 2026-12-31" in text.split("within")[-1]) == (fail_on[-1] in ("deadline:30", "deadline:25"))


def test_fail_on_deadline_none_near(tmp_path):
    _report.write(_report.build(ROWS[2:], RUN, deadlines=DEADLINES[4:]), str(tmp_path / "slice"))
    out, merge = io.StringIO(), ["merge", str(tmp_path / "slice.json"), "-o", str(tmp_path / "f"), "--fail-on"]
    assert _report_cli.main(merge + ["deadline:24"], out) == 0
    assert _report_cli.main(merge + ["deadline:25"], out) == 1
    assert "4 practice deadlines within 25 days: nhsmail 2026-12-31, office365 2026-12-31" not in out.getvalue()
    assert "2 practice deadlines within 25 days: nhsmail 2026-12-31, office365 2026-12-31" in out.getvalue()


@pytest.mark.parametrize("bad", ["deadline", "deadline:soon", "deadline:-3", "new:4", "later"])
def test_fail_on_refuses_what_it_does_not_know(written, tmp_path, capsys, bad):
    with pytest.raises(SystemExit) as stopped:
        _report_cli.main(["merge", written, "-o", str(tmp_path / "f"), "--fail-on", bad])
    assert stopped.value.code == 2 and "use new, attention or deadline:DAYS" in capsys.readouterr().err
    assert not (tmp_path / "f.json").exists()


def test_html_lists_the_deadlines_first_with_links_to_the_rows(written, tmp_path):
    page = (tmp_path / "slice.html").read_text(encoding="utf-8")
    assert page.index('<section id="deadlines">') < page.index('class="charts"') < page.index('<table id="practices">')
    section = page.split('<section id="deadlines">')[1].split("</section>")[0]
    assert section.index("2022-10-01") < section.index("2026-12-31")
    assert ('<span class="soon">in 25 days</span>, office365, <strong>3</strong> practices: '
            '<a href="#p-alpha">alpha</a>') in section
    assert '<tr id="p-charlie"' in page and "To do: " + TO_DO in section


def test_no_deadline_section_without_deadlines(tmp_path):
    _report.write(_report.build(ROWS, RUN), str(tmp_path / "plain"))
    assert "Deadlines" not in (tmp_path / "plain.html").read_text(encoding="utf-8")
