# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet summary for the collection's own playbooks, from any directory.

Ansible loads callbacks found in a ``callback_plugins`` folder beside the playbook,
and one that does not need enabling runs without any ansible.cfg: so
``ansible-playbook mailops.mailconfig.verify`` prints the summary and writes
MAILCONFIG_REPORT wherever it is run. When mailops.mailconfig.fleet_summary is enabled
as well (ansible.cfg, ANSIBLE_CALLBACKS_ENABLED, AWX), this copy stays silent.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: mailconfig_fleet_summary
type: aggregate
short_description: The mailops.mailconfig.fleet_summary callback, loaded by the collection's playbooks themselves
version_added: 0.1.0
description:
  - See mailops.mailconfig.fleet_summary. Silent when that callback is enabled too.
extends_documentation_fragment:
  - mailops.mailconfig.fleet_summary
author:
  - mailconfig contributors (@mailops)
'''

from ansible import constants as C

from ansible_collections.mailops.mailconfig.plugins.callback.fleet_summary import CallbackModule as FleetSummary


class CallbackModule(FleetSummary):
    CALLBACK_NAME = "mailconfig_fleet_summary"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self):
        super().__init__()
        if FleetSummary.CALLBACK_NAME in (C.CALLBACKS_ENABLED or ()):
            # the collection's callback runs as well: one summary is enough
            self.v2_runner_on_ok = self.v2_runner_on_failed = self.v2_runner_on_unreachable = _ignore
            self.v2_playbook_on_play_start = self.v2_playbook_on_stats = _ignore


def _ignore(*_args, **_kwargs):
    return None
