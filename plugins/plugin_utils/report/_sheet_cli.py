# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``mailconfig-sheet`` command: a guided practice's setup sheet, and its password on the terminal when asked.

    mailconfig-sheet -i INVENTORY PRACTICE                 the sheet as Markdown on stdout (never a secret)
    mailconfig-sheet -i INVENTORY PRACTICE --show-secret   the password, written to the terminal only

The inventory is read with ansible-core as ansible-playbook reads it; the vault is opened with
the usual --vault-id, --vault-password-file or --ask-vault-pass (and ansible.cfg's defaults).
--show-secret is the one place mailconfig shows a secret on purpose: it writes to the
controlling terminal (/dev/tty), never to stdout, a file, an argument or the environment, and
refuses without a terminal. Exit status: 0 done, 1 the declaration has errors, 2 usage error,
an unknown practice, a practice that is not on a guided application, or no terminal.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Optional, Sequence, TextIO, Tuple

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import (
    UnknownApplication,
    guided,
    of_store,
    profile,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import Context, check
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _setup_sheet
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report._entry_state import (
    ENTERED_VARIABLE,
    entered_date,
)

TERMINAL = "/dev/tty"


class Refused(Exception):
    """A request this command turns down; the message says why and what to do."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailconfig-sheet", description=__doc__.splitlines()[0])
    parser.add_argument("practice", metavar="PRACTICE", help="the practice's inventory host name")
    parser.add_argument(
        "-i", "--inventory", action="append", required=True, help="inventory source (as ansible-playbook takes it)"
    )
    parser.add_argument("--show-secret", action="store_true",
                        help="write the password to type into the wizard on this terminal (never to stdout or a file)")
    parser.add_argument("--vault-id", action="append", default=[], help="vault identity, as ansible-playbook takes it")
    parser.add_argument("--vault-password-file", action="append", default=[], help="vault password file")
    parser.add_argument("-J", "--ask-vault-pass", action="store_true", help="ask for the vault password")
    return parser


def _host_variables(options: argparse.Namespace) -> Tuple[Any, Any]:
    """``(variables, templar)`` of the practice, its vault opened as the options say."""
    # Imported here: ansible-core is needed by this command only, not by the modules that import this package.
    from ansible.cli import CLI  # pylint: disable=import-outside-toplevel
    from ansible.inventory.manager import InventoryManager  # pylint: disable=import-outside-toplevel
    from ansible.parsing.dataloader import DataLoader  # pylint: disable=import-outside-toplevel
    from ansible.template import Templar  # pylint: disable=import-outside-toplevel
    from ansible.vars.manager import VariableManager  # pylint: disable=import-outside-toplevel

    loader = DataLoader()
    loader.set_vault_secrets(CLI.setup_vault_secrets(loader, list(options.vault_id), list(options.vault_password_file),
                                                     options.ask_vault_pass, auto_prompt=False))
    inventory = InventoryManager(loader=loader, sources=options.inventory)
    host = inventory.get_host(options.practice)
    if host is None:
        raise Refused("no practice %r in %s" % (options.practice, ", ".join(options.inventory)))
    variables = VariableManager(loader=loader, inventory=inventory).get_vars(host=host)
    return variables, Templar(loader=loader, variables=variables)


def _resolved(variables: Any, templar: Any, name: str, practice: str) -> Any:
    from ansible.errors import AnsibleError  # pylint: disable=import-outside-toplevel
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.action._ansible_data import to_plain
    try:
        return to_plain(templar.template(variables.get(name)))
    except AnsibleError:  # never quote the error: a failing template may show the value it was given
        raise Refused(
            "%s: %s cannot be resolved (an undefined variable, a missing vault password or a failing template); "
            "check it with ansible-inventory --host %s --vars" % (practice, name, practice)
        ) from None


def _checked(options: argparse.Namespace) -> Tuple[str, dict, Optional[str]]:
    """``(application, normalised declaration, entered day)`` of a practice on a guided application."""
    variables, templar = _host_variables(options)
    practice = options.practice
    store = _resolved(variables, templar, "mail_account_store", practice)
    try:
        application = of_store(store)
        if not guided(application):
            raise Refused(
                "%s is not on a guided application (its mail_account_store is not type: guided): the rollout writes "
                "its "
                "settings itself, and no one types them" % practice
            )
    except UnknownApplication as exc:
        raise Refused("%s: %s" % (practice, exc)) from None
    declaration = _resolved(variables, templar, "mail_account", practice)
    checked = check(declaration, context=Context(application=application))
    if checked.normalised is None:
        raise ValueError("\n".join(f.text() for f in checked.findings if f.severity == "error"))
    try:
        entered = entered_date(_resolved(variables, templar, ENTERED_VARIABLE, practice))
    except ValueError as exc:
        raise Refused("%s: %s" % (practice, exc)) from None
    return application, checked.normalised, entered


def _show_secret(practice: str, application: str, normalised: dict, terminal: Optional[TextIO]) -> None:
    wizard = profile(application)["wizard"]
    if _setup_sheet.sign_in(wizard, normalised.get("provider")) == "oauth2":
        raise Refused("%s signs in with %s in the wizard: there is no password to type" % (
            practice, wizard["oauth2_sign_in"][normalised["provider"]]))
    password = (normalised.get("auth") or {}).get("password")
    if not password:
        raise Refused("%s declares no password" % practice)
    if terminal is None:
        raise Refused("--show-secret writes only to a terminal, and this process has none (%s cannot be opened); "
                      "run it in an interactive shell" % TERMINAL)
    terminal.write(
        "Password for %s (%s): %s\n" % (normalised.get("username") or normalised["address"], practice, password)
    )
    terminal.flush()


def _open_terminal() -> Optional[TextIO]:
    try:
        return open(TERMINAL, "w", encoding="utf-8")  # pylint: disable=consider-using-with
    except OSError:
        return None


def main(argv: Optional[Sequence[str]] = None, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    options = _parser().parse_args(argv)
    try:
        application, normalised, entered = _checked(options)
        if options.show_secret:
            terminal = _open_terminal()
            try:
                _show_secret(options.practice, application, normalised, terminal)
            finally:
                if terminal is not None:
                    terminal.close()
        else:
            stdout.write(_setup_sheet.markdown(_setup_sheet.build(options.practice, application, normalised, entered)))
    except Refused as exc:
        stderr.write("mailconfig-sheet: %s\n" % exc)
        return 2
    except ValueError as exc:
        stderr.write("mailconfig-sheet: %s's declaration has errors:\n%s\n" % (options.practice, exc))
        return 1
    # ansible-core's own errors (an unreadable inventory)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        stderr.write(
            "mailconfig-sheet: %s: %s\n"
            % (type(exc).__name__, getattr(exc, "message", None) or "see ansible-inventory")
        )
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
