# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Do not lock the account: remember which secrets a server rejected, per practice, on the controller.

Providers lock a mailbox after repeated failed logins, so a secret that failed with
``auth_failed`` is not tried again until it changes (or ``retry_failed_secret``). What is
remembered is a fingerprint: HMAC-SHA256 of the practice, user name and secrets, under a
random key that is created on the controller (mode 0600) and never leaves it, so neither
the memory file nor any report can be turned back into a secret or compared across
controllers. The folder is ``MAILCONFIG_STATE_DIR``, else ``$XDG_STATE_HOME/mailconfig``,
else ``~/.local/state/mailconfig``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file
from ansible_collections.mailops.mailconfig.plugins.module_utils._declaration_spec import secret_values
from ansible_collections.mailops.mailconfig.plugins.module_utils._test_then_save import GUARD_STAGE
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import Attributes
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_lock import DirectoryLock

KEY_FILE = "secret-fingerprint.key"
MEMORY_FILE = "rejected-secrets.json"
REMEMBERED_PER_PRACTICE = 5  # the last few rejected secrets, so alternating between two wrong ones is caught too
_LOCK_SECONDS = 30
_PRIVATE = Attributes(None, None, 0o600)


def state_dir() -> str:
    """Where the key and the memory live on the controller."""
    if os.environ.get("MAILCONFIG_STATE_DIR"):
        return os.environ["MAILCONFIG_STATE_DIR"]
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "mailconfig")


class Guard:
    """The controller's memory of rejected secrets."""

    def __init__(self, folder: str | None = None) -> None:
        self.folder = folder or state_dir()

    def _path(self, name):
        return os.path.join(self.folder, name)

    def key(self) -> bytes:
        """The controller's HMAC key, created on first use (under the folder lock, so forks agree on one key)."""
        try:
            with open(self._path(KEY_FILE), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            pass
        os.makedirs(self.folder, mode=0o700, exist_ok=True)
        with DirectoryLock(self.folder, _LOCK_SECONDS):
            if not os.path.exists(self._path(KEY_FILE)):
                _atomic_file.write(self._path(KEY_FILE), os.urandom(32), _PRIVATE)
            with open(self._path(KEY_FILE), "rb") as handle:
                return handle.read()

    def fingerprint(self, practice: str, declaration: dict) -> str:
        """A keyed hash of what a login presents for ``practice``: user name and every secret."""
        material = json.dumps([practice, declaration.get("username") or declaration.get("address"),
                               declaration["auth"]["method"], secret_values(declaration)], ensure_ascii=False)
        return hmac.new(self.key(), material.encode("utf-8"), hashlib.sha256).hexdigest()

    def _memory(self) -> dict:
        try:
            with open(self._path(MEMORY_FILE), encoding="utf-8") as handle:
                return json.load(handle)
        except (FileNotFoundError, ValueError):
            return {}

    def rejected_at(self, practice: str, fingerprint: str) -> str | None:
        """When this fingerprint was rejected for ``practice``, or None."""
        for entry in self._memory().get(practice, ()):
            if hmac.compare_digest(entry["fingerprint"], fingerprint):
                return entry["at"]
        return None

    def _update(self, practice, change):
        os.makedirs(self.folder, mode=0o700, exist_ok=True)
        with DirectoryLock(self.folder, _LOCK_SECONDS):
            memory = self._memory()
            entries = change(memory.get(practice, []))
            if entries:
                memory[practice] = entries
            else:
                memory.pop(practice, None)
            _atomic_file.write(
                self._path(MEMORY_FILE), json.dumps(memory, indent=1, sort_keys=True).encode("utf-8"), _PRIVATE
            )

    def remember(self, practice: str, fingerprint: str) -> None:
        """Note that this secret was rejected with auth_failed."""
        at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        self._update(practice, lambda entries: ([e for e in entries if e["fingerprint"] != fingerprint]
                                                + [{"fingerprint": fingerprint, "at": at}])[-REMEMBERED_PER_PRACTICE:])

    def forget(self, practice: str, fingerprint: str) -> None:
        """This secret logged in: it is not a rejected one any more."""
        if self.rejected_at(practice, fingerprint):
            self._update(practice, lambda entries: [e for e in entries if e["fingerprint"] != fingerprint])


def guarded(result: dict) -> bool:
    """A login result in which the lockout guard stopped the test before any connection."""
    return (result.get("outgoing") or {}).get("stage") == GUARD_STAGE


def rejected(result: dict) -> bool:
    """A login result (mail_verify's shape) in which a server rejected the credentials."""
    return any(
        (result.get(side) or {}).get("code") == "auth_failed" and (result.get(side) or {}).get("stage") != GUARD_STAGE
        for side in ("outgoing", "incoming")
    )


def accepted(result: dict) -> bool:
    """A login result in which every enabled side logged in."""
    return bool(result.get("ok")) and (result.get("outgoing") or {}).get("status") == "ok"
