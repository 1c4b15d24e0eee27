# -*- coding: utf-8 -*-
# Copyright (c) 2026 mailconfig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``mailconfig-lint`` command: check many declaration files, fast, for CI.

Files are checked in worker processes when there are enough of them to pay for
the start-up; results come back in input order so output is stable.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import multiprocessing
import os
import sys
from typing import List, NamedTuple, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.module_utils._leaves import leaves
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._install_hint import install_hint
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _finding_formats

try:
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application, _declaration
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._file_application import (
        FileApplication,
    )
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding, safe_name
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._yaml_marks import (
        MAX_BYTES,
        VAULT_STAND_IN,
        DeclarationSyntaxError,
    )
except ImportError as exc:  # PyYAML missing (or an incomplete install): main() says so in one line
    _application = _declaration = FileApplication = Finding = safe_name = DeclarationSyntaxError = VAULT_STAND_IN = None
    MAX_BYTES = 0
    IMPORT_ERROR = exc
else:
    IMPORT_ERROR = None

EXTENSIONS = (".yml", ".yaml")
PARALLEL_THRESHOLD = 200  # below this, worker start-up costs more than it saves
MAX_JOBS = 8  # more workers than this only compete for the disk and the parent's result queue
UNREADABLE = "MC006"
INVENTORY_KEY = "mail_account"  # where an inventory's host_vars file keeps the declaration
# Libraries the check needs: (import name, what pip installs)
DEPENDENCIES = (("yaml", "PyYAML"), ("jsonschema", "jsonschema"))
# Input the check cannot read (MC006) or refuses to read on (MC004: oversized, binary, an alias
# bomb, a number too long to build): exit 2, like a usage error, rather than 1 for a bad declaration.
EXIT_TWO = (UNREADABLE, "MC004")


def discover(paths: List[str]) -> List[str]:
    """Expand folders into their YAML files (sorted); keep explicit files and '-' as given."""
    found = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(folder, name) for name in sorted(files) if name.endswith(EXTENSIONS))
        else:
            found.append(path)
    return found


class Outcome(NamedTuple):
    """One file's findings (None: skipped, it holds no declaration) and, for ``-v``, what was done with it."""

    path: str
    findings: Optional[list]
    note: str


def _guarded(path, check):
    """``check()``'s outcome; a failure of the checker itself is an MC006 finding (exit 2), never a traceback.

    The exception's text is not shown: it may quote part of the input, and the input may hold a secret.
    """
    try:
        return check()
    except Exception as exc:  # pylint: disable=broad-except
        failure = Finding(
            UNREADABLE,
            "error",
            "the check could not process this input (%s); nothing in it was used" % type(exc).__name__,
            "Please report this input shape as a bug (without its secrets).",
            file=path,
        )
        return Outcome(path, [failure], "")


def _vaulted(variables):
    """Whether a variables file holds !vault values (which are not decrypted here)."""
    return any(leaf == VAULT_STAND_IN for _path, leaf in leaves(variables))


def _check_text(text, source, key, choose):
    """Check one file's text with its own application; a variables file without a declaration is skipped."""
    try:
        loaded = _declaration.load_text(text, key)
    except DeclarationSyntaxError as exc:
        return Outcome(source, [_declaration.syntax_finding(exc, source)], "")
    if not loaded.found:
        return Outcome(source, None, "skipped: no declaration fields and no variable '%s'%s" % (
            safe_name(key), " (its !vault values are not decrypted)" if _vaulted(loaded.variables) else ""))
    choice = choose.of(source, loaded.variables)
    context = _declaration.Context(application=choice.application)
    checked = _declaration.check(loaded.declaration, loaded.marks, source, context=context)
    return Outcome(source, checked.findings, choice.reason)


def _check(path, key=INVENTORY_KEY, choose=None):
    """Read and check one file; unreadable is a finding."""
    def check():
        try:
            text = _declaration.read_bounded(path)
        except OSError as exc:
            return Outcome(path, [_declaration.unreadable(path, exc)], "")
        return _check_text(text, path, key, choose or FileApplication())
    return _guarded(path, check)


def _stdin():
    """At most one byte more than a declaration may be: enough to refuse an endless stream without reading it."""
    return sys.stdin.buffer.read(MAX_BYTES + 1)


def default_jobs() -> int:
    """One worker per core, at most MAX_JOBS."""
    return min(os.cpu_count() or 1, MAX_JOBS)


def check_paths(paths: List[str], jobs: Optional[int] = None, key: Optional[str] = INVENTORY_KEY,
                choose: Optional[FileApplication] = None) -> List[Outcome]:
    """Return an Outcome per path, in input order; ``choose`` picks each file's application."""
    jobs = jobs or default_jobs()
    choose = choose or FileApplication()
    check = functools.partial(_check, key=key, choose=choose)
    if jobs > 1 and len(paths) >= PARALLEL_THRESHOLD and "-" not in paths:
        pool_context = multiprocessing.get_context("fork")
        with pool_context.Pool(jobs) as pool:
            return pool.map(check, paths, chunksize=max(1, len(paths) // (jobs * 8)))
    results = []
    for path in paths:
        if path == "-":
            results.append(_guarded("<stdin>", lambda: _check_text(_stdin(), "<stdin>", key, choose)))
        else:
            results.append(check(path))
    return results


def missing_dependencies() -> List[Tuple[str, str]]:
    """``[(import name, pip name)]`` of the libraries this Python lacks."""
    return [(name, package) for name, package in DEPENDENCIES if importlib.util.find_spec(name) is None]


def _parser():
    parser = argparse.ArgumentParser(
        prog="mailconfig-lint",
        description="Validate and lint mail account declarations (files, folders of *.yml/*.yaml, or - for stdin).",
        epilog="Exit status: 0 clean, 1 errors (or warnings with --strict), 2 usage error or unreadable or refused "
        "input (MC004, MC006).",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--format", choices=("text", "json", "junit", "github"), default="text")
    parser.add_argument("--strict", action="store_true", help="treat warnings as failures")
    parser.add_argument(
        "--jobs", type=int, default=0, help="worker processes (default: one per core, at most %d)" % MAX_JOBS
    )
    parser.add_argument(
        "--key",
        default=INVENTORY_KEY,
        help="in a variables file (an inventory's host_vars), the variable that holds the declaration "
        "(default: %(default)s)",
    )
    parser.add_argument("--application", choices=_application.names() if _application else None,
                        help="for files whose own mail_account_store names no application: also check what "
                             "this application can hold (its profile in data/applications/)")
    parser.add_argument("--inventory", metavar="SOURCE",
                        help="for host_vars files whose own mail_account_store names no application (and "
                             "without --application): the application of the host's store as ansible-core "
                             "resolves it from this inventory, without decrypting vault files (needs ansible-core)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list on stderr each file's application and where it came from, and the files skipped")
    return parser


def _hosts(source: str):
    """``{host: HostApplication}`` of inventory ``source``, or a one-line reason why not."""
    if not os.path.exists(source):
        return "mailconfig-lint: --inventory %s: no such file or folder" % source
    try:
        # pylint: disable-next=import-outside-toplevel
        from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import (
            _inventory_applications)
    except ImportError as exc:
        return ("mailconfig-lint: --inventory needs ansible-core in %s (%s); install it there, or for the "
                "pre-commit hook add additional_dependencies: [ansible-core]" % (sys.executable, exc))
    try:
        return _inventory_applications.applications(source)
    except Exception as exc:  # pylint: disable=broad-except  # an inventory plugin's own failure
        return "mailconfig-lint: --inventory %s cannot be loaded (%s)" % (source, type(exc).__name__)


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    missing = missing_dependencies()
    if missing:
        packages = [p for _n, p in missing]
        sys.stderr.write("mailconfig-lint: %s needs the Python librar%s %s: %s\n" % (
            sys.executable, "y" if len(missing) == 1 else "ies", ", ".join(packages), install_hint(packages)))
        return 2
    if IMPORT_ERROR is not None:
        sys.stderr.write(
            "mailconfig-lint: this installation is incomplete (%s); reinstall the collection or the hook\n"
            % IMPORT_ERROR
        )
        return 2
    paths = discover(args.paths)
    if not paths:
        sys.stderr.write("mailconfig-lint: no *.yml or *.yaml files under %s\n" % ", ".join(args.paths))
        return 2
    hosts = _hosts(args.inventory) if args.inventory else None
    if isinstance(hosts, str):
        sys.stderr.write(hosts + "\n")
        return 2
    outcomes = check_paths(paths, args.jobs, args.key, FileApplication(args.application, hosts))
    results = [(outcome.path, outcome.findings) for outcome in outcomes if outcome.findings is not None]
    skipped = len(outcomes) - len(results)
    if args.verbose:
        sys.stderr.write("".join("%s: %s\n" % (outcome.path, outcome.note) for outcome in outcomes if outcome.note))
    if skipped:
        sys.stderr.write(
            "mailconfig-lint: %d file%s skipped: no declaration and no variable '%s' (--key names another)%s\n"
            % (skipped, "" if skipped == 1 else "s", safe_name(args.key), "" if args.verbose else "; -v lists them")
        )
    counts = {"files": len(results), "error": 0, "warning": 0, "info": 0}
    unreadable = False
    for _path, findings in results:
        for finding in findings:
            counts[finding.severity] += 1
            unreadable = unreadable or finding.code in EXIT_TWO
    if args.format == "junit":
        output = _finding_formats.junit(results, counts, args.strict)
    else:
        output = {"text": _finding_formats.text, "json": _finding_formats.as_json,
                  "github": _finding_formats.github}[args.format](results, counts)
    sys.stdout.write(output)
    if unreadable:
        return 2
    if counts["error"] or (args.strict and counts["warning"]):
        return 1
    return 0
