# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of every module that takes a declaration.

Validates, lints and normalises ``declaration`` once on the controller; an error
fails the task before any connection is made, warnings become Ansible warnings,
and the target module receives the normalised mapping (standard library only there).
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._ansible_data import origin_marks, to_plain
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._application import UnknownApplication
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._declaration import check
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._windows import windows_refusal


def report(findings, host=""):
    """Failure text listing every finding given (the caller picks the failing severities)."""
    counts = ", ".join("%d %s%s" % (n, severity, "" if n == 1 else "s") for severity, n in
                       ((s, sum(1 for f in findings if f.severity == s)) for s in ("error", "warning")) if n)
    head = "mail account declaration%s has %s" % ((" of %s" % host) if host else "", counts)
    return head + ":\n" + "\n".join(f.text() for f in findings)


def without_none(value):
    """``value`` without None leaves.

    The module's argument spec puts them back as None, but it checks ``choices``
    on an explicit None (a disabled incoming server has no protocol or security).
    """
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    return value


def check_declaration(value, application=None):
    """Run the declaration pipeline on an Ansible variable value (with an application profile's rules)."""
    source, marks = origin_marks(value)
    return check(to_plain(value), marks, source, application=application)


def failure(checked, task_vars):
    """The task result for a declaration with errors, listing them; None when it has none."""
    if checked.normalised is not None:
        return None
    host = (task_vars or {}).get("inventory_hostname", "")
    errors = [f for f in checked.findings if f.severity == "error"]
    return {"failed": True, "msg": report(errors, host), "findings": [f.as_dict() for f in checked.findings]}


class DeclarationAction(ActionBase):
    """Validate on the controller, then run ``MODULE`` on the target with the normalised declaration."""

    MODULE = None
    TRANSFERS_FILES = False
    FROM_VARIABLE = ""  # the role variable that moves this step off a Windows host

    def application(self, args):
        """The application profile whose rules the declaration must also pass, or None."""
        del args
        return None

    def module_args(self, args, application):
        """The module's arguments once the declaration is checked (subclasses add what the module needs)."""
        del application
        return args

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        if "declaration" not in args:
            result.update(failed=True, msg="missing required argument: declaration")
            return result
        refusal = windows_refusal(self._connection, self._task, task_vars or {}, self.FROM_VARIABLE)
        if refusal:
            result.update(failed=True, msg=refusal)
            return result
        try:
            application = self.application(args)
            checked = check_declaration(args["declaration"], application)
        except UnknownApplication as exc:
            result.update(failed=True, msg=str(exc))
            return result
        refused = failure(checked, task_vars)
        if refused:
            result.update(refused)
            return result
        args["declaration"] = without_none(checked.normalised)
        result.update(self._execute_module(module_name=self.MODULE, module_args=self.module_args(args, application), task_vars=task_vars))
        if application:
            result["application"] = application
        warnings = result.setdefault("warnings", [])
        warnings.extend("%s %s: %s" % (f.code, f.path, f.message) for f in checked.findings if f.severity == "warning")
        result["findings"] = [f.as_dict() for f in checked.findings]
        return result
