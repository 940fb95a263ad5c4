"""Measurements that run in a child process of ``benchmarks.run``, one JSON line out.

A child per database keeps Streamlit's process-wide caches (keyed by data version,
not by file) from mixing sizes, and lets peak memory be read with ``getrusage``.

    python -m benchmarks.child TASK '{"db": ..., ...}'
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# app.py's page keys (the upload page's url_path is "upload", not "report").
PAGES = (
    "overview",
    "country",
    "modules",
    "challenges",
    "practices",
    "completeness",
    "upload",
    "correct",
    "downloads",
    "submissions",
)
BARE_APP = "import streamlit as st\nst.title('Bare')\nst.write('A bare Streamlit page.')\n"


def _ms(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 1)


def _timed(fn: Callable[[], Any], reps: int, warmup: int = 1, cpu: list[float] | None = None) -> list[float]:
    """Wall seconds of each run; the process CPU seconds (all threads) go to ``cpu``.

    CPU time is what the code costs; wall time also holds waiting for a core, which
    on a shared machine depends on what else runs (the load average is recorded).
    """
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        c, t = time.process_time(), time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
        if cpu is not None:
            cpu.append(time.process_time() - c)
    return out


def _maxrss_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # KiB on Linux


def _apptest(page: str, lang: str = "es"):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["lang"] = lang
    at.session_state["_esp_start_page"] = page
    return at


def pages(args: dict) -> dict:
    """Per page: median AppTest run time after a warm-up, with warm caches and with
    ``st.cache_data`` cleared before each run (the first visitor after an upload)."""

    reps = int(args.get("reps", 5))
    out: dict[str, dict] = {}
    for page in args.get("pages") or PAGES:
        at = _apptest(page)
        errors: list[str] = []

        def run() -> None:
            at.run()
            errors.extend(str(e.value)[:300] for e in at.exception)

        cpu: list[float] = []
        warm = _timed(run, reps, cpu=cpu)

        def cold() -> None:
            from webui import cache

            cache.clear_caches()
            run()

        cold_cpu: list[float] = []
        cold_s = _timed(cold, reps, warmup=0, cpu=cold_cpu) if args.get("cold", True) else []
        title = at.title[0].value if len(at.title) else None
        out[page] = {
            "warm_ms": _ms(warm),
            "warm_cpu_ms": _ms(cpu),
            "cold_ms": _ms(cold_s) if cold_s else None,
            "cold_cpu_ms": _ms(cold_cpu) if cold_cpu else None,
            "runs_ms": [round(x * 1000, 1) for x in warm],
            "title": title,
            "elements": len(list(at.main)),
            "errors": sorted(set(errors)),
        }
    return out


def bare(args: dict) -> dict:
    """The floor: a two-element Streamlit page under AppTest."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(BARE_APP, default_timeout=60)
    return {"bare_app_ms": _ms(_timed(at.run, int(args.get("reps", 5)) * 4))}


def queries(args: dict) -> dict:
    """Raw DuckDB/pandas time of the heaviest page queries on a held connection."""
    from analytics.insights import status
    from analytics.ledger import reads
    from analytics.store.duckstore import DuckDBStore

    store = DuckDBStore.open(Path(args["db"]), read_only=True)
    reps = int(args.get("reps", 5)) * 4
    cur = store.reader()
    return {
        "current_progress_ms": _ms(_timed(lambda: reads.current(cur, "progress"), reps)),
        "current_blocks_ms": _ms(_timed(lambda: reads.current_blocks(cur), reps)),
        "stage_matrix_ms": _ms(_timed(lambda: status.stage_status(cur, year=2025), reps)),
        "history_ms": _ms(_timed(lambda: reads.history(cur), reps)),
    }


def snapshots(args: dict) -> dict:
    from analytics.exports import writers
    from analytics.store.duckstore import DuckDBStore

    store = DuckDBStore.open(Path(args["db"]), read_only=True)
    out = {}
    for fmt in args.get("formats") or writers.FORMATS:
        size = 0

        def write(fmt: str = fmt) -> None:
            nonlocal size
            size = len(writers.write(store.reader(), fmt)[1])

        secs = _timed(write, int(args.get("reps", 3)))
        out[fmt] = {"ms": _ms(secs), "bytes": size}
    return out


def ingest(args: dict) -> dict:
    """``check`` or ``load`` (check + commit) of one workbook; time and peak memory
    of this process and of the parsing worker it starts."""
    from analytics.ledger import workflow
    from analytics.ledger.permissions import LOCAL_ADMIN
    from analytics.store.duckstore import DuckDBStore

    data = Path(args["workbook"]).read_bytes()
    store = DuckDBStore.open(Path(args["db"]))
    base = _maxrss_mb(resource.RUSAGE_SELF)
    t = time.perf_counter()
    if args["mode"] == "check":
        chk = workflow.check(store.reader(), data, "bulk.xlsx", principal=LOCAL_ADMIN)
        ok = chk.ok
    else:
        chk, outcome = workflow.load(store, data, "bulk.xlsx", principal=LOCAL_ADMIN)
        ok = outcome is not None and outcome.submission_id is not None
    secs = time.perf_counter() - t
    errors = sorted({f.code for f in chk.findings if f.is_error})
    return {
        "ms": round(secs * 1000, 1),
        "ok": ok,
        "errors": errors,
        "rows": chk.validation.row_count,
        "warnings": sum(not f.is_error for f in chk.findings),
        "rss_before_mb": base,
        "peak_rss_mb": _maxrss_mb(resource.RUSAGE_SELF),
        "worker_peak_rss_mb": _maxrss_mb(resource.RUSAGE_CHILDREN),
    }


def profile(args: dict) -> dict:
    """pyinstrument of one page run (inside AppTest's script thread), a check/load, or
    a snapshot; writes the text report and returns its path and the hottest frames."""
    from pyinstrument import Profiler

    target = args["target"]
    sessions: list = []
    if target == "page":
        from streamlit.testing.v1 import local_script_runner as lsr

        original = lsr.LocalScriptRunner._run_script_thread

        def profiled(self: Any) -> None:
            prof = Profiler(interval=0.0005)
            prof.start()
            try:
                original(self)
            finally:
                prof.stop()
                sessions.append(prof)

        at = _apptest(args["page"])
        at.run()  # warm-up, not profiled
        lsr.LocalScriptRunner._run_script_thread = profiled  # type: ignore[method-assign]
        if args.get("cold"):
            from webui import cache

            cache.clear_caches()
        at.run()
        prof = sessions[-1]
    else:
        prof = Profiler(interval=0.0005)
        if target == "snapshot":
            from analytics.exports import writers
            from analytics.store.duckstore import DuckDBStore

            con = DuckDBStore.open(Path(args["db"]), read_only=True).reader()
            writers.write(con, args["fmt"])  # warm-up
            prof.start()
            writers.write(con, args["fmt"])
        else:
            from analytics.ledger import workflow
            from analytics.ledger.permissions import LOCAL_ADMIN
            from analytics.store.duckstore import DuckDBStore

            store = DuckDBStore.open(Path(args["db"]))
            data = Path(args["workbook"]).read_bytes()
            prof.start()
            workflow.load(store, data, "bulk.xlsx", principal=LOCAL_ADMIN)
        prof.stop()
    text = prof.output_text(unicode=False, color=False, show_all=False, short_mode=False)
    Path(args["out"]).write_text(text)
    return {"report": args["out"], "top": hot_frames(prof)}


def hot_frames(prof: Any, n: int = 10) -> dict[str, list[dict]]:
    """Where the time went: our own functions by inclusive time (outermost call of
    each only, so recursion is not counted twice), and any function by self time."""
    root = prof.last_session.root_frame()
    total = root.time or 1e-9
    own: dict[str, float] = {}
    leaf: dict[str, float] = {}

    def name(frame: Any) -> str:
        path = Path(frame.file_path or "?")
        where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
        return f"{frame.function} ({where}:{frame.line_no})"

    def walk(frame: Any, seen: frozenset[str]) -> None:
        if frame.function and not frame.is_synthetic:
            key = name(frame)
            leaf[key] = leaf.get(key, 0.0) + frame.total_self_time
            path = Path(frame.file_path or "/")
            if (
                path.is_relative_to(ROOT)
                and ".venv" not in path.parts
                and "benchmarks" not in path.parts
                and key not in seen
            ):
                own[key] = own.get(key, 0.0) + frame.time
                seen = seen | {key}
        for c in frame.children:
            walk(c, seen)

    walk(root, frozenset())

    def top(acc: dict[str, float]) -> list[dict]:
        return [
            {"frame": k, "ms": round(v * 1000, 1), "share": round(v / total, 3)}
            for k, v in sorted(acc.items(), key=lambda kv: -kv[1])[:n]
        ]

    return {"total_ms": round(total * 1000, 1), "own": top(own), "self": top(leaf)}


TASKS: dict[str, Callable[[dict], dict]] = {
    "pages": pages,
    "bare": bare,
    "queries": queries,
    "snapshots": snapshots,
    "ingest": ingest,
    "profile": profile,
}


def main() -> None:
    task, args = sys.argv[1], json.loads(sys.argv[2])
    if args.get("db"):
        os.environ["ESP_DB"] = args["db"]
    os.environ["ESP_USERS"] = str(Path(tempfile.gettempdir()) / "esp-bench-no-users.toml")
    result = TASKS[task](args)
    sys.stdout.write("\n@@RESULT@@" + json.dumps(result, default=str) + "\n")


if __name__ == "__main__":
    main()
