# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of every module that takes a declaration.

Validates, lints and normalises ``declaration`` once on the controller; an error
fails the task before any connection is made, warnings become Ansible warnings,
and the target module receives the normalised mapping (standard library only there).
A declaration checked earlier in the run is reused (``_checked_once``).
"""

from __future__ import annotations

from typing import Any, List, Optional

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._action_module import ActionFailed, ActionModuleBase
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import to_plain
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._checked_once import checked_for_host, refused_earlier
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._windows import windows_refusal
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import UnknownApplication, guided
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import Checked, Context
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding

# The options that decide how a declaration is checked, as the actions that take them declare them.
CONTEXT_SPEC = dict(
    dns_server=dict(type="str"),
    dns_timeout=dict(type="float"),
    offline=dict(type="bool"),
)


def report(findings: List[Finding], host: str = "") -> str:
    """Failure text listing every finding given (the caller picks the failing severities)."""
    counts = ", ".join("%d %s%s" % (n, severity, "" if n == 1 else "s") for severity, n in
                       ((s, sum(1 for f in findings if f.severity == s)) for s in ("error", "warning")) if n)
    head = "mail account declaration%s has %s" % ((" of %s" % host) if host else "", counts)
    return head + ":\n" + "\n".join(f.text() for f in findings)


def without_none(value: Any) -> Any:
    """``value`` without None leaves.

    The module's argument spec puts them back as None, but it checks ``choices``
    on an explicit None (a disabled incoming server has no protocol or security).
    """
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    return value


def context_of(params: dict, store: Optional[dict] = None, application: Optional[str] = None) -> Context:
    """The check's context from validated task parameters (the CONTEXT_SPEC options), the store and the application."""
    return Context(dns_server=params.get("dns_server"), dns_timeout=params.get("dns_timeout"), offline=params.get("offline"),
                   store=to_plain(store) if store is not None else None, application=application)


def warnings_of(checked: Checked) -> List[str]:
    return ["%s %s: %s" % (f.code, f.path, f.message) for f in checked.findings if f.severity == "warning"]


def failure(checked: Checked, task_vars: Optional[dict]) -> Optional[dict]:
    """The task result for a declaration with errors, listing them; None when it has none."""
    if checked.normalised is not None:
        return None
    host = (task_vars or {}).get("inventory_hostname", "")
    errors = [f for f in checked.findings if f.severity == "error"]
    return {"failed": True, "msg": report(errors, host), "findings": [f.as_dict() for f in checked.findings]}


class DeclarationAction(ActionModuleBase):
    """Validate on the controller, then run ``MODULE`` on the target with the normalised declaration.

    The module validates its own options; this half checks only the declaration and
    takes ``store`` (when the module has one) as part of the check's context.
    """

    MODULE = ""
    TRANSFERS_FILES = False
    ARGUMENT_SPEC = dict(declaration=dict(type="raw", required=True))
    PASSES_THROUGH = True
    FROM_VARIABLE = ""  # the role variable that moves this step off a Windows host

    def application(self, args: dict) -> Optional[str]:
        """The application profile whose rules the declaration must also pass, or None."""
        del args
        return None

    def module_args(self, args: dict, application: Optional[str]) -> dict:
        """The module's arguments once the declaration is checked (subclasses add what the module needs)."""
        del application
        return args

    def by_hand(self, args: dict, application: str, task_vars: dict) -> dict:
        """The result for a guided application, which a person sets up in its own wizard (only mail_account has one)."""
        del args, task_vars
        raise ActionFailed("%s: %s is set up by hand in its own wizard; nothing to run here" % (self.MODULE, application))

    def run_validated(self, params: dict, task_vars: dict) -> dict:
        refused = refused_earlier(task_vars)
        if refused:
            return refused
        args = dict(self._task.args)
        store = args.get("store") if isinstance(args.get("store"), dict) else None
        try:
            application = self.application(args)
            by_hand = guided(application)  # set up by a person: nothing runs at the site, so a Windows host is fine
            checked, again = checked_for_host(params["declaration"], context_of({}, store, application), task_vars)
        except UnknownApplication as exc:
            raise ActionFailed(str(exc))
        refusal = "" if by_hand else windows_refusal(self._connection, self._task, task_vars, self.FROM_VARIABLE)
        if refusal:
            raise ActionFailed(refusal)
        refused = failure(checked, task_vars)
        if refused:
            return refused
        args["declaration"] = without_none(checked.normalised)
        if by_hand:
            result = self.by_hand(args, application, task_vars)
        else:
            result = self._execute_module(module_name=self.MODULE, module_args=self.module_args(args, application), task_vars=task_vars)
        if application:
            result["application"] = application
        if not again:  # the validate step already reported them
            result.setdefault("warnings", []).extend(warnings_of(checked))
        result["findings"] = [f.as_dict() for f in checked.findings]
        return result
