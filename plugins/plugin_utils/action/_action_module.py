# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base of every action plugin: check the task's arguments, run, turn a refusal into a failed result.

A subclass declares its argument spec (and the rules between its options) and implements
``run_validated``; where it must stop, it raises ``ActionFailed`` instead of building and
returning a failed result itself.
"""

from __future__ import annotations

from typing import Optional, Tuple

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase


class ActionFailed(Exception):
    """Stops an action: the task fails with ``msg`` and whatever else the result should carry."""

    def __init__(self, msg: str, **result) -> None:
        super().__init__(msg)
        self.result = dict(result, failed=True, msg=msg)


def validated(spec: dict, args: dict, name: str, **rules) -> Tuple[Optional[dict], Optional[dict]]:
    """``(parameters, None)`` for task ``args`` that fit ``spec``, else ``(None, failed result)``."""
    result = ArgumentSpecValidator(spec, **rules).validate(dict(args))
    if result.error_messages:
        return None, {"failed": True, "msg": "%s: %s" % (name, "; ".join(result.error_messages))}
    return result.validated_parameters, None


class ActionModuleBase(ActionBase):
    """Validate ``ARGUMENT_SPEC`` (with ``ARGUMENT_RULES``), then ``run_validated``."""

    NAME = ""  # how messages name the action
    ARGUMENT_SPEC: dict = {}
    ARGUMENT_RULES: dict = {}  # mutually_exclusive, required_one_of ... as ArgumentSpecValidator takes them
    PASSES_THROUGH = False  # True: only the spec's options are checked here, the module checks the rest

    def run(self, tmp: Optional[str] = None, task_vars: Optional[dict] = None) -> dict:
        result = super().run(tmp, task_vars)
        del tmp
        args = self._task.args
        if self.PASSES_THROUGH:
            args = {name: value for name, value in args.items() if name in self.ARGUMENT_SPEC}
        params, refused = validated(self.ARGUMENT_SPEC, args, self.NAME, **self.ARGUMENT_RULES)
        if refused:
            result.update(refused)
            return result
        try:
            result.update(self.run_validated(params, task_vars or {}))
        except ActionFailed as exc:
            result.update(exc.result)
        return result

    def run_validated(self, params: dict, task_vars: dict) -> dict:
        """The task's result (to add to Ansible's own) for arguments that passed the spec."""
        raise NotImplementedError
