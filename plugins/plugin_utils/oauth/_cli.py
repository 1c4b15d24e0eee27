# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``mailconfig-oauth`` command: ``signin`` for one practice, ``campaign`` for the fleet.

Run on the MSP's workstation. Secrets come in only through Ansible's vault options
(never argv values or the environment) and leave only into the vault file: the output
names practices, pages, user codes, codes and hints.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import webbrowser
from typing import List, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.probe._transport import CAPathError, tls_context
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth import (
    _campaign,
    _inventory,
    _loopback_flow,
    _vault_file,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._codes import SignInError, admin_consent_url
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.oauth._endpoints import NoSignIn, endpoints, tenant_of

DEFAULT_VAULT_FILE = os.path.join("group_vars", "all", "vault_refresh_tokens.yml")


def _parser():
    parser = argparse.ArgumentParser(
        prog="mailconfig-oauth",
        description="Sign practices in to Microsoft 365 / Google once "
        "and keep their refresh tokens in an Ansible Vault file.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("signin", "sign one practice in"),
        ("campaign", "list, then move, the practices still on passwords"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("-i", "--inventory", required=True, help="the inventory (folder or file)")
        command.add_argument("--vault-id", action="append", default=[], help="as ansible-playbook's (label@source)")
        command.add_argument("--vault-password-file", action="append", default=[], help="as ansible-playbook's")
        command.add_argument("--ask-vault-pass", action="store_true")
        command.add_argument(
            "--vault-file", help="the refresh token file (default: <inventory>/%s)" % DEFAULT_VAULT_FILE
        )
        command.add_argument("--ca-path", help="CA bundle for the identity provider (default: the system's)")
        command.add_argument("--timeout", type=float, default=15, help="seconds for each request (default 15)")
    commands.choices["signin"].add_argument("--practice", required=True)
    commands.choices["signin"].add_argument("--flow", choices=("device", "loopback"), default="device")
    commands.choices["signin"].add_argument(
        "--wait", type=float, default=300, help="loopback: seconds to wait for the browser"
    )
    campaign = commands.choices["campaign"]
    campaign.add_argument(
        "--start", help="'all' or practice names, comma-separated: sign these in (default: list only)"
    )
    campaign.add_argument(
        "--handouts", help="folder for the hand-outs (default: ./mailconfig-handouts)", default="mailconfig-handouts"
    )
    campaign.add_argument("--workers", type=int, default=16, help="requests in flight at once (default 16)")
    campaign.add_argument("--run-playbook", action="store_true", help="run site.yml for the moved practices at the end")
    campaign.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _say(line):
    """One write per line: the campaign's writer thread reports too."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _listing(rows, as_json):
    if as_json:
        return json.dumps([dict(row._asdict(), what=_campaign.WHAT[row.move]) for row in rows], indent=1)
    lines = ["%d practice(s) on a password with a provider that switches password login off:" % len(rows)]
    lines += [
        "  %s  %-24s %-10s %-14s %s: %s"
        % (row.date, row.practice, row.provider, row.application, row.move, _campaign.WHAT[row.move])
        for row in rows
    ]
    return "\n".join(lines)


def _chosen(rows, start):
    if start == "all":
        return rows
    names = set(name.strip() for name in start.split(",") if name.strip())
    unknown = names - set(row.practice for row in rows)
    if unknown:
        raise NoSignIn("not in the list (moved already, or not on a password): %s" % ", ".join(sorted(unknown)))
    return [row for row in rows if row.practice in names]


def _signin_loopback(args, practice, vault, context):
    provider = str(practice.declaration.get("provider", ""))
    registration = practice.registration.get(provider) or {}
    if not registration.get("client_id"):
        raise NoSignIn("no client_id for provider %s in %s" % (provider, _inventory.CLIENTS_VARIABLE))
    tenant = tenant_of(practice.declaration) if provider != "gmail" else None
    where = endpoints(provider, tenant, registration)
    consent = admin_consent_url(where.authorize, registration["client_id"]) if tenant else None

    def open_browser(url):
        _say("opening the sign-in page in your browser; if it does not open, visit:\n%s" % url)
        webbrowser.open(url)

    grant = _loopback_flow.sign_in(
        where,
        registration["client_id"],
        context,
        open_browser,
        practice.declaration.get("address"),
        registration.get("client_secret"),
        args.wait,
        args.timeout,
        consent,
    )
    vault.store({practice.name: grant.refresh_token})
    _say(
        "%s: signed in; refresh token stored in %s as %s"
        % (practice.name, vault.path, _vault_file.reference(practice.name))
    )


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        secrets = _vault_file.secrets_from(args.vault_id, args.vault_password_file, args.ask_vault_pass)
        folder = _inventory.inventory_dir(args.inventory)
        vault = _vault_file.RefreshTokenVault(args.vault_file or os.path.join(folder, DEFAULT_VAULT_FILE), secrets)
        practices = dict((practice.name, practice) for practice in _inventory.practices(args.inventory, secrets))
        context = tls_context(args.ca_path)
        rows = _campaign.plan(practices.values())
        if args.command == "signin":
            if args.practice not in practices:
                raise NoSignIn("no practice %r with a mail_account in %s" % (args.practice, args.inventory))
            if args.flow == "loopback":
                _signin_loopback(args, practices[args.practice], vault, context)
                return 0
            rows = [row for row in rows if row.practice == args.practice]
            if not rows:
                raise NoSignIn(
                    "%s: not on a password with Microsoft 365 or NHSmail; use --flow loopback" % args.practice
                )
            handouts = os.path.join(os.getcwd(), "mailconfig-handouts")
        else:
            if not args.start:
                _say(_listing(rows, args.format == "json"))
                return 0
            rows = _chosen(rows, args.start)
            handouts = args.handouts
        campaign = _campaign.Campaign(rows, practices, folder, vault, context, handouts, _say,
                                      getattr(args, "workers", 1), args.timeout)
        outcomes = campaign.run()
    except (NoSignIn, SignInError, _vault_file.VaultFileError, CAPathError) as error:
        print("mailconfig-oauth: %s" % error, file=sys.stderr)
        return 2
    except Exception as error:  # pylint: disable=broad-except
        # ansible's own errors: name them, no traceback
        if type(error).__module__.startswith("ansible"):
            print("mailconfig-oauth: %s: %s" % (type(error).__name__, str(error).splitlines()[0]), file=sys.stderr)
            return 2
        raise
    counts = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    _say("outcome: " + ", ".join("%d %s" % (count, outcome) for outcome, count in sorted(counts.items())))
    moved = [practice for practice, outcome in outcomes.items() if outcome == "moved"]
    command = _campaign.playbook_command(
        args.inventory, moved, _vault_file.secret_label(args.vault_id, args.vault_password_file, args.ask_vault_pass)
    )
    finished = ("moved", "cannot move", "change by hand")
    status = 0 if all(outcome in finished for outcome in outcomes.values()) else 1
    if command:
        _say("test and save the moved practices with:\n  " + " ".join(command))
        if getattr(args, "run_playbook", False):
            return _run_playbook(command) or status
    return status


def _run_playbook(command):
    """Run the printed site.yml command (ansible-playbook beside this Python first); its exit status."""
    beside = os.path.join(os.path.dirname(sys.executable), command[0])
    try:
        return subprocess.run(
            [beside if os.access(beside, os.X_OK) else command[0]] + command[1:], check=False
        ).returncode
    except OSError as error:
        print("mailconfig-oauth: cannot run %s: %s" % (command[0], error.strerror), file=sys.stderr)
        return 2
