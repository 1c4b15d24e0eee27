# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one algorithm every config store follows, and the primitives each store supplies.

A store is a subclass of ``Store`` listed in ``store._registry``. ``Store.apply`` is the
sequence every store runs: open a transaction (lock, or database transaction), read our
keys, refuse to go on when they are not what ``read`` saw (``StoreChanged``), compute the
change, build the masked diff, and, outside check mode, make a pending backup, write,
read back (on a mismatch put back the previous values and raise ``ReadBackMismatch``),
check that the run that started us is still alive, commit; the backup is kept only once
the change is committed. ``Store.read`` is the same transaction in check mode.

A store supplies ``transaction()``, a context manager yielding a ``Session`` (its
primitives: ``read``, ``changes``, ``diff``, ``backup``, ``write``, ``read_back``,
``undo``, ``commit``) that rolls back whatever was not committed, and its identity
(``location``, ``summary``). Every failure is a ``StoreError`` whose message names the
store and the cause and never a value.
"""

import contextlib
import os
import typing

from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _atomic_file, _backup_trust
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import Attributes
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._settings import shown, text_value


class Plan(typing.NamedTuple):
    """What the store must hold after the run."""

    values: dict  # ordered store key -> value
    secrets: frozenset  # the store keys that hold secrets
    state: str  # present | absent
    update_password: str  # always | on_create
    contact_email: typing.Optional[str]  # the practice contact record's new address, or None to leave it alone


class Snapshot(typing.NamedTuple):
    """Our keys as a store holds them now, and what ``apply`` would change."""

    exists: bool  # the store (file, database, table) exists
    current: dict  # our keys found in the store -> stored value
    todo: dict  # key -> new stored value, or ABSENT to remove it (see ``changes``)


class Outcome(typing.NamedTuple):
    """What a store did (or, in check mode, would do)."""

    changed: bool
    before: str  # masked text for --diff
    after: str
    backup_file: typing.Optional[str]  # path of the copy made, or None
    keys: typing.Tuple[str, ...] = ()  # the settings the change writes (names only, never values)


class Session:
    """One apply's access to a store inside its transaction: the primitives ``Store.apply`` runs in order."""

    exists = True  # the store (file, database, table) exists

    def read(self) -> dict:
        """Our keys as stored now: what ``Snapshot.current`` holds and ``expected.current`` is compared with."""
        raise NotImplementedError

    def changes(self, current: dict) -> dict:
        """What must be written: key -> new stored value, or ABSENT to remove it."""
        raise NotImplementedError

    def pending(self, current: dict, todo: dict) -> dict:
        """``Snapshot.todo``: the settings a write of ``todo`` would
        change (the keys themselves, unless a store maps them)."""
        del current
        return todo

    def other_changes(self) -> bool:
        """Whether something besides our keys must change (a file's mode, the practice contact record)."""
        return False

    def diff(self, current: dict, todo: dict) -> typing.Tuple[str, str]:
        """The masked before/after text of our keys."""
        raise NotImplementedError

    def check_writable(self, current: dict, todo: dict) -> None:
        """In check mode, raise the ``StoreError`` the real run's write
        would meet (a missing permission, a read-only database)."""
        del current, todo

    def backup(self) -> typing.Optional[_atomic_file.PendingBackup]:
        """A copy of the store as it is now, under a temporary name
        until the change is committed; None when none is made."""
        return None

    def write(self, current: dict, todo: dict) -> None:
        raise NotImplementedError

    def read_back(self, current: dict, todo: dict) -> typing.List[str]:
        """The keys that do not hold what was written (never their values)."""
        raise NotImplementedError

    def undo(self, current: dict, todo: dict) -> None:
        """Put back the previous values of the keys ``todo`` changed (a database's rollback does it for free)."""
        del current, todo

    def commit(self) -> None:
        """Make the write visible to the application (a file store's write already is)."""


class Store:
    """One kind of settings store, chosen by the module's ``store.type``.

    Subclasses set the class attributes and implement ``transaction``; docs/generate.py derives the
    module's ``store`` argument spec (written into the registry), the role's argument spec
    and the docs from them.
    """

    NAME = ""  # the value of store.type
    KIND = ""  # how messages name it ("SQLite", "JSON" ...)
    DESCRIPTION = ""  # what the store writes, for store.type in the module docs (docs/generate.py)
    OPTIONS: typing.Dict[str, dict] = {}  # this store's own suboptions of ``store`` (argument spec entries)
    REQUIRED: typing.Tuple[str, ...] = ("path",)  # options this store needs
    CONTACT = False  # can update the practice contact record (declaration.practice.update_contact_email)

    def __init__(self, options: dict) -> None:
        self.options = options
        self.notes: typing.List[str] = []  # what the run should tell the user (module warnings), never a value
        # Set by the module: is the run that started us still alive? (checked right before the commit)
        self.started_by: typing.Optional[typing.Callable[[], bool]] = None
        self.backup_key: typing.Optional[bytes] = None  # authenticates the backups we write (_backup_trust)

    def contact_target(self) -> typing.Optional[dict]:
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

    def transaction(self, plan: Plan, attributes: typing.Optional[Attributes],
                    check_mode: bool) -> typing.ContextManager[typing.Optional[Session]]:
        """A ``Session`` inside the store's lock or transaction (None: nothing to do, an absent store stays absent).

        In check mode it takes no write lock and rolls back; on any error it rolls back; it
        turns the store's own errors into ``StoreError``.
        """
        raise NotImplementedError

    def read(self, plan: Plan) -> Snapshot:
        """Our keys as stored now and what ``apply`` would change; writes nothing, keeps no lock."""
        with self.transaction(plan, None, True) as session:
            if session is None:
                return Snapshot(False, {}, {})
            current = session.read()
            return Snapshot(session.exists, current, session.pending(current, session.changes(current)))

    def apply(self, plan: Plan, attributes: Attributes, backup: bool, check_mode: bool,
              expected: typing.Optional[Snapshot] = None) -> Outcome:
        """Bring the store to ``plan``; in check mode only say what would change.

        With ``expected``, raise ``StoreChanged`` (writing nothing) when our keys no longer
        hold ``expected.current``. A backup is kept only when the change it precedes is committed.
        """
        with contextlib.ExitStack() as pending:
            with self.transaction(plan, attributes, check_mode) as session:
                if session is None:
                    return Outcome(False, "", "", None)
                current = session.read()
                if unexpected(expected, current):
                    raise StoreChanged(self.KIND, self.location)
                todo = session.changes(current)
                changed = bool(todo) or session.other_changes()
                before, after = session.diff(current, todo)
                keys = tuple(sorted(session.pending(current, todo)))
                if changed and check_mode:
                    session.check_writable(current, todo)
                if not changed or check_mode:
                    return Outcome(changed, before, after, None, keys)
                copy = session.backup() if backup and session.exists else None
                if copy is not None:
                    pending.callback(copy.discard)
                self.refuse_if_abandoned()
                session.write(current, todo)
                wrong = session.read_back(current, todo) if todo else []
                if wrong:
                    session.undo(current, todo)
                    raise ReadBackMismatch(self.KIND, self.location, wrong)
                self.refuse_if_abandoned()
                session.commit()
                pending.pop_all()
                kept = self._kept(
                    copy
                )  # still under the lock, where no other run takes it for a killed run's temp file
            return Outcome(changed, before, after, kept, keys)

    def _kept(self, copy: typing.Optional[_atomic_file.PendingBackup]) -> typing.Optional[str]:
        """Put a committed change's backup in place; when that fails the change stands, so say so instead of failing."""
        if copy is None:
            return None
        try:
            return copy.keep(self.backup_key)
        except OSError as exc:
            copy.discard()
            self.notes.append(
                "the change was committed, but its backup %s could not be kept (%s), so a restore cannot undo it"
                % (copy.name, os_cause(exc))
            )
            return None

    def close(self) -> None:
        """Release what the store keeps between its read and its apply (a database store's connection)."""

    def refuse_if_abandoned(self) -> None:
        """Stop before writing or committing when the run that started us is gone (the controller was killed)."""
        if self.started_by is not None and not self.started_by():
            raise StoreError(
                self.KIND,
                self.location,
                "the run that started this apply has ended (its controller process is gone); nothing was written",
            )

    def restored(
        self, values: dict, secrets: frozenset, unverified: typing.Optional[str] = None
    ) -> typing.Tuple[dict, str]:
        """Our keys as the store's newest backup holds them (key -> stored value), and that backup's path.

        A file store's backups are copies beside it (``_atomic_file.backup``), read by a store of the same kind,
        and only when this collection wrote them (``_backup_trust.verified``; ``unverified`` names a file
        to accept without that proof, for a backup put back by hand).
        """
        found = _atomic_file.backups(os.path.realpath(self.location)) or _atomic_file.backups(self.location)
        if not found:
            raise ValueError(
                "state restored: %s has no backup to restore (backups are made when backup is true)" % self.location
            )
        with _backup_trust.verified(found[-1], self.backup_key, unverified) as trusted:
            backup = type(self)(dict(self.options, path=trusted, create=False, follow=False))
            return backup.read(Plan(values, secrets, "present", "always", None)).current, found[-1]

    def prune_backups(self, backup_file: str, keep: int) -> None:
        """Delete all but the newest ``keep`` backups of this store
        (0 keeps all); ``backup_file`` is the one just made."""
        if keep and _atomic_file.backed_up(backup_file):
            _atomic_file.prune_backups(_atomic_file.backed_up(backup_file), keep)

    def forget_backup(self, backup_file: str) -> None:
        """Delete a backup that a restore has just put back, so that the next restore goes one change further back."""
        _atomic_file.remove_backup(backup_file)


def os_cause(exc: BaseException) -> str:
    """An OS error's reason in lower case ("permission denied"), or the exception's text when it has none."""
    reason = getattr(exc, "strerror", None)
    return reason.lower() if reason else str(exc)


class StoreError(Exception):
    """A store that cannot be read or written; nothing was changed."""

    def __init__(self, kind, path, cause):
        super(StoreError, self).__init__("%s store %s: %s" % (kind, path, cause))


class StoreChanged(StoreError):
    """Another writer changed our keys between ``read`` and ``apply``; nothing was written."""

    def __init__(self, kind, path):
        super(StoreChanged, self).__init__(
            kind, path, "another writer changed our settings while the new ones were being tested"
        )


# Test hook: when set, called with the store's path after a store wrote and before it reads
# back, so tests can play a second writer that does not take our lock (an application).
before_read_back: typing.Optional[typing.Callable[[str], None]] = None


def call_before_read_back(path: str) -> None:
    if before_read_back is not None:
        before_read_back(path)


def unexpected(expected: typing.Optional[Snapshot], current: dict) -> bool:
    """Our keys no longer hold what ``read`` saw (False when nothing was expected)."""
    return expected is not None and expected.current != current


def intended(plan: Plan, current: dict, todo: dict) -> dict:
    """Our keys as they must read after ``todo`` is written: key -> stored value, or ABSENT."""
    result = dict((key, current.get(key, ABSENT)) for key in plan.values)
    result.update(todo)
    return result


def read_back_mismatch(
    wanted: dict, found: dict, same: typing.Callable[[typing.Any, typing.Any], bool]
) -> typing.List[str]:
    """The keys whose value read back differs from what was written (never their values)."""
    wrong = []
    for key, value in wanted.items():
        stored = found.get(key, ABSENT)
        if value is ABSENT or stored is ABSENT:
            if value is not stored:
                wrong.append(key)
        elif not same(stored, value):
            wrong.append(key)
    return wrong


def undo(current: dict, todo: dict) -> dict:
    """The change that puts back the previous values of the keys ``todo`` changed."""
    return dict((key, current.get(key, ABSENT)) for key in todo)


class ReadBackMismatch(StoreError):
    """Read back after writing, some of our keys did not hold what was written; their previous values were put back."""

    def __init__(self, kind, path, keys):
        super(ReadBackMismatch, self).__init__(kind, path, (
            "read back after writing, %s did not hold what was written (another writer, a trigger or a key_map "
            "collision); the previous values of the keys we changed were put back" % ", ".join(sorted(keys))))


class _Absent(object):
    """Marks a key that is not in the store (or must be removed from it)."""

    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()


def changes(plan: Plan, current: dict, encode: typing.Callable[[typing.Any], typing.Any],
            same: typing.Callable[[typing.Any, typing.Any], bool]) -> dict:
    """The keys whose stored value must change: ``key -> new stored value``, or ``ABSENT`` to remove it.

    ``current`` maps each of our keys found in the store to its stored value. A plan value
    ``ABSENT`` removes that key (a restore of a backup that did not hold it).
    """
    result = {}
    for key, value in plan.values.items():
        old = current.get(key, ABSENT)
        if plan.state == "absent" or value is ABSENT:
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
            text = None if value is ABSENT else text_value(value)
            if text:
                texts.add(text)
    return texts


def key_lines(
    plan: Plan, current: dict, todo: dict, display: typing.Callable[[typing.Any], typing.Optional[str]] = text_value
) -> typing.Tuple[typing.List[str], typing.List[str]]:
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


def diff_text(lines: typing.Iterable[str]) -> str:
    """The lines of key_lines as --diff text."""
    return "".join(line.rstrip() + "\n" for line in lines)
