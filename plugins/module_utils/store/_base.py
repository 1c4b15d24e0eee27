# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract every config store keeps: the plan it is given, what it reports back, how it fails.

A store is a subclass of ``Store`` listed in ``store._registry``. It is built from the
module's ``store`` option and brings the store to a ``Plan`` with ``apply``, returning an
``Outcome``; it raises ``StoreError`` with a message that names the store and the cause
and never a value.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import typing

from ansible_collections.mailops.mailconfig.plugins.module_utils._settings import shown, text_value


class Plan(typing.NamedTuple):
    """What the store must hold after the run."""

    values: dict  # ordered store key -> value
    secrets: frozenset  # the store keys that hold secrets
    state: str  # present | absent
    update_password: str  # always | on_create
    contact_email: typing.Optional[str]  # the practice contact record's new address, or None to leave it alone


class Outcome(typing.NamedTuple):
    """What a store did (or, in check mode, would do)."""

    changed: bool
    before: str  # masked text for --diff
    after: str
    backup_file: typing.Optional[str]  # path of the copy made, or None


class Store:
    """One kind of settings store, chosen by the module's ``store.type``.

    Subclasses set the class attributes and implement ``apply``; the registry derives the
    module's ``store`` argument spec, the role's argument spec and the docs from them.
    """

    NAME = ""  # the value of store.type
    KIND = ""  # how messages name it ("SQLite", "JSON" ...)
    DESCRIPTION = ""  # one sentence for the module docs and docs/store-keys.md
    OPTIONS: typing.Dict[str, dict] = {}  # this store's own suboptions of ``store`` (argument spec entries)
    REQUIRED: typing.Tuple[str, ...] = ("path",)  # options this store needs
    CONTACT = False  # can update the practice contact record (declaration.practice.update_contact_email)

    def __init__(self, options: dict) -> None:
        self.options = options
        self.notes: typing.List[str] = []  # what the run should tell the user (module warnings), never a value

    def contact_target(self):
        """What holds the practice contact record (truthy), or None when the options name none."""
        return self.options.get("contact")

    @property
    def location(self) -> str:
        """Where the store is, for messages and diff headers."""
        return self.options["path"]

    def summary(self) -> dict:
        """What the result's ``store`` says about this store (never a secret)."""
        return {"type": self.NAME, "path": self.location}

    def diff_header(self) -> str:
        return self.location

    def apply(self, plan: Plan, attributes, backup: bool, check_mode: bool) -> Outcome:
        """Bring the store to ``plan``; in check mode only say what would change."""
        raise NotImplementedError


class StoreError(Exception):
    """A store that cannot be read or written; nothing was changed."""

    def __init__(self, kind, path, cause):
        super(StoreError, self).__init__("%s store %s: %s" % (kind, path, cause))


class _Absent(object):
    """Marks a key that is not in the store (or must be removed from it)."""

    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()


def changes(plan: Plan, current: dict, encode, same) -> dict:
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


def secret_texts(plan: Plan, current: dict) -> set:
    """Every secret string, old and new, so diffs can scrub them wherever they appear."""
    texts = set()
    for key in plan.secrets:
        for value in (plan.values.get(key), current.get(key)):
            text = text_value(value)
            if text:
                texts.add(text)
    return texts


def key_lines(plan: Plan, current: dict, todo: dict, display=text_value) -> tuple:
    """``key = value`` lines of our keys before and after, secrets masked: all any store's diff shows.

    Only the keys this collection manages appear, never the rest of the store, which
    may hold the application's other secrets (a database password, a licence key).
    """
    before, after = [], []
    for key in plan.values:
        secret = key in plan.secrets
        if key in current:
            before.append("%s = %s" % (key, shown(display(current[key]), secret) or ""))
        value = todo.get(key, current.get(key, ABSENT))
        if value is not ABSENT:
            after.append("%s = %s" % (key, shown(display(value), secret, key in todo) or ""))
    return before, after


def diff_text(lines) -> str:
    """The lines of key_lines as --diff text."""
    return "".join(line.rstrip() + "\n" for line in lines)
