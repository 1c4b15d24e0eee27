# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of every module that takes a declaration.

Validates, lints and normalises ``declaration`` once on the controller; an error
fails the task before any connection is made, warnings become Ansible warnings,
and the target module receives the normalised mapping (standard library only there).

A host's declaration is checked once per run: the validate step (``mail_declaration``
with one declaration) leaves the checked value in the host fact ``mail_account_checked``,
and later tasks with the same declaration and context reuse it instead of checking
(and warning) again. The playbooks check a whole batch in one task instead and register
its result under the same name: each host's entry is in its ``checked``, and a host the
batch refused fails at its own next step with the batch's message for it. The fact holds no secret: the normalised declaration without its
secret values (taken from the task's own declaration when reused) and a fingerprint
keyed with a secret that stays in the run's local temp dir.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from typing import Any, List, Optional, Tuple

from ansible import constants
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _schema
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import origin_marks, to_plain
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import UnknownApplication, guided
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import Checked, Context, check
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._windows import windows_refusal

FACT = "mail_account_checked"

# The options that decide how a declaration is checked, as the actions that take them declare them.
CONTEXT_SPEC = dict(
    dns_server=dict(type="str"),
    dns_timeout=dict(type="float"),
    offline=dict(type="bool"),
)


def validated(spec: dict, args: dict, name: str, **rules) -> Tuple[Optional[dict], Optional[dict]]:
    """``(parameters, None)`` for task ``args`` that fit ``spec``, else ``(None, failed result)``."""
    result = ArgumentSpecValidator(spec, **rules).validate(dict(args))
    if result.error_messages:
        return None, {"failed": True, "msg": "%s: %s" % (name, "; ".join(result.error_messages))}
    return result.validated_parameters, None


def report(findings: List[Finding], host: str = "") -> str:
    """Failure text listing every finding given (the caller picks the failing severities)."""
    counts = ", ".join("%d %s%s" % (n, severity, "" if n == 1 else "s") for severity, n in
                       ((s, sum(1 for f in findings if f.severity == s)) for s in ("error", "warning")) if n)
    head = "mail account declaration%s has %s" % ((" of %s" % host) if host else "", counts)
    return head + ":\n" + "\n".join(f.text() for f in findings)


def without_none(value: Any) -> Any:
    """``value`` without None leaves.

    The module's argument spec puts them back as None, but it checks ``choices``
    on an explicit None (a disabled incoming server has no protocol or security).
    """
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    return value


def context_of(params: dict, store: Optional[dict] = None, application: Optional[str] = None) -> Context:
    """The check's context from validated task parameters (the CONTEXT_SPEC options), the store and the application."""
    return Context(dns_server=params.get("dns_server"), dns_timeout=params.get("dns_timeout"), offline=params.get("offline"),
                   store=to_plain(store) if store is not None else None, application=application)


def check_declaration(value: Any, context: Optional[Context] = None) -> Checked:
    """Run the declaration pipeline on an Ansible variable value (UnknownApplication for an unknown profile)."""
    source, marks = origin_marks(value)
    return check(to_plain(value), marks, source, context=context)


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
    return {"fingerprint": _fingerprint(key, value, context._replace(store=None, application=None)),
            "store": _fingerprint(key, context.store) if context.store is not None else None,
            "application": context.application, "declaration": shown, "secrets": secrets, "findings": [f.as_dict() for f in checked.findings]}


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


def checked_for_host(value: Any, context: Context, task_vars: Optional[dict], host: Optional[str] = None) -> Tuple[Checked, bool]:
    """``(checked declaration, whether the validate step's check was reused)``."""
    before = reused(value, context, task_vars, host)
    if before is not None:
        return before, True
    return check_declaration(value, context), False


def warnings_of(checked: Checked) -> List[str]:
    return ["%s %s: %s" % (f.code, f.path, f.message) for f in checked.findings if f.severity == "warning"]


def failure(checked: Checked, task_vars: Optional[dict]) -> Optional[dict]:
    """The task result for a declaration with errors, listing them; None when it has none."""
    if checked.normalised is not None:
        return None
    host = (task_vars or {}).get("inventory_hostname", "")
    errors = [f for f in checked.findings if f.severity == "error"]
    return {"failed": True, "msg": report(errors, host), "findings": [f.as_dict() for f in checked.findings]}


class DeclarationAction(ActionBase):
    """Validate on the controller, then run ``MODULE`` on the target with the normalised declaration.

    The module validates its own options; this half checks only the declaration and
    takes ``store`` (when the module has one) as part of the check's context.
    """

    MODULE = ""
    TRANSFERS_FILES = False
    ARGUMENT_SPEC = dict(declaration=dict(type="raw", required=True))
    FROM_VARIABLE = ""  # the role variable that moves this step off a Windows host

    def application(self, args: dict) -> Optional[str]:
        """The application profile whose rules the declaration must also pass, or None."""
        del args
        return None

    def module_args(self, args: dict, application: Optional[str]) -> dict:
        """The module's arguments once the declaration is checked (subclasses add what the module needs)."""
        del application
        return args

    def by_hand(self, args: dict, application: str, task_vars: dict) -> dict:
        """The result for a guided application, which a person sets up in its own wizard (only mail_account has one)."""
        del args, task_vars
        return {"failed": True, "msg": "%s: %s is set up by hand in its own wizard; nothing to run here" % (self.MODULE, application)}

    def run(self, tmp: Optional[str] = None, task_vars: Optional[dict] = None) -> dict:
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        params, refused = validated(self.ARGUMENT_SPEC, {k: args[k] for k in self.ARGUMENT_SPEC if k in args}, self.MODULE)
        if refused:
            result.update(refused)
            return result
        refused = refused_earlier(task_vars)
        if refused:
            result.update(refused)
            return result
        store = args.get("store") if isinstance(args.get("store"), dict) else None
        try:
            application = self.application(args)
            by_hand = guided(application)  # set up by a person: nothing runs at the site, so a Windows host is fine
            checked, again = checked_for_host(params["declaration"], context_of({}, store, application), task_vars)
        except UnknownApplication as exc:
            result.update(failed=True, msg=str(exc))
            return result
        refusal = "" if by_hand else windows_refusal(self._connection, self._task, task_vars or {}, self.FROM_VARIABLE)
        if refusal:
            result.update(failed=True, msg=refusal)
            return result
        refused = failure(checked, task_vars)
        if refused:
            result.update(refused)
            return result
        args["declaration"] = without_none(checked.normalised)
        if by_hand:
            result.update(self.by_hand(args, application, task_vars or {}))
        else:
            result.update(self._execute_module(module_name=self.MODULE, module_args=self.module_args(args, application), task_vars=task_vars))
        if application:
            result["application"] = application
        if not again:  # the validate step already reported them
            result.setdefault("warnings", []).extend(warnings_of(checked))
        result["findings"] = [f.as_dict() for f in checked.findings]
        return result
