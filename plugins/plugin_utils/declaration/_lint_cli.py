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
from typing import List, Optional, Tuple

from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _finding_formats

try:
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration import _application
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._declaration import Context, check_file, check_text
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._findings import Finding
    from ansible_collections.mailops.mailconfig.plugins.plugin_utils.declaration._yaml_marks import MAX_BYTES
except ImportError as exc:  # PyYAML missing (or an incomplete install): main() says so in one line
    _application = Context = check_file = check_text = Finding = None
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


def _guarded(path, check):
    """``check()``'s findings; a failure of the checker itself is an MC006 finding (exit 2), never a traceback.

    The exception's text is not shown: it may quote part of the input, and the input may hold a secret.
    """
    try:
        return check().findings
    except Exception as exc:  # pylint: disable=broad-except
        return [Finding(UNREADABLE, "error", "the check could not process this input (%s); nothing in it was used"
                        % type(exc).__name__, "Please report this input shape as a bug (without its secrets).", file=path)]


def _check(path, key=INVENTORY_KEY, context=None):
    return path, _guarded(path, lambda: check_file(path, context=context, key=key))


def _stdin():
    """At most one byte more than a declaration may be: enough to refuse an endless stream without reading it."""
    return sys.stdin.buffer.read(MAX_BYTES + 1)


def default_jobs() -> int:
    """One worker per core, at most MAX_JOBS."""
    return min(os.cpu_count() or 1, MAX_JOBS)


def check_paths(paths: List[str], jobs: Optional[int] = None, key: Optional[str] = INVENTORY_KEY,
                application: Optional[str] = None) -> List[Tuple[str, list]]:
    """Return ``[(path, findings)]`` in input order; ``application`` adds that profile's rules."""
    jobs = jobs or default_jobs()
    context = Context(application=application)
    check = functools.partial(_check, key=key, context=context)
    if jobs > 1 and len(paths) >= PARALLEL_THRESHOLD and "-" not in paths:
        pool_context = multiprocessing.get_context("fork")
        with pool_context.Pool(jobs) as pool:
            return pool.map(check, paths, chunksize=max(1, len(paths) // (jobs * 8)))
    results = []
    for path in paths:
        if path == "-":
            results.append(("-", _guarded("<stdin>", lambda: check_text(_stdin(), "<stdin>", context=context, key=key))))
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
        epilog="Exit status: 0 clean, 1 errors (or warnings with --strict), 2 usage error or unreadable or refused input "
               "(MC004, MC006).")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--format", choices=("text", "json", "junit", "github"), default="text")
    parser.add_argument("--strict", action="store_true", help="treat warnings as failures")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core, at most %d)" % MAX_JOBS)
    parser.add_argument("--key", default=INVENTORY_KEY,
                        help="in a variables file (an inventory's host_vars), the variable that holds the declaration (default: %(default)s)")
    parser.add_argument("--application", choices=_application.names() if _application else None,
                        help="also check what this application can hold (its profile in data/applications/)")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    missing = missing_dependencies()
    if missing:
        sys.stderr.write("mailconfig-lint: %s needs the Python librar%s %s: %s -m pip install %s\n" % (
            sys.executable, "y" if len(missing) == 1 else "ies", ", ".join(p for _n, p in missing),
            sys.executable, " ".join(p for _n, p in missing)))
        return 2
    if IMPORT_ERROR is not None:
        sys.stderr.write("mailconfig-lint: this installation is incomplete (%s); reinstall the collection or the hook\n" % IMPORT_ERROR)
        return 2
    paths = discover(args.paths)
    if not paths:
        sys.stderr.write("mailconfig-lint: no *.yml or *.yaml files under %s\n" % ", ".join(args.paths))
        return 2
    results = check_paths(paths, args.jobs, args.key, args.application)
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
