"""playbooks/validate.yml as a new user runs it: from an installed collection, on the example inventory,
and on an inventory where one host's declaration names an undefined variable."""

import os
import re
import subprocess

from tests.conftest import ROOT

NEWEST_BIN = os.path.join(ROOT, ".venv", "bin")

VAULT_SECRETS = ("Smiles-App-Pass", "vault_mail_passwords['")  # no decrypted value or raw vault text in the output


def run_validate(collections, inventory, *extra):
    """The validate playbook through the newest ansible-core (.venv): before 2.19 a port templated from a variable, as
    the example inventory's are, arrives as text (README, "Dependencies")."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1")
    return subprocess.run(
        [os.path.join(NEWEST_BIN, "ansible-playbook"), "mailops.mailconfig.validate", "-i", str(inventory)]
        + list(extra),
        capture_output=True,
        text=True,
        env=env,
        cwd=str(collections),
        check=False,
        timeout=300,
    )


def test_the_installed_example_inventory_validates_on_its_own(installed_collection):
    home = installed_collection / "ansible_collections" / "mailops" / "mailconfig" / "examples"
    done = run_validate(
        installed_collection, home / "inventory", "--vault-password-file", str(home / "demo-vault-password"), "-v"
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    practices = len(os.listdir(str(home / "inventory" / "host_vars")))  # one declaration per practice
    assert '"msg": "%d declarations valid"' % practices in done.stdout, done.stdout[-3000:]


UNDEFINED = """\
mail_account:
  schema_version: 1
  address: reception@molars.example.co.uk
  provider: ionos_uk
  auth:
    method: password
    password: "{{ vault_molars_password }}"
"""

GOOD = """\
mail_account:
  schema_version: 1
  address: reception@smiles.example.co.uk
  provider: ionos_uk
  auth: {method: password, password: "Vault-Good-7781"}
  outgoing:
    port: 587
"""

BAD = GOOD.replace("port: 587", "port: 465\n    security: starttls")


def test_an_undefined_variable_is_a_finding_for_its_host_and_every_other_host_is_checked(playbook):
    playbook.write("inv/host_vars/molars.yml", UNDEFINED)
    playbook.write("inv/host_vars/smiles.yml", GOOD)
    playbook.write("inv/host_vars/canines.yml", BAD)
    hosts = playbook.write("inv/hosts.yml", "all:\n  hosts:\n    molars:\n    smiles:\n    canines:\n")
    done = playbook.run(os.path.join(ROOT, "playbooks", "validate.yml"), "-e", "mail_account_validate_strict=true",
                        inventory=os.path.dirname(hosts))
    assert done.returncode == 2, done.stdout[-3000:]
    assert (
        "fatal: [molars]" in done.stdout and "fatal: [canines]" in done.stdout and "fatal: [smiles]" not in done.stdout
    )
    assert ("molars.yml:7:15: auth.password error MC007: the variable 'vault_molars_password' is undefined, "
            "so mail_account.auth.password cannot be resolved") in done.stdout
    assert "hint: Define vault_molars_password for this host" in done.stdout
    assert re.search(
        r"canines.yml:7:[0-9]+: outgoing.port warning MC203", done.stdout
    )  # the next host was still checked
    assert "Vault-Good-7781" not in done.stdout
