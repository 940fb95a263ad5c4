"""``make loadtest-browser``: N concurrent real-browser sessions against a local app (``make loadtest``
is the protocol-level one, ``benchmarks/protoload.py``).

    python -m benchmarks.loadtest [--sessions 1,10,20] [--rounds 2] [--db S1|demo|PATH]
                                  [--think 1.0,3.0] [--ramp 0.5] [--max-seconds 900]

For each N, a fresh ``streamlit run app.py`` (127.0.0.1, a free port, ``ESP_DB`` = a
copy of the S1 benchmark database) is warmed up by one session, then N sessions (one
Debian chromium, N contexts, asyncio) each open the overview and walk, ``--rounds``
times: change a sidebar filter (Spotlight), open the country profile, switch the
language, go back to the overview, with a random think time between actions.

Sessions arrive ``--ramp`` seconds apart. Measured: time to the first chart
(``.js-plotly-plot .main-svg`` visible) and the latency of each action, from the click
until the page has settled (the app's script state back to ``notRunning`` after a new
run, no stale element left, and the expected change on screen); each script run's time
inside the server (``ESP_RUN_LOG``), apart from the browsers sharing the machine's
cores; server RSS (``/proc/PID/status``) before and with the N sessions.
A bare Streamlit app's first paint (its title visible) and first chart are measured
in the same run, five fresh contexts each, like the app's own first chart at N = 1.

Loopback only (chromium resolves no other host), bounded: every wait has a timeout,
each phase stops at its share of ``--max-seconds``, and the servers are stopped.
Writes ``benchmarks/loadtest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "loadtest.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
CHART = ".js-plotly-plot .main-svg"
ACTION_TIMEOUT_MS = 120_000  # 20 headless browsers share 2 cores with the server
BARE_APP = """import plotly.graph_objects as go
import streamlit as st
st.title("Bare")
st.plotly_chart(go.Figure(go.Bar(x=["a", "b", "c"], y=[1, 3, 2])))
"""
# Counts finished script runs: the app root's data-test-script-state turning to notRunning.
INIT_JS = """
window.__espDone = 0;
new MutationObserver((records) => {
  for (const r of records) {
    if (r.target.getAttribute('data-test-script-state') === 'notRunning') window.__espDone++;
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
"""
SETTLED_JS = """([n, cond]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  return window.__espDone > n && app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-stale="true"]') && eval(cond);
}"""


def t(key: str, lang: str) -> str:
    from analytics.i18n import t as translate

    return translate(key, lang)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, max(0, int(round(q * (len(v) - 1)))))] * 1000, 1)


class Server:
    """``streamlit run`` on a free loopback port, stopped on exit."""

    def __init__(self, script: Path, db: Path | None, workdir: Path) -> None:
        self.port = free_port()
        self.run_log = workdir / f"runs-{self.port}.jsonl"
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            ESP_USERS=str(workdir / "no-users.toml"),
            ESP_RUN_LOG=str(self.run_log),
        )
        if db is not None:
            env["ESP_DB"] = str(db)
        self.log = (workdir / f"streamlit-{self.port}.log").open("w")
        self.proc = subprocess.Popen(
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
                str(self.port),
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=script.parent,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"streamlit did not start: {Path(self.log.name).read_text()[-2000:]}")
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@dataclass
class Session:
    first_chart_s: float | None = None
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    ctx: Any = None  # kept open until the phase has read the server's memory


async def settle(page: Any, done_before: int, cond: str = "true") -> None:
    await page.wait_for_function(SETTLED_JS, arg=[done_before, cond], polling=25, timeout=ACTION_TIMEOUT_MS)


async def act(page: Any, s: Session, name: str, click: Any, cond: str) -> None:
    n = await page.evaluate("window.__espDone")
    t0 = time.perf_counter()
    await click()
    await settle(page, n, cond)
    s.latencies.setdefault(name, []).append(time.perf_counter() - t0)


async def open_app(browser: Any, url: str) -> tuple[Any, Any, float]:
    """A fresh context; the time from navigation to the first chart drawn."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    await ctx.add_init_script(INIT_JS)
    page = await ctx.new_page()
    t0 = time.perf_counter()
    await page.goto(url + "?lang=es", timeout=ACTION_TIMEOUT_MS)
    await page.locator(CHART).first.wait_for(state="visible", timeout=ACTION_TIMEOUT_MS)
    first = time.perf_counter() - t0
    await settle(page, 0)
    return ctx, page, first


async def walk(
    page: Any, s: Session, rounds: int, think: tuple[float, float], deadline: float, rng: random.Random
) -> None:
    lang = "es"
    sidebar = page.locator('section[data-testid="stSidebar"]')
    nav = page.locator('[data-testid="stSidebarNav"] a')
    h1 = "document.querySelector('h1') && document.querySelector('h1').innerText.trim() === {!r}"
    for r in range(rounds):
        spot = "yes" if r % 2 == 0 else "all"
        steps = [
            (
                "filter",
                lambda: _pick(page, sidebar, t(f"ui.spotlight_{spot}", lang)),
                (
                    "location.search.includes('spotlight=yes')"
                    if spot == "yes"
                    else "!location.search.includes('spotlight=')"
                ),
            ),
            ("country", lambda: nav.nth(1).click(), h1.format(t("nav.country", lang))),
            (
                "language",
                lambda: sidebar.locator(
                    '[data-testid="stRadio"] label', has_text="English" if lang == "es" else "Español"
                ).click(),
                h1.format(t("nav.country", "en" if lang == "es" else "es")),
            ),
            ("overview", lambda: nav.nth(0).click(), None),
        ]
        for name, click, cond in steps:
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(rng.uniform(*think))
            if name == "overview":
                cond = h1.format(t("nav.overview", lang))
            await act(page, s, name, click, cond)
            if name == "language":
                lang = "en" if lang == "es" else "es"


async def _pick(page: Any, sidebar: Any, option: str) -> None:
    """The Spotlight filter: Streamlit's combobox lists its options once text is typed."""
    box = sidebar.locator(".st-key-w_spot input")
    await box.click()
    await box.fill(option)
    await page.get_by_role("option", name=option, exact=True).click()


async def session(
    browser: Any,
    url: str,
    rounds: int,
    think: tuple[float, float],
    deadline: float,
    seed: int,
    delay: float = 0.0,
) -> Session:
    s = Session()
    await asyncio.sleep(delay)
    try:
        s.ctx, page, s.first_chart_s = await open_app(browser, url)
        await walk(page, s, rounds, think, deadline, random.Random(seed))
    except Exception as e:  # a timeout or a missing element: recorded, the phase goes on
        s.failures.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
    return s


async def first_paint(browser: Any, url: str, n: int) -> dict[str, float]:
    """Median time to the title and to the first chart over ``n`` fresh contexts."""
    paint, chart = [], []
    for _ in range(n):
        ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await ctx.new_page()
        t0 = time.perf_counter()
        await page.goto(url, timeout=ACTION_TIMEOUT_MS)
        await page.locator("h1").first.wait_for(state="visible", timeout=ACTION_TIMEOUT_MS)
        paint.append(time.perf_counter() - t0)
        await page.locator(CHART).first.wait_for(state="visible", timeout=ACTION_TIMEOUT_MS)
        chart.append(time.perf_counter() - t0)
        await ctx.close()
    return {
        "first_paint_ms": round(statistics.median(paint) * 1000, 1),
        "first_chart_ms": round(statistics.median(chart) * 1000, 1),
    }


async def phase(
    browser: Any, app: Path, db: Path, workdir: Path, n: int, a: argparse.Namespace, deadline: float
) -> dict[str, Any]:
    with Server(app, db, workdir) as srv:
        warm = await session(browser, srv.url, 1, (0.2, 0.2), deadline, seed=0)
        if warm.ctx is not None:
            await warm.ctx.close()
        await asyncio.sleep(1.0)
        base_rss, cpu0, t0 = rss_mb(srv.proc.pid), cpu_s(srv.proc.pid), time.perf_counter()
        since = time.time()
        peak = base_rss
        sampling = True

        async def sample() -> None:
            nonlocal peak
            while sampling:
                peak = max(peak, rss_mb(srv.proc.pid))
                await asyncio.sleep(0.25)

        sampler = asyncio.create_task(sample())
        sessions = await asyncio.gather(
            *(
                session(browser, srv.url, a.rounds, a.think, deadline, seed=i + 1, delay=i * a.ramp)
                for i in range(n)
            )
        )
        await asyncio.sleep(1.0)
        end_rss = rss_mb(srv.proc.pid)
        sampling = False
        await sampler
        busy = cpu_s(srv.proc.pid) - cpu0
        wall = time.perf_counter() - t0
        for s in sessions:
            if s.ctx is not None:
                await s.ctx.close()
        runs = server_runs(srv.run_log, since)
        probe = await first_paint(browser, srv.url + "?lang=es", 5) if n == 1 else None
    lat = [x for s in sessions for v in s.latencies.values() for x in v]
    by_action = {
        k: pct([x for s in sessions for x in s.latencies.get(k, [])], 0.5)
        for k in ("filter", "country", "language", "overview")
    }
    firsts = [s.first_chart_s for s in sessions if s.first_chart_s is not None]
    return {
        "sessions": n,
        "interactions": len(lat),
        "failures": [f for s in sessions for f in s.failures],
        "first_chart_p50_ms": pct(firsts, 0.5),
        "first_chart_p95_ms": pct(firsts, 0.95),
        "p50_ms": pct(lat, 0.5),
        "p95_ms": pct(lat, 0.95),
        "p50_by_action_ms": by_action,
        "rss_base_mb": base_rss,
        "rss_with_sessions_mb": end_rss,
        "rss_peak_mb": peak,
        "rss_per_session_mb": round((end_rss - base_rss) / n, 1),
        "server_cpu_s": round(busy, 1),
        "wall_s": round(wall, 1),
        "server_cpu_share": round(busy / max(wall, 1e-9), 2),
        "sequential_probe": probe,
        "server_runs": len(runs),
        "server_run_p50_ms": pct(runs, 0.5),
        "server_run_p95_ms": pct(runs, 0.95),
    }


def server_runs(log: Path, since: float) -> list[float]:
    """Seconds of each script run the server finished after ``since`` (``ESP_RUN_LOG``):
    what the app itself spent, apart from the browsers sharing the machine."""
    if not log.exists():
        return []
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [r["ms"] / 1000 for r in rows if r["at"] >= since]


def prepare_db(spec: str, workdir: Path) -> Path:
    dst = workdir / "esp.duckdb"
    if spec in ("S1", "S2", "XS"):
        from . import synth

        src, _ = synth.build(synth.SIZES[spec])
        shutil.copyfile(src, dst)
    elif spec == "demo":
        from analytics.demo import dataset
        from analytics.store import facts
        from analytics.store.duckstore import DuckDBStore

        store = DuckDBStore.open(dst, create=True)
        facts.load(store)
        dataset.load_demo(store)
        store.close()
    else:
        shutil.copyfile(spec, dst)
    return dst


async def run(a: argparse.Namespace) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    started = time.monotonic()
    deadline_all = started + a.max_seconds
    workdir = Path(tempfile.mkdtemp(prefix="esp-loadtest-"))
    res: dict[str, Any] = {
        "command": "python -m benchmarks.loadtest " + " ".join(sys.argv[1:]),
        "db": a.db,
        "rounds": a.rounds,
        "think_s": list(a.think),
        "phases": {},
    }
    try:
        db = prepare_db(a.db, workdir)
        bare = workdir / "bare_app.py"
        bare.write_text(BARE_APP)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                with Server(bare, None, workdir) as srv:
                    await first_paint(browser, srv.url, 1)  # warm-up
                    res["bare"] = await first_paint(browser, srv.url, 5)
                left = len(a.sessions)
                for n in a.sessions:
                    share = (deadline_all - time.monotonic()) / left
                    left -= 1
                    print(f"phase: {n} session(s), up to {share:.0f} s", flush=True)
                    res["phases"][str(n)] = await phase(
                        browser, ROOT / "app.py", db, workdir, n, a, time.monotonic() + share
                    )
            finally:
                await browser.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    res["targets"] = targets(res)
    res["seconds"] = round(time.monotonic() - started, 1)
    return res


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    ph = res["phases"]
    one = ph.get("1")
    if one and one.get("sequential_probe") and res.get("bare"):
        ratio = one["sequential_probe"]["first_chart_ms"] / res["bare"]["first_paint_ms"]
        out.append(
            {
                "what": "first chart / bare first paint",
                "value": round(ratio, 2),
                "target": 1.3,
                "pass": ratio <= 1.3,
            }
        )
    if one and "20" in ph and one["p95_ms"] and ph["20"]["p95_ms"]:
        ratio = ph["20"]["p95_ms"] / one["p95_ms"]
        out.append(
            {
                "what": "p95 at 20 / p95 at 1 (in the browsers)",
                "value": round(ratio, 2),
                "target": 2.0,
                "pass": ratio <= 2.0,
            }
        )
    if one and "20" in ph and one.get("server_run_p95_ms") and ph["20"].get("server_run_p95_ms"):
        ratio = ph["20"]["server_run_p95_ms"] / one["server_run_p95_ms"]
        out.append(
            {
                "what": "p95 at 20 / p95 at 1 (server script runs)",
                "value": round(ratio, 2),
                "target": 2.0,
                "pass": ratio <= 2.0,
            }
        )
    if one and "20" in ph:
        per = (ph["20"]["rss_with_sessions_mb"] - one["rss_with_sessions_mb"]) / 19
        out.append(
            {
                "what": "MB per extra session (20 vs 1)",
                "value": round(per, 1),
                "target": 20.0,
                "pass": per <= 20.0,
            }
        )
    return out


def table(res: dict[str, Any]) -> str:
    b = res.get("bare", {})
    lines = [
        f"bare Streamlit app: first paint {b.get('first_paint_ms')} ms, first chart {b.get('first_chart_ms')} ms",
        f"{'N':>3} {'1st chart p50':>13} {'p95':>7} {'actions':>7} {'p50':>7} {'p95':>7} "
        f"{'RSS base':>8} {'with N':>7} {'MB/sess':>7} {'srv CPU':>7} {'runs':>5} {'run p50':>7} "
        f"{'run p95':>7} fails",
    ]
    for n, p in res["phases"].items():
        lines.append(
            f"{n:>3} {p['first_chart_p50_ms']!s:>13} {p['first_chart_p95_ms']!s:>7} {p['interactions']:>7} "
            f"{p['p50_ms']!s:>7} {p['p95_ms']!s:>7} {p['rss_base_mb']:>8} {p['rss_with_sessions_mb']:>7} "
            f"{p['rss_per_session_mb']:>7} {p['server_cpu_share']:>7} {p.get('server_runs', 0):>5} "
            f"{p.get('server_run_p50_ms')!s:>7} {p.get('server_run_p95_ms')!s:>7} {len(p['failures'])}"
        )
    one = res["phases"].get("1", {})
    if one.get("sequential_probe"):
        lines.append(
            f"app first chart (5 fresh contexts, one at a time): {one['sequential_probe']['first_chart_ms']} ms; "
            f"p50 by action at N=1: {one['p50_by_action_ms']}"
        )
    for tg in res["targets"]:
        lines.append(
            f"{'ok  ' if tg['pass'] else 'MISS'} {tg['what']}: {tg['value']} (target ≤ {tg['target']})"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.loadtest", description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", default="1,10,20")
    ap.add_argument("--rounds", type=int, default=2, help="walks per session (4 actions each)")
    ap.add_argument("--think", default="1.0,3.0", help="think time range in seconds between actions")
    ap.add_argument("--db", default="S1", help="S1, XS, demo, or a path to a database file (copied)")
    ap.add_argument("--max-seconds", type=float, default=900)
    ap.add_argument(
        "--ramp", type=float, default=0.5, help="seconds between one session's arrival and the next"
    )
    ap.add_argument("--out", type=Path, default=RESULTS)
    a = ap.parse_args(argv)
    a.sessions = [int(x) for x in a.sessions.split(",")]
    lo, hi = (float(x) for x in a.think.split(","))
    a.think = (lo, hi)
    return a


def main(argv: list[str] | None = None) -> dict[str, Any]:
    a = parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is required (apt-get install chromium); no browser is downloaded")
    res = asyncio.run(run(a))
    a.out.write_text(json.dumps(res, indent=2))
    print(table(res))
    print(f"wrote {a.out} in {res['seconds']} s")
    return res


if __name__ == "__main__":
    main()
