"""An inventory of Microsoft 365 practices still on passwords, and the identity provider's people for them.

For the campaign tests and benchmarks/oauth_campaign: practice ``n`` has the address
``reception@practiceNNNN.example.test`` (its domain is its tenant), a host_vars file with
comments, and its password in a vault-encrypted group_vars file. Every tenth practice
varies: Open Dental (its own sign-in), OpenEMR (cannot move), a declaration kept in
hosts.yml (no host_vars file: the change is printed), and a Gmail practice the campaign
must not list. With the suite's servers (``servers``), the declarations point at its
Dovecot's submission listener and each practice's SQLite store lives under ``sites``,
so that site.yml tests and saves the moved practices for real.
"""

import os
import sys

import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

from tests.paths import REPO_ROOT

PASSWORD_FORMAT = "Pw-%04d-never-printed"
VAULT_PASSWORD = "campaign-vault-pass-1"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"

HOST_VARS = """\
---
# {name}: a dental practice on Microsoft 365. Comment kept by the campaign.
mail_account:
  schema_version: 1
  address: {address}   # the mailbox patients see
  provider: office365
  auth:
    method: password
    password: "{{{{ vault_mail_passwords['{name}'] }}}}"   # retiring
  outgoing:
    host: 127.0.0.1
    port: {port}
    security: starttls
  sending:
    rate_per_minute: 3
{store}"""

STORES = {
    "sqlite": "",
    "opendental": "mail_account_store:\n  type: mysql\n  application: opendental\n  host: 192.0.2.20\n  database: od\n",
    "openemr": "mail_account_store:\n  type: mysql\n  application: openemr\n  host: 192.0.2.21\n  database: emr\n",
}


def name(number):
    return "practice%04d" % number


def address(number):
    return "reception@%s.example.test" % name(number)


def kind(number):
    """What practice ``number`` is: sqlite, opendental, openemr, inline (in hosts.yml) or gmail."""
    return {3: "opendental", 5: "openemr", 7: "inline", 9: "gmail"}.get(number % 10, "sqlite")


def _vault(secrets_map):
    secret = VaultSecret(VAULT_PASSWORD.encode())
    return VaultLib([("default", secret)]).encrypt(yaml.safe_dump(secrets_map), secret).decode()


def write(folder, count, endpoints, servers=None, sites=None):
    """The inventory folder for ``count`` practices; ``endpoints``: overrides pointing at the identity provider.

    ``servers``: the suite's state (Dovecot's port, the CA); ``sites``: the folder of the SQLite stores.
    """
    port = servers["ports"]["submission"] if servers else 587
    inventory = os.path.join(str(folder), "inventory")
    for sub in ("host_vars", "group_vars/all"):
        os.makedirs(os.path.join(inventory, sub), exist_ok=True)
    hosts = {}
    for number in range(count):
        practice, what = name(number), kind(number)
        hosts[practice] = None
        if what == "inline":
            hosts[practice] = {
                "mail_account": {
                    "schema_version": 1,
                    "address": address(number),
                    "provider": "office365",
                    "auth": {"method": "password", "password": "{{ vault_mail_passwords['%s'] }}" % practice},
                    "outgoing": {"host": "127.0.0.1", "port": port, "security": "starttls"},
                }
            }
            continue
        store = STORES.get(what, "")
        if sites and what == "sqlite":
            os.makedirs(os.path.join(str(sites), practice), exist_ok=True)
            store = "mail_account_store:\n  type: sqlite\n  path: %s\n  create: true\n" % os.path.join(
                str(sites), practice, "settings.db"
            )
        text = HOST_VARS.format(name=practice, address=address(number), store=store, port=port)
        if what == "gmail":
            text = text.replace("provider: office365", "provider: gmail")
        with open(os.path.join(inventory, "host_vars", practice + ".yml"), "w", encoding="utf-8") as handle:
            handle.write(text)
    with open(os.path.join(inventory, "hosts.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump({"all": {"children": {"practices": {"hosts": hosts}}}}, handle)
    registration = {"office365": dict(endpoints, client_id=CLIENT_ID)}
    group_vars = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "mailconfig_oauth_clients": registration,
    }
    if servers:
        group_vars.update(mail_account_verify_ca_path=servers["ca"], mail_account_serial=["100%"])
    with open(os.path.join(inventory, "group_vars", "all", "main.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(group_vars, handle)
    with open(os.path.join(inventory, "group_vars", "all", "vault.yml"), "w", encoding="utf-8") as handle:
        handle.write(_vault({"vault_mail_passwords": {name(n): PASSWORD_FORMAT % n for n in range(count)}}))
    password_file = os.path.join(str(folder), "vault-password")
    with open(password_file, "w", encoding="utf-8") as handle:
        handle.write(VAULT_PASSWORD + "\n")
    return inventory, password_file


def add_people(provider, count, polls=3, outcomes=None):
    """Register the person of each practice with ``provider``: signs in after ``polls`` polls, or ``outcomes[n]``."""
    provider.public_clients.add(CLIENT_ID)
    for number in range(count):
        provider.add_person(address(number), outcome=(outcomes or {}).get(number, "ok"), polls=polls)


def passwords(count):
    return [PASSWORD_FORMAT % number for number in range(count)]


def campaign_command(inventory, password_file, ca, *args):
    """``bin/mailconfig-oauth campaign`` over a written fleet, as an MSP runs it."""
    return [sys.executable, os.path.join(REPO_ROOT, "bin", "mailconfig-oauth"), "campaign", "-i", inventory,
            "--vault-password-file", password_file, "--ca-path", ca] + list(args)
