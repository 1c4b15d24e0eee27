# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One host's share of a mail_verify_batch result, as that host's own task result."""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    """Report the batch's result for this host: ok, changed or failed, as mail_verify would have."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("result", "fail_on_error"))

    def run(self, tmp=None, task_vars=None):
        outcome = super().run(tmp, task_vars)
        del tmp
        checked = self._task.args.get("result")
        if not isinstance(checked, dict) or "ok" not in checked:
            outcome.update(failed=True, msg="result must be one host's entry of a mail_verify_batch result (results[host])")
            return outcome
        try:
            fail_on_error = boolean(self._task.args.get("fail_on_error", True), strict=True)
        except TypeError:
            outcome.update(failed=True, msg="fail_on_error must be true or false")
            return outcome
        outcome.update(checked)
        outcome["changed"] = bool(checked.get("changed"))
        if not checked["ok"] and (fail_on_error or "outgoing" not in checked):
            outcome["failed"] = True
        return outcome
