"""mailconfig-lint lints each file with its own application: its own store, --application, or the inventory's store."""

import os
import subprocess
import sys

from ansible.parsing.vault import VaultLib, VaultSecret

from tests.paths import REPO_ROOT

LINT = os.path.join(REPO_ROOT, "bin", "mailconfig-lint")
SECRET = "Imap-Secret-6612"
STORE_SECRET = "Db-Secret-4471"

# An IMAP practice: Open Dental cannot hold it (MC702), any other store can.
DECLARATION = """\
mail_account:
  schema_version: 1
  address: reception@smiles.example.co.uk
  provider: ionos_uk
  auth: {method: password, password: %s}
  incoming: {protocol: imap}
  sending: {rate_per_minute: 3}
""" % SECRET
OPENDENTAL_STORE = """\
mail_account_store:
  type: mysql
  application: %s
  host: 192.0.2.20
  user: mailconfig
  password: %s
  database: opendental
"""
SQLITE_STORE = "mail_account_store: {type: sqlite, path: /var/lib/practice-app/settings.db}\n"


def run(*args):
    return subprocess.run([sys.executable, LINT, *args], capture_output=True, text=True, check=False, timeout=120)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def mc7(output, path):
    return sorted(
        {
            line.split(" error ")[1].split(":")[0]
            for line in output.splitlines()
            if line.startswith(path + ":") and " error MC7" in line
        }
    )


def test_the_store_in_the_same_file_names_the_application_and_overrides_the_flag(tmp_path):
    dental = write(
        tmp_path / "host_vars" / "open-smiles.yml", OPENDENTAL_STORE % ("opendental", STORE_SECRET) + DECLARATION
    )
    sqlite = write(tmp_path / "host_vars" / "smiles.yml", SQLITE_STORE + DECLARATION)
    plain = run(str(tmp_path))
    assert mc7(plain.stdout, dental) == ["MC702"], plain.stdout
    assert mc7(plain.stdout, sqlite) == []
    # --application only speaks for files that name no store: the SQLite practice keeps its IMAP
    flagged = run("--application", "opendental", str(tmp_path))
    assert mc7(flagged.stdout, sqlite) == [], flagged.stdout
    assert mc7(flagged.stdout, dental) == ["MC702"]
    for output in (plain.stdout + plain.stderr, flagged.stdout + flagged.stderr):
        assert SECRET not in output and STORE_SECRET not in output


def test_application_applies_to_files_that_name_no_store(tmp_path):
    bare = write(tmp_path / "declarations" / "molars.yml", DECLARATION)
    assert mc7(run(bare).stdout, bare) == []
    assert mc7(run("--application", "opendental", bare).stdout, bare) == ["MC702"]


def test_verbose_says_which_application_each_file_got_and_when_it_is_unknown(tmp_path):
    dental = write(
        tmp_path / "host_vars" / "open-smiles.yml", OPENDENTAL_STORE % ("opendental", STORE_SECRET) + DECLARATION
    )
    sqlite = write(tmp_path / "host_vars" / "smiles.yml", SQLITE_STORE + DECLARATION)
    bare = write(tmp_path / "host_vars" / "molars.yml", DECLARATION)
    templated = write(
        tmp_path / "host_vars" / "canines.yml", OPENDENTAL_STORE % ("'{{ practice_app }}'", STORE_SECRET) + DECLARATION
    )
    result = run("-v", str(tmp_path))
    lines = result.stderr.splitlines()
    assert "%s: application opendental (mail_account_store in this file)" % dental in lines, result.stderr
    assert "%s: application none: store type sqlite (mail_account_store in this file)" % sqlite in lines
    assert (
        "%s: application unknown: no mail_account_store in this file; --inventory or --application tells" % bare
        in lines
    )
    assert (
        "%s: application unknown: a templated mail_account_store in this file; --inventory or --application tells"
        % templated
        in lines
    )
    assert SECRET not in result.stderr + result.stdout and STORE_SECRET not in result.stderr + result.stdout


def vault_encrypted(text):
    return VaultLib([("default", VaultSecret(b"inventory-vault-pw"))]).encrypt(text).decode()


def inventory(tmp_path):
    """Two groups: Open Dental practices (the application a template, resolved by Ansible) and SQLite ones; a vault file."""
    root = tmp_path / "inventory"
    write(root / "hosts.yml", "dental:\n  hosts:\n    open-smiles:\nsqlite:\n  hosts:\n    smiles:\n")
    write(
        root / "group_vars" / "dental" / "main.yml",
        "practice_app: opendental\n" + OPENDENTAL_STORE % ("'{{ practice_app }}'", "'{{ vault_db }}'"),
    )
    write(root / "group_vars" / "dental" / "vault.yml", vault_encrypted("vault_db: %s\n" % STORE_SECRET))
    write(root / "group_vars" / "sqlite.yml", SQLITE_STORE)
    return root


def test_inventory_gives_each_host_vars_file_its_hosts_application_without_decrypting(tmp_path):
    root = inventory(tmp_path)
    dental = write(root / "host_vars" / "open-smiles.yml", DECLARATION)
    sqlite = write(root / "host_vars" / "smiles.yml", DECLARATION)
    stranger = write(root / "host_vars" / "gone.yml", DECLARATION)
    result = run("-v", "--inventory", str(root), str(root / "host_vars"))
    assert mc7(result.stdout, dental) == ["MC702"], result.stdout + result.stderr
    assert mc7(result.stdout, sqlite) == [] and mc7(result.stdout, stranger) == []
    lines = result.stderr.splitlines()
    assert "%s: application opendental (inventory host open-smiles)" % dental in lines, result.stderr
    assert "%s: application none: store type sqlite (inventory host smiles)" % sqlite in lines
    assert any(line.startswith("%s: application unknown: no inventory host" % stranger) for line in lines)
    assert SECRET not in result.stdout + result.stderr and STORE_SECRET not in result.stdout + result.stderr


def test_application_still_wins_over_the_inventory_for_files_that_name_no_store(tmp_path):
    root = inventory(tmp_path)
    sqlite = write(root / "host_vars" / "smiles.yml", DECLARATION)
    assert mc7(run("--inventory", str(root), "--application", "opendental", sqlite).stdout, sqlite) == ["MC702"]


def test_an_inventory_that_does_not_exist_is_a_usage_error(tmp_path):
    bare = write(tmp_path / "molars.yml", DECLARATION)
    result = run("--inventory", str(tmp_path / "nowhere"), bare)
    assert result.returncode == 2
    assert result.stdout == "" and "--inventory %s: no such file or folder" % (tmp_path / "nowhere") in result.stderr
