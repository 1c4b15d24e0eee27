"""README's claim: dnspython is imported only for provider: auto, an address given to the lookup, or a sender check."""

import os
import subprocess
import sys

import pytest
from tests.paths import REPO_ROOT

ROOT = REPO_ROOT
COLLECTIONS = os.path.join(ROOT, ".venv", "collections")
PREFIX = "ansible_collections.mailops.mailconfig.plugins."

CHECK = """
import sys
sys.path.insert(0, %r)
import importlib
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _declaration
for name in %r:
    importlib.import_module(name)
%s
print(sorted(m for m in sys.modules if m == "dns" or m.startswith("dns.")))
"""


def loaded_dns_modules(modules, then=""):
    done = subprocess.run([sys.executable, "-c", CHECK % (COLLECTIONS, [PREFIX + m for m in modules], then)],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize("module", ["lookup.mail_provider", "action.mail_account", "action.mail_verify",
                                    "action.mail_declaration", "plugin_utils.declaration._lint_cli"])
def test_importing_a_plugin_does_not_load_dnspython(module):
    assert loaded_dns_modules([module]) == "[]"


def test_checking_a_declaration_with_a_provider_does_not_load_it():
    then = ("_declaration.check({'schema_version': 1, 'address': 'a@example.co.uk', 'provider': 'ionos', "
            "'auth': {'method': 'password', 'password': 'x-Secret-1'}})")
    assert loaded_dns_modules([], then) == "[]"


def test_provider_auto_loads_it():
    then = (
        "import os; os.environ['MAILCONFIG_OFFLINE'] = '1'; _declaration.check({'schema_version': 1, "
        "'address': 'a@example.co.uk', 'provider': 'auto', 'auth': {'method': 'password', 'password': 'x-Secret-1'}})"
    )
    assert "dns.resolver" in loaded_dns_modules([], then)
