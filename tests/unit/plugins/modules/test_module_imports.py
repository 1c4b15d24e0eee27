"""An unchanged practice's mail_account run imports only what it uses (docs/performance.md, "Rollout").

On the target every module_utils file is compiled from source on every run, so a store the
run does not use, or the probes and diagnosis (and ``ssl``) when nothing is tested, are paid
for by every practice. Each test runs the real module in a fresh interpreter, as Ansible's
debug entry point does (the arguments in a file), and lists the modules it loaded.
"""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES
from tests.unit.plugins.module_utils.store.store_helpers import (
    PASSWORD_B,
    apply,
    normalised,
    plan,
    raw_declaration,
    store,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._action import without_none
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import for_store
from tests.paths import REPO_ROOT
from tests.unit.plugins.module_utils.store import test_store_mysql as opendental_tests
from tests.unit.plugins.module_utils.store import test_store_openemr as openemr_tests
from tests.unit.plugins.module_utils.store import test_store_postgresql as odoo_tests

ROOT = REPO_ROOT
COLLECTIONS = os.path.join(ROOT, ".venv", "collections")
MODULE_UTILS = "ansible_collections.mailops.mailconfig.plugins.module_utils."
TESTING = [
    MODULE_UTILS + "probe." + name
    for name in ("_verify", "_diagnosis", "_check_result", "_oauth_token", "_transport", "_connection")
] + ["ssl"]

RUN = """
import contextlib, io, json, runpy, sys
sys.path.insert(0, %r)
sys.argv = ["mail_account", %r]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        runpy.run_module("ansible_collections.mailops.mailconfig.plugins.modules.mail_account", run_name="__main__")
    except SystemExit:
        pass
third_party = set(name.split(".")[0] for name, module in list(sys.modules.items())
                  if "-packages" in (getattr(module, "__file__", None) or ""))
print(json.dumps({"result": json.loads(out.getvalue()), "modules": sorted(sys.modules),
                  "third_party": sorted(third_party)}))
"""


def run_module(tmp_path, **args):
    """The module's result and the names of the modules loaded by the run."""
    result, loaded, _third_party = run_module_in(tmp_path, args)
    return result, loaded


def run_module_in(tmp_path, args):
    """The module's result, the names of the modules loaded by the run, and the installed packages among them."""
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    done = subprocess.run(
        [sys.executable, "-c", RUN % (COLLECTIONS, str(path))], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)
    return found["result"], set(found["modules"]), set(found["third_party"])


def saved_store(tmp_path, kind):
    """A store of ``kind`` that already holds the test declaration's settings."""
    options = store(kind, tmp_path / ("app." + kind), create=True)
    assert apply(STORES[kind], plan(), options).changed
    return {"type": kind, "path": options["path"]}


@pytest.mark.parametrize("kind", [name for name in STORES if "path" in STORES[name].REQUIRED])  # file stores
def test_an_unchanged_practice_imports_its_own_store_and_nothing_for_a_test(tmp_path, kind):
    result, loaded = run_module(tmp_path, declaration=normalised(), store=saved_store(tmp_path, kind))
    assert (result["changed"], result["outcome"], result["tested"]) == (False, "unchanged", False), result
    store_modules = {name: STORES[name].__module__ for name in STORES}
    assert {name for name, module in store_modules.items() if module in loaded} == {kind}
    assert not [name for name in TESTING if name in loaded]


def test_a_test_refused_by_the_lockout_guard_loads_the_diagnosis(tmp_path):
    """The other side: once a connection setting changes, the test's code is loaded (here the lockout guard
    refuses the new secret, so nothing connects)."""
    result, loaded = run_module(
        tmp_path,
        declaration=normalised(raw_declaration(password=PASSWORD_B)),
        store=saved_store(tmp_path, "sqlite"),
        known_failed_secret="2026-12-01T05:00:00Z",
    )
    assert result["failed"] and result["kept_previous"] and result["outgoing"]["code"] == "auth_failed", result
    assert MODULE_UTILS + "probe._diagnosis" in loaded and "ssl" in loaded
    assert PASSWORD_B not in json.dumps(result)


LAYOUTS = {"opendental": MODULE_UTILS + "store._account_row", "openemr": MODULE_UTILS + "store._settings_rows"}


def mysql_store(tmp_path, server, application):
    """The module's ``store`` for a fresh database of ``application`` on ``server``, and its declaration."""
    if application == "openemr":
        target = openemr_tests.openemr_database(server, str(tmp_path))
        extra, password, raw = {"site_dir": target["site"]}, openemr_tests.DB_PASSWORD, openemr_tests.gmail()
    else:
        target, extra = opendental_tests.opendental_database(server), {}
        password, raw = opendental_tests.DB_PASSWORD, opendental_tests.gmail()
    given = dict(type="mysql", application=application, host="127.0.0.1", port=server["port"], user=target["user"],
                 password=password, database=target["name"], ca_path=server["ca"], profile=for_store(application),
                 **extra)
    return given, without_none(normalised(raw))  # as the action plugin sends it


@pytest.mark.parametrize("application", sorted(LAYOUTS))
def test_a_mysql_run_loads_its_own_layout_s_session_only(tmp_path, mariadb_server, application):
    """The session of each layout (Open Dental's account row, OpenEMR's settings rows) is compiled by its own
    application's runs only, the first and an unchanged one; the connection is the store's own, so beyond what a
    SQLite run loads only ``cryptography`` (the application's cipher) is imported."""
    given, declaration = mysql_store(tmp_path, mariadb_server, application)
    _result, _loaded, baseline = run_module_in(tmp_path, dict(declaration=normalised(),
                                                              store=saved_store(tmp_path, "sqlite")))
    for changed in (True, False):
        result, loaded, third_party = run_module_in(tmp_path, dict(declaration=declaration, store=given, test=False,
                                                                   backup_key="k" * 64))
        assert result.get("changed") is changed and not result.get("failed"), result
        assert {name for name, module in LAYOUTS.items() if module in loaded} == {application}
        # (cryptography's own bindings load cffi's backend)
        assert third_party - baseline - {"_cffi_backend"} == {"cryptography"}, third_party - baseline
        assert openemr_tests.DB_PASSWORD not in json.dumps(result) and opendental_tests.DB_PASSWORD not in json.dumps(
            result)


def test_an_odoo_run_needs_no_installed_package_beyond_what_a_sqlite_run_loads(tmp_path, postgresql_server):
    """The postgresql store speaks the protocol itself: on the Odoo host nothing is installed for it."""
    target = odoo_tests.odoo_database(postgresql_server)
    given = dict(type="postgresql", application="odoo", host="localhost", port=postgresql_server["port"],
                 user=target["user"], password=odoo_tests.DB_PASSWORD, database=target["name"],
                 ca_path=postgresql_server["ca"], record_name="Smiles Dental", profile=for_store("odoo"))
    declaration = without_none(normalised(raw_declaration()))
    _result, _loaded, baseline = run_module_in(tmp_path, dict(declaration=normalised(),
                                                              store=saved_store(tmp_path, "sqlite")))
    for changed in (True, False):
        result, _loaded, third_party = run_module_in(tmp_path, dict(declaration=declaration, store=given, test=False,
                                                                    backup_key="k" * 64))
        assert result.get("changed") is changed and not result.get("failed"), result
        assert third_party == baseline, third_party - baseline
    assert "ansible" in baseline
