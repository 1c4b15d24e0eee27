"""The mailconfig-lint command as CI runs it: a real subprocess, real files."""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT
LINT = os.path.join(ROOT, "bin", "mailconfig-lint")

GOOD = """\
schema_version: 1
address: reception@smiles.example.co.uk
provider: ionos_uk
auth:
  method: password
  password: Good-Secret-123
sending:
  rate_per_minute: 3
"""

BAD = """\
schema_version: 1
address: '"Smiles Dental" <reception@smiles.example.co.uk>'
provider: office365
auth:
  method: password
  password: Bad-Secret-456
outgoing:
  port: 465
sending:
  rate_per_minute: 3
"""

WARN_ONLY = GOOD.replace("rate_per_minute: 3", "rate_per_minute: 9")


def run(*args, stdin=None):
    return subprocess.run([sys.executable, LINT, *args], input=stdin, capture_output=True, text=True, check=False)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "good.yml").write_text(GOOD)
    (tmp_path / "sites" / "bad.yaml").write_text(BAD)
    (tmp_path / "sites" / "notes.txt").write_text("not a declaration")
    (tmp_path / "warn.yml").write_text(WARN_ONLY)
    return tmp_path


def test_clean_file_exits_zero(tree):
    result = run(str(tree / "sites" / "good.yml"))
    assert result.returncode == 0, result.stdout
    assert "1 file checked: 0 errors" in result.stdout


def test_errors_exit_one_with_location_code_and_hint(tree):
    result = run(str(tree / "sites" / "bad.yaml"))
    assert result.returncode == 1
    assert "%s:2:1: address error MC101" % (tree / "sites" / "bad.yaml") in result.stdout
    assert "reception@smiles.example.co.uk" in result.stdout
    assert "outgoing.port error MC204" in result.stdout
    assert "Bad-Secret-456" not in result.stdout + result.stderr


def test_folder_is_walked_for_yaml_files_only(tree):
    result = run("--format", "json", str(tree / "sites"))
    findings = json.loads(result.stdout)["findings"]
    files = {os.path.basename(f["file"]) for f in findings}
    assert "bad.yaml" in files
    assert files <= {"good.yml", "bad.yaml"}
    assert all(
        set(f) - {"deadline"} == {"file", "line", "column", "path", "code", "severity", "message", "hint"}
        for f in findings
    )
    assert result.returncode == 1


def test_warnings_fail_only_with_strict(tree):
    assert run(str(tree / "warn.yml")).returncode == 0
    strict = run("--strict", str(tree / "warn.yml"))
    assert strict.returncode == 1
    assert "MC401" in strict.stdout


def test_stdin(tree):
    result = run("-", stdin=BAD)
    assert result.returncode == 1
    assert "<stdin>:2:1: address error MC101" in result.stdout


def test_unreadable_input_exits_two(tree):
    result = run(str(tree / "missing.yml"))
    assert result.returncode == 2
    assert "MC006" in result.stdout


def test_usage_error_exits_two():
    assert run("--format", "nope", "x.yml").returncode == 2


def test_empty_folder_exits_two(tmp_path):
    result = run(str(tmp_path))
    assert result.returncode == 2
    assert "no *.yml" in result.stderr


def test_junit_is_valid_xml_with_one_case_per_file(tree):
    result = run("--format", "junit", str(tree / "sites"))
    suite = ET.fromstring(result.stdout)
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "1"
    failures = suite.findall("./testcase/failure")
    assert {f.get("type") for f in failures} == {"MC101", "MC204"}


def test_github_annotations(tree):
    result = run("--format", "github", str(tree / "sites" / "bad.yaml"))
    lines = result.stdout.splitlines()
    assert any(line.startswith("::error file=") and ",line=2,col=1,title=MC101::" in line for line in lines)
    assert all("\n" not in line for line in lines)


def test_parallel_path_gives_the_same_findings_in_order(tmp_path):
    for n in range(240):
        (tmp_path / ("site-%03d.yml" % n)).write_text(BAD if n % 7 == 0 else GOOD)
    serial = run("--format", "json", "--jobs", "1", str(tmp_path))
    parallel = run("--format", "json", "--jobs", "2", str(tmp_path))
    assert serial.returncode == parallel.returncode == 1
    assert json.loads(serial.stdout) == json.loads(parallel.stdout)
    assert len({f["file"] for f in json.loads(serial.stdout)["findings"] if f["severity"] == "error"}) == len(
        range(0, 240, 7)
    )


def test_json_lists_the_deadlines_by_date(tmp_path):
    """The fleet-wide deadline list for files: dated provider changes, soonest first, with provider and what to do."""
    (tmp_path / "a-m365.yml").write_text(GOOD.replace("provider: ionos_uk", "provider: office365"))
    (tmp_path / "b-nhs.yml").write_text(
        GOOD.replace("provider: ionos_uk", "provider: nhsmail") + "incoming:\n  protocol: imap\n"
    )
    (tmp_path / "c-plain.yml").write_text(GOOD)
    document = json.loads(run("--format", "json", str(tmp_path)).stdout)
    rows = [(os.path.basename(r["practice"]), r["provider"], r["date"], r["code"]) for r in document["deadlines"]]
    assert rows == [("b-nhs.yml", "nhsmail", "2023-05-25", "MC303"), ("a-m365.yml", "office365", "2026-12-31", "MC302"),
                    ("b-nhs.yml", "nhsmail", "2026-12-31", "MC302")]
    assert all(r["to_do"] for r in document["deadlines"])
    dated = [f for f in document["findings"] if f.get("deadline")]
    assert len(dated) == 3 and all(set(f["deadline"]) == {"date", "provider"} for f in dated)


def test_runs_from_an_installed_collection_layout(tmp_path):
    """bin/ inside ansible_collections/mailops/mailconfig finds its package without the checkout shim."""
    target = tmp_path / "ansible_collections" / "mailops" / "mailconfig"
    target.mkdir(parents=True)
    for name in ("bin", "plugins", "schemas", "data"):
        shutil.copytree(os.path.join(ROOT, name), str(target / name))
    (tmp_path / "bad.yml").write_text(BAD)
    result = subprocess.run([sys.executable, str(target / "bin" / "mailconfig-lint"), str(tmp_path / "bad.yml")],
                            capture_output=True, text=True, check=False, cwd=str(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "MC101" in result.stdout
