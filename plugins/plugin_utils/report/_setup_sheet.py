# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A guided application's setup sheet: its wizard's screens in order, with the exact value for each step.

An application whose storage is not public (EXACT) is set up by a person typing into its own
wizard. The sheet is what they follow; it is built from the profile's ``wizard`` and one
normalised declaration, and it never holds a secret: a password step names the command that
shows it on the terminal instead. Markdown and HTML are two renderings of the same steps.
"""

from __future__ import annotations

import html
from typing import Any, Dict, List, Mapping, Optional

from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import SECRET_KEYS, canonical
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._sql_profile import matches
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import profile

SHOW_SECRET = "bin/mailconfig-sheet -i INVENTORY %s --show-secret"
AWAITING = "awaiting entry"
CANNOT_PROVE = ("The verification proves that the declared settings log in to the mail servers (from the controller or a jump "
                "host); it cannot prove that the values typed into %s match them: only %s's own Test Credentials button proves that.")


class SheetError(ValueError):
    """A profile whose wizard would put a secret on the sheet, or names a step kind this code does not know."""


def cannot_prove(title: str) -> str:
    """What a verification of the declared settings cannot prove for an application set up by hand."""
    short = title.split(" (")[0]
    return CANNOT_PROVE % (short, short)


def sign_in(wizard: Mapping[str, Any], provider: Optional[str]) -> str:
    """``oauth2`` when the application signs in to this provider with its own OAuth 2.0, else ``password``."""
    return "oauth2" if provider in (wizard.get("oauth2_sign_in") or {}) else "password"


def _values(normalised: Mapping[str, Any], wizard: Mapping[str, Any]) -> Dict[str, Any]:
    values = canonical(normalised)
    values.update(provider=normalised.get("provider"), sign_in=sign_in(wizard, normalised.get("provider")))
    values["practice.update_contact_email"] = bool((normalised.get("practice") or {}).get("update_contact_email"))
    return values


def _step(step: Mapping[str, Any], values: Mapping[str, Any], wizard: Mapping[str, Any], practice: str) -> Dict[str, str]:
    """One row of the sheet: what to do at the field or button, and the value (never a secret's)."""
    note = step.get("note") or ""
    if "press" in step:
        expect = " and expect \"%s\"" % step["expect"] if step.get("expect") else ""
        return {"field": step["press"], "do": "press", "value": "", "note": ("Press it%s. %s" % (expect, note)).strip()}
    if "setting" in step:
        if step["setting"] in SECRET_KEYS:
            raise SheetError("the wizard step %r would put the secret %s on the sheet; use `secret:`" % (step["field"], step["setting"]))
        value = values.get(step["setting"])
        return {"field": step["field"], "do": "type", "value": "" if value is None else str(value), "note": note}
    if "secret" in step:
        return {"field": step["field"], "do": "type the password", "value": "",
                "note": ("Not on this sheet: `%s` shows it on your terminal. %s" % (SHOW_SECRET % practice, note)).strip()}
    if "tick" in step:
        return {"field": step["field"], "do": "tick" if matches(step["tick"], values) else "leave clear", "value": "", "note": note}
    if "answer" in step:
        return {"field": step["field"], "do": "answer", "value": "Yes" if matches(step["answer"], values) else "No", "note": note}
    if "sign_in" in step:
        return {"field": step["field"], "do": "choose", "value": wizard["oauth2_sign_in"][values["provider"]], "note": note}
    raise SheetError("the wizard step %r has no kind this code knows (press, setting, secret, tick, answer, sign_in)" % (step,))


def build(practice: str, application: str, normalised: Mapping[str, Any], entered: Optional[str] = None) -> Dict[str, Any]:
    """The sheet of one practice as plain data: screens with their steps, its status and what a check cannot prove."""
    data = profile(application)
    wizard = data["wizard"]
    values = _values(normalised, wizard)
    screens = []
    for screen in wizard["screens"]:
        steps = [_step(step, values, wizard, practice) for step in screen["steps"] if matches(step.get("when"), values)]
        screens.append({"title": screen["title"], "steps": steps})
    return {"practice": practice, "application": application, "title": data["title"], "where": wizard["where"],
            "address": normalised["address"], "provider": normalised.get("provider") or "", "sign_in": values["sign_in"],
            "status": "entered %s" % entered if entered else AWAITING, "entered": entered, "screens": screens,
            "cannot_prove": cannot_prove(data["title"])}


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_value(text: str) -> str:
    return "`%s`" % text.replace("`", "'") if text else ""


def _after(sheet: Mapping[str, Any]) -> List[str]:
    """The closing paragraphs: how to record the entry, and what verification proves."""
    return ["When the wizard said \"Test Successful\" and Finish is done, record the entry for this practice "
            "(host variable `mail_account_entered: YYYY-MM-DD`, the day it was typed in) and run the verify playbook "
            "with `-e mail_account_verify_from=controller`: the summary then shows it as *entered and verified*.",
            sheet["cannot_prove"]]


def markdown(sheet: Mapping[str, Any]) -> str:
    """The sheet as Markdown, for a ticket or a printout."""
    lines = ["# Mail setup sheet: %s" % sheet["practice"], "",
             "- Application: %s, wizard **%s**" % (sheet["title"], sheet["where"]),
             "- Practice address: `%s` (provider `%s`)" % (sheet["address"], sheet["provider"]),
             "- Status: %s" % sheet["status"], "",
             "Follow the screens in order and type each value exactly as shown.", ""]
    number = 0
    for index, screen in enumerate(sheet["screens"], 1):
        lines += ["## %d. %s" % (index, screen["title"]), "", "| # | Field or button | Do | Value | Note |", "|---|---|---|---|---|"]
        for step in screen["steps"]:
            number += 1
            lines.append(
                "| %d | %s | %s | %s | %s |"
                % (
                    number,
                    _md_cell(step["field"]),
                    step["do"],
                    _md_cell(_md_value(step["value"])),
                    _md_cell(step["note"]),
                )
            )
        lines.append("")
    lines += ["## After the wizard", ""]
    for paragraph in _after(sheet):
        lines += [paragraph, ""]
    return "\n".join(lines)


_STYLE = ("body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:60em}"
          "table{border-collapse:collapse;width:100%;margin-bottom:1em}th,td{border:1px solid #ccc;padding:.3em .5em;"
          "text-align:left;vertical-align:top}th{background:#f0f0f0}code{font-size:1.1em;background:#f4f4f4;padding:0 .2em}")


def _html_text(text: str) -> str:
    """Escaped text with `code` spans kept as code."""
    parts = html.escape(text, quote=True).split("`")
    return "".join(part if i % 2 == 0 else "<code>%s</code>" % part for i, part in enumerate(parts))


def page(sheet: Mapping[str, Any]) -> str:
    """The sheet as one self-contained HTML page."""
    escape = html.escape
    out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
           "<title>Mail setup sheet: %s</title><style>%s</style></head><body>" % (escape(sheet["practice"]), _STYLE),
           "<h1>Mail setup sheet: %s</h1>" % escape(sheet["practice"]),
           "<ul><li>Application: %s, wizard <strong>%s</strong></li>" % (escape(sheet["title"]), escape(sheet["where"])),
           "<li>Practice address: <code>%s</code> (provider <code>%s</code>)</li>" % (escape(sheet["address"]), escape(sheet["provider"])),
           "<li>Status: %s</li></ul>" % escape(sheet["status"]),
           "<p>Follow the screens in order and type each value exactly as shown.</p>"]
    number = 0
    for index, screen in enumerate(sheet["screens"], 1):
        out.append("<h2>%d. %s</h2><table><tr><th>#</th><th>Field or button</th><th>Do</th><th>Value</th><th>Note</th></tr>"
                   % (index, escape(screen["title"])))
        for step in screen["steps"]:
            number += 1
            value = "<code>%s</code>" % escape(step["value"]) if step["value"] else ""
            out.append("<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                number, escape(step["field"]), escape(step["do"]), value, _html_text(step["note"])))
        out.append("</table>")
    out.append("<h2>After the wizard</h2>")
    out += ["<p>%s</p>" % _html_text(paragraph) for paragraph in _after(sheet)]
    out.append("</body></html>")
    return "\n".join(out) + "\n"
