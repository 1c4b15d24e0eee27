# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side pipeline: parse with line marks, schema, lint, normalise.

Everything that reads a declaration (the action plugins, the lint command, the
validate playbook, the lookup) goes through ``check`` so they agree on every finding.
"""

from __future__ import annotations

import collections
import copy
import dataclasses

from ansible_collections.mailops.mailconfig.plugins.plugin_utils import _application, _catalogue, _lint, _normalise, _schema
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._findings import Finding, has_errors, safe_path
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._yaml_marks import MAX_BYTES, DeclarationSyntaxError, load_declaration

Result = collections.namedtuple("Result", "findings normalised")


def check(data, marks=None, source="", today=None, application=None):
    """Validate, lint and (when there is no error) normalise one declaration mapping.

    ``application`` names a profile in data/applications/ whose rules also apply
    (UnknownApplication when there is none).
    """
    if application:
        _application.profile(application)
    if not isinstance(data, dict):
        finding = Finding("MC002", "error", "the declaration is %s, not a mapping" % type(data).__name__,
                          "Give the mail_account variable a mapping of fields (address: ..., provider: ...).")
        return Result([finding.located(source, marks)], None)
    oversized = [Finding("MC004", "error", "the number has more than %d bits; no field takes one that large" % MAX_INT_BITS,
                         "Check the value: ports, rates and versions are small numbers.", path=path)
                 for path in _oversized_integers(data)]
    if oversized:  # jsonschema would fail on them while wording its own messages
        return Result([f.located(source, marks) for f in oversized], None)
    schema_findings = _schema.validate(data)
    findings = []
    if data.get("provider") == "auto":
        data, finding = _detected(data)
        findings.append(finding)
        if data is None:
            return Result([finding.located(source, marks)], None)
    provider = data.get("provider")
    entry = _catalogue.provider(provider) if isinstance(provider, str) else {}
    findings += _lint.lint(data, None, entry, today, raw_only=True)
    explained = {f.path for f in findings if f.severity == "error"}
    normalised = None
    linted = data if not schema_findings else _stand_in(data, schema_findings)
    if linted is not None:
        # The schema holds (or holds once bad values are stood in for), so the
        # remaining rules can run on the normalised declaration; a rule that read a
        # stood-in value says nothing, since it would judge a value nobody wrote.
        normalised = _normalise.normalise(linted, entry)
        stood_in = [f.path for f in schema_findings if f.code != "MC010"]  # unknown fields are only removed
        findings += [f for f in _lint.lint(linted, normalised, entry, today, raw_only=False)
                     if not any(_overlaps(read, path) for read in _lint.reads(f.code) for path in stood_in)]
        if application and not stood_in:
            findings += _application.lint(application, linted, normalised, _lint.ignored_codes(linted))
    findings += [f for f in schema_findings if f.path not in explained]
    findings = sorted((f.located(source, marks) for f in findings), key=lambda f: (f.line, f.column, f.code))
    return Result(findings, None if has_errors(findings) else normalised)


MAX_INT_BITS = 64


def _oversized_integers(value, path=""):
    """Dotted paths of the integers in ``value`` too large for any field (Ansible may pass any Python int)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _oversized_integers(item, "%s.%s" % (path, key) if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _oversized_integers(item, "%s.%d" % (path, index) if path else str(index))
    elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        yield path


def _detected(data):
    """``provider: auto`` decided from the address: (declaration with the provider set, finding).

    Detection asks DNS (once per domain per run); the info finding says which rule
    decided and what it saw, an error finding asks for an explicit provider.
    Servers found only through SRV records fill the fields the declaration leaves out.
    Imported here: dnspython costs ~50 ms per Ansible worker, and few declarations say auto.
    """
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils import _detect  # pylint: disable=import-outside-toplevel
    try:
        detection = _detect.detect_provider(data.get("address", ""))
    except _detect.DetectionError as exc:
        return None, exc.finding(path="provider")
    decided = dict(data, provider=detection.provider)
    merged = []
    for side, servers in (detection.servers or {}).items():
        given = decided.get(side)
        if side == "outgoing" or (given and given.get("protocol", servers.get("protocol")) == servers.get("protocol")):
            decided[side] = dict(servers, **(given or {}))
            if "host" not in (given or {}):
                merged.append(servers["host"])
    # SRV answers are not authenticated: a server taken from them is trusted only inside the
    # address's own domain or when the provider publishes it; else the password could go to anyone.
    domain = _detect.domain_of(data["address"])
    published = _catalogue.published_hosts(detection.provider)
    untrusted = sorted(host for host in merged if not _within_domain(host, domain) and host.lower().rstrip(".") not in published)
    if untrusted:
        return None, Finding("MC652", "error", "SRV records name servers outside the address's domain (%s); they are not trusted "
                             "for credentials" % ", ".join(untrusted),
                             "Set provider and the servers explicitly if these are the practice's real servers.", path="provider")
    evidence = "; ".join(detection.evidence)
    return decided, Finding("MC651", "info", "provider detected as '%s' by %s (%s)" % (detection.provider, detection.rule, evidence),
                            "Write provider: %s to skip detection." % detection.provider, path="provider")


def _within_domain(host, domain):
    host = host.lower().rstrip(".")
    return host == domain or host.endswith("." + domain)


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


def check_text(text, source="<stdin>", today=None, application=None):
    """Parse YAML ``text`` (str or bytes) and check it; syntax problems become findings."""
    try:
        data, marks = load_declaration(text)
    except DeclarationSyntaxError as exc:
        return Result([dataclasses.replace(exc.finding, file=source, path=safe_path(exc.finding.path))], None)
    return check(data, marks, source, today, application)


def check_file(path, today=None, application=None):
    """Read and check one declaration file; an unreadable file is a finding, not a traceback."""
    try:
        with open(path, "rb") as handle:
            text = handle.read(MAX_BYTES + 1)  # enough to tell an oversized file without reading it all
    except OSError as exc:
        return Result([Finding("MC006", "error", "cannot read the file: %s" % (exc.strerror or exc), "Check the path and its permissions.", file=path)], None)
    return check_text(text, path, today, application)
