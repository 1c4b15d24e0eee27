"""Shared plumbing for the store tests: declarations, plans, store options, running as nobody."""

import contextlib
import copy
import os
import pickle
import shutil
import tempfile

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _settings
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import Plan
from ansible_collections.mailops.mailconfig.plugins.modules.mail_account import STORE_ARGUMENT
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import for_store
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import check

# Distinctive test secrets: every test that produces output greps it for these.
PASSWORD_A = "Pw-Alpha-7f3c9e"
PASSWORD_B = "Pw-Bravo-91d2aa"
CLIENT_SECRET = "Cs-Charlie-55e1b0"
REFRESH_TOKEN = "Rt-Delta-08ab4f"
SECRETS = (PASSWORD_A, PASSWORD_B, CLIENT_SECRET, REFRESH_TOKEN)

NOBODY = 65534
BACKUP_KEY = b"test backup key: authenticates the backups the stores write"


def keyed(store_object):
    """A store that authenticates its backups with BACKUP_KEY, as the module's are (backup_key)."""
    store_object.backup_key = BACKUP_KEY
    return store_object


RAW = {
    "schema_version": 1,
    "address": "reception@smiles-dental.co.uk",
    "provider": "ionos_uk",
    "auth": {"method": "password", "password": PASSWORD_A},
    "incoming": {"protocol": "imap"},
    "sending": {"rate_per_minute": 3},
}

OAUTH2_RAW = {
    "schema_version": 1,
    "address": "reception@smiles-dental.co.uk",
    "provider": "office365",
    "auth": {"method": "oauth2", "oauth2": {"tenant": "smiles.onmicrosoft.com", "client_id": "0f1e2d3c",
                                            "client_secret": CLIENT_SECRET, "refresh_token": REFRESH_TOKEN}},
    "sending": {"rate_per_minute": 3},
}


def raw_declaration(**changes):
    """The test declaration with top-level fields replaced; ``password=`` sets the password."""
    raw = copy.deepcopy(RAW)
    password = changes.pop("password", None)
    if password is not None:
        raw["auth"]["password"] = password
    raw.update(changes)
    return raw


def normalised(raw=None):
    result = check(raw or raw_declaration())
    assert result.normalised is not None, [f.text() for f in result.findings]
    return result.normalised


def plan(raw=None, state="present", update_password="always", key_map=None, contact_email=None):
    values, secrets = _settings.mapped(_settings.canonical(normalised(raw)), key_map)
    return Plan(values, secrets, state, update_password, contact_email)


def plain_plan(values, secrets=(), state="present"):
    """A plan over arbitrary keys, for tests that are about the store, not the declaration."""
    return Plan(dict(values), frozenset(secrets), state, "always", None)


def store(kind, path, **options):
    """Store options as the module's argument spec fills them in.

    Ansible fills a dict ``default`` in place (``store.columns``), so a copy of the spec is validated: the
    module's own stays as generated (tests/unit/plugins/module_utils/store/test_store_registry.py compares it).
    """
    return _validated(dict(options, type=kind, path=str(path)))


def database_options(**given):
    """A database store's options as the module's argument spec fills them in, with the ``store.profile`` that
    the action plugin adds from the application's profile."""
    return dict(_validated(given), profile=copy.deepcopy(for_store(given["application"])))


def target_options(target, db_password, **given):
    """``database_options`` for a test database ``target`` (its server, name and user), then ``given``."""
    server = target["server"]
    found = dict(port=server["port"], user=target["user"], password=db_password, database=target["name"],
                 ca_path=server["ca"], connect_timeout=5)
    return database_options(**dict(found, **given))


def _validated(given):
    result = ArgumentSpecValidator({"store": copy.deepcopy(STORE_ARGUMENT)}).validate({"store": given})
    assert not result.error_messages, result.error_messages
    return result.validated_parameters["store"]


def apply(store_class, plan_, store_, check_mode=False, backup=False, attributes=KEEP):
    return store_class(store_).apply(plan_, attributes, backup, check_mode)


@contextlib.contextmanager
def shared_dir():
    """A fresh directory that the unprivileged user can enter (pytest's tmp_path is 0700 root)."""
    path = tempfile.mkdtemp(prefix="mailconfig-store-")
    try:
        os.chmod(path, 0o755)
        yield path
    finally:
        shutil.rmtree(path)


def as_nobody(function, *args):
    """Run ``function(*args)`` in a child process as uid/gid 65534; return its result or its exception."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            outcome = ("ok", function(*args))
        except Exception as exc:  # the child reports every failure to the parent
            outcome = ("error", "%s: %s" % (type(exc).__name__, exc))
        with os.fdopen(write_end, "wb") as handle:
            pickle.dump(outcome, handle)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


def file_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def no_secret_in(text, secrets=SECRETS):
    return [s for s in secrets if s in text]
