# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the declaration on the controller, then run mail_account (test, then save) on the target.

For a store that an application profile drives (``store.type: mysql``), the declaration
must also pass that application's rules, and the module receives the profile as
``store.profile``: the target never reads the collection's data files. A guided application
(``store.type: guided``, EXACT) has no store mailconfig may write: the controller writes the
practice's setup sheet instead, and no module runs.

The module also gets the key that authenticates its backups (``mail_account_backup_key``,
else one derived from the controller's key) and the controller process it serves, so it
writes nothing once that run is gone.

Around the module run: tell it whether the declared secret was already rejected for this
practice (the lockout guard's memory stays on the controller), say where the test ran
from, and remember a rejected secret or forget one that logged in.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.mailops.mailconfig.plugins.module_utils import _controller

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action import _before_fork, _guided
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._action import DeclarationAction
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import for_store, of_store
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._lockout_guard import (
    Guard,
    accepted,
    guarded,
    rejected,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report._entry_state import ENTERED_VARIABLE

# Read here, in the ansible-playbook process that forks the workers: once per run, not once per host.
_before_fork.read_shared_data()


def backup_key(practice: str, given: str | None) -> str:
    """The practice's own backup key, derived from ``mail_account_backup_key`` or else the controller's key: a practice
    machine that sees its key learns nothing about another practice's."""
    material = given.encode("utf-8") if given else Guard().key()
    return hmac.new(material, b"mailconfig backup key v1\0" + practice.encode("utf-8"), hashlib.sha256).hexdigest()


class ActionModule(DeclarationAction):
    MODULE = "mailops.mailconfig.mail_account"
    FROM_VARIABLE = "mail_account_apply_from"

    def application(self, args):
        return of_store(args.get("store"))

    def by_hand(self, args, application, task_vars):
        """A guided application (EXACT): the practice's setup sheet on the controller, no module run, no connection."""
        return _guided.apply(
            task_vars.get("inventory_hostname", ""),
            application,
            args["declaration"],
            args.get("state", "present"),
            self._templar.template(task_vars.get(ENTERED_VARIABLE)),
            self._templar.template(task_vars.get(_guided.SHEETS_VARIABLE, _guided.DEFAULT_SHEETS)),
            bool(self._task.check_mode),
        )

    def module_args(self, args, application):
        if application:
            args["store"] = dict(args["store"], profile=for_store(application))
        return args

    def _execute_module(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        if module_name == self.MODULE:
            practice = (task_vars or {}).get("inventory_hostname", "")
            module_args = dict(
                module_args,
                backup_key=backup_key(practice, module_args.get("backup_key")),
                controller=_controller.identity(os.getppid()),
            )  # the ansible-playbook process this worker serves
        if (
            module_name != self.MODULE
            or not boolean(module_args.get("test", True))
            or module_args.get("state") == "absent"
        ):
            return super()._execute_module(
                module_name=module_name, module_args=module_args, task_vars=task_vars, **kwargs
            )
        practice = (task_vars or {}).get("inventory_hostname", "")
        guard = Guard()
        fingerprint = guard.fingerprint(practice, module_args["declaration"])
        args = dict(module_args, known_failed_secret=guard.rejected_at(practice, fingerprint))
        result = super()._execute_module(module_name=module_name, module_args=args, task_vars=task_vars, **kwargs)
        if result.get("tested") and not guarded(result):
            result["tested_from"] = self._task.delegate_to or practice
            if result.get("secret_source") == "declaration" and rejected(result):
                guard.remember(practice, fingerprint)
            elif result.get("secret_source") == "declaration" and accepted(result):
                guard.forget(practice, fingerprint)
        return result
