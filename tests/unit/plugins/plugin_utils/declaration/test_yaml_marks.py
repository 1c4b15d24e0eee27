"""The YAML-with-marks parser: positions for every field, and a located finding
(never a traceback) for everything that is not one small YAML mapping."""

import datetime

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._yaml_marks import (
    MAX_BYTES, MAX_DEPTH, MAX_NODES, VAULT_STAND_IN, DeclarationSyntaxError, load_declaration)

DECLARATION = """\
# Castlegate Dental
schema_version: 1
address: reception@castlegate-dental.co.uk
auth:
  method: oauth2
  oauth2:
    client_id: c-1
    scopes:
      - https://mail.google.com/
      - offline_access
outgoing: {host: smtp.gmail.com, port: 465}
"""


def refused(text):
    with pytest.raises(DeclarationSyntaxError) as info:
        load_declaration(text)
    finding = info.value.finding
    assert finding.severity == "error" and finding.message and finding.hint
    return finding


def where(finding):
    return finding.code, finding.path, finding.line, finding.column


def test_values_and_marks_of_every_field():
    data, marks = load_declaration(DECLARATION)
    assert data["auth"]["oauth2"]["scopes"] == ["https://mail.google.com/", "offline_access"]
    assert data["outgoing"] == {"host": "smtp.gmail.com", "port": 465}
    assert marks[""] == (2, 1)
    assert marks["address"] == (3, 1)
    assert marks["auth.oauth2.client_id"] == (7, 5)
    assert marks["auth.oauth2.scopes.1"] == (10, 9)
    assert marks["outgoing.port"] == (11, 34)


def test_bytes_and_text_parse_alike_with_crlf_and_a_bom():
    crlf = DECLARATION.replace("\n", "\r\n")
    assert load_declaration(crlf.encode("utf-8")) == load_declaration(DECLARATION)
    assert load_declaration(b"\xef\xbb\xbf" + DECLARATION.encode("utf-8")) == load_declaration(DECLARATION)


def test_keys_are_taken_as_written():
    data, marks = load_declaration("on: yes\nno: 1\n2024-01-01: x\n'quoted': y\n")
    assert set(data) == {"on", "no", "2024-01-01", "quoted"}
    assert data["on"] is True  # values keep YAML's types; the schema judges them
    assert marks["no"] == (2, 1)


def test_quoted_numbers_stay_text_and_plain_ones_do_not():
    data = load_declaration("password: '0123'\nport: 0123\nzip: !!str 465\n")[0]
    assert data == {"password": "0123", "port": 83, "zip": "465"}


@pytest.mark.parametrize("text, expected, first", [
    ("a: 1\na: 2\n", ("MC003", "a", 2, 1), 1),
    ("auth:\n  method: x\n  method: y\n", ("MC003", "auth.method", 3, 3), 2),
    ("ignore:\n  - {code: a, code: b}\n", ("MC003", "ignore.0.code", 2, 15), 2),
])
def test_duplicate_keys_are_refused_where_the_second_one_is(text, expected, first):
    finding = refused(text)
    assert where(finding) == expected
    assert "first defined on line %d" % first in finding.message


def test_merge_keys_are_refused():
    assert where(refused("base: &b {port: 587}\noutgoing:\n  <<: *b\n  host: h\n")) == ("MC001", "outgoing", 3, 3)


@pytest.mark.parametrize("text", ["? [a, b]\n: 1\n", "{a: 1}: x\n"])
def test_non_scalar_keys_are_refused(text):
    assert refused(text).code == "MC001"


def test_small_aliases_are_allowed():
    data = load_declaration("a: &x smtp.gmail.com\nb: *x\n")[0]
    assert data == {"a": "smtp.gmail.com", "b": "smtp.gmail.com"}


def test_an_alias_bomb_is_refused_after_a_bounded_number_of_values():
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += ["l%d: &l%d [%s]" % (i, i, ", ".join(["*l%d" % (i - 1)] * 10)) for i in range(1, 9)]
    finding = refused("\n".join(lines) + "\n")
    assert finding.code == "MC004" and str(MAX_NODES) in finding.message


def test_a_recursive_alias_is_refused():
    finding = refused("auth: &a\n  method: password\n  again: *a\n")
    assert finding.code == "MC004" and finding.path.startswith("auth.again.again")


def test_deep_block_nesting_is_refused_with_its_path():
    text = "".join("%sk:\n" % ("  " * depth) for depth in range(200)) + "  " * 200 + "v: 1\n"
    finding = refused(text)
    assert finding.code == "MC004" and finding.path == ".".join(["k"] * (MAX_DEPTH + 1))
    assert finding.line == MAX_DEPTH + 2


def test_deep_flow_nesting_is_refused_by_the_parser():
    assert refused("a: " + "[" * 5000 + "]" * 5000 + "\n").code == "MC001"


@pytest.mark.parametrize("text, message", [
    ("a: 1\n---\nb: 2\n", "more than one YAML document"),
    ("a: [1, 2\nb: 3\n", "not valid YAML"),
    ("a:\n\tb: 1\n", "a tab character"),
    ("a: 'unclosed\n", "not valid YAML"),
    ("a: *nowhere\n", "not valid YAML"),
])
def test_syntax_errors_are_located(text, message):
    finding = refused(text)
    assert finding.code == "MC001" and message in finding.message and finding.line >= 1


@pytest.mark.parametrize("text, shape", [("", "no YAML document"), ("# only a comment\n", "no YAML document"),
                                         ("- a\n- b\n", "a list"), ("just text\n", "a single value"),
                                         ("--- 42\n", "a single value")])
def test_anything_but_one_mapping_is_refused(text, shape):
    finding = refused(text)
    assert finding.code == "MC002" and shape in finding.message


def test_nul_bytes_are_refused_at_the_first_one():
    assert where(refused(b"a: 1\nbb: 2\x00\x00\n")) == ("MC004", "", 2, 6)


def test_invalid_utf8_is_refused_at_the_byte():
    finding = refused("a: 1\nname: Café\n".encode("latin-1"))
    assert where(finding) == ("MC004", "", 2, 10) and "0xE9" in finding.message


def test_a_control_character_is_refused_where_it_is():
    finding = refused("a: 1\nb: x\x07y\n")
    assert where(finding) == ("MC001", "", 2, 5) and "U+0007" in finding.message


def test_a_lone_surrogate_is_refused():
    assert refused("a: \ud800\n").code == "MC004"


def test_size_limit_at_the_boundary():
    body = b"a: 1\n"
    padded = body + b"#" * (MAX_BYTES - len(body) - 1) + b"\n"
    assert len(padded) == MAX_BYTES and load_declaration(padded)[0] == {"a": 1}
    assert refused(padded + b"\n").code == "MC004"
    assert refused(padded.decode() + "\n").code == "MC004"


def test_an_unsafe_string_is_text_as_written():
    assert load_declaration("password: !unsafe '{{ not a template }}'\n")[0]["password"] == "{{ not a template }}"


def test_a_vault_value_is_a_short_fixed_stand_in_whatever_its_length():
    """The check cannot decrypt; the ciphertext (4x the secret) must not trip maxLength."""
    cipher = "\n".join(["  " + "6162636465" * 8] * 300)
    data = load_declaration("password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n%s\n" % cipher)[0]
    assert data["password"] == VAULT_STAND_IN


def test_standard_tags_keep_their_types():
    data = load_declaration("d: 2024-06-12\nb: !!binary aGVsbG8=\nf: !!float 1\n")[0]
    assert data == {"d": datetime.date(2024, 6, 12), "b": b"hello", "f": 1.0}


@pytest.mark.parametrize("text, what", [
    ("secret: %s\n" % ("9" * 5000), "a whole number"),  # more digits than int() may print back
    ("secret: 1%s\n" % (":59" * 300000), "a whole number"),  # sexagesimal: quadratic to build
    ("secret: 0x%s\n" % ("f" * 100), "a whole number"),
    ("secret: %s.5\n" % ("9" * 400), "a decimal number"),
])
def test_an_oversized_number_is_refused_before_it_is_built(text, what):
    finding = refused(text)
    assert where(finding) == ("MC004", "secret", 1, 9)
    assert what in finding.message and "59" not in finding.message and "99" not in finding.message


@pytest.mark.parametrize("text, what", [
    ("secret: 2024-13-01\n", "a date"),
    ("secret: !!bool maybe\n", "true or false"),
    ("secret: !!float abc\n", "a decimal number"),
    ("secret: !!int 0xZZ\n", "a whole number"),
    ("secret: !!timestamp soon\n", "a date"),
    ("secret: !custom Zq9-hidden\n", "an unknown YAML tag"),
    ("secret: !!python/object:os.system ls\n", "an unknown YAML tag"),
    # An unquoted password that starts with "!" is a tag to YAML: it must not be named.
    ("secret: !Secr3tPass\n", "an unknown YAML tag"),
    ("secret: !!Secr3tPass\n", "an unknown YAML tag"),
])
def test_a_value_its_tag_cannot_hold_is_located_and_never_quoted(text, what):
    finding = refused(text)
    assert where(finding) == ("MC001", "secret", 1, 9)
    assert what in finding.message
    value = text.split(None, 1)[1].strip()
    assert value.split()[-1] not in finding.message
    assert value.split()[0].lstrip("!") not in finding.message
