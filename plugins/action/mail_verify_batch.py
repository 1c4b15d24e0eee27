# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check every listed host's mail account from the controller, in one task and one process."""

from __future__ import annotations

import time

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.mailops.mailconfig.plugins.module_utils._test_then_save import refusal, refused
from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import summary
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action import _batch_verify
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._action import context_of, failure, report
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._action_module import (
    ActionFailed,
    ActionModuleBase,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._checked_once import (
    checked_for_host,
    checks_for,
    refused_earlier,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._host_settings import HostSettings
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._host_values import host_value
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._lockout_guard import Guard, accepted, rejected

# The mail_account role's variable for each option a practice may set for itself.
ROLE_VARIABLES = {
    "verify_from": "mail_account_verify_from",
    "ca_path": "mail_account_verify_ca_path",
    "timeout": "mail_account_verify_timeout",
    "deadline": "mail_account_verify_deadline",
    "send_test_to": "mail_account_verify_send_test_to",
    "plaintext_allowed_hosts": "mail_account_verify_plaintext_allowed_hosts",
    "retry_failed_secret": "mail_account_retry_failed_secret",
}
ARGUMENT_SPEC = {
    "hosts": {"type": "list", "elements": "str", "required": True},
    "variable": {"type": "str", "default": "mail_account"},
    "verify_from": {"type": "str"},
    "ca_path": {"type": "path"},
    "validate_certs": {"type": "bool", "default": True},
    "timeout": {"type": "float", "default": 15},
    "deadline": {"type": "float"},
    "send_test_to": {"type": "str"},
    "plaintext_allowed_hosts": {"type": "list", "elements": "str", "default": []},
    "max_connections": {"type": "int", "default": _batch_verify.DEFAULT_MAX_CONNECTIONS},
    "per_server": {"type": "int", "default": _batch_verify.DEFAULT_PER_SERVER},
    "retry_failed_secret": {"type": "bool", "default": False},
    "host_variables": {"type": "dict", "default": ROLE_VARIABLES},
}
# The options a practice may set for itself, read per host as the role's variables (see _host_settings).
PER_HOST = _batch_verify.OPTIONS + ("verify_from", "retry_failed_secret")


def _counts(results):
    return {"checked": len(results), "ok": sum(1 for r in results.values() if r.get("ok")),
            "failed": sum(1 for r in results.values() if not r.get("ok"))}


class ActionModule(ActionModuleBase):
    """Validate each host's declaration, then run mail_verify's checks for all of them at once, bounded."""

    TRANSFERS_FILES = False
    _requires_connection = False
    NAME = "mail_verify_batch"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def run_validated(self, params, task_vars):
        args = params
        if args["max_connections"] < 1 or args["per_server"] < 1:
            raise ActionFailed("max_connections and per_server must be at least 1")
        unknown = sorted(set(args["host_variables"]) - set(PER_HOST))
        if unknown:
            raise ActionFailed(
                "host_variables: no per-practice option %s (choose from %s)" % (", ".join(unknown), ", ".join(PER_HOST))
            )
        started = time.monotonic()
        result = {}
        settings = HostSettings(ARGUMENT_SPEC, args, PER_HOST, args["host_variables"],
                                task_vars["hostvars"][task_vars["inventory_hostname"]])
        refused, normalised, own = self._declarations(args, settings, task_vars)
        if not refused and not normalised:
            result.update(
                changed=False,
                skipped=True,
                results={},
                counts=_counts({}),
                failed_practices=[],
                msg="no practice to check from the controller (each verifies from its site, or has verification off or state absent)",
            )
            return result
        guard = Guard()
        fingerprints = {host: guard.fingerprint(host, declaration) for host, declaration in normalised.items()}
        refused.update(
            self._guarded(
                guard,
                {host: fingerprints[host] for host in normalised if not own[host]["retry_failed_secret"]},
                normalised,
            )
        )
        checked = _batch_verify.verify_many(
            normalised,
            own={host: {option: own[host][option] for option in _batch_verify.OPTIONS} for host in normalised},
            check_mode=bool(self._task.check_mode),
            max_connections=args["max_connections"],
            per_server=args["per_server"],
        )
        for name, entry in checked.items():
            if "outgoing" not in entry:  # refused before connecting (an unusable ca_path)
                continue
            entry["provider"] = normalised[name]["provider"]
            if rejected(entry):
                guard.remember(name, fingerprints[name])
            elif accepted(entry):
                guard.forget(name, fingerprints[name])
        results = dict(sorted((refused | checked).items()))
        counts = _counts(results)
        result.update(
            changed=False,
            results=results,
            counts=counts,
            elapsed_ms=round((time.monotonic() - started) * 1000, 1),
            failed_practices=[name for name, entry in results.items() if not entry.get("ok")],
            msg="%(checked)d practices checked from the controller: %(ok)d ok, %(failed)d failed" % counts,
        )
        return result

    @staticmethod
    def _guarded(guard, fingerprints, normalised):
        """Results for the hosts whose secret a server already rejected: not tried again (mail_verify's lockout guard)."""
        guarded = {}
        for host, fingerprint in fingerprints.items():
            at = guard.rejected_at(host, fingerprint)
            if at:
                guarded[host] = refused(normalised.pop(host), refusal(at))
                guarded[host]["msg"] = summary(guarded[host])
        return guarded

    @staticmethod
    def _declarations(args, settings, task_vars):
        """(refused, normalised, own): hosts refused with why; the rest, normalised; each host's own settings.

        Hosts the role would not verify (mail_account_verify false, mail_account_state absent) are left out, and
        with ``verify_from`` the hosts that verify from their site. A
        declaration a batch check (mail_declaration with role_entry_point) already checked is not checked again,
        and a host it refused is refused here with its message.
        """
        hostvars = task_vars["hostvars"]
        refused, normalised, own = {}, {}, {}
        for host in args["hosts"]:
            values = hostvars[host]
            own[host], problem = settings.of(values)
            if problem:
                refused[host] = {"ok": False, "msg": "%s: %s" % (host, problem), "findings": []}
                continue
            if args["verify_from"] is not None and own[host]["verify_from"] != "controller":
                continue
            checks = checks_for(task_vars, values)
            before = refused_earlier(checks, host)
            if before:
                refused[host] = dict(before, ok=False)
                del refused[host]["failed"]
                continue
            if (
                not boolean(values.get("mail_account_verify", True))
                or values.get("mail_account_state", "present") != "present"
            ):
                continue
            value, problems = host_value(hostvars, host, args["variable"], values)
            if problems:
                refused[host] = {
                    "ok": False,
                    "msg": report(problems, host),
                    "findings": [f.as_dict() for f in problems],
                }
                continue
            if value is None:
                refused[host] = {"ok": False, "msg": "%s has no %s variable" % (host, args["variable"]), "findings": []}
                continue
            checked, _reused = checked_for_host(value, context_of({}), checks, host)
            bad = failure(checked, {"inventory_hostname": host})
            if bad:
                refused[host] = dict(bad, ok=False)
                del refused[host]["failed"]
            else:
                normalised[host] = checked.normalised
        return refused, normalised, own
