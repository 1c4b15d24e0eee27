"""The declaration corpus: every file raises exactly the findings it declares.

Format of the expectations: tests/data/declarations/README.md.
"""

import datetime
import pathlib
import re

import pytest
import yaml

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _lint
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check_file
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._yaml_marks import (
    DeclarationSyntaxError,
    load_declaration,
)
from tests.paths import REPO_ROOT

CORPUS = pathlib.Path(REPO_ROOT) / "tests" / "data" / "declarations"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml"))
DEFAULT_TODAY = datetime.date(2026, 11, 27)
NORMALISED_KEYS = {"schema_version", "address", "display_name", "provider", "username", "auth", "outgoing",
                   "incoming", "sending", "practice"}
PARSE_AND_SCHEMA_CODES = {"MC001", "MC002", "MC003", "MC004", "MC010", "MC011", "MC012", "MC013"}
# Values under these keys (spelt right or wrong) are the corpus's fake secrets.
SECRET_LINE = re.compile(r"^\s*(?:password|passwrd|client_secret|refresh_token):\s*[\"']?([^\"'\n]{6,})", re.M)


class Expectation:
    """The directives in a corpus file's leading comments (or its .expect sidecar)."""

    def __init__(self, path):
        sidecar = path.with_name(path.name + ".expect")
        raw = (sidecar if sidecar.exists() else path).read_bytes()
        self.description = ""
        self.today = DEFAULT_TODAY
        self.findings = []
        self.clean = False
        self.normalised = {}
        for line in raw.decode("utf-8", errors="replace").splitlines():
            if not line.startswith("#"):
                break
            key, _colon, value = line[1:].strip().partition(":")
            value = value.strip()
            if key == "expect" and value == "nothing":
                self.clean = True
            elif key == "expect":
                code, severity, field, where = value.split()
                line_no, column = where.split(":")
                self.findings.append((code, severity, "" if field == "-" else field, int(line_no), int(column)))
            elif key == "today":
                self.today = datetime.date.fromisoformat(value)
            elif key == "normalised":
                field, _equals, text = value.partition("=")
                self.normalised[field.strip()] = yaml.safe_load(text)
            elif not self.description:
                self.description = line[1:].strip()


def _param(path):
    return pytest.param(path, id=path.name)


def _dig(mapping, dotted):
    for part in dotted.split("."):
        mapping = mapping[part]
    return mapping


def _secrets(path):
    return SECRET_LINE.findall(path.read_bytes().decode("utf-8", errors="replace"))


@pytest.mark.parametrize("path", [_param(p) for p in FILES])
def test_file_raises_exactly_what_it_declares(path):
    expected = Expectation(path)
    assert expected.description, "%s: the first comment line says what the case is" % path.name
    assert expected.clean != bool(expected.findings), "%s: either '# expect: nothing' or findings" % path.name
    result = check_file(str(path), today=expected.today)
    got = sorted((f.code, f.severity, f.path, f.line, f.column) for f in result.findings)
    assert got == sorted(expected.findings), "\n".join(f.text() for f in result.findings)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_outcome_matches_name_and_normalised_values(path):
    expected = Expectation(path)
    result = check_file(str(path), today=expected.today)
    errors = [f for f in result.findings if f.severity == "error"]
    if path.name.startswith("ok-"):
        assert not errors
        assert set(result.normalised) == NORMALISED_KEYS
        for field, value in expected.normalised.items():
            assert _dig(result.normalised, field) == value, field
    else:
        assert path.name.startswith("bad-") and errors
        assert result.normalised is None
        assert not expected.normalised


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_finding_is_located_explained_and_secret_free(path):
    result = check_file(str(path), today=Expectation(path).today)
    secrets = _secrets(path)
    for finding in result.findings:
        assert finding.file == str(path)
        assert finding.message and finding.hint
        shown = finding.text() + repr(finding.as_dict())
        leaked = [s for s in secrets if s in shown]
        assert not leaked, shown


def test_secret_scan_sees_the_corpus_secrets():
    """The leak test above is only as good as its list of secrets."""
    found = {s for p in FILES for s in _secrets(p)}
    assert len(found) >= 40
    assert "Corpus-Pw-Linden-3030" in found  # under the misspelt key 'passwrd'
    assert "GOCSPX-corpus-client-secret-gm41" in found


def _all_expectations():
    return {p.name: Expectation(p) for p in FILES}


def test_corpus_triggers_every_code():
    raised = {f[0] for e in _all_expectations().values() for f in e.findings}
    every = {r.code for r in _lint.RULES} | PARSE_AND_SCHEMA_CODES
    assert every <= raised, "never raised: %s" % sorted(every - raised)


def test_corpus_covers_every_schema_error_kind():
    messages = []
    for path in FILES:
        messages.extend(f.message for f in check_file(str(path), today=Expectation(path).today).findings
                        if f.code in PARSE_AND_SCHEMA_CODES)
    kinds = {
        "unknown field (typo)": "unknown field",
        "missing required": "is missing",
        "wrong type": "must be",
        "bad enum": "is not allowed",
        "bad pattern": "is not a valid",
        "out of range": "is out of range",
        "length": "characters long",
        "repeated item": "lists an item twice",
        "malformed YAML": "not valid YAML",
        "list instead of a mapping": "is a list",
        "empty file": "no YAML document",
        "duplicate key": "duplicate key",
        "merge key": "merge keys",
        "multi-document": "more than one YAML document",
        "alias bomb": "alias bomb",
    }
    missing = [kind for kind, text in kinds.items() if not any(text in m for m in messages)]
    assert not missing


def test_corpus_covers_every_provider_auth_method_and_protocol():
    providers, methods, protocols = set(), set(), set()
    for path in FILES:
        try:
            data = load_declaration(path.read_bytes())[0]
        except DeclarationSyntaxError:
            continue
        if not isinstance(data, dict):
            continue
        providers.add(data.get("provider"))
        methods.add((data.get("auth") or {}).get("method") if isinstance(data.get("auth"), dict) else None)
        incoming = data.get("incoming")
        if isinstance(incoming, dict) and incoming.get("enabled", True):
            protocols.add(incoming.get("protocol", "imap"))
        elif incoming is None or isinstance(incoming, dict):
            protocols.add("none")
    assert set(_catalogue.providers()) | {"other"} <= providers
    assert {"password", "oauth2"} <= methods
    assert {"imap", "pop3", "none"} <= protocols


def test_corpus_is_large_enough():
    valid = [p for p in FILES if p.name.startswith("ok-")]
    invalid = [p for p in FILES if p.name.startswith("bad-")]
    assert len(FILES) >= 45 and len(valid) >= 15 and len(invalid) >= 30
    assert len(valid) + len(invalid) == len(FILES)
