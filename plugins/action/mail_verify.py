# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the declaration on the controller, then run mail_verify on the target.

Given ``batch_result`` (this host's entry of a mail_verify_batch run), report that
instead: no second check and no module run, so the host's own task costs only
Ansible's per-host bookkeeping.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._action import DeclarationAction


class ActionModule(DeclarationAction):
    MODULE = "mailops.mailconfig.mail_verify"
    FROM_VARIABLE = "mail_account_verify_from"

    def run(self, tmp=None, task_vars=None):
        if "batch_result" not in self._task.args:
            return super().run(tmp, task_vars)
        outcome = super(DeclarationAction, self).run(tmp, task_vars)  # pylint: disable=bad-super-call
        checked = self._task.args["batch_result"]
        if not isinstance(checked, dict) or "ok" not in checked:
            outcome.update(failed=True, msg="batch_result must be this host's entry of a mail_verify_batch result (results[host])")
            return outcome
        try:
            fail_on_error = boolean(self._task.args.get("fail_on_error", True), strict=True)
        except TypeError:
            outcome.update(failed=True, msg="fail_on_error must be true or false")
            return outcome
        outcome.update(checked)
        outcome["changed"] = bool(checked.get("changed"))
        if not checked["ok"] and (fail_on_error or "outgoing" not in checked):  # a refused declaration always fails
            outcome["failed"] = True
        return outcome
