# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the declaration on the controller, then run mail_verify on the target.

A secret that was already rejected for this practice is not tried again until it changes
(or ``retry_failed_secret``): the check then fails at stage ``lockout_guard`` without
connecting. A rejection is remembered, a login that works forgets it.

Given ``from_batch`` (the name of a registered mail_verify_batch result), report this
host's entry of it instead: no second check and no module run, so the host's own task
costs only Ansible's per-host bookkeeping.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.mailops.mailconfig.plugins.module_utils._test_then_save import refusal, refused
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import summary
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action import _before_fork
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._action import DeclarationAction
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._lockout_guard import Guard, accepted, rejected

# Read here, in the ansible-playbook process that forks the workers: once per run, not once per host.
_before_fork.read_shared_data()


def _share(name, task_vars):
    """``(this host's entry of the mail_verify_batch result registered as name, None)``, or ``(None, why not)``."""
    host = task_vars.get("inventory_hostname", "")
    registered = task_vars.get(name) if isinstance(name, str) else None
    results = registered.get("results") if isinstance(registered, Mapping) else None
    if not isinstance(results, Mapping):
        return (
            None,
            "from_batch must name a variable registered from a mail_verify_batch task of this run (%r is not one)"
            % (name,),
        )
    checked = results.get(host)
    if not isinstance(checked, Mapping) or "ok" not in checked:
        return None, "the mail_verify_batch result %s has no entry for %s (was it in the batch's hosts?)" % (name, host)
    return dict(checked), None


class ActionModule(DeclarationAction):
    MODULE = "mailops.mailconfig.mail_verify"
    FROM_VARIABLE = "mail_account_verify_from"

    def run(self, tmp=None, task_vars=None):
        if "from_batch" not in self._task.args:
            return super().run(tmp, task_vars)
        outcome = ActionBase.run(
            self, tmp, task_vars
        )  # Ansible's own preamble: the declaration was checked in the batch
        checked, problem = _share(self._task.args["from_batch"], task_vars or {})
        if problem:
            outcome.update(failed=True, msg=problem)
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

    def _execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        if module_name != self.MODULE or module_args.get("access_token"):
            return super()._execute_module(
                module_name=module_name, module_args=module_args, task_vars=task_vars, **kwargs
            )
        practice = (task_vars or {}).get("inventory_hostname", "")
        guard = Guard()
        fingerprint = guard.fingerprint(practice, module_args["declaration"])
        at = guard.rejected_at(practice, fingerprint)
        if at and not boolean(module_args.get("retry_failed_secret", False)):
            result = refused(module_args["declaration"], refusal(at))
            result.update(changed=False, msg=summary(result), failed=boolean(module_args.get("fail_on_error", True)))
            return result
        result = super()._execute_module(
            module_name=module_name, module_args=module_args, task_vars=task_vars, **kwargs
        )
        if rejected(result):
            guard.remember(practice, fingerprint)
        elif accepted(result):
            guard.forget(practice, fingerprint)
        return result
