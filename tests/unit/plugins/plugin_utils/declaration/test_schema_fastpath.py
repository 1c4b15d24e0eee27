"""The compiled fast path may only ever agree with jsonschema on 'valid'."""

import copy
import glob
import os

from hypothesis import given, settings, strategies as st

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _schema
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._schema_fastpath import (
    Unsupported,
    compile_schema,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._yaml_marks import (
    DeclarationSyntaxError,
    load_declaration,
)

import pytest
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT

BASE = {
    "schema_version": 1, "address": "a@b.example", "provider": "other",
    "auth": {"method": "password", "password": "x"},
    "outgoing": {"host": "mail.b.example", "port": 587, "security": "starttls", "authenticate": True},
    "incoming": {"enabled": True, "protocol": "imap", "host": "mail.b.example", "port": 993, "security": "tls"},
    "sending": {"rate_per_minute": 3}, "practice": {"update_contact_email": True}, "lint": {"ignore": ["MC501"]},
}

LEAVES = [("schema_version",), ("address",), ("provider",), ("auth", "method"), ("auth", "password"),
          ("outgoing", "port"), ("outgoing", "security"), ("outgoing", "host"), ("incoming", "enabled"),
          ("sending", "rate_per_minute"), ("lint", "ignore"), ("practice",), ("auth",)]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.lists(st.text(max_size=5), max_size=3),
    st.sampled_from(["tls", "starttls", "none", "oauth2", "password", "MC501", "x@y.example", 1.0, True]),
)


def test_schema_compiles():
    assert callable(compile_schema(_schema.schema()))


def test_unknown_keyword_is_refused():
    with pytest.raises(Unsupported):
        compile_schema({"type": "object", "patternProperties": {"x": {}}})


def test_base_is_valid_both_ways():
    assert _schema.fast_check()(BASE)
    assert _schema.validator().is_valid(BASE)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(LEAVES), VALUES), min_size=1, max_size=3),
    st.sampled_from(["extra", "drop", None]),
)
def test_fast_valid_implies_jsonschema_valid(edits, shape):
    data = copy.deepcopy(BASE)
    for path, value in edits:
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else node
        if isinstance(node, dict):
            node[path[-1]] = value
    if shape == "extra":
        data["auth"] = dict(data["auth"], extra=1) if isinstance(data["auth"], dict) else data["auth"]
    elif shape == "drop":
        data.pop("address")
    # The contract: "valid" from the fast path is always right. It may say "not valid"
    # for something jsonschema accepts (1.0 for the integer 1): that only costs speed.
    if _schema.fast_check()(data):
        assert _schema.validator().is_valid(data)


def test_agrees_on_every_corpus_file():
    files = glob.glob(os.path.join(ROOT, "tests", "data", "declarations", "*.y*ml"))
    for path in files:
        with open(path, "rb") as handle:
            try:
                data, _marks = load_declaration(handle.read())
            except DeclarationSyntaxError:
                continue
        assert _schema.fast_check()(data) == _schema.validator().is_valid(data), path
