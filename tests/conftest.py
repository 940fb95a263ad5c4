import itertools
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ESP_LOCK_WAIT", "2")

BOTH_KINDS = ("duckdb", "postgresql")
_databases = itertools.count(1)


def pytest_generate_tests(metafunc):
    """``store_kind``: DuckDB only, unless the module sets ``STORE_KINDS`` (e.g. ``BOTH_KINDS``)."""
    if "store_kind" in metafunc.fixturenames:
        metafunc.parametrize("store_kind", getattr(metafunc.module, "STORE_KINDS", ("duckdb",)))


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the session: ``ESP_TEST_PG`` (a URL to its ``postgres``
    database) or a throwaway cluster started here. In CI its absence fails the run."""
    from tests import pgcluster

    given = os.environ.get("ESP_TEST_PG")
    if given:
        yield given
        return
    why = pgcluster.available()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests must run in CI: {why}")
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    root, url = pgcluster.start()
    try:
        yield url
    finally:
        pgcluster.stop(root)


def _with_database(url: str, name: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    parts = conninfo_to_dict(url)
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"postgresql://{user}{parts.get('host', '127.0.0.1')}:{parts.get('port', 5432)}/{name}"


class _Databases:
    """Fresh databases on the session's server, dropped at the end of each test."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.made: list[str] = []

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(sql)

    def new(self, template: str | None = None) -> str:
        name = f"esp_test_{os.getpid()}_{next(_databases)}"
        self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.made.append(name)
        return _with_database(self.server, name)

    def drop_all(self) -> None:
        for name in self.made:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    """The name of a database holding the schema and the reference facts, copied per test."""
    from analytics.store import facts
    from analytics.store.pgstore import PgStore

    dbs = _Databases(pg_server)
    name = f"esp_template_{os.getpid()}"
    dbs._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    dbs._admin(f'CREATE DATABASE "{name}"')
    s = PgStore.open(_with_database(pg_server, name), create=True)
    facts.load(s)
    s.close()
    yield name
    dbs._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_databases(pg_server):
    dbs = _Databases(pg_server)
    yield dbs
    dbs.drop_all()


@pytest.fixture
def pg_url(pg_databases) -> str:
    """A URL to a new, empty PostgreSQL database (no ESP Monitor tables until ``init``)."""
    return pg_databases.new()


@pytest.fixture
def store(store_kind, request):
    """A fresh store with the schema and the reference facts: in memory (DuckDB) or a new
    PostgreSQL database, by ``store_kind``."""
    from analytics.store import facts
    from analytics.store.duckstore import DuckDBStore

    if store_kind == "postgresql":
        from analytics.store.pgstore import PgStore

        template = request.getfixturevalue("pg_template")
        s = PgStore.open(request.getfixturevalue("pg_databases").new(template))
    else:
        s = DuckDBStore.memory()
        facts.load(s)
    yield s
    s.close()


@pytest.fixture
def con(store):
    """A reader of the ``store`` fixture (it sees every write made through the store)."""
    return store.reader()


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    """A path for a database file (not created: only ``init`` creates one), set as ESP_DB."""
    path = tmp_path / "esp.duckdb"
    monkeypatch.setenv("ESP_DB", str(path))
    monkeypatch.delenv("ESP_USERS", raising=False)
    monkeypatch.setenv("ESP_USERS", str(tmp_path / "no-users.toml"))
    return path


@pytest.fixture
def ready_db(db_file):
    """``db_file`` made by init (the schema and the reference facts, no submissions)."""
    from analytics.store import facts
    from analytics.store.duckstore import DuckDBStore

    s = DuckDBStore.open(db_file, create=True)
    facts.load(s)
    s.close()
    return db_file


@pytest.fixture
def esp_db(store_kind, tmp_path, monkeypatch, request) -> str:
    """An uninitialised store of ``store_kind`` (a file path or an empty database), set as ESP_DB."""
    if store_kind == "postgresql":
        target = request.getfixturevalue("pg_url")
    else:
        target = str(tmp_path / "esp.duckdb")
    monkeypatch.setenv("ESP_DB", target)
    monkeypatch.setenv("ESP_USERS", str(tmp_path / "no-users.toml"))
    return target
