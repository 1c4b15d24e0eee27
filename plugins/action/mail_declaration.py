# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-only check of one declaration, or of many at once (CI over an inventory)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._action import (
    CONTEXT_SPEC, FACT, check_declaration, context_of, remembered, report, validated)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._application import UnknownApplication, of_store
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._deadlines import deadlines
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._host_values import host_value

ARGUMENT_SPEC = dict(
    declaration=dict(type="raw"),
    declarations=dict(type="dict"),
    hosts=dict(type="list", elements="str"),
    variable=dict(type="str", default="mail_account"),
    store=dict(type="dict"),
    store_variable=dict(type="str", default="mail_account_store"),
    application=dict(type="str"),
    strict=dict(type="bool", default=False),
    **CONTEXT_SPEC,
)
ONE_OF = ("declaration", "declarations", "hosts")


class ActionModule(ActionBase):
    """Validate and lint; never connects to the host and never changes anything."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        args, refused = validated(ARGUMENT_SPEC, self._task.args, "mail_declaration",
                                  mutually_exclusive=[ONE_OF], required_one_of=[ONE_OF])
        if refused:
            result.update(refused)
            return result
        named, stores, unresolved = self._named(args, task_vars)
        failing = ("error", "warning") if args["strict"] else ("error",)
        checked, messages = {}, []
        for name in sorted(named):
            if name in unresolved:
                findings = unresolved[name]
                normalised = None
            elif named[name] is None:
                messages.append("%s: no mail_account declaration" % name)
                checked[name] = {"ok": False, "findings": []}
                continue
            else:
                store = stores.get(name) if isinstance(stores.get(name), dict) else None
                context = context_of(args, store, args["application"] or of_store(store))
                try:
                    result_of = check_declaration(named[name], context)
                except UnknownApplication as exc:
                    result.update(failed=True, msg="%s: %s" % (name, exc))
                    return result
                findings, normalised = result_of.findings, result_of.normalised
                if args["declaration"] is not None:
                    fact = remembered(named[name], context, result_of)
                    if fact:
                        result["ansible_facts"] = {FACT: fact}
            bad = [f for f in findings if f.severity in failing]
            if bad:
                messages.append(report(bad, name))
            provider = (normalised or {}).get("provider") or (
                named[name].get("provider") if isinstance(named[name], dict) else None)
            checked[name] = {"ok": not bad, "provider": provider if isinstance(provider, str) else None,
                             "findings": [f.as_dict() for f in findings]}
        result["declarations"] = checked
        result["deadlines"] = deadlines((name, item["findings"]) for name, item in checked.items())
        result["ok"] = not messages
        result["changed"] = False
        warnings = ["%s: %s %s: %s" % (name, f["code"], f["path"], f["message"])
                    for name, item in checked.items() for f in item["findings"] if f["severity"] == "warning"]
        if warnings and not args["strict"]:
            result["warnings"] = warnings
        if messages:
            result["failed"] = True
            bad_count = sum(1 for item in checked.values() if not item["ok"])
            result["msg"] = "%d of %d declaration%s failed validation:\n%s" % (
                bad_count, len(checked), "" if len(checked) == 1 else "s", "\n".join(messages))
        else:
            result["msg"] = "%d declaration%s valid" % (len(checked), "" if len(checked) == 1 else "s")
        return result

    def _named(self, args, task_vars):
        """``(name -> declaration, name -> store option, name -> findings of values that could not be resolved)``."""
        if args["declaration"] is not None:
            host = task_vars.get("inventory_hostname", "")
            return {host: args["declaration"]}, {host: args["store"]}, {}
        if args["declarations"] is not None:
            return args["declarations"], {}, {}
        named, stores, unresolved = {}, {}, {}
        hostvars = task_vars["hostvars"]
        for host in args["hosts"]:
            named[host], problems = host_value(hostvars, host, args["variable"])
            stores[host], store_problems = host_value(hostvars, host, args["store_variable"])
            if problems or store_problems:
                unresolved[host] = problems + store_problems
        return named, stores, unresolved
