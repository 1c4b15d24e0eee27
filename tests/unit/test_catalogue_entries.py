"""Every provider in data/providers.yml is a whole entry (CONTRIBUTING.md, "Add a provider")."""

import datetime

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils import _catalogue, _schema

PROVIDERS = sorted(_catalogue.providers())


@pytest.mark.parametrize("key", PROVIDERS)
def test_every_entry_names_its_sources_and_when_it_was_checked(key):
    entry = _catalogue.provider(key)
    assert entry.get("name"), "data/providers.yml: %s needs a name" % key
    assert entry.get("sources") and all(isinstance(s, str) and s.strip() for s in entry["sources"]), \
        "data/providers.yml: %s needs its sources" % key
    assert isinstance(entry.get("checked"), (datetime.date, str)) and datetime.date.fromisoformat(str(entry["checked"])), \
        "data/providers.yml: %s needs checked: YYYY-MM-DD" % key


@pytest.mark.parametrize("key", PROVIDERS)
def test_a_live_entry_publishes_its_servers(key):
    entry = _catalogue.provider(key)
    if entry.get("unsupported_since"):
        assert entry.get("unsupported_hint"), "data/providers.yml: %s is unsupported; say what to use instead" % key
        return
    assert {"host", "port", "security"} <= set(entry.get("outgoing") or {}), "data/providers.yml: %s outgoing server" % key
    for protocol, server in (entry.get("incoming") or {}).items():
        assert protocol in ("imap", "pop3") and {"host", "port", "security"} <= set(server), "%s incoming %s" % (key, protocol)


def test_the_schema_offers_every_provider():
    assert _schema.schema()["properties"]["provider"]["enum"] == PROVIDERS_IN_ORDER + ["other", "auto"], \
        "run docs/generate.py: the schema's provider enum comes from data/providers.yml"


PROVIDERS_IN_ORDER = list(_catalogue.providers())
