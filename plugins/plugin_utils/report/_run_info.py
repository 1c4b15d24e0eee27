# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who ran what, when: the run block every report and audit line carries.

The run id ties the slices of one AWX job together: MAILCONFIG_RUN_ID when set, else
the workflow job id AWX passes as the extra variable ``awx_workflow_job_id`` (the slices
of a sliced job share it), else the job id (``JOB_ID`` in AWX's environment, or
``awx_job_id``), else a new id.
"""

from __future__ import annotations

import datetime
import getpass
import os
import subprocess
import uuid
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_id(extra_vars: Mapping[str, Any], environ: Optional[Mapping[str, str]] = None) -> str:
    environ = os.environ if environ is None else environ
    if environ.get("MAILCONFIG_RUN_ID"):
        return environ["MAILCONFIG_RUN_ID"]
    if extra_vars.get("awx_workflow_job_id"):
        return "awx-workflow-%s" % extra_vars["awx_workflow_job_id"]
    job = environ.get("JOB_ID") or extra_vars.get("awx_job_id")
    if job:
        return "awx-job-%s" % job
    return "%s-%s" % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"), uuid.uuid4().hex[:8])


def operator(extra_vars: Mapping[str, Any]) -> str:
    """AWX's launching user, else the local user."""
    if extra_vars.get("awx_user_name"):
        return "awx:%s" % extra_vars["awx_user_name"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "uid %d" % os.getuid()


def git_commit(paths: Iterable[str]) -> Optional[str]:
    """The commit of the first inventory source inside a git work tree (and whether it has local changes), else None."""
    for path in paths:
        folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
        try:
            head = subprocess.run(
                ["git", "-C", folder, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
            )
            if head.returncode != 0:
                continue
            dirty = subprocess.run(
                ["git", "-C", folder, "status", "--porcelain", "--", "."],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    return None


def start(extra_vars: Mapping[str, Any], inventory_sources: Sequence[Any]) -> Dict[str, Any]:
    """The run block at the start of a playbook run; ``end`` is filled when it ends."""
    return {"run_id": run_id(extra_vars), "started": now(), "ended": None, "operator": operator(extra_vars),
            "inventory": [os.path.abspath(source) for source in inventory_sources if isinstance(source, str)],
            "inventory_commit": git_commit([s for s in inventory_sources if isinstance(s, str)])}
