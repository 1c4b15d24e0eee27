# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's declaration is checked once per run; later tasks reuse that check.

The validate step (``mail_declaration`` with one declaration) leaves the checked value in
the host fact ``mail_account_checked``, and later tasks with the same declaration and
context reuse it instead of checking (and warning) again. The playbooks check a whole
batch in one task instead and register its result under the same name: each host's entry
is in its ``checked``, and a host the batch refused fails at its own next step with the
batch's message for it. The fact holds no secret: the normalised declaration without its
secret values (taken from the task's own declaration when reused) and a fingerprint keyed
with a secret that stays in the run's local temp dir.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from typing import Any, Optional, Tuple

from ansible import constants

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import check_declaration, to_plain
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _schema
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import Checked, Context
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding

FACT = "mail_account_checked"


def _key() -> Optional[bytes]:
    """The run's fingerprint key, made once in Ansible's per-run local temp dir (removed when the run ends)."""
    folder = getattr(constants, "DEFAULT_LOCAL_TMP", None)
    if not folder:
        return None
    path = os.path.join(folder, "mailconfig-fingerprint.key")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        pass
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as handle:
        handle.write(os.urandom(32))
    try:
        os.link(handle.name, path)  # the first worker's key wins; the others read it
    except FileExistsError:
        pass
    finally:
        os.unlink(handle.name)
    with open(path, "rb") as handle:
        return handle.read()


def _fingerprint(key: bytes, *values) -> str:
    text = json.dumps([to_plain(v) for v in values], sort_keys=True, default=str)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _secret_paths(normalised: dict):
    for path in _schema.secret_paths():
        node = normalised
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            yield path


def _set(mapping: dict, path: str, value) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        mapping = mapping[part]
    mapping[parts[-1]] = value


def _get(mapping, path: str):
    for part in path.split("."):
        mapping = mapping.get(part) if isinstance(mapping, dict) else None
    return mapping


def remembered(value: Any, context: Context, checked: Checked) -> Optional[dict]:
    """The host fact that lets later tasks reuse ``checked``: no secret in it; None outside Ansible."""
    key = _key()
    if key is None or checked.normalised is None:
        return None
    secrets = sorted(_secret_paths(checked.normalised))
    shown = json.loads(json.dumps(checked.normalised))
    for path in secrets:
        _set(shown, path, None)
    return {
        "fingerprint": _fingerprint(key, value, context._replace(store=None, application=None)),
        "store": _fingerprint(key, context.store) if context.store is not None else None,
        "application": context.application,
        "declaration": shown,
        "secrets": secrets,
        "findings": [f.as_dict() for f in checked.findings],
    }


def _batch(fact: Any) -> bool:
    return isinstance(fact, dict) and isinstance(fact.get("checked"), dict)


def earlier(task_vars: Optional[dict], host: Optional[str] = None) -> Optional[dict]:
    """A host's entry from the validate step (this host's unless ``host`` is given), or None.

    Either the host fact, or the host's share of a batch check registered under the same name.
    """
    task_vars = task_vars or {}
    fact = task_vars.get(FACT)
    if _batch(fact):
        fact = fact["checked"].get(host or task_vars.get("inventory_hostname"))
    return fact if isinstance(fact, dict) else None


def checks_for(task_vars: Optional[dict], host_vars: Any) -> Any:
    """Where to find another host's earlier check: the batch check this task's host holds for its whole batch,
    else that host's own variables (its validate fact); never every host's copy of a batch's result."""
    return task_vars if _batch((task_vars or {}).get(FACT)) else host_vars


def refused_earlier(task_vars: Optional[dict], host: Optional[str] = None) -> Optional[dict]:
    """The failed task result for a host the batch check refused (role variables or declaration), else None."""
    entry = earlier(task_vars, host)
    if not entry or not entry.get("failed"):
        return None
    return to_plain({name: entry[name] for name in ("failed", "msg", "findings", "argument_errors") if name in entry})


def reused(value: Any, context: Context, task_vars: Optional[dict], host: Optional[str] = None) -> Optional[Checked]:
    """The checked declaration the validate step left for the host, if it checked this one the same way."""
    fact = earlier(task_vars, host)
    key = _key() if fact is not None else None
    if not key or fact.get("fingerprint") != _fingerprint(key, value, context._replace(store=None, application=None)):
        return None
    if context.store is not None and fact.get("store") != _fingerprint(key, context.store):
        return None  # checked without this store: rules for its application have not run
    if context.application and fact.get("application") != context.application:
        return None
    normalised = json.loads(json.dumps(to_plain(fact["declaration"])))
    plain = to_plain(value)
    for path in fact["secrets"]:
        _set(normalised, path, _get(plain, path))
    return Checked([Finding(**f) for f in fact["findings"]], normalised)


def checked_for_host(
    value: Any, context: Context, task_vars: Optional[dict], host: Optional[str] = None
) -> Tuple[Checked, bool]:
    """``(checked declaration, whether the validate step's check was reused)``."""
    before = reused(value, context, task_vars, host)
    if before is not None:
        return before, True
    return check_declaration(value, context), False
