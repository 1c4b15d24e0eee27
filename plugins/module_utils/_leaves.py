# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every leaf of a declaration-shaped value with its dotted
path, for checks that look at each value wherever it sits."""

from typing import Any, Iterator, Tuple


def leaves(value: Any, path: str = "") -> Iterator[Tuple[str, Any]]:
    """``(dotted path, leaf)`` for every value in nested dicts and lists that is neither (list items by index)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, "%s.%s" % (path, key) if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, "%s.%d" % (path, index) if path else str(index))
    else:
        yield path, value
