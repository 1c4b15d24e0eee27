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
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._declaration import check


def report(findings, host=""):
    """Failure text listing every error finding."""
    errors = [f for f in findings if f.severity == "error"]
    head = "mail account declaration%s has %d error%s" % (
        (" of %s" % host) if host else "", len(errors), "" if len(errors) == 1 else "s")
    return head + ":\n" + "\n".join(f.text() for f in errors)


def without_none(value):
    """``value`` without None leaves.

    The module's argument spec puts them back as None, but it checks ``choices``
    on an explicit None (a disabled incoming server has no protocol or security).
    """
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    return value


def check_declaration(value):
    """Run the declaration pipeline on an Ansible variable value."""
    source, marks = origin_marks(value)
    return check(to_plain(value), marks, source)


class DeclarationAction(ActionBase):
    """Validate on the controller, then run ``MODULE`` on the target with the normalised declaration."""

    MODULE = None
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        if "declaration" not in args:
            result.update(failed=True, msg="missing required argument: declaration")
            return result
        checked = check_declaration(args["declaration"])
        findings = [f.as_dict() for f in checked.findings]
        if checked.normalised is None:
            host = (task_vars or {}).get("inventory_hostname", "")
            result.update(failed=True, msg=report(checked.findings, host), findings=findings)
            return result
        args["declaration"] = without_none(checked.normalised)
        result.update(self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars))
        warnings = result.setdefault("warnings", [])
        warnings.extend("%s %s: %s" % (f.code, f.path, f.message) for f in checked.findings if f.severity == "warning")
        result["findings"] = findings
        return result
