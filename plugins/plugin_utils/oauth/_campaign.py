# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The move of a fleet from passwords to OAuth before Microsoft switches SMTP AUTH password login off.

``plan`` lists the practices whose provider turns password login off by default (the
catalogue's ``basic_auth`` ``default_off``: Microsoft 365, NHSmail) and that still use
``auth.method: password``, soonest date first, with what moving means for the application
that keeps the settings. ``Campaign.run`` signs the chosen ones in with the device code
flow, many at once, stores each refresh token in the vault file, then edits each
declaration; a re-run skips the moved ones and starts expired or declined ones afresh.

Order makes a crash harmless: a token is in the vault file before its declaration names
it, and a practice whose token is in the vault but whose declaration still says password
is finished without a new sign-in. Files are written behind the polls, so that the
practices still waiting are polled on time: a batch of tokens goes to the vault file
(one write, one batch at a time), then its declarations are edited, several files at
once (each write is synced to disk, and waiting for the disk is most of its time).
"""

from __future__ import annotations

import collections
import concurrent.futures
import os
import ssl
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._bounded_http import Connections
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth import _declaration_edit, _handout, _polling
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._codes import SignInError, admin_consent_url
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._device_flow import DeviceSignIn
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._endpoints import NoSignIn, endpoints, tenant_of
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._vault_file import RefreshTokenVault, reference

# What moving means, by the application that keeps the settings (docs/applications.md).
OUR_GRANT, OWN_SIGN_IN, CANNOT_MOVE = "our grant", "own sign-in", "cannot move"
OWN_SIGN_IN_APPLICATIONS = ("opendental", "odoo", "exact")
CANNOT_MOVE_APPLICATIONS = ("openemr",)
WHAT = {
    OUR_GRANT: "sign in once; the refresh token goes to the vault and the application gets our OAuth grant",
    OWN_SIGN_IN: "connect the account with the application's own Microsoft sign-in and set mail_account_apply: false; "
                 "our grant is kept only to verify the mailbox",
    CANNOT_MOVE: "the application cannot hold OAuth: ask the tenant admin to turn SMTP AUTH back on for this mailbox "
                 "until Microsoft's final removal, or send through an SMTP relay",
}
FLUSH_EVERY = 1.0  # seconds between vault writes while sign-ins finish
FILE_WRITERS = 8  # hand-outs and declarations written at once

Row = collections.namedtuple("Row", "practice provider date when application move address tenant")


def _application_of(store):
    return _application.of_store(store) or (
        str(store.get("application")) if isinstance(store, dict) and store.get("application") else None
    )


def _deadline(entry, declaration):
    """(date, when) of the soonest dated password-login change for the services the declaration uses."""
    services = ["smtp"]
    incoming = declaration.get("incoming")
    if isinstance(incoming, dict) and incoming.get("enabled", True) is not False:
        services.append(str(incoming.get("protocol", "imap")))
    plans = [(entry.get("basic_auth") or {}).get(service) for service in services]
    dated = sorted(
        (plan["date"], plan.get("when", plan["date"])) for plan in plans if plan and plan.get("status") == "default_off"
    )
    return dated[0] if dated else (None, None)


def plan(practices: Sequence) -> List[Row]:
    """The practices still on a password with a provider that turns password login off by default, soonest first."""
    rows = []
    for practice in practices:
        declaration = practice.declaration
        provider = str(declaration.get("provider", ""))
        if (declaration.get("auth") or {}).get("method") != "password":
            continue
        date, when = _deadline(_catalogue.provider(provider), declaration)
        if date is None:
            continue
        application = _application_of(practice.store)
        move = (
            CANNOT_MOVE
            if application in CANNOT_MOVE_APPLICATIONS
            else OWN_SIGN_IN
            if application in OWN_SIGN_IN_APPLICATIONS
            else OUR_GRANT
        )
        rows.append(
            Row(
                practice.name,
                provider,
                date,
                when,
                application or "(%s store)" % practice.store.get("type", "sqlite"),
                move,
                declaration.get("address", ""),
                tenant_of(declaration),
            )
        )
    return sorted(rows, key=lambda row: (row.date, row.practice))


class Campaign:
    """Sign-ins for chosen rows; ``say(line)`` reports progress (never a secret)."""

    def __init__(
        self,
        rows: Sequence[Row],
        practices: Dict[str, Any],
        inventory_dir: str,
        vault: RefreshTokenVault,
        context: ssl.SSLContext,
        handouts: str,
        say: Callable[[str], None],
        workers: int = _polling.DEFAULT_WORKERS,
        timeout: float = 15,
    ):
        self.rows, self.practices, self.inventory_dir, self.vault = list(rows), practices, inventory_dir, vault
        self.context, self.handouts, self.say, self.workers, self.timeout = context, handouts, say, workers, timeout
        self.outcomes: Dict[str, str] = {}
        self.manual: Dict[str, str] = {}
        self.errors: Dict[str, SignInError] = {}
        self._buffer: Dict[str, str] = {}
        self._last_flush = 0.0
        self._writes: List[concurrent.futures.Future] = []
        self._files: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._started: List = []
        self._rows = dict((row.practice, row) for row in self.rows)
        self._pending_starts = 0
        self.connections = Connections()  # kept open across polls: one TLS handshake per worker, not per request

    def _client(self, row):
        registration = self.practices[row.practice].registration.get(row.provider) or {}
        if not registration.get("client_id"):
            raise NoSignIn("no client_id for provider %s in mailconfig_oauth_clients" % row.provider)
        return registration

    def run(self) -> Dict[str, str]:
        """Sign in every movable row; practice -> outcome (moved, change by hand, declined, expired, failed, cannot
        move)."""
        stored = set(self.vault.practices())
        sign_ins = []
        for row in self.rows:
            if row.move == CANNOT_MOVE:
                self.outcomes[row.practice] = "cannot move"
                continue
            try:
                registration = self._client(row)
                if row.practice in stored:  # an earlier run stored the token and stopped before the declaration
                    self._finish(row)
                    continue
                where = endpoints(row.provider, row.tenant, registration)
                consent = admin_consent_url(where.authorize, registration["client_id"]) if where.authorize else None
                sign_in = DeviceSignIn(
                    row.practice,
                    where,
                    registration["client_id"],
                    self.context,
                    self.timeout,
                    consent,
                    self.connections,
                )
            except (NoSignIn, SignInError) as error:
                self.outcomes[row.practice] = "failed"
                self.say("%s: %s" % (row.practice, error))
                continue
            sign_ins.append(sign_in)
        self._pending_starts = len(sign_ins)
        writer = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="campaign-vault")
        self._files = concurrent.futures.ThreadPoolExecutor(
            max_workers=FILE_WRITERS, thread_name_prefix="campaign-files"
        )
        try:
            _polling.run(sign_ins, self.workers, lambda sign_in: self._on_step(sign_in, writer))
            for write in self._writes:
                write.result()  # a failed write (the vault file) ends the campaign with its error
            self._store(self._buffer)
        finally:
            self.connections.close()
            writer.shutdown(wait=True)
            self._files.shutdown(wait=True)
        return self.outcomes

    def _on_step(self, sign_in, writer):
        row = self._rows[sign_in.practice]
        if sign_in.state == "waiting" and sign_in.polls == 0:
            self._writes.append(self._files.submit(_handout.write_markdown, self.handouts, sign_in, row.address))
            self._started.append((sign_in, row.address))
            self.say(
                "%s: open %s and enter the code %s (sign in as %s; until %s)"
                % (
                    row.practice,
                    sign_in.verification_uri,
                    sign_in.user_code,
                    row.address,
                    time.strftime("%H:%M", time.localtime(sign_in.expires_at)),
                )
            )
        if sign_in.polls == 0:
            self._pending_starts -= 1
            if self._pending_starts == 0 and self._started:
                self._writes.append(self._files.submit(self._write_index))
        if sign_in.state == "signed_in":
            self._buffer[row.practice] = sign_in.grant.refresh_token
        elif sign_in.state == "failed":
            error = sign_in.error
            self.errors[row.practice] = error
            self.outcomes[row.practice] = {
                "oauth_sign_in_declined": "declined",
                "oauth_sign_in_expired": "expired",
            }.get(error.code, "failed")
            self.say("%s: %s %s. %s" % (row.practice, error.code, error.message, error.hint))
        self._write_behind(writer)

    def _write_index(self):
        self.say("hand-outs: %s" % _handout.write_html(self.handouts, self._started))

    def _write_behind(self, writer):
        """Hand the buffered tokens to the writer once it has written what it had and FLUSH_EVERY has passed."""
        for write in [write for write in self._writes if write.done()]:
            write.result()  # a failed write stops the polls here
            self._writes.remove(write)
        if self._buffer and not self._writes and time.monotonic() - self._last_flush >= FLUSH_EVERY:
            self._last_flush = time.monotonic()
            batch, self._buffer = self._buffer, {}
            self._writes.append(writer.submit(self._store, batch))

    def _store(self, tokens):
        """``tokens`` into the vault file (one write), then their declarations, several at once."""
        if tokens:
            self.vault.store(tokens)
            list(self._files.map(self._finish, [self._rows[practice] for practice in tokens]))

    def _finish(self, row):
        """Point the declaration at the stored token: edited in its host_vars file, or the change printed."""
        registration = self._client(row)
        client_id, token_reference = registration["client_id"], reference(row.practice, self.vault.variable)
        # a registration's own endpoint and scopes (a national cloud)
        overrides = {"scopes": registration.get("scopes")}
        if registration.get("token_endpoint"):
            overrides["token_endpoint"] = endpoints(row.provider, row.tenant, registration).token
        own_sign_in = row.move == OWN_SIGN_IN
        try:
            path = _declaration_edit.rewrite(self.inventory_dir, row.practice, row.tenant, client_id, token_reference,
                                             apply=False if own_sign_in else None, overrides=overrides)
        except _declaration_edit.EditError as error:
            self.say("%s: %s" % (row.practice, error))
            path = None
        if path:
            self.say(
                "%s: signed in; token stored; %s now declares auth.method oauth2"
                % (row.practice, os.path.relpath(path))
            )
        else:
            self.manual[row.practice] = _declaration_edit.change_text(row.tenant, client_id, token_reference, overrides)
            self.say("%s: signed in; token stored; its auth is not in a host_vars file: change it by hand to:\n%s" % (
                row.practice, self.manual[row.practice]))
        if own_sign_in:
            self.say("%s: %s" % (row.practice, WHAT[OWN_SIGN_IN]))
        self.outcomes[row.practice] = "moved" if path else "change by hand"


def playbook_command(inventory: str, practices: Sequence[str], vault_arguments: Sequence[str]) -> Optional[List[str]]:
    """The site.yml run that tests and saves the moved practices (None when none moved)."""
    if not practices:
        return None
    return [
        "ansible-playbook",
        "mailops.mailconfig.site",
        "-i",
        inventory,
        "--limit",
        ",".join(sorted(practices)),
    ] + list(vault_arguments)
