"""plugin_utils/action/_before_fork: importing a declaration-checking action plugin (as Ansible's strategy does in the
ansible-playbook process, before it forks a worker per host) reads the data every check needs, so workers inherit it.

Each plugin is imported in a fresh interpreter, whose caches are its own.
"""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application
from tests.paths import REPO_ROOT

PROBE = """
import importlib, json, sys
sys.path.insert(0, %r)
importlib.import_module("ansible_collections.mailops.mailconfig.plugins.action." + %r)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application, _schema
store = "ansible_collections.mailops.mailconfig.plugins.module_utils.store."
ciphers = sorted(name for name in ("_column_cipher", "_openemr_cipher") if store + name in sys.modules)
print(json.dumps({"catalogue": _catalogue.providers.cache_info().currsize,
                  "profiles": _application.profile.cache_info().currsize,
                  "schema": _schema.fast_check.cache_info().currsize, "ciphers": ciphers}))
"""


@pytest.mark.parametrize("plugin", ["mail_account", "mail_declaration", "mail_verify"])
def test_importing_the_plugin_reads_the_catalogue_profiles_ciphers_and_schema(plugin):
    done = subprocess.run([sys.executable, "-c", PROBE % (os.path.join(REPO_ROOT, ".venv", "collections"), plugin)],
                          capture_output=True, text=True, check=True)
    read = json.loads(done.stdout)
    assert read == {"catalogue": 1, "profiles": len(_application.names()), "schema": 1,
                    "ciphers": ["_column_cipher", "_openemr_cipher"]}
