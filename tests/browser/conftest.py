"""Shared machinery of the browser tests: the demo database, Streamlit servers, Chromium.

* The illustrative database is built once per session (``python -m analytics init
  --demo``) and copied for each server: a running server holds DuckDB's lock on its
  file, so anything a test loads through the CLI goes in *before* the server starts.
* Servers listen on a free loopback port, in local mode (``ESP_USERS`` points to a
  file that does not exist, so the user is the local administrator).
* One Chromium (Debian's ``/usr/bin/chromium``, never ``playwright install``) serves
  the whole session; every tab aborts each request that would leave the machine.

Test modules skip themselves when Chromium is missing and ``CI`` is unset; with
``CI`` set, the ``browser`` fixture fails instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "file:")
# Generous: the test machine is shared, and a cold page can take tens of seconds.
WAIT_MS = 120_000
# Axis tick labels drawn (partly) outside their chart's SVG, i.e. cut off on screen.
CLIPPED_LABELS_JS = """() => {
  const out = [];
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const svg = gd.querySelector('.main-svg');
    if (!svg) continue;
    const box = svg.getBoundingClientRect();
    const title = gd.querySelector('.gtitle')?.textContent || gd.id || '?';
    for (const t of gd.querySelectorAll('.xtick text, .ytick text')) {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        out.push(`${title}: ${t.textContent}`);
    }
  }
  for (const chart of document.querySelectorAll('[data-testid=stVegaLiteChart]')) {
    const svg = chart.querySelector('svg.marks');
    if (!svg || !svg.getClientRects().length) continue;
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('g.mark-text text, g.role-axis-label text, g.role-legend-label text')) {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || r.width === 0) continue;
      // A text's box is its line's height: an axis label at the top edge reaches 1-2 px above
      // the chart, its letters do not.
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 4 || r.bottom > box.bottom + 4)
        out.push(`${chart.closest('[class*="st-key-"]')?.className.match(/st-key-[\\w-]+/)?.[0] || 'vega'}: ${t.textContent}`);
    }
  }
  return out;
}"""
CHARTS = ".js-plotly-plot, [data-testid=stVegaLiteChart]"
VEGA_MARK_JS = """([key, layer, start]) => {
  const items = document.querySelectorAll(`.st-key-${key} svg.marks g.${layer}_marks > [aria-label]`);
  const el = [...items].find(e => e.getAttribute('aria-label').startsWith(start));
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return {text: el.textContent, label: el.getAttribute('aria-label'), x: r.x + r.width / 2, y: r.y + r.height / 2};
}"""
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && app.getAttribute('data-test-connection-state') === 'CONNECTED'
      && !document.querySelector('[data-stale="true"]');
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def esp_env(db_path: Path) -> dict[str, str]:
    """The environment of every ``analytics`` CLI call and app server of these tests."""
    env = dict(os.environ)
    env.pop("ESP_LANG", None)
    env["ESP_DB"] = str(db_path)
    env["ESP_USERS"] = str(db_path.parent / "no-users.toml")  # absent: local administrator
    return env


def run_cli(db_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m analytics ARGS`` on ``db_path`` (which no server may hold open)."""
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=ROOT,
        env=esp_env(db_path),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def streamlit_server(
    script: Path | str,
    *,
    env: dict[str, str] | None = None,
    log_dir: Path,
    extra_args: tuple[str, ...] = (),
    port: int | None = None,
) -> Iterator[str]:
    """``streamlit run SCRIPT`` on ``port`` (default: a free loopback port); yields its base
    URL and stops it (its whole process group) afterwards."""
    port = port or free_port()
    log_path = log_dir / f"streamlit-{port}.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--server.runOnSave",
            "false",
            *extra_args,
        ],
        cwd=ROOT,
        env=env or dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.2)
        yield url
    finally:
        _stop(proc)
        log.close()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # our own session: the server and its helpers
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=15)


# --- the database -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The illustrative dataset, built once per session through the real CLI."""
    path = tmp_path_factory.mktemp("esp-demo") / "demo.duckdb"
    out = run_cli(path, "init", "--demo", timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    return path


@pytest.fixture(scope="session")
def db_copy(demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """A private copy of the demo database (in a folder of its own) for one server."""

    def make(name: str) -> Path:
        folder = tmp_path_factory.mktemp(name)
        for f in demo_db_file.parent.iterdir():
            if f.name.startswith(demo_db_file.name):  # the file and a WAL, if any
                shutil.copy(f, folder / f.name)
        return folder / demo_db_file.name

    return make


@pytest.fixture(scope="session")
def streamlit() -> Callable[..., Any]:
    """``with streamlit(SCRIPT, log_dir=..., env=..., extra_args=...) as url:`` — any script."""
    return streamlit_server


@pytest.fixture(scope="session")
def start_app() -> Callable[[Path], Any]:
    """``with start_app(db) as url:`` — the real app (``app.py``) serving ``db``."""

    def start(db_path: Path):
        return streamlit_server("app.py", env=esp_env(db_path), log_dir=db_path.parent)

    return start


# User text that must stay text (test_security.py): loaded before the shared server
# starts, so every page of every test is drawn with it in the data.
_TODAY = date.today()
HOSTILE = {
    "country": "PER",
    "name_en": "Peru",
    # The current quarter sorts first in the profile's tables (grids draw only rows in view).
    "period": f"{_TODAY.year}-Q{(_TODAY.month - 1) // 3 + 1}",
    "challenge": '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">',
    "title": "**bold** <b>x</b>",
    "description": "[link](javascript:window.__pwned=3) <i>desc</i> `code`",
}


def _load_hostile(db_path: Path) -> None:
    from openpyxl import Workbook

    h = HOSTILE
    wb = Workbook()
    ws = wb.active
    ws.title = "challenges"
    ws.append(["country", "period", "module", "category", "severity", "status", "description"])
    ws.append([h["country"], h["period"], "HEALTH", "FINANCING", "HIGH", "OPEN", h["challenge"]])
    ws = wb.create_sheet("practices")
    ws.append(["country", "period", "module", "title", "description", "url"])
    ws.append([h["country"], h["period"], "HEALTH", h["title"], h["description"], "https://example.org/p"])
    path = db_path.parent / "hostile.xlsx"
    wb.save(path)
    out = run_cli(db_path, "load", str(path), "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["status"] == "committed", out.stdout


@pytest.fixture(scope="session")
def hostile() -> dict[str, str]:
    return dict(HOSTILE)


@pytest.fixture(scope="session")
def app_url(db_copy: Callable[[str], Path], start_app: Callable[[Path], Any]) -> Iterator[str]:
    """The one app server of the session (a server and its first page cost tens of
    seconds): the demo data plus the hostile file. test_focal_point.py writes to it."""
    db = db_copy("esp-app")
    _load_hostile(db)
    with start_app(db) as url:
        yield url


# --- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing (CI is set, so the browser tests may not skip)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Tab:
    """A browser tab whose requests outside the machine are aborted and recorded, with
    the few waits a Streamlit page needs."""

    def __init__(
        self, browser: Any, width: int = 1400, height: int = 3800, allow: tuple[str, ...] = LOOPBACK
    ) -> None:
        self.allow = allow
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        self.context.set_default_timeout(WAIT_MS)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        self.page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.allow):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def close(self) -> None:
        self.context.close()

    # --- waiting -------------------------------------------------------------------------
    def idle(self) -> None:
        """The script run finished and nothing stale is left on the page."""
        self.page.wait_for_function(IDLE_JS, timeout=WAIT_MS, polling=100)

    def open(self, url: str, title: str | None = None) -> None:
        self.page.goto(url)
        self.wait_title(title)

    def wait_title(self, title: str | None = None) -> None:
        """The page's h1 (the given text, if any) is drawn and the run is over."""
        h1 = self.main.locator("h1")
        if title is None:
            h1.first.wait_for()
        else:
            self.page.wait_for_function(
                "t => [...document.querySelectorAll('[data-testid=stMain] h1')]"
                ".some(h => h.innerText.trim() === t && !h.closest('[data-stale=true]'))",
                arg=title,
                timeout=WAIT_MS,
                polling=100,
            )
        self.idle()

    def nav(self, title: str) -> None:
        """Switch page through the sidebar (no reload: the session and its state stay)."""
        self.page.locator("[data-testid=stSidebarNav] a[data-testid=stSidebarNavLink]").filter(
            has=self.page.get_by_text(title, exact=True)
        ).click()
        self.wait_title(title)

    def wait_plots(self, n: int = 1, within: Any = None) -> int:
        """At least ``n`` charts (Plotly or Vega-Lite; in ``within``, else the main area)
        drew their SVG; returns how many charts there are."""
        root = within or self.main
        self.page.wait_for_function(
            "([el, n, charts]) => [...el.querySelectorAll(charts)]"
            ".filter(g => g.querySelector('.main-svg, svg.marks g[class*=role-mark]')).length >= n",
            arg=[root.element_handle(), n, CHARTS],
            timeout=WAIT_MS,
            polling=200,
        )
        return root.locator(CHARTS).count()

    def vega_mark(self, key: str, layer: str, label_start: str) -> dict[str, Any] | None:
        """The item of the Vega-Lite chart in ``.st-key-<key>`` drawn by its layer named
        ``layer`` whose accessible label (what a screen reader says) starts with
        ``label_start``: its text and the centre of its box on the page."""
        return self.page.evaluate(VEGA_MARK_JS, [key, layer, label_start])

    # --- reading -------------------------------------------------------------------------
    @property
    def main(self) -> Any:
        return self.page.locator("[data-testid=stMain]")

    def exceptions(self) -> list[str]:
        return self.page.locator("[data-testid=stException]").all_inner_texts()

    def footer_version(self) -> int:
        """The data version printed in the page footer."""
        caption = (
            self.main.locator("[data-testid=stCaptionContainer]")
            .filter(has_text=re.compile(r"ESP Monitor\s*$"))
            .last.inner_text()
        )
        return int(re.search(r"(\d+)", caption).group(1))

    def grid_texts(self, within: Any = None) -> list[str]:
        """The cells of the dataframes drawn in ``within`` (their accessible copy: the
        grid itself is a canvas). Only rows scrolled into view are there."""
        root = within or self.main
        return root.locator("[data-testid=stDataFrame] td[role=gridcell]").all_inner_texts()

    def wait_cell(self, text: str) -> None:
        """A dataframe cell reads exactly ``text`` (grids fill their accessible copy late)."""
        self.page.wait_for_function(
            "t => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stDataFrame] "
            "td[role=gridcell]')].some(td => td.innerText === t)",
            arg=text,
            timeout=WAIT_MS,
            polling=200,
        )

    def grid_rows(self, within: Any = None) -> list[list[str]]:
        root = within or self.main
        return root.locator("[data-testid=stDataFrame] tr[role=row]").evaluate_all(
            "rows => rows.map(r => [...r.querySelectorAll('td[role=gridcell]')].map(td => td.innerText))"
        )

    def clipped_labels(self) -> list[str]:
        return self.page.evaluate(CLIPPED_LABELS_JS)

    def unexpected_requests(self) -> list[str]:
        return list(self.blocked)

    def screenshot(self, name: str) -> Path:
        """The whole page: Streamlit scrolls inside a container, so the viewport grows to
        the content's height first."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        size = self.page.viewport_size
        content = self.page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
            "[data-testid=stAppViewContainer], [data-testid=stSidebarContent]')]"
            ".map(e => e.scrollHeight))"
        )
        tall = min(max(size["height"], int(content)), 16000)
        if tall > size["height"]:
            self.page.set_viewport_size({"width": size["width"], "height": tall})
            self.page.wait_for_timeout(300)  # layout settles after the resize
        self.page.screenshot(path=str(path), full_page=True)
        if tall > size["height"]:
            self.page.set_viewport_size(size)
        return path


@pytest.fixture(scope="session")
def tab_factory(browser: Any) -> Callable[..., Tab]:
    """``tab_factory()`` opens an offline tab that the caller closes (for module fixtures)."""

    def make(**kwargs: Any) -> Tab:
        return Tab(browser, **kwargs)

    return make


@pytest.fixture()
def new_tab(tab_factory: Callable[..., Tab]) -> Iterator[Callable[..., Tab]]:
    """``new_tab()`` opens an offline tab; all are closed after the test."""
    tabs: list[Tab] = []

    def make(**kwargs: Any) -> Tab:
        tab = tab_factory(**kwargs)
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        tab.close()


def t(key: str, lang: str, **params: object) -> str:
    """The app's own translation of ``key`` (page titles, buttons, messages)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from analytics.i18n import t as translate

    return translate(key, lang, **params)


@pytest.fixture(scope="session")
def tr() -> Callable[..., str]:
    return t
