"""What the report says: plural forms, whole hints on the console, dry runs marked, exact facets in the HTML."""

import io

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report, _report_cli, _report_html

RUN = {"run_id": "r1", "started": "2026-11-30T01:00:00Z", "ended": "2026-11-30T01:05:00Z", "operator": "ops",
       "inventory_commit": None}
HINT = ("Check the user name (usually the full address) and the password; if the provider needs an app password, "
        "create one and store it in the vault; see its documentation")


def row(name, diagnosis="", provider="gmail", **more):
    made = _report.new_row(name)
    made.update(provider=provider, validated="yes", outgoing="failed" if diagnosis else "ok", incoming="ok",
                diagnosis=diagnosis, hint=HINT if diagnosis else "", **more)
    return made


def test_one_practice_is_singular_everywhere(tmp_path):
    report = _report.build([row("a", "auth_failed")], RUN)
    assert _report.summary_line(report) == "1 practice: 1 validated, 0 changed, 0 verified ok, 1 needs attention"
    assert _report.summary_line(_report.build([row("a"), row("b")], RUN)).startswith("2 practices: ")
    _report.write(report, str(tmp_path / "one"))
    out = io.StringIO()
    assert _report_cli.main(["merge", str(tmp_path / "one.json"), "-o", str(tmp_path / "two"), "--previous",
                             str(tmp_path / "empty.json")], out) == 2  # an unreadable previous report: refused
    _report.write(_report.build([], dict(RUN, run_id="r0")), str(tmp_path / "empty"))
    assert _report_cli.main(["merge", str(tmp_path / "one.json"), "-o", str(tmp_path / "two"), "--previous",
                             str(tmp_path / "empty.json"), "--fail-on", "new"], out) == 1
    assert "1 practice newly failing since run r0" in out.getvalue() and "1 practices" not in out.getvalue()
    assert "1 practice: 1 validated" in (tmp_path / "two.html").read_text(encoding="utf-8")


def test_console_hints_wrap_whole_instead_of_being_cut():
    table = _report.table(_report.build([row("a", "auth_failed"), row("b")], RUN))
    assert max(len(line) for line in table.splitlines()) < 160
    hint_column = table.splitlines()[0].index("hint")
    assert " ".join(line[hint_column:].strip() for line in table.splitlines()[2:5]) == HINT
    assert table.splitlines()[3][:hint_column].strip() == ""  # the continuation line leaves the other columns empty


def test_a_dry_run_says_would_change_not_changed(tmp_path):
    rows = [row("a", changed=_report.WOULD_CHANGE, outcome="would write"), row("b", changed="no", outcome="unchanged")]
    report = _report.build(rows, dict(RUN, check_mode=True))
    assert report["totals"]["changed"] == 0 and report["totals"]["would_change"] == 1
    assert _report.summary_line(report) == ("2 practices: 2 validated, 0 changed, 1 would change (check mode: "
                                            "nothing written), 2 verified ok, 0 need attention")
    assert "would write" in _report.table(report)
    page = _report_html.render(report, _report.summary_line(report))
    assert "Dry run (check mode): nothing was written." in page and "<td>would change</td>" in page
    assert "Dry run" not in _report_html.render(_report.build(rows[1:], RUN), "")


def test_html_rows_carry_exact_facets_and_one_line_long_cells():
    rows = [row("skyline-dental", "auth_failed"), row("blue-sky", provider="sky"), row("sky", provider="other")]
    page = _report_html.render(_report.build(rows, RUN), "")
    assert '<tr id="p-blue-sky" data-key="blue-sky sky  " data-provider="sky" data-diagnosis="" data-change="">' in page
    assert 'data-filter="provider:sky"' in page and 'data-filter="diagnosis:auth_failed"' in page
    assert '<td class="long" title="%s">%s</td>' % (HINT, HINT) in page
    assert "td.long{max-width:24em;white-space:nowrap;overflow:hidden" in page


def test_html_shows_server_reply_and_check_time_only_when_known():
    bare = _report_html.render(_report.build([row("a")], RUN), "")
    assert "<th>server</th>" not in bare and "<th>reply</th>" not in bare and "<th>checked</th>" not in bare
    failing = row("a", "auth_failed", server="smtp.gmail.com:465", reply="535-5.7.8 Username and Password not accepted",
                  checked="2026-11-30T01:02:03Z")
    page = _report_html.render(_report.build([failing], RUN), "")
    assert "<th>server</th>" in page and '<td class="nowrap">smtp.gmail.com:465</td>' in page
    assert '<td class="long" title="535-5.7.8 Username and Password not accepted">' in page
    assert '<td class="nowrap" title="2026-11-30T01:02:03Z">01:02:03</td>' in page


def test_row_ids_are_safe_for_any_practice_name():
    assert _report_html.row_id("smiles-dental") == "p-smiles-dental"
    assert _report_html.row_id('a b"<c>') == "p-a%20b%22%3Cc%3E"
