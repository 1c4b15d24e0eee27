# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the declaration on the controller, then run mail_account on the target.

For a store that an application profile drives (``store.type: mysql``), the declaration
must also pass that application's rules, and the module receives the profile as
``store.profile``: the target never reads the collection's data files.
"""

from __future__ import annotations

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._action import DeclarationAction
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._application import for_store


class ActionModule(DeclarationAction):
    MODULE = "mailops.mailconfig.mail_account"
    FROM_VARIABLE = "mail_account_apply_from"

    def application(self, args):
        store = args.get("store")
        if isinstance(store, dict) and store.get("type") == "mysql":
            return store.get("application") or None
        return None

    def module_args(self, args, application):
        if application:
            args["store"] = dict(args["store"], profile=for_store(application))
        return args
