# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is the run that started this module still alive? Asked right before a store commits.

When ``ansible-playbook`` is killed, a module already running goes on: it would wait for
its lock and commit a change that no audit line and no report row ever records. The
action plugin names the controller process (boot id, PID namespace, PID and start time,
which together survive PID reuse); a module on the same machine and in the same PID
namespace (not in a container of its own) checks that very process. On another
machine it can only check that its own parent (the connection's shell) is still the one
that started it. docs/security.md, "Interrupted runs", names the window that remains.
"""

import os
from typing import Callable, Dict, Optional


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read(4096)
    except OSError:
        return None


def boot_id() -> Optional[str]:
    text = _read("/proc/sys/kernel/random/boot_id")
    return text.strip() if text else None


def started(pid: int) -> Optional[int]:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), None when it is gone."""
    text = _read("/proc/%d/stat" % pid)
    if not text or ")" not in text:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[19]) if len(fields) > 19 and fields[19].isdigit() else None


def pid_namespace() -> Optional[str]:
    """The PID namespace we run in ("pid:[4026531836]"): a container on the same machine (same boot id) has its own PIDs."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def identity(pid: int) -> Dict[str, object]:
    """What names the process ``pid`` on this machine, for ``still_alive`` (the module's ``controller`` option)."""
    return {"boot_id": boot_id(), "pid_namespace": pid_namespace(), "pid": pid, "started": started(pid)}


def _here(controller: Optional[Dict[str, object]]) -> bool:
    """Whether the controller's PID names a process we can see: same boot, same PID namespace."""
    if not controller or controller.get("started") is None:
        return False
    boot, namespace = boot_id(), pid_namespace()
    return boot is not None and namespace is not None and (controller.get("boot_id"), controller.get("pid_namespace")) == (boot, namespace)


def still_alive(controller: Optional[Dict[str, object]]) -> Callable[[], bool]:
    """A check that the run that started us goes on: that controller process when it is on this machine, else our parent."""
    if _here(controller):
        pid, start = int(controller["pid"]), controller["started"]
        return lambda: started(pid) == start
    parent = os.getppid()
    return lambda: os.getppid() == parent
