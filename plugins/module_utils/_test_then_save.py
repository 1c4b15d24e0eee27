# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test, then save: new connection settings are proven by a login before they replace working ones.

The order is the application wizard's ("Test Credentials", then Finish): read the store
without a lock and compute the change; when a setting a login depends on would change,
probe the settings the store will hold after the write (under ``update_password:
on_create`` that is the stored secret, not the declared one) with mail_verify's probes,
outside any lock or transaction, since a login can take seconds and the application must
not wait for it; then apply only if our keys still hold what was read. When another
writer changed them meanwhile, read again and test again if the connection settings are
no longer those tested. A failed test writes nothing unless ``write_untested``.
"""

import typing
from typing import Callable, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _settings
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    ABSENT,
    Outcome,
    Plan,
    Snapshot,
    Store,
    StoreChanged,
    StoreError,
    intended,
)

ATTEMPTS = 3  # reads of a store whose settings keep changing under us before giving up

WRITTEN, UNCHANGED, KEPT_PREVIOUS, WRITTEN_UNTESTED = "written", "unchanged", "kept_previous", "written_untested"


class Options(typing.NamedTuple):
    """How the module was asked to test and save."""

    test: bool
    write_untested: bool
    refused_secret: typing.Optional[str]  # why the declared secret must not be tried (lockout guard), or None
    attributes: typing.Any
    backup: bool
    check_mode: bool


class Decision(typing.NamedTuple):
    """What happened: the outcome name, the store's outcome (None when nothing was applied) and the test."""

    outcome: str  # WRITTEN, UNCHANGED, KEPT_PREVIOUS or WRITTEN_UNTESTED
    applied: typing.Optional[Outcome]
    test: typing.Optional[
        dict
    ]  # mail_verify's result (ok, outgoing, incoming[, token]) when a login ran or was refused
    warnings: list
    secret_source: typing.Optional[str]  # "declaration" or "store": whose secret the test used


def after_write(declaration: dict, plan: Plan, snapshot: Snapshot, key_map: Optional[dict]) -> Tuple[dict, str]:
    """The declaration as the store will hold it after the write, and whose secret that is."""
    names = _settings.canonical_names(key_map)
    stored = intended(plan, snapshot.current, snapshot.todo)
    settings = dict((names[key], None if value is ABSENT else value) for key, value in stored.items() if key in names)
    kept = [key for key in plan.secrets if key not in snapshot.todo and snapshot.current.get(key) not in (None, "")
            and snapshot.current.get(key) != plan.values.get(key)]
    return _settings.with_settings(declaration, settings), "store" if kept else "declaration"


# The stage at which a test the lockout guard stopped fails, before any connection.
GUARD_STAGE = "lockout_guard"


def refusal(rejected_at: str) -> str:
    """Why the lockout guard does not try a secret that was rejected at ``rejected_at``."""
    return (
        "not tried again: this secret was rejected (auth_failed) on %s, and repeated failed logins can lock the "
        "mailbox; "
        "correct it in the vault, or set mail_account_retry_failed_secret: true (the modules' retry_failed_secret) "
        "to try it once more" % rejected_at
    )


def refused(declaration: dict, reason: str) -> dict:
    """The test result when the lockout guard does not let the declared secret be tried again.

    The result's shape and the diagnosis (which loads ssl) are imported here, as the probes are: a run
    that tests nothing does not load them (docs/performance.md, "Rollout").
    """
    from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._check_result import side
    from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._diagnosis import Failure

    def not_tried(protocol, server):
        failure = Failure("auth_failed", reason)
        return side(
            failure, protocol, server.get("host"), server.get("port"), server.get("security"), GUARD_STAGE, None, None
        )

    incoming = declaration["incoming"]
    result = {"ok": False, "outgoing": not_tried("smtp", declaration["outgoing"])}
    if incoming.get("enabled"):
        result["incoming"] = not_tried(incoming["protocol"], incoming)
    else:
        result["incoming"] = side(
            None, None, None, None, None, None, "incoming mail is not enabled in the declaration", None
        )
        result["incoming"].update(status="skipped")
    return result


def run(
    store: Store,
    plan: Plan,
    declaration: dict,
    key_map: Optional[dict],
    probe: Callable[[dict], Tuple[dict, list]],
    options: Options,
) -> Decision:
    """Test the settings a write would put in effect, then write them; a Decision.

    ``probe(declaration)`` is mail_verify's check and returns ``(result, warnings)``.
    """
    try:
        tested = None  # (connection settings, result, warnings) of the last login
        for _attempt in range(ATTEMPTS):
            snapshot = store.read(plan)
            test, warnings, source = None, [], None
            if options.test and plan.state != "absent" and _settings.touches_connection(snapshot.todo, key_map):
                after, source = after_write(declaration, plan, snapshot, key_map)
                if source == "declaration" and options.refused_secret:
                    return Decision(KEPT_PREVIOUS, None, refused(after, options.refused_secret), [], source)
                connection = _settings.connection_of(after)
                if tested is None or tested[0] != connection:
                    result, probe_warnings = probe(after)
                    tested = (connection, result, probe_warnings)
                test, warnings = tested[1], list(tested[2])
                if not test["ok"] and not options.write_untested:
                    return Decision(KEPT_PREVIOUS, None, test, warnings, source)
            try:
                applied = store.apply(plan, options.attributes, options.backup, options.check_mode, snapshot)
            except StoreChanged:
                continue
            if test is not None and not test["ok"]:
                return Decision(WRITTEN_UNTESTED, applied, test, warnings, source)
            return Decision(WRITTEN if applied.changed else UNCHANGED, applied, test, warnings, source)
        raise StoreError(
            store.KIND,
            store.location,
            "another writer changed our settings %d times while the new ones were being tested; "
            "nothing was written, run again" % ATTEMPTS,
        )
    finally:
        store.close()  # a database store's connection, kept from its read for its apply
