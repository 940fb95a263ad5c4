"""``make bench``: build the synthetic databases, measure, compare with issue 7's targets,
profile what misses, print a table and write ``benchmarks/results.json``.

    python -m benchmarks.run [--quick] [--sizes S1,S2] [--reps N] [--rows 10000,50000]
                             [--no-profile] [--no-cold] [--rebuild] [--out PATH]
                             [--stores duckdb,postgresql]

With ``postgresql`` among the stores (the default where PostgreSQL is installed, or
``ESP_BENCH_PG`` names a server), each size is also moved into PostgreSQL by backup →
restore (timed), and the pages are measured again against it (issue 13: within 1.2× of
DuckDB mode).

Every measurement runs in a child process (``benchmarks.child``); see README
"Performance" for what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import stores, synth, workbooks
from .child import PAGES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
PAGE_TARGET_MS = {"XS": 100.0, "S1": 100.0, "S2": 300.0}
LOAD_TARGET_MS = {10_000: 2000.0, 50_000: 8000.0}
SNAPSHOT_XLSX_TARGET_MS = 3000.0  # at S2
PG_PAGE_RATIO = 1.2  # page time with PostgreSQL / with DuckDB, warm (issue 13)


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    import duckdb
    import pandas
    import streamlit

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gb": round(mem / 2**20, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "streamlit": streamlit.__version__,
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
    }


def code_version() -> dict[str, Any]:
    """The commit measured and the files that differed from it (read-only git calls)."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout
        except OSError:
            return ""

    dirty = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "modified": dirty}


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def child(task: str, timeout: float = 3600, **args: Any) -> dict:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.child", task, json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@") :])
    raise RuntimeError(f"benchmarks.child {task} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def measure_ingest(db: Path, workbook: Path, reps: int, scratch: Path) -> dict[str, Any]:
    """check and load (check + commit), each in a fresh child on a fresh copy of ``db``."""
    out: dict[str, Any] = {}
    for mode in ("check", "load"):
        runs = []
        for _ in range(reps):
            copy = synth.copy_db(db, scratch / "ingest.duckdb")
            runs.append(child("ingest", db=str(copy), workbook=str(workbook), mode=mode))
            copy.unlink()
        if not all(r["ok"] for r in runs):
            raise RuntimeError(f"{workbook.name} {mode} refused: {runs[0]['errors']}")
        out[mode] = {
            "ms": _median([r["ms"] for r in runs]),
            "runs_ms": [r["ms"] for r in runs],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "rss_before_mb": runs[0]["rss_before_mb"],
            "worker_peak_rss_mb": max(r["worker_peak_rss_mb"] for r in runs),
            "rows": runs[0]["rows"],
            "warnings": runs[0]["warnings"],
        }
    return out


def evaluate(res: dict) -> list[dict]:
    """Each issue-7 target this run can judge: value, target, pass."""
    out = []
    for size, pages in res["pages"].items():
        for page, p in pages.items():
            out.append(
                {
                    "what": f"page {page} @ {size} (warm)",
                    "key": ["page", size, page],
                    "value_ms": p["warm_ms"],
                    "target_ms": PAGE_TARGET_MS[size],
                    "pass": p["warm_ms"] <= PAGE_TARGET_MS[size] and not p["errors"],
                }
            )
    for rows, r in res["ingest"]["bulk"].items():
        target = LOAD_TARGET_MS.get(int(rows))
        if target:
            out.append(
                {
                    "what": f"load {int(rows):,} rows",
                    "key": ["load", rows],
                    "value_ms": r["load"]["ms"],
                    "target_ms": target,
                    "pass": r["load"]["ms"] <= target,
                }
            )
    out += _pg_targets(res)
    if "S2" in res["snapshots"]:
        v = res["snapshots"]["S2"]["xlsx"]["ms"]
        out.append(
            {
                "what": "snapshot xlsx @ S2",
                "key": ["snapshot", "S2", "xlsx"],
                "value_ms": v,
                "target_ms": SNAPSHOT_XLSX_TARGET_MS,
                "pass": v <= SNAPSHOT_XLSX_TARGET_MS,
            }
        )
    return out


def _pg_targets(res: dict) -> list[dict]:
    """Each page with PostgreSQL against the same page with DuckDB (warm medians)."""
    out = []
    for size, pages in res.get("pages_pg", {}).items():
        for page, p in pages.items():
            duck = res["pages_paired"][size][page]["warm_ms"]
            out.append(
                {
                    "what": f"page {page} @ {size} with PostgreSQL (≤ {PG_PAGE_RATIO}× DuckDB {duck} ms)",
                    "key": ["pg_page", size, page],
                    "value_ms": p["warm_ms"],
                    "target_ms": round(duck * PG_PAGE_RATIO, 1),
                    "pass": p["warm_ms"] <= duck * PG_PAGE_RATIO and not p["errors"],
                }
            )
    return out


def measure_postgresql(res: dict, a: argparse.Namespace, dbs: dict[str, Path], scratch: Path) -> None:
    """Each size moved into PostgreSQL (backup → restore, timed), then its pages measured."""
    why = stores.available()
    if why:
        res["stores_skipped"] = why
        print(f"PostgreSQL not measured: {why}", flush=True)
        return
    with stores.server() as server:
        for s in a.sizes:
            print(f"measuring {s} with PostgreSQL: backup, restore, pages", flush=True)
            res["stores"][s] = stores.measure(dbs[s], s, server, scratch)
            url = res["stores"][s].pop("url")
            res["pages_pg"][s], res["pages_paired"][s] = paired_pages(str(dbs[s]), url, a.reps)


def paired_pages(duck: str, pg: str, reps: int, rounds: int = 2) -> tuple[dict, dict]:
    """Warm page times with PostgreSQL and with DuckDB, measured in alternation (DuckDB,
    PostgreSQL, DuckDB, …) so that a change in the machine's load affects both alike; each
    page keeps the lower of its medians per mode."""
    runs: dict[str, list[dict]] = {"duckdb": [], "postgresql": []}
    for _ in range(rounds):
        runs["duckdb"].append(child("pages", db=duck, reps=reps, cold=False))
        runs["postgresql"].append(child("pages", db=pg, reps=reps, cold=False))

    def best(measured: list[dict]) -> dict:
        out = {}
        for page in measured[0]:
            fastest = min((m[page] for m in measured), key=lambda p: p["warm_ms"])
            out[page] = {**fastest, "errors": sorted({e for m in measured for e in m[page]["errors"]})}
        return out

    return best(runs["postgresql"]), best(runs["duckdb"])


def profile_misses(res: dict, dbs: dict[str, Path], bulk: dict[str, Path], cache: Path) -> dict[str, Any]:
    """pyinstrument of every miss (a warm page run, as the target is for warm runs)."""
    out: dict[str, Any] = {}
    scratch = cache / "scratch"
    pdir = cache / "profiles"
    pdir.mkdir(parents=True, exist_ok=True)
    for t in res["targets"]:
        if t["pass"]:
            continue
        kind, *rest = t["key"]
        if kind == "pg_page":
            continue
        name = "-".join(map(str, t["key"]))
        path = pdir / f"{name}.txt"
        if kind == "page":
            out[name] = child(
                "profile", target="page", db=str(dbs[rest[0]]), page=rest[1], cold=False, out=str(path)
            )
        elif kind == "snapshot":
            out[name] = child("profile", target="snapshot", db=str(dbs[rest[0]]), fmt=rest[1], out=str(path))
        elif kind == "load":
            copy = synth.copy_db(dbs[res["ingest"]["db_size"]], scratch / "ingest.duckdb")
            out[name] = child(
                "profile", target="load", db=str(copy), workbook=str(bulk[rest[0]]), out=str(path)
            )
            copy.unlink()
        print(f"  profiled {name} → {path}", flush=True)
    return out


def table(res: dict) -> str:
    sizes = list(res["pages"])
    lines = [
        f"ESP Monitor benchmark · {res['started_at']} · commit {res['code']['commit']}"
        f"{' + ' + str(len(res['code']['modified'])) + ' modified files' if res['code']['modified'] else ''}"
        f" · {res['machine']['nproc']} × "
        f"{res['machine']['cpu']} · {res['machine']['mem_gb']} GB · load avg "
        f"{res['loadavg_start'][0]} → {res['loadavg_end'][0]}",
        "",
    ]
    for size in sizes:
        b = res["builds"][size]
        lines.append(
            f"{size}: {b['reports']:,} reports in {b['load']['files']:,} files, "
            f"{b['tables']['progress']:,} progress rows, {b['db_mb']} MB "
            f"(built in {b['load']['seconds']} s, {b['load']['per_file_s']} s/file)"
        )
    lines += ["", "AppTest script time, median ms (warm caches / st.cache_data cleared)"]
    lines.append(f"{'page':<14}" + "".join(f"{s + ' warm':>11}{s + ' cold':>11}{'':>6}" for s in sizes))
    for page in PAGES:
        row = f"{page:<14}"
        for s in sizes:
            p = res["pages"][s][page]
            ok = "ok" if p["warm_ms"] <= PAGE_TARGET_MS[s] and not p["errors"] else "MISS"
            row += f"{p['warm_ms']:>11}{p['cold_ms'] if p['cold_ms'] is not None else '-':>11}{ok:>6}"
        lines.append(row)
    f = res["floors"]
    lines += ["", f"floor: bare Streamlit page under AppTest {f['bare_app_ms']} ms"]
    for s in sizes:
        q = f["queries"][s]
        lines.append(
            f"floor @ {s}: current(progress) {q['current_progress_ms']} ms · stage_matrix "
            f"{q['stage_matrix_ms']} ms · current_blocks {q['current_blocks_ms']} ms · "
            f"history {q['history_ms']} ms"
        )
    lines += [
        "",
        f"Upload into a copy of the {res['ingest']['db_size']} database (median ms; peak RSS MB "
        "of the app process / of the parsing worker)",
    ]
    for label, r in list(res["ingest"]["bulk"].items()) + list(res["ingest"]["single"].items()):
        name = f"{int(label):,} rows" if str(label).isdigit() else f"1 report @ {label}"
        tgt = LOAD_TARGET_MS.get(int(label)) if str(label).isdigit() else None
        mark = "" if tgt is None else (" ok" if r["load"]["ms"] <= tgt else f" MISS (target {tgt:.0f})")
        lines.append(
            f"  {name:<16} check {r['check']['ms']:>8} ms  load {r['load']['ms']:>8} ms{mark:<22}"
            f" peak {r['load']['peak_rss_mb']} / {r['load']['worker_peak_rss_mb']} MB"
        )
    if "S2" in res["ingest"]["single"]:
        per = res["ingest"]["single"]["S2"]["load"]["ms"] / 1000
        lines.append(
            f"  S2 file by file (80,000 single-report files) ≈ {per * 80_000 / 3600:.1f} h at "
            f"{per:.2f} s/file → S2 is loaded in bulk files"
        )
    lines += ["", "Snapshot (median ms / size)"]
    for s in sizes:
        lines.append(
            f"  {s}: "
            + " · ".join(
                f"{fmt} {v['ms']} ms / {v['bytes'] / 2**20:.1f} MB" for fmt, v in res["snapshots"][s].items()
            )
        )
    lines += _pg_table(res)
    misses = [t for t in res["targets"] if not t["pass"]]
    lines += ["", f"Targets: {len(res['targets']) - len(misses)} pass, {len(misses)} miss"]
    for t in misses:
        lines.append(f"  MISS {t['what']}: {t['value_ms']} ms > {t['target_ms']:.0f} ms")
        top = res.get("profiles", {}).get("-".join(map(str, t["key"])), {}).get("top", {})
        for fr in [f for f in top.get("own", []) if not f["frame"].startswith("<module>")][:4]:
            lines.append(f"       {fr['share'] * 100:4.0f} %  {fr['frame']}")
    return "\n".join(lines)


def _pg_table(res: dict) -> list[str]:
    if res.get("stores_skipped"):
        return ["", f"PostgreSQL not measured: {res['stores_skipped']}"]
    lines = []
    for s, pages in res.get("pages_pg", {}).items():
        lines += [
            "",
            f"PostgreSQL mode @ {s}: warm ms with PostgreSQL / with DuckDB (ratio), measured in alternation",
        ]
        for page, p in pages.items():
            duck = res["pages_paired"][s][page]["warm_ms"]
            lines.append(f"  {page:<14}{p['warm_ms']:>9} / {duck:>7}  ({p['warm_ms'] / duck:.2f}×)")
        c = res["stores"][s]
        lines.append(
            f"  backup of the DuckDB file {c['backup_duckdb_ms']} ms ({c['backup_bytes'] / 2**20:.1f} MB, "
            f"{c['rows']:,} rows) · restore into DuckDB {c['restore_duckdb_ms']} ms · into PostgreSQL "
            f"{c['restore_pg_ms']} ms · backup of PostgreSQL {c['backup_pg_ms']} ms · an app process "
            f"opening the PostgreSQL store {c['open_pg_ms']} ms"
        )
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--quick", action="store_true", help="S1 only (unless --sizes), 1 repetition, no profiles"
    )
    ap.add_argument("--sizes", default=None, help="comma list of XS,S1,S2 (default S1,S2)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions per measurement (default 5)")
    ap.add_argument("--rows", default="10000,50000", help="bulk workbook sizes for check/load")
    ap.add_argument("--no-profile", action="store_true")
    ap.add_argument("--no-cold", action="store_true", help="skip the cache-cleared page runs")
    ap.add_argument("--rebuild", action="store_true", help="regenerate the cached databases")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--cache", type=Path, default=synth.OUT, help="where databases and workbooks are kept")
    ap.add_argument(
        "--stores", default="duckdb,postgresql", help="duckdb, or duckdb,postgresql (the default)"
    )
    ap.add_argument("--no-ingest", action="store_true", help="skip the check/load measurements")
    a = ap.parse_args(argv)
    a.sizes = (a.sizes or ("S1" if a.quick else "S1,S2")).split(",")
    a.reps = a.reps or (1 if a.quick else 5)
    a.no_profile = a.no_profile or a.quick
    return a


def main(argv: list[str] | None = None) -> dict:
    a = parse_args(argv)
    started = time.perf_counter()
    res: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "code": code_version(),
        "loadavg_start": loadavg(),
        "reps": a.reps,
        "builds": {},
        "pages": {},
        "snapshots": {},
        "floors": {"queries": {}},
        "ingest": {"bulk": {}, "single": {}},
        "stores": {},
        "pages_pg": {},
        "pages_paired": {},
    }
    dbs: dict[str, Path] = {}
    for s in a.sizes:
        dbs[s], res["builds"][s] = synth.build(synth.SIZES[s], out=a.cache, rebuild=a.rebuild)
    scratch = a.cache / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    print("measuring the floors", flush=True)
    res["floors"].update(child("bare", reps=a.reps))
    for s in a.sizes:
        print(f"measuring {s}: pages, queries, snapshots", flush=True)
        res["pages"][s] = child("pages", db=str(dbs[s]), reps=a.reps, cold=not a.no_cold)
        res["floors"]["queries"][s] = child("queries", db=str(dbs[s]), reps=a.reps)
        res["snapshots"][s] = child("snapshots", db=str(dbs[s]), reps=min(a.reps, 3))
    if "postgresql" in a.stores.split(","):
        measure_postgresql(res, a, dbs, scratch)
    big = a.sizes[-1]
    res["ingest"]["db_size"] = big
    units = synth.units_for(synth.SIZES[big])
    bulk: dict[str, Path] = {}
    ingest_reps = min(a.reps, 3)
    for rows in (int(r) for r in a.rows.split(",") if r and not a.no_ingest):
        print(f"measuring check/load of {rows:,} rows", flush=True)
        bulk[str(rows)] = workbooks.bulk_workbook(units, rows, a.cache)
        res["ingest"]["bulk"][str(rows)] = measure_ingest(dbs[big], bulk[str(rows)], ingest_reps, scratch)
    for s in a.sizes if not a.no_ingest else []:
        single = workbooks.single_report(synth.SIZES[s], a.cache)
        res["ingest"]["single"][s] = measure_ingest(dbs[s], single, ingest_reps, scratch)
    res["targets"] = evaluate(res)
    if not a.no_profile and any(not t["pass"] for t in res["targets"]):
        print("profiling the misses", flush=True)
        res["profiles"] = profile_misses(res, dbs, bulk, a.cache)
    res["loadavg_end"] = loadavg()
    res["seconds"] = round(time.perf_counter() - started, 1)
    a.out.write_text(json.dumps(res, indent=2, default=str))
    print()
    print(table(res))
    print(f"\nwrote {a.out} in {res['seconds']} s")
    return res


if __name__ == "__main__":
    main()
