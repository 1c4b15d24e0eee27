"""Shared by the verify scripts: import paths, and the local test servers started for one run."""

import contextlib
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COLLECTIONS = os.path.join(ROOT, ".venv", "collections")
for path in (ROOT, COLLECTIONS, os.path.dirname(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from tests.servers import suite  # noqa: E402  pylint: disable=wrong-import-position


@contextlib.contextmanager
def servers():
    """The real test servers (Dovecot, sink, scripted) for the duration of the block."""
    folder = tempfile.mkdtemp(prefix="mailconfig-bench-")
    state = suite.start(folder)
    try:
        yield state
    finally:
        suite.stop(state)
        shutil.rmtree(folder, ignore_errors=True)
