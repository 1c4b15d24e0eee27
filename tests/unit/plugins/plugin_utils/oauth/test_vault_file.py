"""The refresh token file: encrypted with ansible-core's vault, other entries kept, replaced atomically, refused when plain."""

import os

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._vault_file import RefreshTokenVault, VaultFileError

SECRET = [("practices", VaultSecret(b"unit-vault-pass"))]


def decrypted(path):
    with open(path, "rb") as handle:
        return yaml.safe_load(VaultLib(SECRET).decrypt(handle.read()))


def test_entries_are_added_and_kept(tmp_path):
    path = str(tmp_path / "group_vars" / "all" / "vault_refresh_tokens.yml")
    vault = RefreshTokenVault(path, SECRET)
    vault.store({"alpha": "rt-Alpha-1"})
    vault.store({"beta": "rt-Beta-2"})
    vault.store({"alpha": "rt-Alpha-3"})
    assert decrypted(path) == {"vault_refresh_tokens": {"alpha": "rt-Alpha-3", "beta": "rt-Beta-2"}}
    with open(path, "rb") as handle:
        data = handle.read()
    assert data.startswith(b"$ANSIBLE_VAULT;1.2;AES256;practices") and b"rt-" not in data
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.listdir(os.path.dirname(path)) == ["vault_refresh_tokens.yml"]  # no temp file left behind
    assert vault.practices() == ["alpha", "beta"]


def test_other_variables_in_the_file_are_kept(tmp_path):
    path = str(tmp_path / "vault.yml")
    with open(path, "wb") as handle:
        handle.write(VaultLib(SECRET).encrypt(yaml.safe_dump({"vault_mail_passwords": {"a": "Pw-1"}}), SECRET[0][1]))
    RefreshTokenVault(path, SECRET).store({"a": "rt-A"})
    assert decrypted(path) == {"vault_mail_passwords": {"a": "Pw-1"}, "vault_refresh_tokens": {"a": "rt-A"}}


@pytest.mark.parametrize("content, words", [(b"vault_refresh_tokens: {}\n", "not encrypted"), (None, "cannot decrypt")])
def test_a_file_it_cannot_trust_is_refused_and_left_alone(tmp_path, content, words):
    path = str(tmp_path / "tokens.yml")
    if content is None:
        other = VaultSecret(b"another password")
        content = VaultLib([("default", other)]).encrypt("vault_refresh_tokens: {}\n", other)
    with open(path, "wb") as handle:
        handle.write(content)
    with pytest.raises(VaultFileError, match=words):
        RefreshTokenVault(path, SECRET).store({"a": "rt-Secret-Token"})
    with open(path, "rb") as handle:
        assert handle.read() == content
