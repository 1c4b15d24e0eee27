"""Playbook building blocks for the mail_account integration tests."""

import json
import sqlite3

import yaml

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES
from tests.unit.plugins.module_utils.store.store_helpers import SECRETS, raw_declaration

# Every registered store that lives in a file runs every parametrised store test. The networked
# mysql store has no file to stat: tests/integration/test_apply_opendental.py runs the same
# check -> real -> check -> idempotent sequence and the -vvv secret scan against a real MariaDB.
STORE_TYPES = [name for name, cls in STORES.items() if "path" in cls.REQUIRED]

APP_CONTENT = {
    "json": '{\n  "theme": "dark",\n  "email": {"signature": "Kind regards"}\n}\n',
    "ini": "; application settings\n[general]\ntheme = dark\n\n[email]\n; ours\nsignature = Kind regards\n",
}

# A store file the store must refuse to read (and say so without quoting it).
BROKEN_CONTENT = {"json": b"{ not a store", "sqlite": b"not a database " * 300, "ini": b"[email]\naddress = \xff\n"}


def known(kind):
    """Fail naming this file when a registered store type has no test helpers yet (CONTRIBUTING.md, "Add a store")."""
    assert kind in ("sqlite",) + tuple(APP_CONTENT) and kind in BROKEN_CONTENT, (
        "tests/integration/apply_helpers.py: teach APP_CONTENT, BROKEN_CONTENT, make_store and read_store the %s store "
        "(and snapshot in tests/integration/test_apply_faults.py)" % kind)


def make_store(kind, path):
    """An application's store with content of its own, which every run must leave alone."""
    known(kind)
    if kind == "sqlite":
        db = sqlite3.connect(path)
        db.executescript("""
            CREATE TABLE settings (section TEXT NOT NULL, key TEXT NOT NULL, value TEXT, updated_at TEXT, PRIMARY KEY (section, key));
            INSERT INTO settings VALUES ('general', 'theme', 'dark', '2000-01-01T00:00:00Z');
            INSERT INTO settings VALUES ('email', 'signature', 'Kind regards', '2000-01-01T00:00:00Z');
            CREATE TABLE practice (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
            INSERT INTO practice VALUES (1, 'Smiles Dental', 'old@smiles-dental.co.uk');
        """)
        db.commit()
        db.close()
    else:
        with open(path, "w") as handle:
            handle.write(APP_CONTENT[kind])
    return str(path)


def read_store(kind, path):
    """Our view of a store: {"section.key" or JSON dotted path: text value} plus the unrelated content."""
    known(kind)
    if kind == "sqlite":
        db = sqlite3.connect(path)
        try:
            return {"%s.%s" % (s, k): v for s, k, v in db.execute("SELECT section, key, value FROM settings")}
        finally:
            db.close()
    with open(path) as handle:
        text = handle.read()
    if kind == "json":
        found = {}

        def walk(node, prefix):
            for key, value in node.items():
                if isinstance(value, dict):
                    walk(value, prefix + key + ".")
                else:
                    found[prefix + key] = value
        walk(json.loads(text), "")
        return found
    found, section = {}, None
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line and not line.startswith((";", "#")):
            key, value = line.split("=", 1)
            found["%s.%s" % (section, key.strip())] = value.strip()
    return found


def play(tasks, **variables):
    """A one-play playbook against localhost; ``mail_account`` is the test declaration unless given."""
    variables.setdefault("mail_account", raw_declaration())
    return yaml.safe_dump(
        [{"hosts": "localhost", "gather_facts": False, "vars": variables, "tasks": tasks}], sort_keys=False
    )


def apply_task(name, register=None, **options):
    """A mail_account task; these tests are about the stores, so no login test unless they ask (test_test_then_save.py is)."""
    options.setdefault("test", False)
    task = {"name": name, "mailops.mailconfig.mail_account": dict({"declaration": "{{ mail_account }}"}, **options)}
    if register:
        task["register"] = register
    return task


def assert_task(*conditions):
    return {"name": "check the results", "ansible.builtin.assert": {"that": list(conditions), "quiet": True}}


def leaked(output):
    """The test secrets that appear in ``output``."""
    return [secret for secret in SECRETS if secret in output]


def recap(output):
    """The PLAY RECAP counters of localhost."""
    line = [line for line in output.splitlines() if line.startswith("localhost") and "ok=" in line][-1]
    return dict((k, int(v)) for k, v in (part.split("=") for part in line.split(":", 1)[1].split()))
