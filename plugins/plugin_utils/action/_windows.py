# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows hosts: our modules are Python and cannot run there; say so before connecting.

Practice servers often run Windows (Open Dental's database is on one). Without this,
Ansible tries to run a Python module over WinRM/PSRP and fails with its own opaque error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from ansible.playbook.task import Task
    from ansible.plugins.connection import ConnectionBase

WINDOWS_CONNECTIONS = ("winrm", "psrp")


def _windows_connection(connection):
    name = (getattr(connection, "transport", "") or getattr(connection, "_load_name", "") or "").rsplit(".", 1)[-1]
    shell = getattr(getattr(connection, "_shell", None), "SHELL_FAMILY", "")
    if name in WINDOWS_CONNECTIONS:
        return name
    return "%s, PowerShell" % name if shell == "powershell" else ""


def windows_refusal(connection: ConnectionBase, task: Task, task_vars: Mapping[str, Any], from_variable: str) -> str:
    """One line refusing a Windows host and naming the way that works, or "" for any other host."""
    why = _windows_connection(connection)
    delegated = bool(getattr(task, "delegate_to", None))
    facts = task_vars.get("ansible_facts") or {}
    if not why and not delegated and "Windows" in (facts.get("os_family"), task_vars.get("ansible_os_family")):
        why = "its facts say Windows"
    elif why:
        why = "connection %s" % why
    if not why:
        return ""
    host = task_vars.get("inventory_hostname", "this host")
    return (
        "%s is a Windows host (%s): mailconfig's modules need Python where they run; run this step from the controller or a "
        "Linux jump host instead (%s: controller, or the jump host's inventory name; for Open Dental the mysql store reaches "
        "the practice's database over the network)" % (host, why, from_variable or "delegate_to")
    )
