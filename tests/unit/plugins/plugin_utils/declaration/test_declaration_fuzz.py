"""Property-based tests: whatever arrives, the pipeline answers with findings or a
normalised declaration, never an exception, and quickly.

Example counts are modest so the suite stays fast (MAILCONFIG_FUZZ_EXAMPLES=5000
for a deeper run); the Hypothesis database (.hypothesis/, git-ignored) replays any
failure found on an earlier run.
"""

import copy
import datetime
import json
import os
import re
import time

import pytest
import yaml
from hypothesis import HealthCheck, example, find, given, settings, strategies as st

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _schema
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import (
    check,
    check_file,
    check_text,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import SEVERITIES, Finding
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._yaml_marks import MAX_BYTES, MAX_NODES

NORMALISED_KEYS = {"schema_version", "address", "display_name", "provider", "username", "auth", "outgoing",
                   "incoming", "sending", "practice"}
FUZZ = settings(
    max_examples=int(os.environ.get("MAILCONFIG_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
QUICK = 2.0  # seconds; generous for a shared 2-core machine, far below "hangs"


@pytest.fixture(scope="module", autouse=True)
def _no_dns():
    """Generated declarations may say provider: auto; detection must not ask the network here."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAILCONFIG_OFFLINE", "1")
        yield


def assert_sound(result, source=None):
    """The pipeline's contract: located findings, and a normalised dict exactly when there is no error."""
    assert isinstance(result.findings, list)
    for finding in result.findings:
        assert isinstance(finding, Finding)
        assert re.fullmatch(r"MC[0-9]{3}", finding.code) and finding.severity in SEVERITIES
        assert isinstance(finding.message, str) and finding.message
        assert isinstance(finding.hint, str) and finding.hint
        assert (
            isinstance(finding.line, int)
            and isinstance(finding.column, int)
            and finding.line >= 0
            and finding.column >= 0
        )
        assert source is None or finding.file == source
        assert finding.text()
    if any(f.severity == "error" for f in result.findings):
        assert result.normalised is None
    elif [f.code for f in result.findings] == ["MC008"]:  # a vault-encrypted file: skipped, nothing to normalise
        assert result.normalised is None
    else:
        assert isinstance(result.normalised, dict) and set(result.normalised) == NORMALISED_KEYS


# Junk of every kind

YAML_ALPHABET = st.sampled_from(
    list(":-[]{}&*!|>'\"#%@`,? \n\t\r\\.0123456789") + ["a", "b", "auth", "port", "~", "\x00", "\u00e9", "\ufeff"]
)


@FUZZ
@given(st.text(max_size=2000))
@example("$ANSIBLE_VAULT;")  # found by this test: a vault header alone is the skipped, encrypted file
def test_arbitrary_text(text):
    assert_sound(check_text(text, "fuzz.yml"), "fuzz.yml")


@FUZZ
@given(st.lists(YAML_ALPHABET, max_size=400).map("".join))
def test_yaml_flavoured_text(text):
    assert_sound(check_text(text, "fuzz.yml"), "fuzz.yml")


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data):
    assert_sound(check_text(data, "fuzz.bin"), "fuzz.bin")


@FUZZ
@given(
    st.binary(min_size=1, max_size=512),
    st.sampled_from([b"", b"schema_version: 1\n", b"\x89PNG\r\n\x1a\n", b"%PDF-1.7\n"]),
)
def test_binary_junk_after_a_plausible_start(junk, start):
    result = check_text(start + junk, "junk")
    assert_sound(result, "junk")


@FUZZ
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=30))
def test_arbitrary_values_as_an_inventory_would_pass_them(value):
    assert_sound(check(value))


# Deep, wide and self-referencing documents

@settings(max_examples=40, deadline=None)
@given(depth=st.integers(1, 3000), style=st.sampled_from(["block", "flow", "list"]))
def test_deep_nesting_is_answered_quickly(depth, style):
    if style == "block":
        text = "".join("%sk:\n" % (" " * i) for i in range(depth)) + " " * depth + "v: 1\n"
    elif style == "flow":
        text = "k: " + "{a: " * depth + "1" + "}" * depth + "\n"
    else:
        text = "k:\n" + "".join("%s-\n" % (" " * (i + 1)) for i in range(depth))
    started = time.monotonic()
    result = check_text(text, "deep.yml")
    assert time.monotonic() - started < QUICK
    assert_sound(result, "deep.yml")
    assert result.findings[0].severity == "error"


@settings(max_examples=40, deadline=None)
@given(breadth=st.integers(2, 12), levels=st.integers(2, 10))
def test_alias_bombs_are_bounded(breadth, levels):
    lines = ["l0: &l0 [%s]" % ", ".join(['"lol"'] * breadth)]
    lines += ["l%d: &l%d [%s]" % (i, i, ", ".join(["*l%d" % (i - 1)] * breadth)) for i in range(1, levels)]
    started = time.monotonic()
    result = check_text("\n".join(lines) + "\n", "bomb.yml")
    assert time.monotonic() - started < QUICK
    assert_sound(result, "bomb.yml")
    # the root, then per level a list whose expansion holds breadth**k values at each depth k
    expanded = 1 + sum(breadth ** k for i in range(levels) for k in range(i + 2))
    assert ("MC004" in {f.code for f in result.findings}) == (expanded > MAX_NODES)


# Huge inputs

def _bytes_read():
    with open("/proc/self/io", encoding="ascii") as handle:
        return int(re.search(r"^rchar: (\d+)", handle.read(), re.M).group(1))


def test_a_50_mb_file_is_refused_quickly_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.yml"
    with open(path, "wb") as handle:
        handle.write(b"schema_version: 1\naddress: reception@castlegate-dental.co.uk\n")
        handle.truncate(50 * 1024 * 1024)
    before, started = _bytes_read(), time.monotonic()
    result = check_file(str(path))
    elapsed, read = time.monotonic() - started, _bytes_read() - before
    assert [(f.code, f.severity) for f in result.findings] == [("MC004", "error")]
    assert "larger than" in result.findings[0].message and result.normalised is None
    assert elapsed < 0.5
    assert read < 2 * MAX_BYTES


def test_an_endless_input_is_refused():
    """/dev/zero never ends: only a bounded read can answer at all."""
    result = check_file("/dev/zero")
    assert [f.code for f in result.findings] == ["MC004"]


def test_a_50_mb_string_is_refused_quickly():
    text = "a: 1\n" * (10 * 1024 * 1024)
    started = time.monotonic()
    result = check_text(text, "huge")
    assert time.monotonic() - started < 0.5
    assert [f.code for f in result.findings] == ["MC004"]


@pytest.mark.parametrize("content, message, where", [
    (b"schema_version: 1\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL bytes", (4, 1)),
    ("schema_version: 1\ndisplay_name: Caf\u00e9 Royal Dental\n".encode("latin-1"), "not valid UTF-8", (2, 18)),
])
def test_binary_and_latin1_files_are_refused_where_they_go_wrong(tmp_path, content, message, where):
    path = tmp_path / "practice.yml"
    path.write_bytes(content)
    result = check_file(str(path))
    assert [(f.code, f.line, f.column) for f in result.findings] == [("MC004",) + where]
    assert message in result.findings[0].message


@pytest.mark.parametrize("name", ["missing.yml", ""])
def test_an_unreadable_path_is_a_finding(tmp_path, name):
    path = str(tmp_path / name) if name else str(tmp_path)  # a missing file, a folder
    result = check_file(path)
    assert [(f.code, f.file) for f in result.findings] == [("MC006", path)]
    assert_sound(result, path)


# Valid-ish declarations: a valid base with random fields replaced or removed

def _leaf_paths(node, prefix=""):
    for name, sub in node.get("properties", {}).items():
        path = "%s.%s" % (prefix, name) if prefix else name
        yield path
        yield from _leaf_paths(sub, path)


PATHS = sorted(_leaf_paths(_schema.schema())) + ["outgoing.prot", "auth.passwrd", "incoming.on", "lint.ignore"]
PLAUSIBLE = list(
    {
        json.dumps(v, sort_keys=True): v
        for path in PATHS  # the schema's own enums and examples, once each
        for v in _schema._property(path).get("enum", []) + _schema._property(path).get("examples", [])
    }.values()
)  # pylint: disable=protected-access
BASES = [
    {
        "schema_version": 1,
        "address": "reception@castlegate-dental.co.uk",
        "provider": "ionos_uk",
        "auth": {"method": "password", "password": "Fuzz-Pw-1"},
        "sending": {"rate_per_minute": 3},
    },
    {
        "schema_version": 1,
        "address": "hello@parksidesmiles.co.uk",
        "provider": "office365",
        "display_name": "Parkside",
        "auth": {
            "method": "oauth2",
            "oauth2": {"tenant": "parkside.onmicrosoft.com", "client_id": "c", "refresh_token": "Fuzz-Rt-1"},
        },
        "incoming": {"protocol": "imap"},
        "sending": {"rate_per_minute": 30},
        "practice": {"update_contact_email": True},
    },
    {
        "schema_version": 1,
        "address": "admin@elmstreet-dental.co.uk",
        "provider": "other",
        "username": "elm",
        "auth": {"method": "password", "password": "Fuzz-Pw-2"},
        "outgoing": {"host": "smtp.elmstreet-dental.co.uk", "port": 587, "security": "starttls", "authenticate": True},
        "incoming": {
            "enabled": True,
            "protocol": "pop3",
            "host": "pop.elmstreet-dental.co.uk",
            "port": 995,
            "security": "tls",
            "leave_copy_on_server": True,
            "acknowledge_mail_removal": False,
        },
        "lint": {"ignore": ["MC502"]},
    },
]
VALUES = st.one_of(
    st.sampled_from(PLAUSIBLE).map(copy.deepcopy),
    st.none(), st.booleans(), st.integers(-5, 70000), st.integers(), st.floats(),
    st.text(max_size=30), st.sampled_from(["", " ", "x" * 300, "on", "<a@b.co>", "a@b", "MC999", "mc402"]),
    st.lists(st.sampled_from(["MC402", "MC201", "MC501", "x", 1]), max_size=3),
    st.dictionaries(st.sampled_from(["host", "port", "x", "enabled"]), st.integers(0, 1000), max_size=2),
)


@st.composite
def declarations(draw):
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _change in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(PATHS)).split(".")
        node = data
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        if draw(st.booleans()):
            node.pop(path[-1], None)
        else:
            node[path[-1]] = draw(VALUES)
    return data


@FUZZ
@given(declarations(), st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 1, 1)))
def test_valid_ish_declarations(data, today):
    before = copy.deepcopy(data)
    result = check(data, today=today)
    assert_sound(result)
    assert data == before  # the pipeline never edits its input
    assert check(data, today=today) == result  # and always answers the same


@FUZZ
@given(declarations())
@example(
    {
        "schema_version": 1,
        "address": "\x85",
        "provider": "ionos_uk",
        "auth": {"method": "password", "password": "Fuzz-Pw-1"},
        "sending": {"rate_per_minute": 3},
    }
)  # found by this test: a NEL the emitter writes raw
@example(
    {
        "schema_version": 1,
        "address": float("nan"),
        "provider": "ionos_uk",
        "auth": {"method": "password", "password": "Fuzz-Pw-1"},
        "sending": {"rate_per_minute": 3},
    }
)  # found by this test: NaN is never equal to itself
def test_yaml_text_and_data_give_the_same_findings(data):
    """The YAML route only adds positions: same codes, paths, severities and messages."""
    def essence(findings):
        return sorted((f.code, f.severity, f.path, f.message) for f in findings)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if repr(yaml.safe_load(text)) != repr(data):  # repr: a NaN loads back as a NaN, which == never matches
        # PyYAML's emitter writes U+0085, U+2028 and U+2029 raw inside a quoted scalar, where YAML folds
        # them as line breaks: that text holds another declaration. Escaped, it holds this one.
        text = yaml.safe_dump(data, allow_unicode=False, sort_keys=False)
    assert repr(yaml.safe_load(text)) == repr(data)
    from_text = check_text(text, "practice.yml", today=datetime.date(2026, 11, 27))
    assert_sound(from_text, "practice.yml")
    assert essence(from_text.findings) == essence(check(data, today=datetime.date(2026, 11, 27)).findings)
    assert all(f.line >= 1 for f in from_text.findings)


@FUZZ
@given(declarations())
def test_the_fast_schema_check_never_accepts_what_jsonschema_refuses(data):
    if _schema.fast_check()(data):
        assert _schema.validator().is_valid(data)


def test_the_fast_schema_check_accepts_the_valid_bases():
    assert all(_schema.fast_check()(base) for base in BASES)


def test_the_bases_are_clean_declarations():
    for base in BASES:
        result = check(base, today=datetime.date(2026, 11, 27))
        assert result.normalised is not None and not [f for f in result.findings if f.severity != "info"]


GENERATOR_REACHES = {
    "a changed declaration that is still valid": lambda d: d not in BASES and check(d).normalised is not None,
    "a lint error": lambda d: any(f.severity == "error" and f.code >= "MC100" for f in check(d).findings),
    "a lint warning": lambda d: any(f.severity == "warning" and f.code >= "MC100" for f in check(d).findings),
    "a schema error": lambda d: any(f.code.startswith("MC01") for f in check(d).findings),
}


@pytest.mark.parametrize("outcome", sorted(GENERATOR_REACHES))
def test_the_generator_reaches(outcome):
    """A generator that only ever produced schema errors would prove little."""
    find(declarations(), GENERATOR_REACHES[outcome], settings=settings(max_examples=2000, database=None, deadline=None))
