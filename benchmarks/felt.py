"""``make felt``: speed as people feel it, in a real browser, beside a bare Streamlit app.

    python -m benchmarks.felt [--db demo|S1|XS|PATH] [--reps 5] [--page overview] [--out FILE]

In one run, against a bare Streamlit app (a title, a sidebar select and one Plotly chart)
and the real app (``app.py`` on a copy of ``--db``), both served on loopback and driven by
Debian's Chromium:

* **first load**: a fresh browser context opens the page; the time until every chart on it
  has drawn and the page is quiet (no script run going, nothing stale, and no new run
  starting for ``QUIET_MS``);
* **sidebar change**: the same, from picking another option in a sidebar select (the bare
  app's select; the app's Spotlight filter; the overview on its first tab, the map) until the
  page is quiet again with its charts;
  ``6 × --reps`` changes in each app after two warm-ups, taking turns (bare, app, bare, …)
  as the first loads do;
* **first view after a commit**: a report is committed through the upload page (a real
  file, a new stage for Peru), then a fresh context opens the page: its first load,
  against a warm first load of the same page just after.

Targets: first load ≤ 1.3 × the bare app's, sidebar change ≤ 1.2 ×, first view after a
commit ≤ 1.5 × a warm first load. Medians of ``--reps``; writes ``benchmarks/felt.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from .loadtest import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, prepare_db, t

RESULTS = Path(__file__).resolve().parent / "felt.json"
TIMEOUT_MS = 180_000
QUIET_MS = 600
# A sidebar change takes a fifth of a second where a first load takes two, and varies by a
# third from one change to the next: six per repetition, for a steadier median.
SIDEBAR_CHANGES_PER_REP = 6
# As the first loads: the first changes of each app (every option once) are warm-ups, kept in
# felt.json but not in the medians: the app's first pick of a filter fills its caches, and a
# fresh page's first runs are the browser compiling the code that draws it.
SIDEBAR_WARMUPS = 2
BARE_APP = """import plotly.graph_objects as go
import streamlit as st

st.title("Bare")
choice = st.sidebar.selectbox("Series", ["a", "b", "c"], key="bare_pick")
y = {"a": [1, 3, 2], "b": [2, 1, 3], "c": [3, 2, 1]}[choice]
st.plotly_chart(go.Figure(go.Bar(x=["x", "y", "z"], y=y)))
"""
# Every change to the page counts (a run too quick to show "running" still changes the
# DOM), except in a live region nobody sees: the select's announcements for screen readers
# ("3 options available.") are taken out on a timer up to a second later, in either app.
INIT_JS = """
window.__espMut = 0; window.__espLast = 0;
const __unseen = r => {
  const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
  const live = el && el.closest('[aria-live]');
  if (!live) return false;
  const box = live.getBoundingClientRect();
  return box.width <= 1 || box.height <= 1;
};
new MutationObserver(records => {
  const seen = records.filter(r => !__unseen(r)).length;
  if (seen) { window.__espMut += seen; window.__espLast = performance.now(); }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
# Quiet: connected, not running, nothing stale, every chart (Plotly or Vega-Lite) drew, and no change to
# the page for QUIET_MS.
QUIET_JS = """([n, quiet]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (![...main.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))) return false;
  // Vega-Lite draws nothing while hidden (the stage matrix on a phone): only what shows counts.
  const vega = [...main.querySelectorAll('[data-testid="stVegaLiteChart"]')].filter(v => v.getClientRects().length);
  if (!vega.every(v => v.querySelector('svg.marks g[class*="role-mark"], canvas'))) return false;
  return window.__espMut > n && performance.now() - window.__espLast >= quiet;
}"""


def wait_quiet(page: Any, changes_before: int = 0) -> float:
    """Block until the page has changed since ``changes_before`` changes and is quiet; the
    moment (``performance.now()``, ms since the page's navigation) of its last change."""
    page.wait_for_function(QUIET_JS, arg=[changes_before, QUIET_MS], polling=50, timeout=TIMEOUT_MS)
    return float(page.evaluate("window.__espLast"))


def _new_page(browser: Any, height: int = 1000) -> tuple[Any, Any]:
    """A fresh browser context (nothing cached) watching the page's changes: (context, page)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": height})
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.add_init_script(INIT_JS)
    return ctx, ctx.new_page()


def first_load(browser: Any, url: str) -> float:
    """Seconds from navigation until every chart is drawn and the page is quiet."""
    ctx, page = _new_page(browser)
    try:
        page.goto(url, timeout=TIMEOUT_MS)
        return wait_quiet(page) / 1000
    finally:
        ctx.close()


def _pick(page: Any, key: str, option: str) -> float:
    """Seconds from choosing ``option`` in a sidebar select until the page is quiet again."""
    box = page.locator(f'section[data-testid="stSidebar"] .st-key-{key} input')
    box.click()
    box.fill(option)
    wait_quiet(page)  # the list is open and still
    changes, t0 = page.evaluate("[window.__espMut, performance.now()]")
    page.get_by_role("option", name=option, exact=True).click()
    return (wait_quiet(page, changes) - t0) / 1000


def _opened(browser: Any, url: str) -> tuple[Any, Any]:
    """A fresh context on ``url``, drawn and quiet: (context, page)."""
    ctx, page = _new_page(browser)
    page.goto(url, timeout=TIMEOUT_MS)
    wait_quiet(page)
    return ctx, page


def sidebar_changes(
    browser: Any, pickers: list[tuple[str, str, list[str]]], changes: int, warmups: int = 0
) -> list[list[float]]:
    """Seconds from picking an option of a sidebar select until the page is quiet, ``warmups
    + changes`` times on each of ``pickers`` (url, the select's key, the options to cycle
    through), taking turns: both apps see the same machine, so a busy moment slows them alike.
    The first ``warmups`` of each list are the warm-ups."""
    opened = [_opened(browser, url) for url, _, _ in pickers]
    try:
        times: list[list[float]] = [[] for _ in pickers]
        for i in range(warmups + changes):
            for (_, page), (_, key, options), out in zip(opened, pickers, times, strict=True):
                out.append(_pick(page, key, options[i % len(options)]))
        return times
    finally:
        for ctx, _ in opened:
            ctx.close()


def report_file(folder: Path, stage: int) -> Path:
    """A real workbook: Peru's progress for last year, Health at ``stage``."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "progress"
    ws.append(["country", "period", "module", "stage"])
    year = str(date.today().year - 1)
    for module, s in zip(("HEALTH", "JUSTICE", "SOCIAL", "COORD"), (stage, 2, 3, 1)):
        ws.append(["PER", year, module, s])
    path = folder / f"felt-{stage}.xlsx"
    wb.save(path)
    return path


def commit_through_the_upload_page(browser: Any, url: str, path: Path) -> None:
    ctx, page = _new_page(browser, height=2400)
    try:
        page.goto(url + "upload?lang=es", timeout=TIMEOUT_MS)
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
        confirm = page.locator(".st-key-report_confirm button")
        confirm.wait_for()
        for ack in (".st-key-report_ack_removed label", ".st-key-report_ack label"):
            box = page.locator(ack)
            if box.count():
                box.click()
        page.wait_for_function("() => !document.querySelector('.st-key-report_confirm button').disabled")
        confirm.click()
        page.get_by_text(t("report.see_profile", "es").split("{")[0].strip()).first.wait_for()
    finally:
        ctx.close()


@contextmanager
def step(name: str) -> Iterator[None]:
    """Name the step a timeout happened in (a bare TimeoutError says only how long it waited)."""
    try:
        yield
    except Exception as e:
        raise RuntimeError(f"felt benchmark: {name}: {type(e).__name__}: {str(e).splitlines()[0]}") from e


def _ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def measure(browser: Any, bare_url: str, app_url: str, page: str, reps: int, workdir: Path) -> dict[str, Any]:
    app_page = app_url + ("" if page == "overview" else page) + "?lang=es"
    first_load(browser, bare_url)  # warm-ups: servers, caches, the browser's own cache
    first_load(browser, app_page)
    bare_first, app_first = [], []
    for _ in range(reps):  # alternating, so both see the same machine
        bare_first.append(first_load(browser, bare_url))
        app_first.append(first_load(browser, app_page))
    with step("sidebar changes"):
        spot = [t("ui.spotlight_yes", "es"), t("ui.spotlight_all", "es")]
        bare_side, app_side = sidebar_changes(
            browser,
            [(bare_url, "bare_pick", ["b", "c", "a"]), (app_page, "w_spot", spot)],
            SIDEBAR_CHANGES_PER_REP * reps,
            SIDEBAR_WARMUPS,
        )
    (bare_side_warmup, bare_side), (app_side_warmup, app_side) = (
        (x[:SIDEBAR_WARMUPS], x[SIDEBAR_WARMUPS:]) for x in (bare_side, app_side)
    )
    after_commit, warm = [], []
    for i in range(reps):
        with step("a commit through the upload page"):
            commit_through_the_upload_page(browser, app_url, report_file(workdir, stage=4 + i % 2))
        with step("the first view after a commit"):
            after_commit.append(first_load(browser, app_page))
            warm.append(first_load(browser, app_page))
    res = {
        "page": page,
        "reps": reps,
        "bare_first_load_ms": _ms(bare_first),
        "app_first_load_ms": _ms(app_first),
        "bare_sidebar_ms": _ms(bare_side),
        "app_sidebar_ms": _ms(app_side),
        "app_first_view_after_commit_ms": _ms(after_commit),
        "app_warm_first_load_ms": _ms(warm),
        "samples_s": {
            "bare_first": bare_first,
            "app_first": app_first,
            "bare_sidebar": bare_side,
            "app_sidebar": app_side,
            "bare_sidebar_warmup": bare_side_warmup,
            "app_sidebar_warmup": app_side_warmup,
            "after_commit": after_commit,
            "warm": warm,
        },
    }
    res["targets"] = targets(res)
    return res


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    def ratio(a: str, b: str, limit: float, what: str) -> dict[str, Any]:
        r = round(res[a] / res[b], 2) if res[b] else None
        return {"what": what, "ratio": r, "target": limit, "pass": r is not None and r <= limit}

    return [
        ratio("app_first_load_ms", "bare_first_load_ms", 1.3, "first load / bare app's"),
        ratio("app_sidebar_ms", "bare_sidebar_ms", 1.2, "sidebar change / bare app's"),
        ratio(
            "app_first_view_after_commit_ms",
            "app_warm_first_load_ms",
            1.5,
            "first view after a commit / warm first load",
        ),
    ]


def run(a: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="esp-felt-"))
    try:
        db = prepare_db(a.db, workdir)
        bare = workdir / "bare_app.py"
        bare.write_text(BARE_APP)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                with Server(bare, None, workdir) as b, Server(ROOT / "app.py", db, workdir) as app:
                    res = measure(browser, b.url, app.url, a.page, a.reps, workdir)
            finally:
                browser.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    res["command"] = "python -m benchmarks.felt " + " ".join(a.argv)
    res["db"] = a.db
    res["seconds"] = round(time.monotonic() - started, 1)
    return res


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default="demo", help="demo, XS, S1, S2 or a database file to copy")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--page", default="overview", help="the app page to measure (its url path)")
    p.add_argument("--out", type=Path, default=RESULTS)
    a = p.parse_args(argv)
    a.argv = list(sys.argv[1:] if argv is None else argv)
    return a


def main(argv: list[str] | None = None) -> dict[str, Any]:
    a = parse_args(argv)
    res = run(a)
    a.out.write_text(json.dumps(res, indent=2, default=str) + "\n")
    for tgt in res["targets"]:
        mark = "ok  " if tgt["pass"] else "MISS"
        print(f"{mark} {tgt['what']}: {tgt['ratio']} (target ≤ {tgt['target']})")
    for k in (
        "bare_first_load_ms",
        "app_first_load_ms",
        "bare_sidebar_ms",
        "app_sidebar_ms",
        "app_first_view_after_commit_ms",
        "app_warm_first_load_ms",
    ):
        print(f"  {k}: {res[k]}")
    return res


if __name__ == "__main__":
    main()
