# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a practice on a guided application stands: awaiting entry, entered, entered and verified.

Nobody but the person at the wizard can write its settings, so the report cannot say "written".
A practice is *awaiting entry* until its entry is recorded (``mail_account_entered``), then
*entered* (with that date), and *entered and verified* (with both dates) in a run whose check of
the declared settings passed; a failed check is reported as for any practice.
"""

from __future__ import annotations

import datetime
from typing import Any, Mapping, MutableMapping, Optional

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.report._setup_sheet import AWAITING

ENTERED_VARIABLE = "mail_account_entered"
DIAGNOSIS = "awaiting_entry"


def entered_date(value: Any) -> Optional[str]:
    """``mail_account_entered`` as ``YYYY-MM-DD`` (None when unset); ValueError naming the variable otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):  # YAML reads an unquoted 2026-12-01 as a date
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError("%s must be the day the settings were typed into the application, as YYYY-MM-DD (for example "
                         "2026-12-01); its value is not such a date" % ENTERED_VARIABLE) from None


def _verified(row: Mapping[str, Any]) -> bool:
    return row.get("outgoing") == "ok" and row.get("incoming") in ("ok", "skipped", "-")


def settle(row: MutableMapping[str, Any]) -> None:
    """Set a guided practice's outcome (and the diagnosis while it awaits entry) from its ``guided`` entry and checks."""
    guided = row["guided"]
    entered = guided.get("entered")
    if not entered:
        row["outcome"] = AWAITING
        if not row.get("diagnosis"):
            where = " (%s)" % guided["sheet"] if guided.get("sheet") else ""
            row["diagnosis"], row["hint"] = DIAGNOSIS, (
                "Type the values of the practice's setup sheet%s into %s's wizard, press Test Credentials, then record the day: "
                "%s: YYYY-MM-DD" % (where, guided.get("title") or guided["application"], ENTERED_VARIABLE))
        return
    if _verified(row) and not row.get("diagnosis"):
        row["outcome"] = "entered and verified (entered %s, verified %s)" % (entered, (row.get("checked") or "")[:10])
    elif "failed" in (row.get("outgoing"), row.get("incoming")):
        row["outcome"] = "entered %s, verification failed" % entered
    else:
        row["outcome"] = "entered %s, not verified in this run" % entered
