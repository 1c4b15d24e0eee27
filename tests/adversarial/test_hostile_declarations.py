"""Hostile declaration files and stdin for mailconfig-lint: bounded memory and time, exit 2, no traceback, no secret.

Each case runs the real command in a child process (through measured.py, which
records the process's own peak memory), compared with the same command on a clean file.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check, check_text
from tests.adversarial.hostile import MEMORY_BOUND_KB, ROOT

LINT = os.path.join(ROOT, "bin", "mailconfig-lint")
MEASURED = os.path.join(ROOT, "tests", "adversarial", "measured.py")
SECRET = "Hostile-Lint-Pw-40b7a1c9"
APP_PASSWORD = "xkqwmzprtvbnhdye"  # a Gmail app password is 16 letters
TOKEN_LIKE = "Xk9Pq2Lm7Rt4Vw"  # a generated secret: mixed case and digits
# Seconds a hostile input may add to a clean file's run (interpreter start-up and imports
# are in both; the machine is shared, so the clean run is measured, not assumed).
BOUND_SECONDS = 5
CLEAN = """\
schema_version: 1
address: reception@quay-dental.co.uk
provider: ionos
auth:
  method: password
  password: "%s"
sending:
  rate_per_minute: 3
""" % SECRET


def lint(*args, stdin=None, stream=None):
    """``(exit status, output, peak KiB, seconds)`` of mailconfig-lint; ``stream`` feeds stdin endlessly."""
    started = time.monotonic()
    hwm = tempfile.NamedTemporaryFile(prefix="mailconfig-hwm-", delete=False)
    hwm.close()
    child = subprocess.Popen(
        [sys.executable, MEASURED, LINT] + list(args),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, MAILCONFIG_OFFLINE="1", MAILCONFIG_TEST_HWM_FILE=hwm.name),
    )

    def feed():
        try:
            if stream:
                while True:
                    child.stdin.write(stream)
            elif stdin:
                child.stdin.write(stdin)
        except (BrokenPipeError, ValueError):
            pass
        finally:
            try:
                child.stdin.close()
            except BrokenPipeError:
                pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    output = child.stdout.read().decode("utf-8", "replace")
    child.wait()
    feeder.join(5)
    with open(hwm.name) as handle:
        peak = int(handle.read())
    os.unlink(hwm.name)
    return child.returncode, output, peak, time.monotonic() - started


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    path = tmp_path_factory.mktemp("clean") / "clean.yml"
    path.write_text(CLEAN)
    status, output, peak, seconds = lint(str(path))
    assert status == 0, output
    return peak, seconds


def _file(tmp_path, text):
    path = tmp_path / "practice.yml"
    path.write_text(text)
    return str(path)


HOSTILE_FILES = [
    (
        "megabyte sexagesimal integer",
        CLEAN.replace("rate_per_minute: 3", "rate_per_minute: 1" + ":59" * 330000),
        2,
        "MC004",
    ),
    ("5000-digit integer", CLEAN.replace("rate_per_minute: 3", "rate_per_minute: " + "9" * 5000), 2, "MC004"),
    ("huge hex integer", CLEAN.replace("schema_version: 1", "schema_version: 0x" + "f" * 5000), 2, "MC004"),
    ("CR LF in the user name", CLEAN + 'username: "reception@quay-dental.co.uk\\r\\nDELE 1"\n', 1, "MC014"),
    ("app password as a bare key", CLEAN + "%s:\n" % APP_PASSWORD, 1, "MC010"),
    ("generated secret as a bare key", CLEAN + "%s:\n" % TOKEN_LIKE, 1, "MC010"),
    ("short password", CLEAN.replace(SECRET, "smtp"), 0, "MC311"),
]


# Every case in text; the cases that could echo a name in every other format too.
FORMAT_CASES = [
    pytest.param(text, status, code, "text", id="text-" + name) for name, text, status, code in HOSTILE_FILES
] + [
    pytest.param(text, status, code, fmt, id="%s-%s" % (fmt, name))
    for name, text, status, code in HOSTILE_FILES
    if code == "MC010"
    for fmt in ("json", "github", "junit")
]


@pytest.mark.parametrize("text, status, code, output_format", FORMAT_CASES)
def test_hostile_file(tmp_path, baseline, text, status, code, output_format):
    got, output, peak, seconds = lint("--format", output_format, _file(tmp_path, text))
    assert got == status, output
    assert code in output and "Traceback" not in output
    assert peak - baseline[0] < MEMORY_BOUND_KB and seconds < baseline[1] + BOUND_SECONDS, (peak - baseline[0], seconds)
    assert SECRET not in output and APP_PASSWORD not in output and TOKEN_LIKE not in output
    if code == "MC010":
        assert "unreadable name" in output  # junit escapes the angle brackets


@pytest.mark.parametrize("stream", [b"y\n", b"password: " + b"A" * 4096 + b"\n"], ids=["yes", "long lines"])
def test_an_endless_stdin_is_refused_without_reading_it_all(baseline, stream):
    got, output, peak, seconds = lint("-", stream=stream)
    assert got == 2 and "MC004" in output and "Traceback" not in output, output
    assert peak - baseline[0] < MEMORY_BOUND_KB and seconds < baseline[1] + BOUND_SECONDS, (peak - baseline[0], seconds)


def test_a_huge_integer_on_stdin_in_junit_is_exit_two_not_a_traceback(baseline):
    got, output, peak, _seconds = lint(
        "--format", "junit", "-", stdin=CLEAN.replace("schema_version: 1", "schema_version: " + "7" * 4400).encode()
    )
    assert got == 2 and "MC004" in output and "Traceback" not in output
    assert peak - baseline[0] < MEMORY_BOUND_KB


# The generator: a clean declaration with one hostile value put somewhere.
_HOSTILE_VALUES = st.one_of(
    st.text(alphabet=st.sampled_from("ab\r\n\x00\x7f\x85\u2028\u2029\t"), min_size=1, max_size=20),
    st.integers(min_value=2 ** 64, max_value=2 ** 4000),
    st.just("1" + ":59" * 2000),
    st.sampled_from([APP_PASSWORD, "Zq81" * 5]),
)
_PLACES = st.sampled_from(
    [
        "address",
        "username",
        "display_name",
        "provider",
        "auth.password",
        "auth.method",
        "outgoing.host",
        "outgoing.port",
        "sending.rate_per_minute",
        "incoming.protocol",
        "lint.ignore",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_HOSTILE_VALUES, place=_PLACES, as_key=st.booleans())
def test_generated_hostile_declarations(value, place, as_key):
    data = yaml.safe_load(CLEAN)
    parts = place.split(".")
    parent = data
    for part in parts[:-1]:
        parent = parent.setdefault(part, {})
    if as_key and isinstance(value, str):
        parent[value] = "x"
    else:
        parent[parts[-1]] = value
    started = time.monotonic()
    result = check_text(yaml.safe_dump(data, allow_unicode=True), "generated.yml")
    if isinstance(value, int):
        assert check(data).normalised is None  # as Ansible would pass it, without YAML
        assert result.normalised is None and "MC004" in {f.code for f in result.findings}
    assert time.monotonic() - started < BOUND_SECONDS
    shown = "\n".join(finding.text() for finding in result.findings)
    assert SECRET not in shown  # the password field's own value, never quoted
    if as_key or place == "auth.password":  # other fields' values are quoted back on purpose (docs/rules.md)
        assert not (isinstance(value, str) and value in (APP_PASSWORD, "Zq81" * 5) and value in shown)
    if isinstance(value, str) and any(c in value for c in "\r\n\x00\x7f\x85\u2028\u2029\t") and not as_key:
        # as Ansible passes it (YAML itself folds some of these line breaks into spaces)
        direct = check(data)
        assert direct.normalised is None and "MC014" in {f.code for f in direct.findings}
