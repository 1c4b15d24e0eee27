"""pytest plugin: ``mail_servers``, the real test servers, started once per session."""

import pytest

from tests.servers import suite


@pytest.fixture(scope="session")
def mail_servers():
    """The state dict of ``tests.servers.suite.start`` (ports, ca, users, hosts ...)."""
    with suite.running() as state:
        yield state


@pytest.fixture(scope="session")
def mariadb_server():
    """A throwaway MariaDB (Debian's mariadbd, unprivileged, TLS with the test CA), started once per session."""
    from tests.servers import mariadb  # pylint: disable=import-outside-toplevel
    with mariadb.running() as state:
        yield state
