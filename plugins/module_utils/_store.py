# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every config store shares: the plan it is given, what it reports back, how it fails.

A store (``_store_sqlite``, ``_store_json``, ``_store_ini``) exposes
``apply(plan, store, attributes, backup, check_mode) -> Outcome`` and raises
``StoreError`` with a message that names the store and the cause and never a value.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections

from ansible_collections.mailops.mailconfig.plugins.module_utils._settings import text_value

# values: ordered store key -> value; secrets: the store keys that hold secrets;
# contact_email: the address for the practice contact record, or None to leave it alone.
Plan = collections.namedtuple("Plan", "values secrets state update_password contact_email")

# before/after: masked text for --diff; backup_file: path of the copy made, or None.
Outcome = collections.namedtuple("Outcome", "changed before after backup_file")


class StoreError(Exception):
    """A store that cannot be read or written; nothing was changed."""

    def __init__(self, kind, path, cause):
        super(StoreError, self).__init__("%s store %s: %s" % (kind, path, cause))


class _Absent(object):
    """Marks a key that is not in the store (or must be removed from it)."""

    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()


def changes(plan, current, encode, same):
    """The keys whose stored value must change: ``key -> new stored value``, or ``ABSENT`` to remove it.

    ``current`` maps each of our keys found in the store to its stored value.
    """
    result = {}
    for key, value in plan.values.items():
        old = current.get(key, ABSENT)
        if plan.state == "absent":
            if old is not ABSENT:
                result[key] = ABSENT
            continue
        if key in plan.secrets and plan.update_password == "on_create" and old not in (ABSENT, None, ""):
            continue
        new = encode(value)
        if old is ABSENT or not same(old, new):
            result[key] = new
    return result


def secret_texts(plan, current):
    """Every secret string, old and new, so diffs can scrub them wherever they appear."""
    texts = set()
    for key in plan.secrets:
        for value in (plan.values.get(key), current.get(key)):
            text = text_value(value)
            if text:
                texts.add(text)
    return texts
