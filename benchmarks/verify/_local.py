"""Shared by the verify scripts: import paths, and the local test servers started for one run."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COLLECTIONS = os.path.join(ROOT, ".venv", "collections")
for path in (ROOT, COLLECTIONS, os.path.dirname(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from tests.servers import suite  # noqa: E402  pylint: disable=wrong-import-position


def servers(throughput=False):
    """The real test servers (Dovecot, sink, scripted) for the duration of a with-block.

    ``throughput``: Dovecot in its high-performance mode (tests/servers/dovecot.py).
    """
    return suite.running("mailconfig-bench-", throughput)
