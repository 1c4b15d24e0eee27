"""The demo flow end to end (what `make demo` runs): real servers, vault, check/diff,
apply, idempotent rerun, verify, fleet summary and reports."""

import html.parser
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The plain-text demo secrets, as in examples/inventory/group_vars/practices/vault.yml.
SECRETS = ("Alice-Verify-7Qz!pw", "Zahnärztin-Pässwört-€9", "Keeper-Pop3-Msgs-8Lm", "colon:in:the:pass-4Kd",
           "Stale-Password-From-2019", "mailconfig-demo-only", "OpenDental-Db-Demo-5vQ")
PRACTICES = (
    "bright-teeth",
    "canine-corner",
    "incisor-clinic",
    "molar-care",
    "smiles-dental",
    "wisdom-works",
    "open-smiles",
)


@pytest.fixture(scope="module")
def demo():
    # Not under pytest's basetemp: /tmp/pytest-of-<user> is 0700 and shared by concurrent pytest runs,
    # which reset it; Dovecot's own users must traverse to the mail folders when we are root.
    folder = pathlib.Path(tempfile.mkdtemp(prefix="mailconfig-demo-test-"))
    os.chmod(str(folder), 0o755)
    env = dict(os.environ, PATH=os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ["PATH"])
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "demo.py"), "--dir", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    yield folder, result
    shutil.rmtree(str(folder), ignore_errors=True)


def sections(output):
    """The demo's output split at its numbered banners."""
    parts = re.split(r"^== (\d)\. .*$", output, flags=re.M)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_demo_succeeds(demo):
    result = demo[1]
    assert result.returncode == 0, result.stdout[-6000:]
    assert "local mail servers stopped" in result.stdout


def test_no_secret_in_any_output_or_report(demo):
    folder, result = demo
    texts = [result.stdout]
    for name in ("mail-accounts.json", "mail-accounts.html"):
        with open(os.path.join(str(folder), "report", name), encoding="utf-8") as handle:
            texts.append(handle.read())
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_dry_run_shows_diffs_and_writes_nothing(demo):
    folder, result = demo
    dry = sections(result.stdout)[1]
    assert "--check" in dry and "--diff" in dry
    assert "email.outgoing.host" in dry or "outgoing" in dry
    assert "********" in dry
    assert re.search(r"^smiles-dental\s+: ok=\d+\s+changed=1", dry, re.M)


def changed_by_host(output):
    return dict(re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", output, re.M))


def test_second_run_changes_nothing(demo):
    result = demo[1]
    rerun = changed_by_host(sections(result.stdout)[3])
    assert sorted(rerun) == sorted(PRACTICES)
    assert set(rerun.values()) == {"0"}
    first = changed_by_host(sections(result.stdout)[2])
    assert (
        first.pop("wisdom-works") == "0"
    )  # its stale password failed the test: nothing written, previous settings kept
    assert set(first.values()) == {"1"}
    assert '"outcome": "kept_previous"' in sections(result.stdout)[2]


def test_the_open_dental_practice_is_written_into_its_database(demo):
    result = demo[1]
    assert re.search(
        r"Open Dental database opendental_smiles after: default address row 1: SMTPserver=(localhost|127\.0\.0\.1) "
        r"ServerPort=\d+ UseSSL=1 SenderAddress=reception@open-smiles\.example\.test Pop3ServerIncoming=\S+; 2 reload signals",
        result.stdout,
    ), result.stdout[-3000:]
    assert "open-smiles -> localhost" in sections(result.stdout)[2]


def test_summary_rows_and_json_report(demo):
    folder, result = demo
    verify = sections(result.stdout)[4]
    assert "MAIL ACCOUNTS" in verify
    rows = {line.split()[0]: line for line in verify.splitlines() if line.split() and line.split()[0] in PRACTICES}
    assert set(rows) == set(PRACTICES)
    assert "auth_failed" in rows["wisdom-works"]
    with open(os.path.join(str(folder), "report", "mail-accounts.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    by_name = {row["practice"]: row for row in report["practices"]}
    assert set(by_name) == set(PRACTICES)
    assert by_name["wisdom-works"]["outgoing"] == "failed"
    assert by_name["wisdom-works"]["diagnosis"] == "auth_failed"
    for name in set(PRACTICES) - {"wisdom-works"}:
        assert by_name[name]["outgoing"] == "ok", by_name[name]
        assert by_name[name]["diagnosis"] == ""
    assert by_name["bright-teeth"]["incoming"] == "ok"
    assert by_name["canine-corner"]["incoming"] == "skipped"
    assert by_name["incisor-clinic"]["incoming"] == "skipped"
    assert report["totals"]["need_attention"] == 1
    assert {row["validated"] for row in report["practices"]} == {"yes"}


def test_html_report_is_one_self_contained_table(demo):
    folder = demo[0]
    with open(os.path.join(str(folder), "report", "mail-accounts.html"), encoding="utf-8") as handle:
        page = handle.read()
    cells = []

    class Rows(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                cells.append([])
            assert tag not in ("link", "img", "iframe") and not dict(attrs).get("src"), (
                tag
            )  # nothing fetched from elsewhere

        def handle_data(self, data):
            if cells and data.strip():
                cells[-1].append(data.strip())

    Rows().feed(page)
    header, rows = cells[0], cells[1:]
    assert header[:3] == ["practice", "provider", "validated"]
    assert sorted(row[0] for row in rows) == sorted(PRACTICES)
    assert any(row[0] == "wisdom-works" and "auth_failed" in row for row in rows)
