# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which application's rules (MC7xx) lint one file in ``mailconfig-lint``.

Each file gets its own: the ``mail_account_store`` beside the declaration in the same file; else
``--application``; else, with ``--inventory``, the store ansible-core resolves for the file's host;
else none is known, which the command says (``-v``) rather than guessing for the whole run.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, NamedTuple, Optional

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application

STORE_VARIABLE = "mail_account_store"


class Choice(NamedTuple):
    """The application for one file (None: no application rules apply) and where it came from, for ``-v``."""

    application: Optional[str]
    reason: str


def _known(application: Optional[str], where: str, none: str) -> Choice:
    if not application:
        return Choice(None, "application %s (%s)" % (none, where))
    if application not in _application.names():
        return Choice(None, "application unknown: '%s' has no profile in data/applications/ (%s)"
                      % (application, where))
    return Choice(application, "application %s (%s)" % (application, where))


def host_of(path: str) -> Optional[str]:
    """The host a host_vars file (``host_vars/NAME.yml`` or ``host_vars/NAME/*.yml``) belongs to, or None."""
    parts = os.path.abspath(path).split(os.sep)
    if len(parts) >= 2 and parts[-2] == "host_vars":
        return os.path.splitext(parts[-1])[0]
    if len(parts) >= 3 and parts[-3] == "host_vars":
        return parts[-2]
    return None


def _templated(store: Any) -> bool:
    """Whether the store's type or application is a Jinja template, which only Ansible (``--inventory``) resolves."""
    values = [store.get("type"), store.get("application")] if isinstance(store, dict) else [store]
    return any(isinstance(value, str) and ("{{" in value or "{%" in value) for value in values)


class FileApplication(NamedTuple):
    """What the run knows: ``--application`` and, with ``--inventory``, ``{host: HostApplication}``."""

    explicit: Optional[str] = None
    hosts: Optional[Mapping] = None

    def of(self, path: str, variables: Optional[Mapping]) -> Choice:
        """The application for ``path``, whose variables file (None: a bare declaration) is ``variables``."""
        store = variables.get(STORE_VARIABLE) if variables is not None else None
        if store is not None and not _templated(store):
            kind = store.get("type") if isinstance(store, dict) else None
            where = "%s in this file" % STORE_VARIABLE
            return _known(_application.of_store(store), where, "none: store type %s" % kind)
        if self.explicit:
            return _known(self.explicit, "--application", "none")
        if self.hosts is None:
            return Choice(None, "application unknown: %s in this file; --inventory or --application tells"
                          % ("no " + STORE_VARIABLE if store is None else "a templated " + STORE_VARIABLE))
        host = host_of(path)
        if host not in self.hosts:
            return Choice(None, "application unknown: no inventory host for this file "
                                "(only host_vars/HOST files have one)")
        found = self.hosts[host]
        return _known(found.application, "inventory host %s" % host, found.reason)
