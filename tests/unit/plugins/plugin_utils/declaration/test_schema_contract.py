"""The schema file as others use it: editors, check-jsonschema, and our docs."""

import json
import os
import subprocess

import jsonschema
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT
SCHEMA = os.path.join(ROOT, "schemas", "mail_account.schema.json")
CORPUS = os.path.join(ROOT, "tests", "data", "declarations")
CHECK_JSONSCHEMA = os.path.join(ROOT, ".venv", "bin", "check-jsonschema")


def load():
    with open(SCHEMA, encoding="utf-8") as handle:
        return json.load(handle)


def properties(node, prefix=""):
    for name, sub in node.get("properties", {}).items():
        path = "%s.%s" % (prefix, name) if prefix else name
        yield path, sub
        yield from properties(sub, path)


def test_is_a_valid_2020_12_schema_with_an_id():
    schema = load()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and schema["$id"]


def test_every_property_has_title_description_and_examples_and_objects_are_closed():
    schema = load()
    assert schema["additionalProperties"] is False
    for path, sub in properties(schema):
        assert sub.get("title") and sub.get("description") and sub.get("examples"), path
        if sub.get("type") == "object":
            assert sub.get("additionalProperties") is False, path


def test_check_jsonschema_uses_it_as_is():
    good = os.path.join(CORPUS, "ok-other-explicit-servers.yml")
    bad = os.path.join(CORPUS, "bad-typo-unknown-fields.yml")
    assert (
        subprocess.run([CHECK_JSONSCHEMA, "--schemafile", SCHEMA, good], capture_output=True, check=False).returncode
        == 0
    )
    assert (
        subprocess.run([CHECK_JSONSCHEMA, "--schemafile", SCHEMA, bad], capture_output=True, check=False).returncode
        == 1
    )
