# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side pipeline: parse with line marks, schema, lint, normalise.

Everything that reads a declaration (the action plugins, the lint command, the
validate playbook) goes through ``check`` so they agree on every finding. What a
check depends on besides the declaration (the date, the resolver behind
``provider: auto``, the store) is its ``Context``, decided once by the caller.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
from typing import Any, List, NamedTuple, Optional, Union

from ansible_collections.mailops.mailconfig.plugins.module_utils._leaves import leaves
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import (
    _application,
    _lint,
    _normalise,
    _schema,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import (
    Finding,
    has_errors,
    safe_name,
    safe_path,
)
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._yaml_marks import (
    MAX_BYTES,
    DeclarationSyntaxError,
    load_declaration,
)


class Context(NamedTuple):
    """What a check depends on besides the declaration, decided once per host by the caller.

    ``today`` dates the provider policies (None: today); ``dns_server``, ``dns_timeout``
    and ``offline`` configure the resolver behind ``provider: auto`` (None: the
    ``MAILCONFIG_*`` environment); ``store`` is the module's store option, and
    ``application`` the profile (data/applications/) whose rules also apply.
    """

    today: Optional[datetime.date] = None
    dns_server: Optional[str] = None
    dns_timeout: Optional[float] = None
    offline: Optional[bool] = None
    store: Optional[dict] = None
    application: Optional[str] = None

    def resolver(self) -> Any:
        """The run's shared resolver for these settings; imports dnspython, so only ``provider: auto`` calls it."""
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _dns
        return _dns.shared_resolver(self.dns_server, self.dns_timeout, self.offline, _dns.ansible_run_dir())


class Checked(NamedTuple):
    """A checked declaration: every finding, and the normalised mapping when none is an error."""

    findings: List[Finding]
    normalised: Optional[dict]


def check(data: Any, marks: Optional[dict] = None, source: str = "", today: Optional[datetime.date] = None,
          context: Optional[Context] = None, application: Optional[str] = None) -> Checked:
    """Validate, lint and (when there is no error) normalise one declaration mapping.

    ``context`` says what the check depends on; ``today`` and ``application`` alone are a
    shorthand for ``Context(today=..., application=...)``. An application names a profile in
    data/applications/ whose rules also apply (UnknownApplication when there is none).
    """
    context = context or Context(today=today, application=application)
    if context.application:
        _application.profile(context.application)
    if not isinstance(data, dict):
        finding = Finding("MC002", "error", "the declaration is %s, not a mapping" % type(data).__name__,
                          "Give the mail_account variable a mapping of fields (address: ..., provider: ...).")
        return Checked([finding.located(source, marks)], None)
    oversized = [
        Finding(
            "MC004",
            "error",
            "the number has more than %d bits; no field takes one that large" % MAX_INT_BITS,
            "Check the value: ports, rates and versions are small numbers.",
            path=path,
        )
        for path in _oversized_integers(data)
    ]
    if oversized:  # jsonschema would fail on them while wording its own messages
        return Checked([f.located(source, marks) for f in oversized], None)
    schema_findings = _schema.validate(data)
    findings = []
    if data.get("provider") == "auto":
        # Imported here: dnspython costs ~50 ms per Ansible worker, and few declarations say auto.
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _detect
        data, finding = _detect.decide(data, context.resolver)
        findings.append(finding)
        if data is None:
            return Checked([finding.located(source, marks)], None)
    provider = data.get("provider")
    entry = _catalogue.provider(provider) if isinstance(provider, str) else {}
    findings += _lint.lint(data, None, entry, context.today, raw_only=True, store=context.store)
    explained = {f.path for f in findings if f.severity == "error"}
    normalised = None
    linted = data if not schema_findings else _stand_in(data, schema_findings)
    if linted is not None:
        # The schema holds (or holds once bad values are stood in for), so the
        # remaining rules can run on the normalised declaration; a rule that read a
        # stood-in value says nothing, since it would judge a value nobody wrote.
        normalised = _normalise.normalise(linted, entry)
        stood_in = [f.path for f in schema_findings if f.code != "MC010"]  # unknown fields are only removed
        findings += [
            f
            for f in _lint.lint(linted, normalised, entry, context.today, raw_only=False, store=context.store)
            if not any(_overlaps(read, path) for read in _lint.reads(f.code) for path in stood_in)
        ]
        if context.application and not stood_in:
            findings += _application.lint(context.application, linted, normalised, _lint.ignored_codes(linted))
    findings += [f for f in schema_findings if f.path not in explained]
    findings = sorted((f.located(source, marks) for f in findings), key=lambda f: (f.line, f.column, f.code))
    return Checked(findings, None if has_errors(findings) else normalised)


MAX_INT_BITS = 64


def _oversized_integers(value):
    """Dotted paths of the integers in ``value`` too large for any field (Ansible may pass any Python int)."""
    return [
        path
        for path, leaf in leaves(value)
        if isinstance(leaf, int) and not isinstance(leaf, bool) and leaf.bit_length() > MAX_INT_BITS
    ]


def _overlaps(one, other):
    """Whether one field path contains, or is contained in, the other."""
    return one == other or one.startswith(other + ".") or other.startswith(one + ".")


def _stand_in(data, schema_findings):
    """A copy of ``data`` with each invalid value replaced by its schema example and
    each unknown field removed, if that makes it valid; else None.

    This lets the lint rules report every other problem in the same run instead of
    making the user fix the schema errors first; findings about the stood-in fields
    themselves are dropped by the caller.
    """
    fixed = copy.deepcopy(data)
    for finding in schema_findings:
        parts = finding.path.split(".")
        if parts[0] == "provider":
            return None  # every rule depends on the provider
        parent, node = fixed, _schema.schema()
        for part in parts[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
            node = node.get("properties", {}).get(part, {})
        if not isinstance(parent, dict):
            return None
        if finding.code == "MC010":
            parent.pop(parts[-1], None)
            continue
        examples = node.get("properties", {}).get(parts[-1], {}).get("examples")
        if not examples:
            return None
        parent[parts[-1]] = copy.deepcopy(examples[0])
    return fixed if not _schema.validate(fixed) else None


class Loaded(NamedTuple):
    """What a file holds: the declaration and its marks, and the variables file around it when it sat under a key."""

    declaration: Any
    marks: dict
    variables: Optional[dict] = None
    found: bool = True  # False: a variables file with neither declaration fields nor the key


def load_text(text: Union[str, bytes], key: Optional[str] = None) -> Loaded:
    """Parse YAML ``text``; with ``key``, it may also be a variables file (an inventory's host_vars)
    that holds the declaration under that key beside other variables. Raises DeclarationSyntaxError.
    """
    data, marks = load_declaration(text)
    if key is None or not isinstance(data, dict) or set(data) & set(_schema.schema()["properties"]):
        return Loaded(data, marks)
    if key not in data:
        return Loaded(None, marks, data, found=False)
    prefix = key + "."
    under_key = {p[len(prefix):]: m for p, m in marks.items() if p.startswith(prefix)}
    return Loaded(data[key], dict({"": marks.get(key, (0, 0))}, **under_key), data)


def syntax_finding(exc: DeclarationSyntaxError, source: str) -> Finding:
    """The finding of a file that could not be read as YAML, located in ``source``."""
    return dataclasses.replace(exc.finding, file=source, path=safe_path(exc.finding.path))


def check_text(
    text: Union[str, bytes],
    source: str = "<stdin>",
    today: Optional[datetime.date] = None,
    context: Optional[Context] = None,
    key: Optional[str] = None,
) -> Checked:
    """Parse YAML ``text`` (str or bytes) and check it; syntax problems become findings (``key``: see load_text)."""
    try:
        loaded = load_text(text, key)
    except DeclarationSyntaxError as exc:
        return Checked([syntax_finding(exc, source)], None)
    if not loaded.found:
        finding = Finding(
            "MC011",
            "error",
            "the file holds neither a declaration nor the variable '%s'" % safe_name(key),
            "Give a declaration file, or name the variable that holds the declaration with --key.",
        )
        return Checked([finding.located(source, loaded.marks)], None)
    return check(loaded.declaration, loaded.marks, source, today, context)


def read_bounded(path: str) -> bytes:
    """At most one byte more than a declaration may be: enough to tell an oversized file without reading it all."""
    with open(path, "rb") as handle:
        return handle.read(MAX_BYTES + 1)


def unreadable(path: str, exc: OSError) -> Finding:
    """The finding for a file that cannot be opened or read."""
    return Finding(
        "MC006",
        "error",
        "cannot read the file: %s" % (exc.strerror or exc),
        "Check the path and its permissions.",
        file=path,
    )


def check_file(
    path: str, today: Optional[datetime.date] = None, context: Optional[Context] = None, key: Optional[str] = None
) -> Checked:
    """Read and check one declaration file; an unreadable file is a finding, not a traceback."""
    try:
        text = read_bounded(path)
    except OSError as exc:
        return Checked([unreadable(path, exc)], None)
    return check_text(text, path, today, context, key)
