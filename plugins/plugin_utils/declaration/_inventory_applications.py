# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The application each host of an inventory keeps its mail account in, as ansible-core resolves it.

Used by ``mailconfig-lint --inventory``. Lint runs in CI without vault passwords, so nothing is
decrypted: a file encrypted with ansible-vault is read as empty (its ``vault_`` variables are
secrets, not stores), and a store whose ``type`` or ``application`` needs a vaulted value stays unknown.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional

from ansible.errors import AnsibleError
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import is_encrypted_file
from ansible.template import Templar
from ansible.vars.manager import VariableManager

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import of_store
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._file_application import STORE_VARIABLE


class HostApplication(NamedTuple):
    """A host's application (None: its store belongs to none, or it cannot be told) and why."""

    application: Optional[str]
    reason: str


class _UndecryptedLoader(DataLoader):
    """Ansible's loader, except that a vault-encrypted file reads as no variables instead of failing."""

    def load_from_file(self, file_name, *args, **kwargs):  # pylint: disable=arguments-differ
        path = self.path_dwim(file_name)
        with open(path, "rb") as handle:
            if is_encrypted_file(handle):
                return {}
        return super().load_from_file(file_name, *args, **kwargs)


def _resolve(templar, store) -> HostApplication:
    if store is None:
        return HostApplication(None, "none: no %s" % STORE_VARIABLE)
    try:
        store = templar.template(store) if isinstance(store, str) else {
            key: templar.template(store[key]) for key in ("type", "application") if key in store}
    except (AnsibleError, TypeError) as exc:
        return HostApplication(None, "unknown: its %s cannot be resolved without a vault password or a variable (%s)"
                               % (STORE_VARIABLE, type(exc).__name__))
    application = of_store(store)
    if application:
        return HostApplication(application, application)
    return HostApplication(None, "none: store type %s" % (store.get("type") if isinstance(store, dict) else "unknown"))


def applications(source: str) -> Dict[str, HostApplication]:
    """``{host: HostApplication}`` for every host of inventory ``source``; AnsibleError if it cannot be loaded."""
    loader = _UndecryptedLoader()
    inventory = InventoryManager(loader=loader, sources=[source])
    variables = VariableManager(loader=loader, inventory=inventory)
    found = {}
    for host in inventory.get_hosts():
        host_vars = variables.get_vars(host=host, include_hostvars=False)
        found[host.name] = _resolve(Templar(loader=loader, variables=host_vars), host_vars.get(STORE_VARIABLE))
    return found
