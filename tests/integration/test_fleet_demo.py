"""The demo flow end to end (what `make demo` runs): real servers, vault, check/diff,
apply, idempotent rerun, the EXACT entry, verify, fleet summary and reports; the
application practices' databases as the demo leaves them, read before its servers stop."""

import contextlib
import datetime
import html.parser
import importlib.util
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._openemr_cipher import OpenemrCipher
from tests.servers import mariadb, openemr, postgresql

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRACTICES = (
    "bright-teeth",
    "canine-corner",
    "incisor-clinic",
    "molar-care",
    "smiles-dental",
    "wisdom-works",
    "open-smiles",
    "riverside-medical",
    "harbour-dental",
    "crown-dental",
)


def _load_demo():
    spec = importlib.util.spec_from_file_location("mailconfig_demo", os.path.join(ROOT, "examples", "demo.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEMO = _load_demo()


def _strings(value):
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    return [value] if isinstance(value, str) else []


VAULT = DEMO.vault_values()
ODOO_OLD_PASSWORDS = ("Harbour-Old-Smtp-2023", "Harbour-Old-Pop-2023", "Sister-Smtp-Pass-77")  # seeded by the demo
with open(DEMO.VAULT_PASSWORD, encoding="utf-8") as _handle:
    DEMO_VAULT_PASSWORD = _handle.read().strip()
# Every value of the demo vault, its password, what the seeded databases held before the rollout, OpenEMR's keys.
SECRETS = (tuple(set(_strings(VAULT))) + (DEMO_VAULT_PASSWORD, openemr.OLD_PASSWORD, openemr.OLD_STORED)
           + ODOO_OLD_PASSWORDS + tuple(row["value"] for row in openemr.VECTORS["keys_table"])
           + tuple(openemr.VECTORS["key_files"].values()))


def _inspect(seen):
    """What the demo's application databases and sheets hold after its last run (called before the servers stop)."""
    def inspect(servers):
        database, odoo = servers["mariadb"], servers["postgresql"]
        seen["globals"] = dict(mariadb.rows(database, "SELECT gl_name, gl_value FROM globals WHERE gl_index = 0",
                                            DEMO.OPENEMR[1]))
        seen["keys"] = dict(mariadb.rows(database, "SELECT name, value FROM `keys`", DEMO.OPENEMR[1]))
        methods = os.path.join(servers["folder"], "openemr", "sites", "default", openemr.KEY_DIR)
        seen["key_files"] = {}
        for name in os.listdir(methods):
            with open(os.path.join(methods, name), encoding="ascii") as handle:
                seen["key_files"][name] = handle.read()
        for table in ("ir_mail_server", "fetchmail_server"):
            columns = "id, smtp_host, smtp_port, smtp_encryption, smtp_user, smtp_pass, from_filter, write_date"
            if table == "fetchmail_server":
                columns = 'id, server, port, server_type, is_ssl, "user", password, state, write_date'
            seen[table] = postgresql.rows(odoo, "SELECT %s FROM %s ORDER BY id" % (columns, table), DEMO.ODOO[1])
    return inspect


@pytest.fixture(scope="module")
def demo():
    # Not under pytest's basetemp: /tmp/pytest-of-<user> is 0700 and shared by concurrent pytest runs,
    # which reset it; Dovecot's own users must traverse to the mail folders when we are root.
    folder = pathlib.Path(tempfile.mkdtemp(prefix="mailconfig-demo-test-"))
    os.chmod(str(folder), 0o755)
    seen, output, code = {}, io.StringIO(), 0
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(output):
        patch.setenv("PATH", os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ["PATH"])
        try:
            DEMO.run(str(folder), inspect=_inspect(seen))
        except SystemExit as stopped:
            code = stopped.code or 1
    yield folder, subprocess.CompletedProcess(["examples/demo.py"], code, output.getvalue()), seen
    shutil.rmtree(str(folder), ignore_errors=True)


def sections(output):
    """The demo's output split at its numbered banners."""
    parts = re.split(r"^== (\d)\. .*$", output, flags=re.M)
    return {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_demo_succeeds(demo):
    result = demo[1]
    assert result.returncode == 0, result.stdout[-6000:]
    assert "local mail servers stopped" in result.stdout


def _written_by_the_runs(folder):
    """Every file the demo's runs left on the controller but the stores' own (reports, sheets, state, vars)."""
    found = {}
    for base, _dirs, names in os.walk(str(folder)):
        if os.path.relpath(base, str(folder)).split(os.sep)[0] not in ("report", "setup-sheets", "controller-state"):
            continue
        for name in names:
            with open(os.path.join(base, name), "rb") as handle:
                found[os.path.join(base, name)] = handle.read().decode("utf-8", "replace")
    for name in ("demo-vars.yml", "entered.yml"):
        with open(os.path.join(str(folder), name), encoding="utf-8") as handle:
            found[name] = handle.read()
    return found


def test_no_secret_in_any_output_or_report(demo):
    folder, result, seen = demo
    assert len(SECRETS) > 20 and "OpenEMR-Db-Demo-8wR" in SECRETS and "Odoo-Db-Demo-3kT" in SECRETS
    files = _written_by_the_runs(folder)
    assert {"mail-accounts.json", "mail-accounts.html", "crown-dental.md", "crown-dental.html", "index.md"} <= {
        os.path.basename(path) for path in files}
    for name, text in [("stdout", result.stdout)] + sorted(files.items()):
        for secret in SECRETS + (seen["globals"]["SMTP_PASS"],):
            assert secret not in text, name


def test_dry_run_shows_diffs_and_writes_nothing(demo):
    result = demo[1]
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
        r"ServerPort=\d+ UseSSL=1 SenderAddress=reception@open-smiles\.example\.test Pop3ServerIncoming=\S+; 2 reload "
        r"signals",
        result.stdout,
    ), result.stdout[-3000:]
    assert "open-smiles -> localhost" in sections(result.stdout)[2]


def test_summary_rows_and_json_report(demo):
    folder, result = demo[0], demo[1]
    verify = sections(result.stdout)[5]
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
    assert by_name["riverside-medical"]["incoming"] == "skipped"  # OpenEMR keeps no incoming mail
    assert by_name["harbour-dental"]["incoming"] == "ok"
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


def test_the_openemr_practice_s_globals_hold_the_new_settings_sealed_with_its_key_files(demo):
    seen, vault = demo[2], VAULT
    stored = seen["globals"]
    expected = {"EMAIL_METHOD": "SMTP", "SMTP_SECURE": "tls", "SMTP_USER": "jose@example.test",
                "patient_reminder_sender_email": "frontdesk@riverside-medical.example.test"}
    assert {name: stored[name] for name in expected} == expected
    assert stored["SMTP_HOST"] == "localhost" and stored["SMTP_PORT"].isdigit() and stored["SMTP_PORT"] != "587"
    assert stored["SMTP_PASS"][:3] == "006" and stored["SMTP_PASS"] != openemr.OLD_STORED  # the site's key version kept
    site = {"keys": seen["keys"], "key_files": seen["key_files"], "stored": stored["SMTP_PASS"]}
    assert OpenemrCipher(site).decrypt(stored["SMTP_PASS"]) == vault["vault_mail_passwords"]["riverside-medical"]
    ours = ("SMTP_", "EMAIL_METHOD", "patient_reminder_sender_", "practice_return_email_path")
    others = {name: value for name, value in openemr.GLOBALS.items() if not name.startswith(ours)}
    assert {name: stored[name] for name in others} == others  # no other global touched


def test_the_odoo_practice_s_records_were_updated_and_none_inserted(demo):
    seen, vault = demo[2], VAULT
    password = vault["vault_mail_passwords"]["harbour-dental"]
    assert all(secret in DEMO.ODOO_RECORDS for secret in ODOO_OLD_PASSWORDS)
    outgoing, other = seen["ir_mail_server"]
    assert outgoing[:6] == ["1", "localhost", outgoing[2], "ssl", "colon@example.test", password]
    assert outgoing[6] == "harbour-dental.example.test" and not outgoing[7].startswith("2024-03-01")
    assert other == ["2", "smtp.sister.example", "465", "ssl", "it@sister.example", "Sister-Smtp-Pass-77",
                     "sister.example", "2024-03-01 00:00:00"]  # another company's record: untouched
    [incoming] = seen["fetchmail_server"]
    assert incoming[:8] == ["1", "localhost", incoming[2], "imap", "t", "colon@example.test", password, "done"]


def test_the_exact_practice_gets_its_sheet_then_is_entered_and_verified(demo):
    folder, result = demo[0], demo[1]
    sheet = os.path.join(str(folder), "setup-sheets", "crown-dental.md")
    rollout, verify = sections(result.stdout)[2], sections(result.stdout)[5]
    assert "EXACT setup sheet for crown-dental: %s" % sheet in rollout
    assert re.search(r"^crown-dental\s.*\bawaiting entry\s.*awaiting_entry", rollout, re.M), rollout[-3000:]
    with open(sheet, encoding="utf-8") as handle:
        text = handle.read()
    assert "`reception@crown-dental.example.test`" in text and "--show-secret" in text and "awaiting entry" in text
    today = datetime.date.today().isoformat()
    assert 'crown-dental mail_account_entered: "%s"' % today in sections(result.stdout)[4]
    assert re.search(r"^crown-dental\s.*entered and verified \(entered %s, verified\s" % today, verify, re.M), verify
    with open(os.path.join(str(folder), "report", "mail-accounts.json"), encoding="utf-8") as handle:
        row = {row["practice"]: row for row in json.load(handle)["practices"]}["crown-dental"]
    assert row["outcome"] == "entered and verified (entered %s, verified %s)" % (today, today)
