"""Where a page run's server time goes: pyinstrument inside Streamlit's script threads.

    python -m benchmarks.runprofile [--db demo|XS|PATH] [--sessions 40] [--people 1]
                                    [--out benchmarks/out/runprofile]

Serves ``app.py`` (a copy of ``--db``) in a child process whose ``ScriptRunner._run_script``
(the whole run on the script thread: Streamlit's preparation, the script, every message
built, hashed and queued) runs under pyinstrument, then opens ``--sessions`` links
(``protoload.VIEWS`` in turn) with ``--people`` at a time, each changing the page as
``make loadtest``'s people do. Writes the combined profile of the sessions' first runs and
of their later runs (``first.txt``, ``later.txt``, and ``.html``) and prints, per kind, the
median wall and CPU time of the script thread and the process's CPU per run (the event loop's
share included: sending the messages).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "runprofile"


def serve(out_dir: str, port: int) -> None:
    """In the child: Streamlit with each script run profiled (first runs apart from later ones)."""
    import threading

    from pyinstrument import Profiler
    from pyinstrument.session import Session
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.web import cli

    out = Path(out_dir)
    lock = threading.Lock()
    seen: set[str] = set()
    sessions: dict[str, Session | None] = {"first": None, "later": None}
    times: dict[str, list[tuple[float, float]]] = {"first": [], "later": []}
    collections = {"n": 0, "seconds": 0.0}
    started = [0.0]

    def on_gc(phase: str, info: dict) -> None:  # full collections, wherever they run
        if info["generation"] == 2:
            if phase == "start":
                started[0] = time.perf_counter()
            else:
                collections["n"] += 1
                collections["seconds"] += time.perf_counter() - started[0]

    import gc

    gc.callbacks.append(on_gc)
    original = script_runner.ScriptRunner._run_script

    def profiled(self, rerun_data):  # noqa: ANN001, ANN202 - Streamlit's own signature
        with lock:
            if (out / "reset").exists():  # the warm-up is over: forget its runs
                (out / "reset").unlink()
                sessions.update(first=None, later=None)
                times.update(first=[], later=[])
                collections.update(n=0, seconds=0.0)
            kind = "later" if self._session_id in seen else "first"
            seen.add(self._session_id)
        profiler = Profiler(interval=0.0005)
        wall, cpu = time.perf_counter(), time.thread_time()
        profiler.start()
        try:
            return original(self, rerun_data)
        finally:
            profiler.stop()
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            with lock:
                times[kind].append((wall, cpu))
                old = sessions[kind]
                sessions[kind] = (
                    profiler.last_session if old is None else Session.combine(old, profiler.last_session)
                )

    def dump(*_: object) -> None:
        from pyinstrument.renderers import ConsoleRenderer, HTMLRenderer

        with lock:
            for kind, session in sessions.items():
                if session is not None:
                    text = ConsoleRenderer(unicode=True, color=False, show_all=True, flat=False).render(
                        session
                    )
                    (out / f"{kind}-flat.txt").write_text(
                        ConsoleRenderer(unicode=True, color=False, flat=True, show_all=True).render(session)
                    )
                    (out / f"{kind}.txt").write_text(text)
                    (out / f"{kind}.html").write_text(HTMLRenderer().render(session))
            (out / "times.json").write_text(json.dumps({**times, "gc2": collections}))

    script_runner.ScriptRunner._run_script = profiled
    import atexit

    atexit.register(dump)
    sys.argv = ["streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1"]
    sys.argv += [
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    cli.main()


async def drive(url: str, sessions: int, people: int, actions: list[str]) -> None:
    from .protoload import VIEWS, change_for
    from .stclient import Tab

    rng = random.Random(1)
    queue = list(range(sessions))

    async def one_person() -> None:
        while queue:
            i = queue.pop()
            tab = Tab(url, timeout=120)
            try:
                await tab.open(VIEWS[i % len(VIEWS)])
                for action in actions:
                    await tab.rerun(change_for(action, tab, rng))
            finally:
                await tab.close()

    await asyncio.gather(*(one_person() for _ in range(people)))


def main(argv: list[str] | None = None) -> dict:
    import subprocess

    from .protoload import cpu_seconds, prepare_db, warm

    sys.path.insert(0, str(ROOT / "scripts"))
    import cluster

    ap = argparse.ArgumentParser(prog="python -m benchmarks.runprofile", description=__doc__.split("\n")[0])
    ap.add_argument("--db", default="demo")
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--people", type=int, default=1, help="sessions at once")
    ap.add_argument("--actions", default="filter,tab")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--cold", action="store_true", help="measure the sessions' first pass (their views not cached)"
    )
    a = ap.parse_args(argv)
    actions = [x for x in a.actions.split(",") if x]
    a.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="esp-runprofile-"))
    try:
        db = scratch / "served.duckdb"
        shutil.copyfile(prepare_db(a.db, scratch), db)
        port = cluster.free_port()
        log = scratch / "app.log"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ESP_DB": str(db),
            "ESP_USERS": str(scratch / "none.toml"),
        }
        with log.open("wb") as f:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    f"from benchmarks.runprofile import serve; serve({str(a.out)!r}, {port})",
                ],
                cwd=ROOT,
                env=env,
                stdout=f,
                stderr=subprocess.STDOUT,
            )
        try:
            url = f"http://127.0.0.1:{port}/"
            cluster.wait_healthy(url + "_stcore/health", proc, log)
            asyncio.run(warm(url, actions, 120))
            if not a.cold:  # the same sessions once before: their views are in the caches
                asyncio.run(drive(url, a.sessions, a.people, actions))
            (a.out / "reset").touch()  # forget the warm-up's profiles
            cpu0 = cpu_seconds(proc.pid)
            asyncio.run(drive(url, a.sessions, a.people, actions))
            cpu = cpu_seconds(proc.pid) - cpu0
        finally:
            cluster.stop(proc, seconds=60)  # the profiles are written as it exits
        if not (a.out / "times.json").exists():
            raise SystemExit(f"no profiles written; the app's log:\n{log.read_text()[-3000:]}")
        times = json.loads((a.out / "times.json").read_text())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    gc2 = times.pop("gc2")
    runs = sum(len(v) for v in times.values())
    res = {
        kind: {
            "runs": len(v),
            "wall_p50_ms": round(statistics.median(w for w, _ in v) * 1000, 1) if v else None,
            "cpu_p50_ms": round(statistics.median(c for _, c in v) * 1000, 1) if v else None,
        }
        for kind, v in times.items()
    }
    res["process_cpu_ms_per_run"] = round(cpu * 1000 / max(runs, 1), 1)
    res["full_collections"] = {"n": gc2["n"], "ms_per_run": round(gc2["seconds"] * 1000 / max(runs, 1), 1)}
    print(json.dumps(res, indent=1))
    print(f"profiles: {a.out}/first.txt, later.txt (and .html)")
    return res


if __name__ == "__main__":
    main()
