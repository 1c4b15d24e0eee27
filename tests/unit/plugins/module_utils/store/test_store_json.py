"""The JSON store: nesting, types, unrelated keys and formatting kept, corrupt files refused."""

import json

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._json import JsonStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from tests.unit.plugins.module_utils.store.store_helpers import (
    PASSWORD_A, PASSWORD_B, apply, file_bytes, no_secret_in, plain_plan, plan, raw_declaration, store)

APP = """{
    "theme": "dark",
    "email": {
        "signature": "Kind regards",
        "outgoing": {"host": "old.example.org", "helo": "practice"}
    },
    "zeta": [1, 2, 3]
}
"""


def write(tmp_path, text=APP):
    path = tmp_path / "app.json"
    path.write_text(text)
    return path


def test_nested_keys_with_their_types_and_unrelated_keys_in_order(tmp_path):
    path = write(tmp_path)
    assert apply(JsonStore, plan(), store("json", path)).changed
    data = json.loads(path.read_text())
    assert list(data) == ["theme", "email", "zeta"] and data["zeta"] == [1, 2, 3]
    email = data["email"]
    assert list(email)[:2] == ["signature", "outgoing"] and email["signature"] == "Kind regards"
    assert email["outgoing"] == {
        "host": "smtp.ionos.co.uk",
        "helo": "practice",
        "port": 465,
        "security": "tls",
        "authenticate": True,
    }
    assert email["auth"] == {"method": "password", "password": PASSWORD_A}
    assert email["display_name"] is None and email["oauth2"]["scopes"] is None
    assert email["incoming"]["enabled"] is True and email["sending"] == {"rate_per_minute": 3}


def test_indentation_and_final_newline_are_kept(tmp_path):
    path = write(tmp_path)
    apply(JsonStore, plan(), store("json", path))
    text = path.read_text()
    assert text.startswith('{\n    "theme": "dark",\n    "email": {\n        "signature"') and text.endswith("}\n")
    tabbed = write(tmp_path, '{\n\t"theme": "dark"\n}')
    apply(JsonStore, plan(), store("json", tabbed))
    assert tabbed.read_text().startswith('{\n\t"theme": "dark",\n\t"email": {\n\t\t"address"')
    assert not tabbed.read_text().endswith("\n")


def test_one_line_file_stays_on_one_line(tmp_path):
    path = write(tmp_path, '{"theme": "dark"}')
    apply(JsonStore, plain_plan({"email.address": "a@b.example"}), store("json", path))
    assert path.read_text() == '{"theme": "dark", "email": {"address": "a@b.example"}}'


def test_a_value_of_the_wrong_json_type_is_rewritten(tmp_path):
    path = write(tmp_path, '{"email": {"outgoing": {"port": "465"}}}\n')
    assert apply(JsonStore, plain_plan({"email.outgoing.port": 465}), store("json", path)).changed
    assert json.loads(path.read_text())["email"]["outgoing"]["port"] == 465
    path.write_text('{"email": {"incoming": {"enabled": 1}}}\n')
    assert apply(JsonStore, plain_plan({"email.incoming.enabled": True}), store("json", path)).changed


def test_absent_removes_our_leaves_and_the_objects_they_leave_empty(tmp_path):
    path = write(tmp_path)
    apply(JsonStore, plan(), store("json", path))
    assert apply(JsonStore, plan(state="absent"), store("json", path)).changed
    data = json.loads(path.read_text())
    assert data == {
        "theme": "dark",
        "email": {"signature": "Kind regards", "outgoing": {"helo": "practice"}},
        "zeta": [1, 2, 3],
    }


def test_absent_of_a_file_we_created_leaves_an_empty_object(tmp_path):
    path = tmp_path / "new.json"
    apply(JsonStore, plan(), store("json", path, create=True))
    apply(JsonStore, plan(state="absent"), store("json", path))
    assert path.read_text() == "{}\n"


def test_key_map_without_a_dot_is_a_top_level_key(tmp_path):
    path = write(tmp_path)
    apply(JsonStore, plan(key_map={"email.outgoing.host": "SMTP_HOST"}), store("json", path))
    data = json.loads(path.read_text())
    assert data["SMTP_HOST"] == "smtp.ionos.co.uk" and data["email"]["outgoing"]["host"] == "old.example.org"


def test_diff_shows_our_keys_only_and_marks_the_changed_secret(tmp_path):
    """The application's own keys (here a database password) never reach --diff."""
    app = json.loads(APP)
    app["database"] = {"password": "Db-Password-Of-The-App-4411"}
    path = write(tmp_path, json.dumps(app, indent=4) + "\n")
    apply(JsonStore, plan(), store("json", path))
    outcome = apply(JsonStore, plan(raw_declaration(password=PASSWORD_B)), store("json", path))
    assert "email.auth.password = ********\n" in outcome.before
    assert "email.auth.password = ******** (changed)\n" in outcome.after
    assert 'email.outgoing.port = 465\n' in outcome.after and 'email.incoming.security = "tls"\n' in outcome.after
    for other in ("theme", "dark", "signature", "zeta", "database", "Db-Password"):
        assert other not in outcome.before + outcome.after
    assert outcome.after.count("\n") == len(plan().values)
    assert not no_secret_in(outcome.before + outcome.after)


def test_a_secret_spelled_with_json_escapes_is_scrubbed_too(tmp_path):
    secret = 'Pw"Q\\uote-\u00e9t\u00e9'
    path = write(tmp_path, json.dumps({"email": {"auth": {"password": secret}}, "copy": secret}) + "\n")
    outcome = apply(JsonStore, plan(raw_declaration(password=PASSWORD_B)), store("json", path))
    assert "Q\\\\uote" not in outcome.before and "uote" not in outcome.before
    assert outcome.before == "email.auth.password = ********\n"  # the copy under "copy" is not ours: not shown


@pytest.mark.parametrize("text, cause", [
    ('{"theme": "dark",\n  "email": }\n', "is not valid JSON (Expecting value at line 2 column 12)"),
    ("", "is not valid JSON (Expecting value at line 1 column 1)"),
    ('{"a": 1}{"b": 2}', "is not valid JSON (Extra data at line 1 column 9)"),
    ("[1, 2]\n", "holds a JSON list at the top level, not an object"),
    ('"text"', "holds a JSON str at the top level, not an object"),
])
def test_corrupt_json_is_refused_and_left_alone(tmp_path, text, cause):
    path = write(tmp_path, text)
    with pytest.raises(StoreError) as error:
        apply(JsonStore, plan(), store("json", path, create=True))
    assert str(error.value) == "JSON store %s: %s" % (path, cause)
    assert file_bytes(path) == text.encode()


def test_a_key_under_a_value_that_is_not_an_object_is_refused(tmp_path):
    path = write(tmp_path, '{"email": {"outgoing": "smtp.example.org"}}\n')
    with pytest.raises(StoreError, match="cannot hold email.outgoing.host: email.outgoing is not an object"):
        apply(JsonStore, plan(), store("json", path))
    assert json.loads(path.read_text()) == {"email": {"outgoing": "smtp.example.org"}}
