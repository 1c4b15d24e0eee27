"""List the provider catalogue entries last checked more than 12 months ago (``make facts-age``).

Staleness is reported, never failed: an old tag's CI stays green while the age of
its facts stays visible. Run as ``python -m tests.facts_age [--today YYYY-MM-DD]``.
"""

import argparse
import datetime
import os
import sys

COLLECTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".venv", "collections")
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

# pylint: disable-next=wrong-import-position
from ansible_collections.mailops.mailconfig.plugins.plugin_utils.catalogue import _catalogue  # noqa: E402


def report(today=None):
    """The lines to print: one per stale entry, or one saying there is none."""
    stale = _catalogue.stale(today)
    if not stale:
        return ["no provider entry was checked more than 12 months ago"]
    return ["%s: checked %s, more than 12 months ago; re-read its sources in data/providers.yml" % (key, checked)
            for key, checked in stale]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="facts-age", description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=datetime.date.fromisoformat, help="the date to measure from (default: today)")
    args = parser.parse_args(argv)
    print("\n".join(report(args.today)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
