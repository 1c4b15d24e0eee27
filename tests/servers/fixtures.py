"""pytest plugin: ``mail_servers``, the real test servers, started once per session."""

import pytest

from tests.servers import suite


@pytest.fixture(scope="session")
def mail_servers():
    """The state dict of ``tests.servers.suite.start`` (ports, ca, users, hosts ...)."""
    with suite.running() as state:
        yield state
