"""A registered store is a whole store: documented, in the argument specs and tested.

Following CONTRIBUTING.md's "add a store" recipe, each assertion here names the step
that was forgotten.
"""

import os

import pytest
import yaml

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import Store
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES, store_argument
from ansible_collections.mailops.mailconfig.plugins.modules import mail_account

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def _module_store_doc():
    return yaml.safe_load(mail_account.DOCUMENTATION)["options"]["store"]["suboptions"]


def test_the_module_documents_every_store_type_as_a_choice():
    assert _module_store_doc()["type"]["choices"] == list(STORES), "plugins/modules/mail_account.py: store.type choices"


@pytest.mark.parametrize("name", list(STORES))
def test_every_store_option_is_documented_in_the_module(name):
    documented = _module_store_doc()
    missing = [option for option in STORES[name].OPTIONS if option not in documented]
    assert not missing, "plugins/modules/mail_account.py DOCUMENTATION lacks store options %s" % missing


@pytest.mark.parametrize("name", list(STORES))
def test_every_store_has_its_section_in_store_keys_md(name):
    assert "(`store.type: %s`" % name in _read("docs", "store-keys.md"), "docs/store-keys.md: add a section for %s" % name


@pytest.mark.parametrize("name", list(STORES))
def test_the_role_argument_spec_names_every_store_type(name):
    spec = yaml.safe_load(_read("roles", "mail_account", "meta", "argument_specs.yml"))
    text = " ".join(spec["argument_specs"]["main"]["options"]["mail_account_store"]["description"])
    assert name in text, "roles/mail_account/meta/argument_specs.yml: mail_account_store description lacks %s" % name


@pytest.mark.parametrize("name", list(STORES))
def test_every_store_has_its_own_unit_tests(name):
    assert os.path.exists(os.path.join(ROOT, "tests", "unit", "test_store_%s.py" % name)), "add tests/unit/test_store_%s.py" % name


@pytest.mark.parametrize("name", list(STORES))
def test_every_store_keeps_the_contract(name):
    cls = STORES[name]
    assert issubclass(cls, Store) and cls.NAME == name and cls.KIND and cls.DESCRIPTION
    assert cls.apply is not Store.apply, "%s must implement apply" % cls.__name__


def test_the_module_argument_spec_is_the_registry_s():
    assert mail_account.STORE_ARGUMENT == store_argument()
    assert store_argument()["options"]["type"]["choices"] == list(STORES)
