# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mail_account role's variables, checked for many hosts in one task as Ansible checks them for one.

Ansible checks a role's variables against ``meta/argument_specs.yml`` with a task of its own
per host, which costs a worker process per host whatever the task does. The collection's
playbooks turn that task off (``rolespec_validate: false``) and check every host of a batch
here instead, against the same entry point of the same file.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.mailops.mailconfig.plugins.plugin_utils._paths import COLLECTION_ROOT

SPEC_FILE = os.path.join(COLLECTION_ROOT, "roles", "mail_account", "meta", "argument_specs.yml")
STORE = "mail_account_store"


class UnknownEntryPoint(ValueError):
    """The role has no argument spec for the named entry point."""


@functools.lru_cache(maxsize=None)
def _specs() -> Dict[str, Any]:
    with open(SPEC_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["argument_specs"]


def options(entry_point: str) -> Dict[str, Any]:
    """The options of one entry point, as Ansible's own role check reads them."""
    specs = _specs()
    if entry_point not in specs:
        raise UnknownEntryPoint("the mail_account role has no entry point %r (%s has: %s)"
                                % (entry_point, SPEC_FILE, ", ".join(sorted(specs))))
    return specs[entry_point].get("options") or {}


def saves(entry_point: str) -> bool:
    """Whether an entry point saves settings (takes the store variable); verify, for one, does not."""
    return STORE in options(entry_point)


def check(host_vars: Any, entry_point: str, given: Optional[Dict[str, Any]] = None, unchecked: Iterable[str] = (),
          secrets: Iterable[str] = ()) -> Tuple[Dict[str, Any], List[str]]:
    """``(variables with the spec's defaults, error messages)`` for one host's variables (its ``hostvars`` entry).

    ``given`` holds values the caller has already read; names in ``unchecked`` are left out (the
    caller reports them its own way); ``secrets`` are removed from the messages.
    """
    spec = {name: option for name, option in options(entry_point).items() if name not in unchecked}
    provided, errors = {name: value for name, value in (given or {}).items() if name in spec}, []
    for name in spec:
        if name in provided or name not in host_vars:
            continue
        try:
            provided[name] = host_vars[name]
        except AnsibleError:  # never quote the error: a failing filter may show the value it was given
            errors.append("%s cannot be resolved (an undefined variable or a failing template)" % name)
    spec = {name: option for name, option in spec.items() if name in provided or name not in host_vars}
    result = ArgumentSpecValidator(spec).validate(provided)
    errors.extend(result.error_messages)
    hidden = [text for text in secrets if isinstance(text, str) and text]
    return result.validated_parameters, [
        remove_values(message, set(hidden)) for message in errors
    ] if hidden else errors


def runs_after_save(entry_point: str) -> bool:
    """Whether an entry point saves, then runs the steps after the save (main does; apply and verify do not)."""
    return (
        saves(entry_point) and {"mail_account_verify_from", "mail_account_sender_check"} <= options(entry_point).keys()
    )


def asks_after_save(params: Dict[str, Any]) -> bool:
    """Whether a host's checked role variables ask for a step after the save (tasks/after_save.yml): verify from the
    controller, or the sender check. The playbooks end every other practice's play at the save."""
    return params.get("mail_account_verify_from") == "controller" or bool(params.get("mail_account_sender_check"))
