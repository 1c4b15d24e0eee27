# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-only check of one declaration, or of many at once (CI over an inventory, a playbook's batch)."""

from __future__ import annotations

from typing import List, NamedTuple, Optional


from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action import _before_fork, _guided, _role_arguments
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _schema
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._action import CONTEXT_SPEC, context_of, report
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._action_module import (
    ActionFailed,
    ActionModuleBase,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import check_declaration
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._checked_once import FACT, remembered
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import to_plain
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import (
    UnknownApplication,
    of_store,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue._deadlines import deadlines
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._host_values import host_value
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report._entry_state import ENTERED_VARIABLE

# Read here, in the ansible-playbook process that forks the workers: once per run, not once per host.
_before_fork.read_shared_data()

ARGUMENT_SPEC = dict(
    declaration=dict(type="raw"),
    declarations=dict(type="dict"),
    hosts=dict(type="list", elements="str"),
    variable=dict(type="str", default="mail_account"),
    store=dict(type="dict"),
    store_variable=dict(type="str", default="mail_account_store"),
    application=dict(type="str"),
    strict=dict(type="bool", default=False),
    role_entry_point=dict(type="str"),
    failures=dict(type="str", choices=["task", "hosts"], default="task"),
    **CONTEXT_SPEC,
)
ONE_OF = ("declaration", "declarations", "hosts")
# With role_entry_point: the role's own variables for the declaration, its store and strictness.
ROLE_DECLARATION, ROLE_STORE, ROLE_STRICT = "mail_account", _role_arguments.STORE, "mail_account_validate_strict"
ROLE_APPLY = "mail_account_apply"


class RoleCheck(NamedTuple):
    """A host's role variables as the batch check found them."""

    strict: bool
    errors: List[str]
    after_save: bool  # they ask for a step after the save
    guided: Optional[dict] = None  # set up by hand in its application's wizard (EXACT): what the summary shows


def _plural(count, word):
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def _secrets(declaration, store):
    """The secret values of a host's declaration and store, to keep out of role variable messages."""
    plain, found = to_plain(declaration) if isinstance(declaration, dict) else {}, []
    for path in _schema.secret_paths():
        node = plain
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        found.append(node)
    return found + [to_plain(store).get("password") if isinstance(store, dict) else None]


class _Checks:
    """What one run found, host by host: each host's result, the failure messages, the entries later steps reuse."""

    def __init__(self) -> None:
        self.checked: dict = {}
        self.messages: dict = {}
        self.entries: dict = {}
        self.fact: dict | None = None  # the host fact for one declaration checked for its host

    def refuse(self, name, message, argument_errors):
        self.messages[name] = message
        self.checked[name] = {"ok": False, "findings": []}
        self.entries[name] = ActionModule._refused(name, message, [], argument_errors)


class ActionModule(ActionModuleBase):
    """Validate and lint; never connects to the host and never changes anything."""

    TRANSFERS_FILES = False
    _requires_connection = False
    NAME = "mail_declaration"
    ARGUMENT_SPEC = ARGUMENT_SPEC
    ARGUMENT_RULES = dict(
        mutually_exclusive=[ONE_OF], required_one_of=[ONE_OF], required_by={"role_entry_point": "hosts"}
    )

    def run_validated(self, params, task_vars):
        try:
            named, stores, unresolved, roles = self._named(params, task_vars)
        except _role_arguments.UnknownEntryPoint as exc:
            raise ActionFailed("mail_declaration: %s" % exc)
        checks = _Checks()
        unchecked = RoleCheck(params["strict"], [], False)  # a host whose role variables this check does not cover
        for name in sorted(named):
            store = stores.get(name) if isinstance(stores.get(name), dict) else None
            self._check_host(name, named[name], unresolved.get(name), store, roles.get(name, unchecked), params, checks)
        result = {"changed": False, "declarations": checks.checked,
                  "deadlines": deadlines((name, item["findings"]) for name, item in checks.checked.items())}
        if checks.fact:
            result["ansible_facts"] = {FACT: checks.fact}
        warnings = [
            "%s: %s %s: %s" % (name, f["code"], f["path"], f["message"])
            for name, item in checks.checked.items()
            for f in item["findings"]
            if f["severity"] == "warning" and not roles.get(name, unchecked).strict
        ]
        if warnings:
            result["warnings"] = warnings
        result.update(self._outcome(params, checks, roles))
        return result

    def _check_host(self, name, value, unresolved, store, role, params, checks):
        """Check one host's declaration (or note why it has none) into ``checks``."""
        failing = ("error", "warning") if role.strict else ("error",)
        if unresolved is not None:
            findings, normalised = unresolved, None
            checks.entries[name] = {}
        elif value is None:
            checks.refuse(name, "%s: no mail_account declaration" % name, role.errors)
            return
        else:
            context = context_of(params, store, params["application"] or of_store(store))
            try:
                result_of = check_declaration(value, context)
            except UnknownApplication as exc:
                if not params["role_entry_point"]:
                    raise ActionFailed("%s: %s" % (name, exc))
                checks.refuse(name, "%s: %s" % (name, exc), role.errors)
                return
            findings, normalised = result_of.findings, result_of.normalised
            fact = (
                remembered(value, context, result_of)
                if params["declaration"] is not None or params["role_entry_point"]
                else None
            )
            if fact and params["declaration"] is not None:
                checks.fact = fact
            checks.entries[name] = fact or {}
        bad = [f for f in findings if f.severity in failing]
        if bad:
            checks.messages[name] = report(bad, name)
        provider = (normalised or {}).get("provider") or (value.get("provider") if isinstance(value, dict) else None)
        checks.checked[name] = {
            "ok": not bad and not role.errors,
            "provider": provider if isinstance(provider, str) else None,
            "findings": [f.as_dict() for f in findings],
        }
        if role.guided:
            checks.checked[name]["guided"] = role.guided
        if role.errors:
            checks.checked[name]["argument_errors"] = role.errors
        if bad or role.errors:
            checks.entries[name] = self._refused(
                name, checks.messages.get(name), checks.checked[name]["findings"], role.errors
            )

    @staticmethod
    def _outcome(params, checks, roles):
        """ok, msg and, by mode, where the failures land: each host's next step, each host's next task, or this task."""
        checked, messages, entries = checks.checked, checks.messages, checks.entries
        refused_count = sum(1 for item in checked.values() if not item["ok"])
        result = {"ok": not refused_count}
        # a run_once task must not fail the batch: each refused host fails at its own next step
        if params["role_entry_point"]:
            result["checked"] = entries
            # a short list for the playbooks' conditions: indexing the whole map costs Ansible time per host
            result["refused"] = sorted(name for name, entry in entries.items() if entry.get("failed"))
            if _role_arguments.runs_after_save(params["role_entry_point"]):
                result["after_save"] = sorted(
                    name for name, entry in entries.items() if not entry.get("failed") and roles[name].after_save
                )
            result["msg"] = "%s checked, %d refused%s" % (
                _plural(len(checked), "practice"),
                refused_count,
                " (each fails at its next step):\n"
                + "\n".join(entries[n]["msg"] for n in sorted(entries) if entries[n].get("failed"))
                if refused_count
                else "",
            )
        # each refused host fails at the playbook's next task, not the run_once host
        elif messages and params["failures"] == "hosts":
            result["refused"] = sorted(messages)
            result["messages"] = messages
            result["msg"] = "%d of %s failed validation (each fails at its next task)" % (
                refused_count,
                _plural(len(checked), "declaration"),
            )
        elif messages:
            result["failed"] = True
            listed = "\n".join(messages[n] for n in sorted(messages))
            result["msg"] = "%d of %s failed validation:\n%s" % (
                refused_count,
                _plural(len(checked), "declaration"),
                listed,
            )
        else:
            result["msg"] = "%s valid" % _plural(len(checked), "declaration")
        return result

    @staticmethod
    def _refused(name, message, findings, argument_errors):
        """A host's entry when the batch refuses it: the message its next step fails with, as the per-host check words
        it."""
        parts = []
        if argument_errors:
            parts.append(
                "%s: the mail_account role's variables are wrong:\n%s"
                % (name, "\n".join("  " + e for e in argument_errors))
            )
        if message:
            parts.append("1 of 1 declaration failed validation:\n%s" % message)
        entry = {"failed": True, "msg": "\n".join(parts), "findings": findings}
        if argument_errors:
            entry["argument_errors"] = argument_errors
        return entry

    @staticmethod
    def _guided(hostvars, host, values, store, errors):
        """``(guided entry or None, errors)`` of a host on a guided application; the verify entry point reads its store
        here only for that (its declaration is checked without the store, as the verify step checks it)."""
        if store is None and _role_arguments.STORE in values:
            store, _problems = host_value(hostvars, host, _role_arguments.STORE, values)
        try:
            return _guided.of_host(store, values.get(ENTERED_VARIABLE)), errors
        except ValueError as exc:
            return None, errors + [str(exc)]

    def _named(self, args, task_vars):
        """``(name -> declaration, name -> store option, name -> findings of values that could not be resolved,
        name -> RoleCheck when the hosts' role variables are checked too)``."""
        if args["declaration"] is not None:
            host = task_vars.get("inventory_hostname", "")
            return {host: args["declaration"]}, {host: args["store"]}, {}, {}
        if args["declarations"] is not None:
            return args["declarations"], {}, {}, {}
        named, stores, unresolved, roles = {}, {}, {}, {}
        hostvars = task_vars["hostvars"]
        entry_point = args["role_entry_point"]
        variable = ROLE_DECLARATION if entry_point else args["variable"]
        store_variable = args["store_variable"]
        # an entry point that writes nothing (verify) checks the declaration without a store, as its steps do
        if entry_point:
            store_variable = ROLE_STORE if _role_arguments.saves(entry_point) else None
        for host in args["hosts"]:
            values = hostvars[host]
            named[host], problems = host_value(hostvars, host, variable, values)
            stores[host], store_problems = (
                host_value(hostvars, host, store_variable, values) if store_variable else (None, [])
            )
            if problems or store_problems:
                unresolved[host] = problems + store_problems
            if entry_point:
                given = {} if problems or named[host] is None else {ROLE_DECLARATION: named[host]}
                if not store_problems and stores[host] is not None:
                    given[ROLE_STORE] = stores[host]
                unchecked = [
                    name
                    for name, bad in ((ROLE_DECLARATION, problems or named[host] is None), (ROLE_STORE, store_problems))
                    if bad
                ]
                params, errors = _role_arguments.check(values, entry_point, given, unchecked=unchecked,
                                                       secrets=_secrets(named[host], stores[host]))
                if store_variable and not errors:
                    stores[host] = params[ROLE_STORE]  # the role's default when the host sets none
                guided, errors = self._guided(hostvars, host, values, stores[host] if store_variable else None, errors)
                # nothing is saved: checked as the verify step checks it,
                # without its application's rules (an Open Dental practice that signs in by itself)
                if not errors and params.get(ROLE_APPLY) is False:
                    stores[host] = None
                roles[host] = RoleCheck(
                    params.get(ROLE_STRICT, args["strict"]) if not errors else args["strict"],
                    errors,
                    not errors and _role_arguments.asks_after_save(params),
                    guided,
                )
        return named, stores, unresolved, roles
