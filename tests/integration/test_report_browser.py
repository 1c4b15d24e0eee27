"""The HTML report at a thousand practices, in Debian's real headless chromium.

It renders (a screenshot with content), the filter box hides the rows it should, a
chart bar filters too, and the page opens in under a second, all from a file:// URL
with the network unused.
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
        row.update(provider=PROVIDERS[number % len(PROVIDERS)], validated="yes", changed="no", outgoing="ok", incoming="ok")
        if number % 25 == 3:
            row.update(outgoing="failed", diagnosis=DIAGNOSES[(number // 25) % 4], hint="Check the password " * pick.randint(1, 4))
        rows.append(row)
        before = dict(row)
        if number in (3, 28, 53):  # failing now, fine before: newly failing
            before.update(outgoing="ok", diagnosis="", hint="")
        if number in (500, 501):  # failing before, fine now: recovered
            before.update(outgoing="failed", diagnosis="timeout")
        previous.append(before)
    run = {"run_id": "browser-test", "started": "2026-11-30T01:00:00Z", "ended": "2026-11-30T01:02:00Z", "operator": "ci",
           "inventory_commit": None}
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
    return browser.script("return Array.from(document.querySelectorAll('tbody tr')).filter(function(r){return !r.hidden})"
                          ".map(function(r){return r.cells[0].textContent})")


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
    bars = browser.script("return Array.from(document.querySelectorAll('button.bar')).map(function(b){return b.getAttribute('data-filter')})")
    assert sorted(bars) == sorted(list(DIAGNOSES) + list(PROVIDERS))
    widths = browser.script("return Array.from(document.querySelectorAll('.provider span.fill')).map(function(s){return s.getBoundingClientRect().width})")
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
    browser.click(browser.find('button.bar[data-filter="ionos"]'))
    shown = visible_rows(browser)
    assert len(shown) == sum(1 for row in report["practices"] if row["provider"] == "ionos") and "practice0002" in shown
    browser.type_into(box, "")
    browser.script("var b = document.getElementById('filter'); b.value = 'recovered'; b.dispatchEvent(new Event('input'));")
    assert visible_rows(browser) == ["practice0500", "practice0501"]
