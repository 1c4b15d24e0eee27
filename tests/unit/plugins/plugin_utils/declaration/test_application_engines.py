"""A stored profile asks its engine's store only for what that store knows: a registered store type that receives
the profile, a cipher in the cipher registry (plugins/module_utils/store/_cipher.py) and a layout the store writes;
the store refuses any other layout by name before it connects."""

import re
import socket

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._cipher import cipher_class
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application
from tests.unit.plugins.module_utils.store.store_helpers import plan, store

STORED = [name for name in _application.names() if not _application.guided(name)]
CIPHERED = [name for name in STORED if "cipher" in _application.profile(name)]
# The refusal the tests expect from a store that does not write a profile's layout.
UNKNOWN_LAYOUT = r"layout 'ledger', which this store does not know \(\w+(, \w+)*\)"


def cipher_columns(profile):
    """The columns a profile stores through its cipher, in every table it maps."""
    tables = [profile.get("columns", {})] + [record["columns"] for record in profile.get("records", ())]
    return sorted(column for columns in tables for column, spec in columns.items() if spec.get("encoding") == "cipher")


@pytest.fixture(name="closed_port")
def fixture_closed_port():
    """A local port bound and not listening: a connection to it is refused at once."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def refusal(name, port, **profile_changes):
    """What application ``name``'s store says when asked to write its profile (changed) to a closed port."""
    engine = _application.profile(name)["store"]
    options = store(engine, "", application=name, host="127.0.0.1", port=port, user="mailconfig", database=name,
                    connect_timeout=2)
    options["profile"] = dict(_application.for_store(name), **profile_changes)
    with pytest.raises(StoreError) as refused:
        with STORES[engine](options).transaction(plan(), None, True):
            pass
    return str(refused.value)


@pytest.mark.parametrize("name", STORED)
def test_every_profile_s_store_is_registered_and_gets_the_profile(name):
    """The action plugin fills in store.profile only for the store types _application.of_store knows."""
    engine = _application.profile(name)["store"]
    assert engine in STORES, "data/applications/%s.yml: store %s is not in _LOADERS in %s" % (
        name, engine, "plugins/module_utils/store/_registry.py")
    assert _application.of_store({"type": engine, "application": name}) == name, (
        "add %s to _APPLICATION_STORES in plugins/plugin_utils/declaration/_application.py" % engine)


@pytest.mark.parametrize("name", CIPHERED)
def test_every_cipher_a_profile_names_is_in_the_cipher_registry(name):
    spec = _application.profile(name)["cipher"]
    try:
        kind = cipher_class(spec)
    except ValueError as exc:
        pytest.fail("data/applications/%s.yml: %s: add the cipher's class to cipher_class in "
                    "plugins/module_utils/store/_cipher.py" % (name, exc))
    assert kind.stored_length(111) > 111, "%s.stored_length: how long the stored text of a value is" % kind.__name__


@pytest.mark.parametrize("name", STORED)
def test_a_profile_with_a_cipher_column_names_its_cipher(name):
    profile = _application.profile(name)
    assert "cipher" in profile or not cipher_columns(profile), (
        "data/applications/%s.yml: %s stored through a cipher, and the profile names none" % (
            name, ", ".join(cipher_columns(profile))))


@pytest.mark.parametrize("name", STORED)
def test_every_profile_s_store_takes_it_up_to_connecting(name, closed_port):
    """Its layout, columns and cipher pass the store's own checks: the only complaint left is the closed port."""
    found = refusal(name, closed_port)
    assert "cannot connect to 127.0.0.1:%d" % closed_port in found, "data/applications/%s.yml: %s" % (name, found)


@pytest.mark.parametrize("name", STORED)
def test_a_layout_the_store_does_not_write_is_refused_naming_those_it_does(name, closed_port):
    found = refusal(name, closed_port, layout="ledger")
    assert re.search(UNKNOWN_LAYOUT, found), "the %s store, given layout 'ledger': %s" % (
        _application.profile(name)["store"], found)


def test_the_postgresql_store_refuses_a_cipher_its_records_layout_does_not_have(closed_port):
    odoo = _application.for_store("odoo")
    records = [dict(spec, columns=dict(spec["columns"])) for spec in odoo["records"]]
    records[0]["columns"]["smtp_pass"] = dict(records[0]["columns"]["smtp_pass"], encoding="cipher")
    found = refusal("odoo", closed_port, records=records)
    assert "has no cipher; the profile asks for one (ir_mail_server.smtp_pass)" in found
    assert "cannot connect" not in found  # refused before any connection
