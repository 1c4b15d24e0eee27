"""Schema findings never contain a secret, and always say where and what.

jsonschema's own messages quote the offending value ("'hunter2...' is too long");
_schema builds its own and shows a value only when its field is not writeOnly.
"""

import copy
import json

import jsonschema
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from ansible_collections.mailops.mailconfig.plugins.module_utils._declaration_spec import SECRET_FIELDS
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _schema
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check, check_text

SECRET = "Schema-Msg-Secret-9f3Kq"
SECRET_PATHS = ["auth.password", "auth.oauth2.client_secret", "auth.oauth2.refresh_token"]


def declaration():
    return {
        "schema_version": 1,
        "address": "reception@castlegate-dental.co.uk",
        "provider": "gmail",
        "auth": {
            "method": "oauth2",
            "password": "x",
            "oauth2": {"client_id": "c-1", "client_secret": "x", "refresh_token": "x"},
        },
        "sending": {"rate_per_minute": 3},
    }


def with_value(path, value):
    data = declaration()
    node = data
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    return data


def everything_shown(findings):
    return "\n".join(f.text() + "\n" + json.dumps(f.as_dict()) for f in findings)


BAD_VALUES = {
    "too long": SECRET * 1000,
    "empty": "",
    "a number": 12345678901234567890,
    "true": True,
    "a list holding it": [SECRET],
    "a mapping holding it": {SECRET: SECRET},
    "a mapping under a key": {"value": SECRET},
}


def test_secret_paths_match_the_module_side_no_log_fields():
    assert sorted(_schema.secret_paths()) == sorted(SECRET_PATHS)
    assert sorted(".".join(f) for f in SECRET_FIELDS) == sorted(SECRET_PATHS)


@pytest.mark.parametrize("path", SECRET_PATHS)
def test_jsonschema_itself_would_leak_the_secret(path):
    """The control: without our messages, the secret is in the output."""
    raw = " ".join(e.message for e in _schema.validator().iter_errors(with_value(path, SECRET * 1000)))
    assert SECRET in raw


@pytest.mark.parametrize("kind", sorted(BAD_VALUES))
@pytest.mark.parametrize("path", SECRET_PATHS)
def test_no_finding_quotes_a_bad_secret(path, kind):
    findings = check(with_value(path, copy.deepcopy(BAD_VALUES[kind]))).findings
    assert [f for f in findings if f.code in ("MC012", "MC013") and f.path.startswith(path)], kind
    assert SECRET not in everything_shown(findings)
    if kind == "a number":
        assert "12345678901234567890" not in everything_shown(findings)


@pytest.mark.parametrize("path", SECRET_PATHS)
def test_a_secret_under_a_misspelt_key_is_not_quoted(path):
    data = with_value(path, "x")
    parent = data["auth"] if path == "auth.password" else data["auth"]["oauth2"]
    parent[path.rsplit(".", 1)[1] + "s"] = SECRET
    findings = check(data).findings
    assert "MC010" in {f.code for f in findings}
    assert SECRET not in everything_shown(findings)


def test_a_secret_in_a_mistyped_parent_is_not_quoted():
    for broken in ({"method": "password", "password": SECRET, "extra": [SECRET]}, [SECRET], SECRET):
        data = declaration()
        data["auth"] = broken
        assert SECRET not in everything_shown(check(data).findings)


def test_an_unquoted_secret_yaml_cannot_read_is_not_quoted():
    text = yaml.safe_dump(declaration()).replace("password: x", "password: 2024-13-45")
    findings = check_text(text, "practice.yml").findings
    assert [(f.code, f.path) for f in findings] == [("MC001", "auth.password")]
    assert "2024-13-45" not in everything_shown(findings)


@pytest.mark.parametrize("path", SECRET_PATHS)
def test_the_wrong_type_hint_says_quote_it_without_the_value(path):
    [finding] = [f for f in check(with_value(path, 20240612)).findings if f.path == path]
    assert finding.code == "MC012" and "quotes" in finding.hint and "20240612" not in finding.text()


def test_a_writeonly_field_with_a_value_check_is_redacted():
    """Guards schema changes: should a secret field gain a pattern or enum, the value stays hidden."""
    guarded = {
        "type": "object",
        "properties": {"pin": {"type": "string", "pattern": "^[0-9]+$", "enum": ["1234"], "writeOnly": True}},
    }
    errors = list(jsonschema.Draft202012Validator(guarded).iter_errors({"pin": SECRET}))
    assert len(errors) == 2
    for error in errors:
        for _code, path, message, _hint in _schema._describe(error):  # pylint: disable=protected-access
            assert path == "pin" and SECRET not in message and _schema.REDACTED in message


@settings(max_examples=150, deadline=None)
@given(secret=st.text(min_size=8, max_size=64).map(lambda s: "Zq" + s + "9k"),
       path=st.sampled_from(SECRET_PATHS),
       shape=st.sampled_from(["plain", "long", "list", "dict", "typo"]))
def test_no_secret_ever_appears_in_any_finding(secret, path, shape):
    """Random secrets (marked 'Zq...9k' so they cannot match our own wording) in every broken shape."""
    value = {"plain": secret, "long": secret * 400, "list": [secret], "dict": {"v": secret}, "typo": None}[shape]
    data = with_value(path, value if shape != "typo" else "x")
    if shape == "typo":
        data["auth"]["passwort"] = secret
    text = yaml.safe_dump(data, allow_unicode=True)
    shown = everything_shown(check_text(text, "practice.yml").findings) + everything_shown(check(data).findings)
    assert secret not in shown and secret[:10] not in shown  # not whole, not shortened


# Where and what: file:line:column, the field path, the code.

LOCATED = """\
schema_version: 1
address: reception@castlegate-dental.co.uk
provider: gmail
auth:
  method: oauth2
  oauth2:
    client_id: c-1
    refresh_tokn: abc
    scopes: [a, a]
outgoing:
  port: "465"
  security: ssl
sending:
  rate_per_minute: 0
"""


def test_every_schema_finding_names_file_line_column_and_path():
    findings = [f for f in check_text(LOCATED, "practice.yml").findings if f.code.startswith("MC01")]
    placed = [(f.code, f.path, f.line, f.column) for f in findings]
    assert placed == [
        ("MC010", "auth.oauth2.refresh_tokn", 8, 5),
        ("MC013", "auth.oauth2.scopes", 9, 5),
        ("MC012", "outgoing.port", 11, 3),
        ("MC013", "outgoing.security", 12, 3),
        ("MC013", "sending.rate_per_minute", 14, 3),
    ]
    for finding in findings:
        assert finding.text().startswith(
            "practice.yml:%d:%d: %s error %s: " % (finding.line, finding.column, finding.path, finding.code)
        )
        assert finding.hint


def test_a_missing_field_points_at_the_mapping_that_should_hold_it():
    text = (
        "schema_version: 1\naddress: reception@castlegate-dental.co.uk\nprovider: ionos_uk\nauth:\n  method: password\n"
    )
    [finding] = [f for f in check_text(text, "practice.yml").findings if f.code == "MC011"]
    assert (finding.path, finding.line, finding.column) == ("auth.password", 4, 1)
    assert "The account password" in finding.hint


def _schema_findings(findings):
    return [f for f in findings if f.code.startswith("MC01")]


def test_each_unknown_and_each_missing_field_is_its_own_finding():
    findings = _schema_findings(
        check_text("schema_version: 1\nadress: a@b.co\nprovder: ionos\n", "practice.yml").findings
    )
    assert [(f.code, f.path) for f in findings] == [
        ("MC011", "address"), ("MC011", "auth"), ("MC011", "provider"), ("MC010", "adress"), ("MC010", "provder")]
    assert "Did you mean 'address'?" in findings[3].hint


def test_a_value_of_the_wrong_type_is_one_finding_not_two():
    """A mistyped value also fails its enum or const; only the type is reported."""
    findings = _schema_findings(check(dict(declaration(), schema_version="1", provider=7)).findings)
    assert sorted((f.code, f.path) for f in findings) == [("MC012", "provider"), ("MC012", "schema_version")]


def test_non_secret_values_are_quoted_and_shortened():
    [finding] = [f for f in check(dict(declaration(), provider="p" * 200)).findings if f.path == "provider"]
    shown = finding.message.split(" is not allowed")[
        0
    ]  # then the list of allowed values, which grows with the catalogue
    assert shown.startswith('"ppp') and shown.endswith("...") and len(shown) < 100


@pytest.mark.parametrize("line", ["  password=Keyed-Secret-77: x", "  password:Keyed-Secret-77: x",
                                  "  password=Keyed-Secret-77: 1\n  password=Keyed-Secret-77: 2"])
def test_a_secret_typed_into_a_key_is_never_shown(line):
    """A value typed into the key would otherwise become the finding's path and message."""
    text = "schema_version: 1\naddress: a@gmail.com\nprovider: gmail\nauth:\n  method: password\n%s\n" % line
    findings = check_text(text, "practice.yml").findings
    assert findings
    for finding in findings:
        assert "Keyed-Secret-77" not in finding.text() + finding.path


def test_a_dotted_key_cannot_smuggle_a_secret_into_the_path():
    text = "schema_version: 1\naddress: a@gmail.com\nprovider: gmail\nauth:\n  method: password\n  Dotted.Secret77: x\n"
    for finding in check_text(text, "practice.yml").findings:
        assert "Dotted" not in finding.text() + finding.path and "Secret77" not in finding.text() + finding.path


def test_pure_python_parser_messages_do_not_quote_what_they_read(monkeypatch):
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _yaml_marks
    import yaml as pyyaml
    monkeypatch.setattr(_yaml_marks, "_Loader", pyyaml.SafeLoader)
    for bad in ("password: *Secr3tAlias\n", "password: !Secr3t!x y\n"):
        text = "schema_version: 1\naddress: a@gmail.com\nprovider: gmail\nauth:\n  method: password\n  " + bad
        for finding in check_text(text, "practice.yml").findings:
            assert "Secr3t" not in finding.text()
