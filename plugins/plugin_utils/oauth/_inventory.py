# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The practices of an Ansible inventory as the sign-in needs them, read with ansible-core itself.

Ansible's InventoryManager and VariableManager give each host its variables with the
usual precedence (group_vars, host_vars, vaulted files decrypted with the secrets
given). Declarations are read as written: a value is templated only where the sign-in
needs it (the application registration, which may refer to vaulted secrets).
"""

from __future__ import annotations

import collections
import os
import warnings
from typing import Any, Dict, List, Sequence, Tuple

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import to_plain

CLIENTS_VARIABLE = "mailconfig_oauth_clients"  # {provider: {client_id, client_secret?, *_endpoint?, scopes?}}

Practice = collections.namedtuple("Practice", "name declaration store apply registration")


def inventory_dir(source: str) -> str:
    """The folder whose host_vars/ and group_vars/ Ansible reads for ``source``."""
    return source if os.path.isdir(source) else os.path.dirname(os.path.abspath(source))


def practices(source: str, secrets: Sequence[Tuple[str, Any]]) -> List[Practice]:
    """Every host of ``source`` with a ``mail_account`` mapping, in name order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography's deprecation notes on import, not ours to show
        from ansible.inventory.manager import InventoryManager  # pylint: disable=import-outside-toplevel
        from ansible.parsing.dataloader import DataLoader  # pylint: disable=import-outside-toplevel
        from ansible.template import Templar  # pylint: disable=import-outside-toplevel
        from ansible.vars.manager import VariableManager  # pylint: disable=import-outside-toplevel
    loader = DataLoader()
    loader.set_vault_secrets(list(secrets))
    inventory = InventoryManager(loader=loader, sources=[source])
    variables = VariableManager(loader=loader, inventory=inventory)
    found = []
    for host in sorted(inventory.get_hosts(), key=lambda host: host.name):
        host_vars = variables.get_vars(host=host, include_hostvars=False)
        declaration = host_vars.get("mail_account")
        if not isinstance(declaration, dict):
            continue
        registration = host_vars.get(CLIENTS_VARIABLE) or {}
        if registration:
            registration = Templar(loader=loader, variables=host_vars).template(registration)
        apply = host_vars.get("mail_account_apply", True)
        found.append(Practice(str(host.name), to_plain(declaration), to_plain(host_vars.get("mail_account_store") or {}),
                              apply not in (False, "false", "no"), _plain_dict(registration)))
    return found


def _plain_dict(value: Any) -> Dict[str, Any]:
    value = to_plain(value)
    return value if isinstance(value, dict) else {}
