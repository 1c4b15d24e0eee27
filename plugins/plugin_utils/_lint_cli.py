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
import multiprocessing
import os
import sys

from ansible_collections.mailops.mailconfig.plugins.plugin_utils import _application, _finding_formats
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._declaration import check_file, check_text
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._findings import Finding
from ansible_collections.mailops.mailconfig.plugins.plugin_utils._yaml_marks import MAX_BYTES

EXTENSIONS = (".yml", ".yaml")
PARALLEL_THRESHOLD = 200  # below this, worker start-up costs more than it saves
UNREADABLE = "MC006"
# Input the check cannot read (MC006) or refuses to read on (MC004: oversized, binary, an alias
# bomb, a number too long to build): exit 2, like a usage error, rather than 1 for a bad declaration.
EXIT_TWO = (UNREADABLE, "MC004")


def discover(paths):
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


def _check(path, application=None):
    return path, _guarded(path, lambda: check_file(path, application=application))


def _stdin():
    """At most one byte more than a declaration may be: enough to refuse an endless stream without reading it."""
    return sys.stdin.buffer.read(MAX_BYTES + 1)


def check_paths(paths, jobs=None, application=None):
    """Return ``[(path, findings)]`` in input order; ``application`` adds that profile's rules."""
    jobs = jobs or min(os.cpu_count() or 1, 8)
    one = functools.partial(_check, application=application)
    if jobs > 1 and len(paths) >= PARALLEL_THRESHOLD and "-" not in paths:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs) as pool:
            return pool.map(one, paths, chunksize=max(1, len(paths) // (jobs * 8)))
    results = []
    for path in paths:
        if path == "-":
            results.append(("-", _guarded("<stdin>", lambda: check_text(_stdin(), "<stdin>", application=application))))
        else:
            results.append(one(path))
    return results


def _parser():
    parser = argparse.ArgumentParser(
        prog="mailconfig-lint",
        description="Validate and lint mail account declarations (files, folders of *.yml/*.yaml, or - for stdin).",
        epilog="Exit status: 0 clean, 1 errors (or warnings with --strict), 2 usage error or unreadable or refused input "
               "(MC004, MC006).")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--format", choices=("text", "json", "junit", "github"), default="text")
    parser.add_argument("--strict", action="store_true", help="treat warnings as failures")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core)")
    parser.add_argument("--application", choices=_application.names(),
                        help="also check what this application can hold (its profile in data/applications/)")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    paths = discover(args.paths)
    if not paths:
        sys.stderr.write("mailconfig-lint: no *.yml or *.yaml files under %s\n" % ", ".join(args.paths))
        return 2
    results = check_paths(paths, args.jobs, args.application)
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
