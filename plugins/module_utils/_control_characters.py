# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Control characters no declared value may hold: C0, DEL, NEL and the Unicode line and paragraph separators.

A CR or LF inside a user name or a recipient ends the command it travels in and starts
another (``\\r\\nDELE 1``); NUL, NEL (U+0085) and U+2028/U+2029 break lines for some
readers too. The linter refuses them in every text field, the modules in every option
that reaches a server, and the probes in every line they send.
"""

import re
from typing import Any, Dict, Iterator, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils._leaves import leaves

_CONTROL = re.compile(u"[\x00-\x1f\x7f\x85\u2028\u2029]")


def first_control_character(text: Any) -> Optional[str]:
    """``U+000D``-style name of the first control character in ``text``, or None."""
    match = _CONTROL.search(text) if isinstance(text, str) else None
    return "U+%04X" % ord(match.group(0)) if match else None


def control_character_fields(value: Any, path: str = "") -> Iterator[Tuple[str, str]]:
    """``(dotted path, character name)`` for every string in ``value`` (nested dicts and lists) holding one."""
    for where, leaf in leaves(value, path):
        found = first_control_character(leaf)
        if found is not None:
            yield where, found


class ControlCharacterError(ValueError):
    """A module option bound for the wire holds a control character; the message names the option, never the value."""


def refuse_control_characters(options: Dict[str, Any]) -> None:
    """Raise ControlCharacterError for the first option (dotted path) in ``options`` holding a control character."""
    for path, found in control_character_fields(options):
        raise ControlCharacterError("%s contains the control character %s; refusing to send it to a server (it could "
                                    "inject a command). Remove the character." % (path, found))
