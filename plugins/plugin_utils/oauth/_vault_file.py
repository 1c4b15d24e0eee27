# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The refresh tokens' home: one Ansible Vault encrypted YAML file, ``vault_refresh_tokens: {practice: token}``.

Written with ansible-core's own vault library and the user's vault secrets (vault id,
password file or prompt, as ``ansible-playbook`` takes them), so playbooks read it like
any vaulted vars file. The plain text exists only in memory: the file is encrypted
before it is written, through a temp file in the same folder that is renamed over the
old one (store/_atomic_file), mode 0600. Other variables and other practices' entries
are kept. A file that exists but is not vault-encrypted, or does not decrypt, is an
error and nothing is written.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from ansible.errors import AnsibleError
from ansible.parsing.vault import VaultLib, is_encrypted

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import Attributes

VARIABLE = "vault_refresh_tokens"
MAX_BYTES = 16 * 1024 * 1024  # a vault file of many thousand practices stays far below this
PRIVATE = Attributes(None, None, 0o600)


class VaultFileError(Exception):
    """The vault file cannot be read or written; the message names the file and never a secret."""


def reference(practice: str, variable: str = VARIABLE) -> str:
    """The Jinja expression a declaration uses for ``practice``'s token."""
    return "{{ %s['%s'] }}" % (variable, practice)


class RefreshTokenVault:
    """The vault file at ``path``; ``secrets`` is ansible's [(vault id, VaultSecret)], the first one encrypts."""

    def __init__(self, path: str, secrets: Sequence[Tuple[str, Any]], variable: str = VARIABLE):
        if not secrets:
            raise VaultFileError("no vault secret: give --vault-id, --vault-password-file or --ask-vault-pass")
        self.path, self.variable = path, variable
        self._vault = VaultLib(list(secrets))
        self._vault_id, self._secret = secrets[0]

    def _read(self) -> Dict[str, Any]:
        if not os.path.exists(self.path):
            return {}
        with open(self.path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise VaultFileError("%s: larger than %d bytes; not a refresh token file" % (self.path, MAX_BYTES))
        if not is_encrypted(data):
            raise VaultFileError("%s: not encrypted with Ansible Vault; refusing to add secrets to it" % self.path)
        try:
            content = yaml.safe_load(self._vault.decrypt(data)) or {}
        except AnsibleError as error:
            raise VaultFileError("%s: cannot decrypt it with the vault secrets given (%s)" % (self.path, type(error).__name__))
        except yaml.YAMLError as error:
            raise VaultFileError("%s: decrypted, but not YAML (line %s)" % (self.path, getattr(getattr(error, "problem_mark", None), "line", "?")))
        if not isinstance(content, dict) or not isinstance(content.get(self.variable, {}), dict):
            raise VaultFileError("%s: expected a mapping with %s: {practice: token}" % (self.path, self.variable))
        return content

    def practices(self) -> List[str]:
        """The practices that already have a token (re-runs skip their sign-in)."""
        return sorted(self._read().get(self.variable) or {})

    def store(self, tokens: Mapping[str, str]) -> None:
        """Add or replace ``tokens`` (practice -> refresh token), keeping every other entry; one atomic write."""
        if not tokens:
            return
        content = self._read()
        entries = dict(content.get(self.variable) or {})
        entries.update(tokens)
        content[self.variable] = dict(sorted(entries.items()))
        text = "---\n# Refresh tokens from mailconfig-oauth; one entry per practice.\n" + yaml.safe_dump(content, default_flow_style=False)
        data = self._vault.encrypt(text, self._secret, vault_id=self._vault_id)
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        _atomic_file.write(self.path, data, PRIVATE)


def secrets_from(vault_ids: Sequence[str] = (), password_files: Sequence[str] = (), ask: bool = False) -> List[Tuple[str, Any]]:
    """The vault secrets as ansible-playbook would set them up from the same options."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography's deprecation notes on import, not ours to show
        from ansible.cli import CLI  # pylint: disable=import-outside-toplevel
        from ansible.parsing.dataloader import DataLoader  # pylint: disable=import-outside-toplevel
    return CLI.setup_vault_secrets(DataLoader(), list(vault_ids), vault_password_files=list(password_files), ask_vault_pass=ask)


def secret_label(vault_ids: Sequence[str] = (), password_files: Sequence[str] = (), ask: bool = False) -> Optional[List[str]]:
    """The same options as ansible-playbook arguments (paths and labels only, never a password)."""
    words = []
    for vault_id in vault_ids:
        words += ["--vault-id", vault_id]
    for path in password_files:
        words += ["--vault-password-file", path]
    return words + (["--ask-vault-pass"] if ask else [])
