"""The HTML report at a thousand practices, in Debian's real headless chromium.

It renders (a screenshot with content), the filter box hides the rows it should, a
chart bar filters too, and the page opens in under a second, all from a file:// URL
with the network unused. A smaller fleet with deadlines shows the Deadlines list first,
its links jump to the practices' rows, a clicked bar matches its value exactly, chart
labels are whole and failing rows stay one line high.
"""

import random
import struct
import time
import zlib

import pytest

from tests.integration import webdriver
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _report

pytestmark = pytest.mark.skipif(not webdriver.available(), reason="needs /usr/bin/chromium and /usr/bin/chromedriver")

PROVIDERS = ("gmail", "office365", "ionos", "yahoo", "godaddy", "other")
DIAGNOSES = ("auth_failed", "app_password_required", "smtp_auth_disabled", "timeout")


def thousand_rows():
    """1,000 practices: 40 needing attention (10 of each diagnosis), every provider; a previous run where 5 differed."""
    pick = random.Random(14)
    rows, previous = [], []
    for number in range(1000):
        row = _report.new_row("practice%04d" % number)
        row.update(
            provider=PROVIDERS[number % len(PROVIDERS)], validated="yes", changed="no", outgoing="ok", incoming="ok"
        )
        if number % 25 == 3:
            row.update(
                outgoing="failed",
                diagnosis=DIAGNOSES[(number // 25) % 4],
                hint="Check the password " * pick.randint(1, 4),
            )
        rows.append(row)
        before = dict(row)
        if number in (3, 28, 53):  # failing now, fine before: newly failing
            before.update(outgoing="ok", diagnosis="", hint="")
        if number in (500, 501):  # failing before, fine now: recovered
            before.update(outgoing="failed", diagnosis="timeout")
        previous.append(before)
    run = {
        "run_id": "browser-test",
        "started": "2026-11-30T01:00:00Z",
        "ended": "2026-11-30T01:02:00Z",
        "operator": "ci",
        "inventory_commit": None,
    }
    previous_report = _report.build(previous, dict(run, run_id="earlier"))
    return _report.build(rows, run, previous_report)


def png_facts(path):
    """(width, height, distinct byte values in the decoded pixels): a blank page has very few."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    return width, height, len(set(zlib.decompress(b"".join(chunks))))


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    report = thousand_rows()
    _report.write(report, str(folder / "fleet"))
    (folder / "blank.html").write_text("<!DOCTYPE html><title>warm-up</title>")
    with webdriver.Browser(str(folder / "profile")) as browser:
        browser.open((folder / "blank.html").as_uri())  # the browser's own start-up is not the page's cost
        loads = []
        for _attempt in range(5):  # best of five: the machine is shared, and a load can be stalled by others
            started = time.monotonic()
            browser.open((folder / "fleet.html").as_uri())
            loads.append((browser.script("return performance.getEntriesByType('navigation')[0].loadEventEnd"),
                          time.monotonic() - started))
        yield browser, folder, report, min(loads)


def visible_rows(browser):
    return browser.script(
        "return Array.from(document.querySelectorAll('tbody tr')).filter(function(r){return !r.hidden})"
        ".map(function(r){return r.cells[0].textContent})"
    )


def test_thousand_rows_open_in_under_a_second(page):
    """The browser's navigation timing from request to the end of the load event, best of five loads."""
    browser, _folder, _report_data, (load_ms, wall_s) = page
    assert 0 < load_ms < 1000, load_ms
    assert wall_s < 3, wall_s  # with the WebDriver round trip
    assert browser.script("return document.querySelectorAll('tbody tr').length") == 1000


def test_it_renders_changed_and_failing_first_with_the_charts(page):
    browser, folder, report, _load = page
    browser.screenshot(str(folder / "fleet.png"))
    width, height, variety = png_facts(str(folder / "fleet.png"))
    assert width == 1280 and height > 600 and variety > 20
    first = visible_rows(browser)
    assert first[:5] == ["practice0003", "practice0028", "practice0053", "practice0500", "practice0501"]
    assert all(row["diagnosis"] for row in report["practices"][5:42]) and not report["practices"][42]["diagnosis"]
    bars = browser.script(
        "return Array.from(document.querySelectorAll('button.bar')).map(function(b){return "
        "b.getAttribute('data-filter')})"
    )
    assert sorted(bars) == sorted(["diagnosis:" + d for d in DIAGNOSES] + ["provider:" + p for p in PROVIDERS])
    widths = browser.script(
        "return Array.from(document.querySelectorAll('.provider span.fill')).map(function(s){return "
        "s.getBoundingClientRect().width})"
    )
    assert all(width > 0 for width in widths)


def test_filter_box_and_chart_bars_hide_rows(page):
    browser, _folder, report, _load = page
    box = browser.find("#filter")
    browser.type_into(box, "smtp_auth_disabled")
    expected = [row["practice"] for row in report["practices"] if row["diagnosis"] == "smtp_auth_disabled"]
    assert visible_rows(browser) == expected and len(expected) == 10
    assert browser.script("return document.getElementById('shown').textContent") == "10"
    browser.script("var b = document.getElementById('filter'); b.value = ''; b.dispatchEvent(new Event('input'));")
    assert len(visible_rows(browser)) == 1000
    browser.type_into(box, "practice0999")
    assert visible_rows(browser) == ["practice0999"]
    browser.click(browser.find('button.bar[data-filter="provider:ionos"]'))
    shown = visible_rows(browser)
    assert len(shown) == sum(1 for row in report["practices"] if row["provider"] == "ionos") and "practice0002" in shown
    browser.type_into(box, "")
    browser.script(
        "var b = document.getElementById('filter'); b.value = 'recovered'; b.dispatchEvent(new Event('input'));"
    )
    assert visible_rows(browser) == ["practice0500", "practice0501"]


LONG_DIAGNOSIS = "smtp_client_not_authenticated"
LONG_HINT = ("Turn authentication on (outgoing.authenticate: true) with the provider's submission port, and check "
             "that the mailbox may send: some tenants turn SMTP AUTH off per mailbox; see docs/diagnoses.md for more")


def fleet_with_deadlines():
    """60 practices: 30 failing with long hints, blue-sky on provider sky, skyline-dental on gmail, 13 deadlines."""
    rows, deadlines = [], []
    for number in range(60):
        name = {0: "skyline-dental", 1: "blue-sky"}.get(number, "clinic%02d" % number)
        row = _report.new_row(name)
        provider = "sky" if name == "blue-sky" else ("office365" if number >= 48 else "gmail")
        row.update(provider=provider, validated="yes", changed="no", outgoing="ok", incoming="ok")
        if 2 <= number < 32:
            row.update(outgoing="failed", diagnosis=LONG_DIAGNOSIS if number % 2 else "auth_failed", hint=LONG_HINT,
                       server="smtp.example.test:587", reply="530 5.7.57 Client not authenticated to send mail",
                       checked="2026-11-30T01:01:%02dZ" % (number % 60))
        rows.append(row)
        if number >= 48:
            deadlines.append({"practice": name, "provider": "office365", "date": "2026-12-31", "code": "MC302",
                              "severity": "warning", "what": "SMTP AUTH password login off by default",
                              "to_do": "move to OAuth"})
    deadlines.append(dict(deadlines[0], provider="nhsmail", practice="clinic59", date="2026-12-20"))
    run = {"run_id": "deadlines", "started": "2026-12-06T01:00:00Z", "ended": "2026-12-06T01:02:00Z", "operator": "ci",
           "inventory_commit": None}
    return _report.build(rows, run, deadlines=deadlines)


@pytest.fixture(scope="module")
def small_page(page):
    browser, folder, _report_data, _load = page
    _report.write(fleet_with_deadlines(), str(folder / "small"))
    url = (folder / "small.html").as_uri()
    browser.open(url)
    return browser, folder, url


def in_view(browser, practice):
    return browser.script("var r=document.getElementById(arguments[0]).getBoundingClientRect();"
                          "return r.height>0&&r.top>=0&&r.bottom<=window.innerHeight;", "p-" + practice)


def test_deadlines_come_first_and_their_links_jump_to_the_rows(small_page):
    browser, folder, url = small_page
    browser.open(url)
    browser.screenshot(str(folder / "small.png"))
    assert png_facts(str(folder / "small.png"))[2] > 20
    tops = browser.script("return ['#deadlines','#practices','.charts'].map(function(s){"
                          "return document.querySelector(s).getBoundingClientRect().top})")
    assert tops[0] < tops[2] < tops[1]  # deadlines, charts, then the table
    items = browser.script("return Array.from(document.querySelectorAll('ul.deadlines li'))"
                           ".map(function(l){return l.textContent})")
    assert [item.split(",")[0] for item in items] == ["2026-12-20 in 14 days", "2026-12-31 in 25 days"]
    assert "12 practices: clinic48, clinic49" in items[1]
    assert not in_view(browser, "clinic57")
    browser.click(browser.find('ul.deadlines a[href="#p-clinic57"]'))
    assert browser.script("return location.hash") == "#p-clinic57" and in_view(browser, "clinic57")
    assert browser.script("return getComputedStyle(document.getElementById('p-clinic57')).outlineStyle") == "solid"
    browser.script("scrollTo(0,0);var b=document.getElementById('filter');b.value='skyline';"
                   "b.dispatchEvent(new Event('input'));")
    assert visible_rows(browser) == ["skyline-dental"]
    browser.click(browser.find('ul.deadlines a[href="#p-clinic52"]'))  # a hidden row: the filter is cleared first
    assert in_view(browser, "clinic52") and len(visible_rows(browser)) == 60


def test_a_clicked_bar_matches_its_value_exactly(small_page):
    browser, _folder, url = small_page
    browser.open(url)
    browser.click(browser.find('button.bar[data-filter="provider:sky"]'))
    assert visible_rows(browser) == ["blue-sky"]
    assert browser.script("return document.getElementById('filter').value") == "provider:sky"
    browser.click(browser.find('button.bar[data-filter="diagnosis:auth_failed"]'))
    assert len(visible_rows(browser)) == 15
    browser.script("var b=document.getElementById('filter');b.value='sky';b.dispatchEvent(new Event('input'));")
    assert visible_rows(browser) == ["blue-sky", "skyline-dental"]  # typed text still matches anywhere


def test_chart_labels_are_whole_and_failing_rows_compact(small_page):
    browser, _folder, url = small_page
    browser.open(url)
    cut = browser.script("return Array.from(document.querySelectorAll('.bar span.label')).filter(function(l){"
                         "return l.scrollWidth>l.clientWidth+1}).map(function(l){return l.textContent})")
    assert cut == []
    assert LONG_DIAGNOSIS in browser.script("return document.querySelector('.diagnosis').textContent")
    heights = browser.script("return Array.from(document.querySelectorAll('#practices tbody tr.attention'))"
                             ".map(function(r){return r.getBoundingClientRect().height})")
    plain = browser.script("return document.getElementById('p-clinic40').getBoundingClientRect().height")
    assert len(heights) == 30 and max(heights) <= plain + 1, (heights, plain)
    assert 900 // max(heights) >= 20  # a 900-pixel window holds twenty failing rows, not five
    hint = browser.find("#p-clinic02 td.long")
    browser.click(hint)
    opened = browser.script("var r=document.getElementById('p-clinic02');"
                            "return [r.className,r.getBoundingClientRect().height]")
    assert "open" in opened[0] and opened[1] > 2 * plain
    assert browser.script("return document.querySelector('#p-clinic02 td[title]').title") == LONG_HINT
