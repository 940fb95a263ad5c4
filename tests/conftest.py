import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ESP_LOCK_WAIT", "2")


@pytest.fixture
def store():
    """An in-memory store with the schema and the reference facts."""
    from analytics import reference
    from analytics.duckstore import DuckDBStore

    s = DuckDBStore.memory()
    reference.load(s)
    yield s
    s.close()


@pytest.fixture
def con(store):
    """A reader of the ``store`` fixture (it sees every write made through the store)."""
    return store.reader()


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    """A fresh database file, also set as ESP_DB for code that opens it itself."""
    path = tmp_path / "esp.duckdb"
    monkeypatch.setenv("ESP_DB", str(path))
    monkeypatch.delenv("ESP_USERS", raising=False)
    monkeypatch.setenv("ESP_USERS", str(tmp_path / "no-users.toml"))
    return path
