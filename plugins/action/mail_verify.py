# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate the declaration on the controller, then run mail_verify on the target."""

from __future__ import annotations

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._action import DeclarationAction


class ActionModule(DeclarationAction):
    MODULE = "mailops.mailconfig.mail_verify"
    FROM_VARIABLE = "mail_account_verify_from"
