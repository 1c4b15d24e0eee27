# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a practice's sending domain in DNS (MX, SPF, DMARC, DKIM), on the controller only.

The documentation lives in plugins/modules/mail_sender_check.py; there is no
module: the checks read public DNS, so the target host is never contacted.
"""

from __future__ import annotations


from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _detect, _dns, _sender_checks
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._action import CONTEXT_SPEC, context_of, failure
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._action_module import (
    ActionFailed,
    ActionModuleBase,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._checked_once import (
    checked_for_host,
    refused_earlier,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import origin_marks
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import has_errors

ARGUMENT_SPEC = dict(
    declaration=dict(type="raw"),
    domain=dict(type="str"),
    provider=dict(type="str"),
    dkim_selectors=dict(type="list", elements="str"),
    fail_on_error=dict(type="bool", default=True),
    **CONTEXT_SPEC,
)


def summary(domain, findings):
    """One line: the domain and its findings by code, most severe first."""
    if not findings:
        return "%s: SPF, DMARC and DKIM in order" % domain
    counts = ", ".join("%d %s%s" % (n, s, "" if n == 1 else "s") for s, n in
                       ((s, sum(1 for f in findings if f.severity == s)) for s in ("error", "warning", "info")) if n)
    codes = ", ".join("%s %s" % (f.code, _sender_checks.CODES[f.code][0]) for f in findings)
    return "%s: %s (%s)" % (domain, counts, codes)


class ActionModule(ActionModuleBase):
    """Validate the options, find the domain and provider, run the sender checks."""

    TRANSFERS_FILES = False
    _requires_connection = False
    NAME = "mail_sender_check"
    ARGUMENT_SPEC = ARGUMENT_SPEC
    ARGUMENT_RULES = dict(mutually_exclusive=[("declaration", "domain")], required_one_of=[("declaration", "domain")])

    def run_validated(self, params, task_vars):
        result = {"changed": False}
        try:
            context = context_of(params)
            resolver = context.resolver()
        except _dns.DNSConfigError as exc:
            raise ActionFailed("mail_sender_check: %s" % exc)

        source, marks, path = "", {}, "domain"
        if params["declaration"] is not None:
            # The same resolver settings decide a provider: auto declaration (offline means no DNS at all).
            checked, _reused = checked_for_host(params["declaration"], context, task_vars)
            refused = refused_earlier(task_vars) or failure(checked, task_vars)
            if refused:
                return refused
            source, marks = origin_marks(params["declaration"])
            path = "address"
            domain = _detect.domain_of(checked.normalised["address"])
            provider = params["provider"] or checked.normalised["provider"]
        else:
            domain = params["domain"].strip().rstrip(".").lower()
            provider = params["provider"]
            if not provider:
                try:
                    detection = _detect.detect_provider("postmaster@" + domain, resolver)
                    provider = detection.provider
                    result["detection"] = detection.as_dict()
                except _detect.DetectionError as exc:
                    result["detection"] = {"provider": None, "error": exc.message, "evidence": list(exc.evidence)}

        findings = [f.located(source, marks) for f in
                    _sender_checks.check_sender(domain, provider, params["dkim_selectors"], resolver, path)]
        ok = not has_errors(findings)
        result.update(ok=ok, domain=domain, provider=provider, findings=[f.as_dict() for f in findings],
                      msg=summary(domain, findings))
        if not ok and params["fail_on_error"]:
            result["failed"] = True
        return result
