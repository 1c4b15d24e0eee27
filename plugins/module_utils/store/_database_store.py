# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every store that writes an application's database shares, whatever its engine.

The default port, the read's connection kept for the apply (``_kept_connection``), how the
result and ``--diff`` name the store, and where its row backups live. An engine's store
(``_mysql``, ``_postgresql``) adds its connection and its transaction.
"""

from typing import Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _row_backups
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._base import Store, StoreError
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._kept_connection import KeptConnection


class DatabaseStore(Store):
    """A ``Store`` on a database server: subclasses set ``PORT`` and the options ``summary`` names."""

    PORT = 0  # store.port when none is given
    SUMMARY: Tuple[str, ...] = ("host", "port", "database")  # the options the result's ``store`` shows

    def __init__(self, options: dict) -> None:
        super().__init__(dict(options, port=options.get("port") or self.PORT))
        self._idle = KeptConnection()

    def close(self) -> None:
        self._idle.close()

    def summary(self) -> dict:
        shown = dict((key, self.options.get(key)) for key in self.SUMMARY)
        return dict(type=self.NAME, application=self.options.get("application"), **shown)

    def server(self) -> str:
        """The server as messages name it: ``host:port``, or the path of its local socket."""
        return self.options.get("unix_socket") or "%s:%s" % (self.options.get("host"), self.options.get("port"))

    def diff_header(self) -> str:
        return "%s (%s)" % (self.location, self.options.get("application"))

    def read_seconds(self) -> float:
        """How long one connection may wait for the server in all (``_read_budget``): the handshake, one lock
        wait and the statements each fit, with one connect timeout to spare; a server that drips does not."""
        return self.options["lock_timeout"] + 3 * self.options["connect_timeout"]

    def backup_folder(self) -> str:
        """Where this store's row backups live, on the host that runs the module."""
        return _row_backups.folder(self.options.get("backup_dir"))

    def prune_backups(self, backup_file: str, keep: int) -> None:
        """Delete all but the newest ``keep`` row backups of this store's account (0 keeps all)."""
        del backup_file  # one of them: the prefix names them all
        _row_backups.prune(self._backups(), keep)

    def _backups(self) -> list:
        """This store's row backups, oldest first (``backup_prefix`` names them)."""
        return _row_backups.found(self.backup_folder(), self.backup_prefix())

    def backup_prefix(self) -> str:
        """The start of this store's row backup names (server, database, which account): each engine's own."""
        raise NotImplementedError

    def _profile(self) -> dict:
        """The application profile the action plugin put in ``store.profile``."""
        profile = self.options.get("profile")
        if not profile:
            raise StoreError(self.KIND, self.location, "store.profile is missing: the mail_account action plugin fills "
                             "it in from data/applications/%s.yml" % self.options.get("application"))
        return profile
