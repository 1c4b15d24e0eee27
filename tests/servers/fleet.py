"""An inventory of many practices on the test Dovecot: one host per virtual user.

Used by the batch verification tests and benchmarks/verify. Hosts run with the local
connection; ``overrides`` replaces a practice's declaration (a wrong password, a
black-hole server) by number.
"""

import os
import sys

import yaml

from tests.servers import declarations

OUTGOING, INCOMING = ("submission", "starttls"), ("imaps", "tls")


def name(number):
    return "practice%04d" % number


def write(folder, state, count, overrides=None, extra_vars=None, host_vars=None):
    """Write ``folder``/inventory/hosts.yml for ``count`` practices; return the inventory folder.

    ``extra_vars`` go to every practice (group variables), ``host_vars`` (number -> variables) to one.
    """
    overrides = overrides or {}
    hosts = {}
    for number in range(count):
        declaration = overrides.get(number) or declarations.virtual(state, number, outgoing=OUTGOING, incoming=INCOMING)
        hosts[name(number)] = dict((host_vars or {}).get(number, {}), mail_account=declaration)
    group_vars = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                  "mail_account_verify_ca_path": state["ca"]}
    group_vars.update(extra_vars or {})
    inventory = os.path.join(str(folder), "inventory")
    os.makedirs(inventory, exist_ok=True)
    with open(os.path.join(inventory, "hosts.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(
            {"all": {"children": {"practices": {"hosts": hosts, "vars": group_vars}}}}, handle, allow_unicode=True
        )
    return inventory


def passwords(state, count):
    """Every virtual practice's password, to search outputs for."""
    return [state["virtual_users"]["password"] % number for number in range(count)]
