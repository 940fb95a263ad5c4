import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "overview",
    "country",
    "modules",
    "challenges",
    "practices",
    "capacity",
    "completeness",
    "upload",
    "correct",
    "downloads",
    "submissions",
    "review",
    "my_reports",
]


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    """The illustrative dataset, built once per test session through the real load path."""
    from analytics.demo import dataset
    from analytics.store import facts
    from analytics.store.duckstore import DuckDBStore

    path = tmp_path_factory.mktemp("demo") / "dataset.duckdb"
    store = DuckDBStore.open(path, create=True)
    facts.load(store)
    dataset.load_demo(store)
    store.close()
    return path


@pytest.fixture
def demo_db(demo_db_template, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo database, set as ESP_DB."""
    path = tmp_path / "esp.duckdb"
    shutil.copy(demo_db_template, path)
    monkeypatch.setenv("ESP_DB", str(path))
    monkeypatch.setenv("ESP_USERS", str(tmp_path / "no-users.toml"))
    return path


@pytest.fixture
def app(demo_db):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at


@pytest.fixture
def open_app(demo_db):
    """A new session on the same database, opened at ``page`` in ``lang``."""
    from streamlit.testing.v1 import AppTest

    def make(page: str, lang: str = "es"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["lang"] = lang
        at.session_state["_esp_start_page"] = page
        return at.run()

    return make
