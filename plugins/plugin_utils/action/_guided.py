# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The apply step of a practice on a guided application (EXACT): nothing written at the site, a setup sheet instead.

The application's storage is not public, so no module runs and no connection is made: the
controller writes the practice's setup sheet (Markdown and HTML, never a secret) into the
sheets folder and reports where the practice stands (awaiting entry, or entered on a date).
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._application import UnknownApplication, guided, of_store, profile
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report import _setup_sheet, _setup_sheet_files
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report._entry_state import entered_date

SHEETS_VARIABLE = "mail_account_sheets_dir"
DEFAULT_SHEETS = "setup-sheets"


def info(application: str, entered: Optional[str], sheet: Optional[str] = None) -> Dict[str, Any]:
    """What the fleet summary needs to know of a guided practice (no secret in it)."""
    title = profile(application)["title"]
    entry = {"application": application, "title": title, "entered": entered, "cannot_prove": _setup_sheet.cannot_prove(title)}
    if sheet:
        entry["sheet"] = sheet
    return entry


def apply(practice: str, application: str, normalised: Mapping[str, Any], state: str, entered: Any, folder: Any,
          dry: bool) -> Dict[str, Any]:
    """The apply step's result for one practice: its sheet written (unless ``dry``), or why not."""
    title = profile(application)["title"]
    if state != "present":
        return {"failed": True, "changed": False, "msg": "%s: %s keeps its mail settings where mailconfig cannot reach them, so there "
                "is nothing to %s; change them in %s's own wizard (the setup sheet lists them)" % (
                    practice, title, "remove" if state == "absent" else "restore", title)}
    try:
        day = entered_date(entered)
    except ValueError as exc:
        return {"failed": True, "changed": False, "msg": "%s: %s" % (practice, exc)}
    sheet = _setup_sheet.build(practice, application, normalised, day)
    try:
        changed, paths = _setup_sheet_files.write(str(folder or DEFAULT_SHEETS), sheet, dry)
    except OSError as exc:
        return {"failed": True, "changed": False, "msg": "%s: cannot write the setup sheet in %s (%s: %s); set %s to a folder you can write" % (
            practice, folder or DEFAULT_SHEETS, type(exc).__name__, exc.strerror or exc, SHEETS_VARIABLE)}
    verb = ("would write" if dry else "wrote") if changed else "unchanged:"
    return {"changed": changed, "outcome": sheet["status"], "provider": normalised.get("provider"), "sheet": paths,
            "guided": info(application, day, paths["markdown"]),
            "msg": "%s is set up by hand in %s: %s setup sheet %s (%s)" % (practice, title, verb, paths["markdown"], sheet["status"])}


def of_host(store: Any, entered: Any) -> Optional[Dict[str, Any]]:
    """A host's guided entry from its store and ``mail_account_entered``; None when its application is not guided.

    ValueError (naming the variable) for an entered value that is not a date.
    """
    try:
        application = of_store(store)
        if not guided(application):
            return None
    except UnknownApplication:  # the declaration's check reports it
        return None
    return info(application, entered_date(entered))
