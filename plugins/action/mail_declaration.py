# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-only check of one declaration, or of many at once (CI over an inventory)."""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._action import check_declaration, report
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._application import UnknownApplication
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._deadlines import deadlines


class ActionModule(ActionBase):
    """Validate and lint; never connects to the host and never changes anything."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("declaration", "declarations", "hosts", "variable", "strict", "application"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = self._task.args
        if sum(1 for name in ("declaration", "declarations", "hosts") if name in args) != 1:
            result.update(failed=True, msg="give exactly one of declaration, declarations or hosts")
            return result
        try:
            strict = boolean(args.get("strict", False), strict=True)
        except TypeError:
            result.update(failed=True, msg="strict must be true or false, not %r" % str(args.get("strict")))
            return result
        applications = {}
        if "declaration" in args:
            host = (task_vars or {}).get("inventory_hostname", "")
            named = {host: args["declaration"]}
        elif "hosts" in args:
            named = self._host_declarations(args["hosts"], args.get("variable", "mail_account"), task_vars or {})
            applications = self._host_applications(args["hosts"], task_vars or {})
        else:
            named = args["declarations"]
            if not isinstance(named, dict):
                result.update(failed=True, msg="declarations must be a mapping of name to declaration")
                return result
        failing = ("error", "warning") if strict else ("error",)
        checked, messages = {}, []
        for name in sorted(named):
            if named[name] is None:
                findings = []
                messages.append("%s: no mail_account declaration" % name)
                checked[name] = {"ok": False, "findings": findings}
                continue
            try:
                result_of = check_declaration(named[name], args.get("application") or applications.get(name))
            except UnknownApplication as exc:
                result.update(failed=True, msg="%s: %s" % (name, exc))
                return result
            findings = result_of.findings
            bad = [f for f in findings if f.severity in failing]
            if bad:
                messages.append(report(bad, name))
            provider = (result_of.normalised or {}).get("provider") or (
                named[name].get("provider") if isinstance(named[name], dict) else None)
            checked[name] = {"ok": not bad, "provider": provider if isinstance(provider, str) else None,
                             "findings": [f.as_dict() for f in findings]}
        result["declarations"] = checked
        result["deadlines"] = deadlines((name, item["findings"]) for name, item in checked.items())
        result["ok"] = not messages
        result["changed"] = False
        warnings = ["%s: %s %s: %s" % (name, f["code"], f["path"], f["message"])
                    for name, item in checked.items() for f in item["findings"] if f["severity"] == "warning"]
        if warnings and not strict:
            result["warnings"] = warnings
        if messages:
            result["failed"] = True
            bad_count = sum(1 for item in checked.values() if not item["ok"])
            result["msg"] = "%d of %d declaration%s failed validation:\n%s" % (
                bad_count, len(checked), "" if len(checked) == 1 else "s", "\n".join(messages))
        else:
            result["msg"] = "%d declaration%s valid" % (len(checked), "" if len(checked) == 1 else "s")
        return result

    @staticmethod
    def _host_applications(hosts, task_vars):
        """Each host's application, from its mail_account_store (a mysql store names one), so CI applies its rules."""
        hostvars = task_vars["hostvars"]
        found = {}
        for host in hosts:
            store = hostvars[host]["mail_account_store"] if "mail_account_store" in hostvars[host] else None
            if isinstance(store, dict) and store.get("type") == "mysql" and store.get("application"):
                found[host] = str(store["application"])
        return found

    @staticmethod
    def _host_declarations(hosts, variable, task_vars):
        """Read ``variable`` of each host from hostvars (None where the host lacks it)."""
        hostvars = task_vars["hostvars"]
        named = {}
        for host in hosts:
            values = hostvars[host]
            named[host] = values[variable] if variable in values else None
        return named
