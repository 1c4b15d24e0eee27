# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings: the one shape every check reports in (schema, lint, parse errors).

A finding carries where (file, line, column, field path), what (code, severity,
message) and how to fix it (hint). Messages are built by our own code and never
quote the value of a secret field.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

SEVERITIES = ("error", "warning", "info")


@dataclasses.dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    hint: str = ""
    path: str = ""
    file: str = ""
    line: int = 0
    column: int = 0
    deadline: tuple = ()  # (ISO date, provider key) of the provider change the finding is about (MC302, MC303)

    def located(self, file: str, marks: Optional[Mapping[str, Tuple[int, int]]]) -> Finding:
        """Return a copy placed at the line and column of its field path (which is then made safe to show)."""
        line, column = locate(marks, self.path)
        return dataclasses.replace(self, file=file, line=line, column=column, path=safe_path(self.path))

    def as_dict(self) -> Dict[str, Any]:
        """The finding as plain data; ``deadline`` ({date, provider}) only when the finding has one."""
        data = dataclasses.asdict(self)
        if self.deadline:
            data["deadline"] = dict(zip(("date", "provider"), self.deadline))
        else:
            del data["deadline"]
        return data

    def text(self) -> str:
        where = self.file or "<declaration>"
        if self.line:
            where = "%s:%d:%d" % (where, self.line, self.column)
        field = (" %s" % self.path) if self.path else ""
        hint = ("\n    hint: %s" % self.hint) if self.hint else ""
        return "%s:%s %s %s: %s%s" % (where, field, self.severity, self.code, self.message, hint)


SECRET_FIELDS = ("auth.password", "auth.oauth2.client_secret", "auth.oauth2.refresh_token")
_FIELD_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
# A Gmail, Yahoo or Apple app password is 16 letters; typed as a bare key, it parses as a field name.
_APP_PASSWORD = re.compile(r"[A-Za-z]{16}")
UNREADABLE_NAME = "<unreadable name>"


def _looks_secret(name):
    """An app password, or a name with the mixed case and digits
    of a generated secret rather than a snake_case field."""
    if _APP_PASSWORD.fullmatch(name):
        return True
    classes = sum(1 for test in (str.islower, str.isupper, str.isdigit) if any(test(c) for c in name))
    return len(name) >= 10 and classes >= 3 or len(name) >= 20 and "_" not in name and "-" not in name


def safe_name(name: Any) -> str:
    """``name`` if it looks like a field name, else a placeholder.

    A key such as ``password=Secr3t`` (a value typed into the key), or a bare app
    password typed as a key, would otherwise put the secret into the finding's path and message.
    """
    name = str(name)
    return name if _FIELD_NAME.fullmatch(name) and not _looks_secret(name) else UNREADABLE_NAME


def safe_path(path: str) -> str:
    return ".".join(safe_name(part) for part in path.split(".")) if path else path


def locate(marks: Optional[Mapping[str, Tuple[int, int]]], path: str) -> Tuple[int, int]:
    """Line and column of ``path`` (dotted, list items as numbers), or of its nearest parent."""
    if not marks:
        return 0, 0
    parts = path.split(".") if path else []
    while True:
        mark = marks.get(".".join(parts))
        if mark:
            return mark
        if not parts:
            return 0, 0
        parts.pop()


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
