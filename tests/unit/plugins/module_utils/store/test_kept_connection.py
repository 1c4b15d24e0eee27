"""One database connection serves a run's read and its apply (store._kept_connection), on real servers.

The server's own session list says which connection did what: after a read one idle session
of the store's user remains, the apply's write happens on that same session, and nothing is
left once the run ends. A kept session the server dropped in between is replaced, not used.
"""

import pytest

from ansible_collections.mailops.mailconfig.plugins.module_utils import _test_then_save
from ansible_collections.mailops.mailconfig.plugins.module_utils.store import _base
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._file_attributes import KEEP
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._mysql import MysqlStore
from ansible_collections.mailops.mailconfig.plugins.module_utils.store._postgresql import PostgresqlStore
from tests.servers import mariadb, postgresql
from tests.unit.plugins.module_utils.store import test_store_mysql, test_store_postgresql
from tests.unit.plugins.module_utils.store.store_helpers import keyed, normalised, plan, raw_declaration

NOT_TESTED = _test_then_save.Options(
    test=False, write_untested=False, refused_secret=None, attributes=KEEP, backup=False, check_mode=False
)


class MariaDB:
    """An Open Dental database on the session's MariaDB, seen through its process list."""

    def __init__(self, server):
        self.server = server
        self.target = test_store_mysql.opendental_database(server)
        self.declaration = test_store_mysql.gmail()

    def store(self):
        return keyed(MysqlStore(test_store_mysql.options(self.target)))

    def sessions(self):
        query = "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '%s' ORDER BY ID" % self.target["user"]
        return [row[0] for row in mariadb.rows(self.server, query, None)]

    def drop(self, session):
        mariadb.sql(self.server, "KILL %s" % session)


class PostgreSQL:
    """An Odoo database on the session's PostgreSQL, seen through pg_stat_activity."""

    def __init__(self, server):
        self.server = server
        self.target = test_store_postgresql.odoo_database(server)
        self.declaration = raw_declaration()

    def store(self):
        return keyed(PostgresqlStore(test_store_postgresql.options(self.target)))

    def sessions(self):
        query = "SELECT pid FROM pg_stat_activity WHERE usename = '%s' ORDER BY pid" % self.target["user"]
        return [row[0] for row in postgresql.rows(self.server, query)]

    def drop(self, session):
        postgresql.sql(self.server, "SELECT pg_terminate_backend(%s)" % session)


@pytest.fixture(params=["mysql", "postgresql"])
def engine(request):
    if request.param == "mysql":
        return MariaDB(request.getfixturevalue("mariadb_server"))
    return PostgreSQL(request.getfixturevalue("postgresql_server"))


def sessions_during_write(engine, monkeypatch):
    """Record the store user's sessions at the moment the apply has written and not yet committed."""
    seen = []
    monkeypatch.setattr(_base, "before_read_back", lambda where: seen.append(engine.sessions()))
    return seen


def test_the_apply_writes_on_the_session_its_read_kept(engine, monkeypatch):
    store, wanted = engine.store(), plan(engine.declaration)
    snapshot = store.read(wanted)
    kept = engine.sessions()
    assert len(kept) == 1, kept
    during = sessions_during_write(engine, monkeypatch)
    outcome = store.apply(wanted, KEEP, False, False, snapshot)
    assert outcome.changed
    assert during == [kept]  # the same session, and no second one
    assert engine.sessions() == []  # an apply keeps nothing


def test_a_kept_session_the_server_dropped_is_replaced(engine, monkeypatch):
    store, wanted = engine.store(), plan(engine.declaration)
    snapshot = store.read(wanted)
    [kept] = engine.sessions()
    engine.drop(kept)
    during = sessions_during_write(engine, monkeypatch)
    outcome = store.apply(wanted, KEEP, False, False, snapshot)
    assert outcome.changed
    assert len(during) == 1 and len(during[0]) == 1 and during[0] != [kept]
    assert not engine.store().read(wanted).todo  # the write was committed on the new session


def test_a_run_leaves_no_session_behind_even_when_it_does_not_apply(engine):
    wanted = plan(engine.declaration)

    def failing_probe(candidate):
        del candidate
        return {"ok": False}, []

    declaration = normalised(engine.declaration)
    tested = NOT_TESTED._replace(test=True)
    decision = _test_then_save.run(engine.store(), wanted, declaration, {}, failing_probe, tested)
    assert decision.outcome == _test_then_save.KEPT_PREVIOUS  # read, tested, never applied
    assert engine.sessions() == []
    decision = _test_then_save.run(engine.store(), wanted, declaration, {}, failing_probe, NOT_TESTED)
    assert decision.outcome == _test_then_save.WRITTEN
    assert engine.sessions() == []
