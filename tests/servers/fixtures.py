"""pytest plugin: ``mail_servers``, the real test servers, started once per session.

The folder is made under the system temp dir rather than pytest's basetemp: when the
tests run as root, Dovecot's own users must be able to traverse to the mail folders.
"""

import shutil
import tempfile

import pytest

from tests.servers import suite


@pytest.fixture(scope="session")
def mail_servers():
    """The state dict of ``tests.servers.start`` (ports, ca, users, hosts ...)."""
    folder = tempfile.mkdtemp(prefix="mailconfig-servers-")
    state = suite.start(folder)
    try:
        yield state
    finally:
        suite.stop(state)
        shutil.rmtree(folder, ignore_errors=True)
