"""mailconfig-lint on a whole inventory folder: files without a declaration are skipped, vault files recognised."""

import json
import os
import subprocess
import sys

from ansible.parsing.vault import VaultLib, VaultSecret

from tests.paths import REPO_ROOT

LINT = os.path.join(REPO_ROOT, "bin", "mailconfig-lint")
SECRET = "Inventory-Secret-3301"

HOST_VARS = """\
mail_account:
  schema_version: 1
  address: reception@smiles.example.co.uk
  provider: ionos_uk
  auth: {method: password, password: %s}
  sending: {rate_per_minute: 3}
""" % SECRET
# a group_vars file of secrets as ansible-vault encrypt_string writes them
VAULTED_VALUES = """\
vault_mail_passwords:
  smiles: !vault |
    $ANSIBLE_VAULT;1.1;AES256
    3961303966336631393661633738386565353061353765323366633762386434643734626433
"""


def run(*args):
    return subprocess.run([sys.executable, LINT, *args], capture_output=True, text=True, check=False, timeout=120)


def inventory(tmp_path):
    root = tmp_path / "inventory"
    for folder in ("host_vars", "group_vars/practices"):
        (root / folder).mkdir(parents=True)
    (root / "hosts.yml").write_text("practices:\n  hosts:\n    smiles:\n")
    (root / "group_vars" / "practices" / "main.yml").write_text(
        "ansible_connection: local\nmail_account_verify_timeout: 20\n"
    )
    (root / "group_vars" / "practices" / "secrets.yml").write_text(VAULTED_VALUES)
    vault = VaultLib([("default", VaultSecret(b"pw"))]).encrypt("vault_db_password: %s\n" % SECRET)
    (root / "group_vars" / "practices" / "vault.yml").write_bytes(vault)
    (root / "host_vars" / "smiles.yml").write_text(HOST_VARS)
    return root


def test_an_inventory_folder_checks_the_declarations_and_skips_the_rest(tmp_path):
    root = inventory(tmp_path)
    result = run(str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MC011" not in result.stdout and "MC002" not in result.stdout and " error " not in result.stdout
    assert "2 files checked: 0 errors" in result.stdout  # the host_vars file and the vault file
    assert "mailconfig-lint: 3 files skipped: no declaration and no variable 'mail_account'" in result.stderr
    assert "-v lists them" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_verbose_lists_the_skipped_files_and_says_when_they_hold_vault_values(tmp_path):
    root = inventory(tmp_path)
    lines = run("-v", str(root)).stderr.splitlines()
    skipped = "skipped: no declaration fields and no variable 'mail_account'"
    assert "%s: %s" % (root / "hosts.yml", skipped) in lines
    assert "%s: %s" % (root / "group_vars" / "practices" / "main.yml", skipped) in lines
    assert (
        "%s: %s (its !vault values are not decrypted)" % (root / "group_vars" / "practices" / "secrets.yml", skipped)
        in lines
    )


def test_a_vault_encrypted_file_is_named_as_such_in_every_format(tmp_path):
    vault = inventory(tmp_path) / "group_vars" / "practices" / "vault.yml"
    text = run(str(vault))
    assert text.returncode == 0
    assert "%s:1:1: info MC008: the file is encrypted with Ansible Vault" % vault in text.stdout, text.stdout
    assert "single value" not in text.stdout
    [finding] = json.loads(run("--format", "json", str(vault)).stdout)["findings"]
    assert (finding["code"], finding["severity"], finding["line"]) == ("MC008", "info", 1)


def test_the_example_inventory_lints_without_errors_about_its_non_declaration_files():
    result = run("-v", os.path.join(REPO_ROOT, "examples", "inventory"))
    for name in ("hosts.yml", "main.yml"):
        assert any(
            line.endswith(name + ": skipped: no declaration fields and no variable 'mail_account'")
            for line in result.stderr.splitlines()
        )
    assert "vault.yml:1:1: info MC008" in result.stdout
    assert not [line for line in result.stdout.splitlines() if "MC011" in line or "MC002" in line]
