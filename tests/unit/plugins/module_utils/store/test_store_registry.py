"""Every store class is registered, and a registered store is a whole store: documented, in the argument specs,
tested, announced.

Following CONTRIBUTING.md's "add a store" recipe, each assertion here names the step
that was forgotten.
"""

import glob
import importlib
import inspect
import os

import pytest
import yaml

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import Store
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES, store_argument
from ansible_collections.mailops.mailconfig.plugins.modules import mail_account
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def _module_store_doc():
    return yaml.safe_load(mail_account.DOCUMENTATION)["options"]["store"]["suboptions"]


def _store_classes():
    """Every store class defined in plugins/module_utils/store (a format base such as FileStore has no NAME)."""
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "module_utils", "store", "_*.py"))):
        module = importlib.import_module(
            "ansible_collections.mailops.mailconfig.plugins.module_utils.store." + os.path.basename(path)[:-3]
        )
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, Store) and cls.__module__ == module.__name__ and cls.NAME:
                yield cls


def test_every_store_class_is_registered():
    missing = [cls.__name__ for cls in _store_classes() if STORES.get(cls.NAME) is not cls]
    assert not missing, "plugins/module_utils/store/_registry.py: add %s to STORES" % ", ".join(missing)


def test_the_module_documents_every_store_type_as_a_choice():
    assert _module_store_doc()["type"]["choices"] == list(STORES), "plugins/modules/mail_account.py: store.type choices"


@pytest.mark.parametrize("name", list(STORES))
def test_the_module_says_what_every_store_type_writes(name):
    description = _module_store_doc()["type"]["description"]
    text = description if isinstance(description, str) else " ".join(description)
    assert "V(%s)" % name in text, (
        "plugins/modules/mail_account.py DOCUMENTATION: say in store.type's description what V(%s) writes" % name
    )


@pytest.mark.parametrize("name", list(STORES))
def test_every_store_option_is_documented_in_the_module(name):
    documented = _module_store_doc()
    missing = [option for option in STORES[name].OPTIONS if option not in documented]
    assert not missing, "plugins/modules/mail_account.py DOCUMENTATION lacks store options %s" % missing


@pytest.mark.parametrize("name", list(STORES))
def test_every_store_has_its_section_in_store_keys_md(name):
    assert "(`store.type: %s`" % name in _read("docs", "store-keys.md"), (
        "docs/store-keys.md: add a section for %s" % name
    )


@pytest.mark.parametrize("name", list(STORES))
def test_the_role_argument_spec_names_every_store_type(name):
    spec = yaml.safe_load(_read("roles", "mail_account", "meta", "argument_specs.yml"))
    text = " ".join(spec["argument_specs"]["main"]["options"]["mail_account_store"]["description"])
    assert name in text, "roles/mail_account/meta/argument_specs.yml: mail_account_store description lacks %s" % name


@pytest.mark.parametrize("name", list(STORES))
def test_every_store_has_its_own_unit_tests(name):
    assert os.path.exists(
        os.path.join(ROOT, "tests", "unit", "plugins", "module_utils", "store", "test_store_%s.py" % name)
    ), "add tests/unit/plugins/module_utils/store/test_store_%s.py" % name


@pytest.mark.parametrize("name", list(STORES))
def test_every_store_file_is_in_the_architecture_table(name):
    path = "store/%s.py" % STORES[name].__module__.rsplit(".", 1)[1]
    assert "`%s`" % path in _read("docs", "architecture.md"), (
        "docs/architecture.md: name %s in the module_utils table" % path
    )


@pytest.mark.parametrize("name", list(STORES))
def test_every_store_type_is_announced_in_the_changelog(name):
    texts = [_read("changelogs", "changelog.yaml")]
    texts += [
        _read("changelogs", "fragments", fragment)
        for fragment in sorted(os.listdir(os.path.join(ROOT, "changelogs", "fragments")))
    ]
    assert any("``%s``" % name in text for text in texts), (
        "changelogs/fragments: announce the store type ``%s`` in a fragment" % name
    )


@pytest.mark.parametrize("name", list(STORES))
def test_every_store_keeps_the_contract(name):
    cls = STORES[name]
    assert issubclass(cls, Store) and cls.NAME == name and cls.KIND and cls.DESCRIPTION
    assert cls.transaction is not Store.transaction, (
        "%s must implement transaction (yielding its Session's primitives)" % cls.__name__
    )


def test_the_module_argument_spec_is_the_registry_s():
    assert mail_account.STORE_ARGUMENT == store_argument()
    assert store_argument()["options"]["type"]["choices"] == list(STORES)
