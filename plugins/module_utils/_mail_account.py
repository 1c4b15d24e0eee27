# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the mail_account module does with its parameters: settings, plan, test, store, result.

The declaration arrives normalised by the action plugin; this turns it into the
canonical settings (or, for ``state: restored``, the store's newest backup), picks the
store by ``store.type`` from the registry, tests and saves (_test_then_save) and reports
the outcome with every secret masked.
"""

from typing import TYPE_CHECKING, NoReturn

from ansible_collections.mailops.mailconfig.plugins.module_utils import _controller, _test_then_save
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _file_attributes, _settings
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import (
    ABSENT,
    Plan,
    ReadBackMismatch,
    StoreError,
)
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._registry import STORES, store_for

if TYPE_CHECKING:
    from ansible.module_utils.basic import AnsibleModule


def _contact_email(params, store):
    """The address the practice contact record gets, or None; ValueError when it cannot follow."""
    declaration = params["declaration"]
    if params["state"] != "present" or not (declaration.get("practice") or {}).get("update_contact_email"):
        return None
    if not store.CONTACT:
        raise ValueError(
            "declaration.practice.update_contact_email needs a store that keeps the practice contact record: %s"
            % (", ".join(name for name, cls in STORES.items() if cls.CONTACT))
        )
    if not store.contact_target():
        raise ValueError(
            "declaration.practice.update_contact_email is true: set store.contact (table, key_column, key_value, email_column)"
        )
    return declaration["address"]


def _restored_plan(store, values, secrets, unverified):
    """A plan that puts back our keys as the store's newest backup holds them (absent there: removed)."""
    held, name = store.restored(values, secrets, unverified)
    return Plan(dict((key, held.get(key, ABSENT)) for key in values), secrets, "present", "always", None), name


def _plan(params, store):
    """The plan, and the backup it restores (or None)."""
    settings = _settings.canonical(params["declaration"])
    values, secrets = _settings.mapped(settings, params["key_map"])
    if params["state"] == "restored":
        return _restored_plan(store, values, secrets, params["restore_unverified"])
    return Plan(values, secrets, params["state"], params["update_password"], _contact_email(params, store)), None


def _probe(params, check_mode):
    """mail_verify's check with the module's options; imported only when a login is needed (the probes' TLS and
    socket modules are a fifth of the module's start-up, which an unchanged practice should not pay)."""
    def probe(declaration):
        from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import verify
        from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import CAPathError
        try:
            return verify(
                declaration,
                ca_path=params["ca_path"],
                validate_certs=params["validate_certs"],
                timeout=params["timeout"],
                plaintext_allowed_hosts=params["plaintext_allowed_hosts"],
                check_mode=check_mode,
                deadline=params["deadline"],
            )
        except CAPathError as exc:
            raise ValueError(str(exc))
    return probe


def _summary(test):
    from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._verify import summary
    return summary(test)


def _options(params, attributes, check_mode):
    """How to test and save; the lockout guard refuses only the declared secret (a restore tests the backup's)."""
    refused = None
    if params["known_failed_secret"] and not params["retry_failed_secret"] and params["state"] != "restored":
        refused = _test_then_save.refusal(params["known_failed_secret"])
    # A restore makes no backup of what it replaces (the declaration's settings, which site.yml writes again): restoring
    # twice then goes one change further back instead of putting back the change just undone.
    backup = params["backup"] and params["state"] != "restored"
    return _test_then_save.Options(params["test"], params["write_untested"], refused, attributes, backup, check_mode)


def _result(decision, plan, store, restored):
    """The module result: outcome, the test in mail_verify's shape, our keys masked."""
    result = dict(changed=bool(decision.applied and decision.applied.changed), outcome=decision.outcome,
                  kept_previous=decision.outcome == _test_then_save.KEPT_PREVIOUS, tested=decision.test is not None,
                  store=store.summary(), changed_keys=list(decision.applied.keys) if decision.applied else [])
    if decision.test is not None:
        result.update((key, value) for key, value in decision.test.items() if key != "changed")
        result["secret_source"] = "backup" if restored else decision.secret_source
    if restored:
        result["restored_from"] = restored
        if decision.applied is not None:
            result["outcome"] = "restored" if decision.applied.changed else _test_then_save.UNCHANGED
    if decision.applied is not None:
        result["settings"] = (
            {}
            if plan.state == "absent"
            else dict(
                (key, _settings.shown(None if value is ABSENT else value, key in plan.secrets))
                for key, value in plan.values.items()
            )
        )
    return result


def _after_restore(module, store, backup, applied):
    """Say what a restore undid and that the declaration still holds what it replaced; spend the backup it used."""
    if applied.changed:
        would = "would put" if module.check_mode else "put"
        module.warn(
            "restored from %s: %s back %s as they were before the change that backup preceded. The declaration still "
            "holds the settings just replaced, so the next site.yml run writes them again: change the declaration (or leave "
            "this practice out) to keep the restore" % (backup, would, ", ".join(applied.keys) or "the settings")
        )
    if not module.check_mode:
        store.forget_backup(backup)  # the next restore goes one change further back


def run(module: "AnsibleModule") -> NoReturn:
    """Test and save the declaration (or a backup) in the store and exit the module."""
    params = module.params
    store = store_for(params["store"])
    store.backup_key = params["backup_key"].encode("utf-8") if params["backup_key"] else None
    store.started_by = _controller.still_alive(params["controller"])
    try:
        plan, restored = _plan(params, store)
        attributes = _file_attributes.resolve(params["owner"], params["group"], params["mode"])
    except (ValueError, StoreError) as exc:
        module.fail_json(msg=str(exc), store=store.summary(), outcome=_test_then_save.KEPT_PREVIOUS, kept_previous=True)
    try:
        decision = _test_then_save.run(
            store,
            plan,
            params["declaration"],
            params["key_map"],
            _probe(params, module.check_mode),
            _options(params, attributes, module.check_mode),
        )
    except StoreError as exc:
        written = "" if isinstance(exc, ReadBackMismatch) else "; nothing was written"
        module.fail_json(
            msg="%s%s" % (exc, written),
            store=store.summary(),
            outcome=_test_then_save.KEPT_PREVIOUS,
            kept_previous=True,
        )
    except ValueError as exc:  # an unusable ca_path
        module.fail_json(msg=str(exc), store=store.summary(), outcome=_test_then_save.KEPT_PREVIOUS, kept_previous=True)
    for note in store.notes:
        module.warn(note)
    result = _result(decision, plan, store, restored)
    for warning in decision.warnings:
        module.warn(warning)
    if decision.outcome == _test_then_save.WRITTEN_UNTESTED:
        module.warn(
            "written untested (write_untested is true): the test of the new settings failed, and the store now holds them: %s"
            % _summary(decision.test)
        )
    applied = decision.applied
    if restored and applied is not None:
        _after_restore(module, store, restored, applied)
    if applied is not None:
        if applied.backup_file:
            result["backup_file"] = applied.backup_file
            store.prune_backups(applied.backup_file, params["backup_keep"])
        if module._diff:
            header = store.diff_header()
            result["diff"] = dict(before=applied.before, after=applied.after, before_header=header, after_header=header)
    if result["kept_previous"]:
        would = "would keep" if module.check_mode else "kept"
        module.fail_json(
            msg="the new settings failed their test, so the store %s the previous settings: %s"
            % (would, _summary(decision.test)),
            **result,
        )
    module.exit_json(**result)
