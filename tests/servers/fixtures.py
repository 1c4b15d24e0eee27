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


# pg_hba.conf lines for the tests of what the postgresql store refuses without verified TLS: one role per method.
POSTGRESQL_WEAK_METHODS = ("host all clear_text_role 127.0.0.1/32 password", "host all md5_role 127.0.0.1/32 md5",
                           "host all trust_role 127.0.0.1/32 trust")


@pytest.fixture(scope="session")
def postgresql_server():
    """A throwaway PostgreSQL 15 (Debian's, unprivileged, TLS with the test CA, SCRAM), started once per session."""
    from tests.servers import postgresql  # pylint: disable=import-outside-toplevel
    with postgresql.running(hba_extra=POSTGRESQL_WEAK_METHODS) as state:
        yield state
