# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read once in the ansible-playbook process what every worker would otherwise read again.

Ansible runs a task's action plugin in a worker forked for each host, and its strategies load
the plugin's class in the ansible-playbook process first (to see whether it bypasses the host
loop). What the plugin's module reads when it is imported there is inherited by every worker;
what a worker reads ends with it. A declaration check reads the provider catalogue, every
application profile (lint names their codes), the profile's password cipher and the compiled
schema: read in each worker, that was most of a check's time (docs/performance.md).
"""

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._cipher import cipher_class
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application, _schema


def read_shared_data() -> None:
    """Fill the caches of what every declaration check reads (each is read from disk once per process).

    A file that does not read is left for each host's check to report, as it did before (an error here would stop
    the whole run when Ansible loads the plugin); the other steps still run."""
    for step in (_catalogue.providers, _profiles_and_ciphers, _schema.fast_check):
        try:
            step()
        except Exception:  # pylint: disable=broad-except  # see above; a cache keeps nothing of a failed read
            continue


def _profiles_and_ciphers() -> None:
    for name in _application.names():
        profile = _application.profile(name)
        if profile.get("cipher"):
            cipher_class(profile["cipher"])  # imports the cipher's module: lint sizes a password through it
