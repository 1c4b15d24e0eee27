# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the mail_account module does with its parameters: settings, plan, store, result.

The declaration arrives normalised by the action plugin; this turns it into the
canonical settings, picks the store by ``store.type`` from the registry and reports
the outcome with every secret masked.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.mailops.mailconfig.plugins.module_utils import _file_attributes, _settings
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import Plan, StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES, store_for


def _contact_email(params, store):
    """The address the practice contact record gets, or None; ValueError when it cannot follow."""
    declaration = params["declaration"]
    if params["state"] != "present" or not (declaration.get("practice") or {}).get("update_contact_email"):
        return None
    if not store.CONTACT:
        raise ValueError("declaration.practice.update_contact_email needs a store that keeps the practice contact record: %s" % (
            ", ".join(name for name, cls in STORES.items() if cls.CONTACT)))
    if not store.contact_target():
        raise ValueError("declaration.practice.update_contact_email is true: set store.contact (table, key_column, key_value, email_column)")
    return declaration["address"]


def run(module):
    """Apply the declaration to the store and exit the module."""
    params = module.params
    store = store_for(params["store"])
    summary = store.summary()
    try:
        settings = _settings.canonical(params["declaration"])
        values, secrets = _settings.mapped(settings, params["key_map"])
        plan = Plan(values, secrets, params["state"], params["update_password"], _contact_email(params, store))
        attributes = _file_attributes.resolve(params["owner"], params["group"], params["mode"])
    except ValueError as exc:
        module.fail_json(msg=str(exc), store=summary)
    try:
        outcome = store.apply(plan, attributes, params["backup"], module.check_mode)
    except StoreError as exc:
        module.fail_json(msg="%s; nothing was written" % exc, store=summary)
    for note in store.notes:
        module.warn(note)
    result = dict(
        changed=outcome.changed,
        store=summary,
        settings={} if plan.state == "absent" else dict(
            (key, _settings.shown(value, key in secrets)) for key, value in values.items()),
    )
    if outcome.backup_file:
        result["backup_file"] = outcome.backup_file
    if module._diff:
        header = store.diff_header()
        result["diff"] = dict(before=outcome.before, after=outcome.after, before_header=header, after_header=header)
    module.exit_json(**result)
