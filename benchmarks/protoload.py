"""``make loadtest``: many people at once, over Streamlit's own protocol (no browsers).

    python -m benchmarks.protoload [--levels 1,30,60,120] [--duration 90] [--think 4,12]
        [--db demo|S1|XS|PATH] [--processes 1|2] [--app LABEL=DIR ...] [--actions filter,tab]
        [--label NAME] [--out benchmarks/protoload.json] [--table]

Each simulated person (``benchmarks.stclient.Tab``: the page, ``/_stcore/health``,
``/_stcore/host-config``, then the websocket, as a browser opens a link) opens a link to the
overview with some view in its URL (``VIEWS``: languages, countries, sub-regions, the matrix
tab, as people open a shared link; a new session's first run), then after a think time of
``--think`` seconds changes the page ``--actions`` (default: the Spotlight filter, then the
other tab; ``rerun`` runs the page again unchanged), thinks again, leaves and opens another
link. People arrive spread over the first think time. Each level runs ``--duration`` seconds.

Measured per level: each run's time from the request to ``script_finished`` as the person's
tab sees it (p50 / p95 / max, all runs and by kind), runs per second, failures (an exception or
error on the page, a lost connection, no answer in ``--timeout`` seconds), and from ``/proc``:
the CPU the app processes used (cores, and milliseconds per run), their memory (RSS at the
start, peak), the proxy's and PostgreSQL's CPU, this load generator's, and the whole machine's
(other programs included: the machine is shared). The app's own script time per run comes from
``ESP_RUN_LOG`` (a session's first run apart from its later ones).

``--processes 2``: the demo data in PostgreSQL (a throwaway cluster, ``tests/pgcluster.py``, or
``ESP_BENCH_PG``), two app processes behind HAProxy (``config/haproxy.cfg``, started by
``scripts/cluster.py``). ``--app before=DIR --app after=.`` serves two checkouts side by side
and measures them in turn at each level (ABBA), so the machine's load hits both alike.

Each app is warmed first (every view opened once, as a server that has been serving). Results
go into ``--out`` under ``--label`` (other labels are kept); ``--table`` prints the README's
table from that file without measuring.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.cookiejar
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .stclient import RunFailed, Tab

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "protoload.json"
CLK = os.sysconf("SC_CLK_TCK")
# Links people share: the overview with a view in its URL (lang, countries, sub-region,
# cohort, years, Spotlight, the matrix tab, the map's measure).
VIEWS = [
    "",
    "lang=es",
    "lang=en",
    "lang=es&countries=PER,GTM",
    "lang=en&countries=MEX,HND,SLV,GTM",
    "lang=es&subregion=Caribbean",
    "lang=es&tab=matrix",
    "lang=en&subregion=South%20America&tab=matrix",
    "lang=es&cohort=spotlight_2018",
    "lang=es&from=2019&to=2024",
    "lang=es&spotlight=yes&measure=HEALTH",
    "lang=es&countries=ARG,URY,PRY,BOL&tab=matrix",
]


def pct(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (nearest rank) of ``values`` in milliseconds, or None."""
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, max(0, int(round(q * (len(v) - 1)))))] * 1000, 1)


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": pct(values, 0.5),
        "p95_ms": pct(values, 0.95),
        "max_ms": pct(values, 1.0),
    }


# --- /proc -------------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid: int, *, children: bool = True) -> float:
    """User + system CPU of ``pid`` (and of its children that ended, when ``children``)."""
    f = _stat(pid)
    if f is None:
        return 0.0
    ticks = int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if children else 0)
    return ticks / CLK


def children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            f = _stat(int(entry.name))
            if f is not None and int(f[1]) == pid:
                out.append(int(entry.name))
    return out


def tree_cpu_seconds(pid: int) -> float:
    """CPU of ``pid`` and of every process it started, running or ended (PostgreSQL's backends)."""
    return cpu_seconds(pid) + sum(cpu_seconds(c) for c in children_of(pid))


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, every core."""
    f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = f[3] + f[4]
    return (sum(f[:8]) - idle) / CLK, sum(f[:8]) / CLK


@dataclass
class Watched:
    """The processes one app setup runs: the app processes, the proxy, PostgreSQL."""

    apps: list[int]
    proxy: int | None = None
    postgres: int | None = None

    def cpu(self) -> dict[str, float]:
        busy, total = machine_busy()
        out = {f"app{i + 1}": cpu_seconds(p) for i, p in enumerate(self.apps)}
        out["proxy"] = cpu_seconds(self.proxy) if self.proxy else 0.0
        out["postgres"] = tree_cpu_seconds(self.postgres) if self.postgres else 0.0
        out["loadgen"] = cpu_seconds(os.getpid(), children=False)
        out["machine_busy"], out["machine_total"] = busy, total
        return out

    def rss(self) -> float:
        return round(sum(rss_mb(p) for p in self.apps), 1)


# --- people --------------------------------------------------------------------------------


@dataclass
class Tally:
    runs: list[tuple[str, float, float]] = field(default_factory=list)  # (kind, finished at, seconds)
    failures: list[str] = field(default_factory=list)


def change_for(action: str, tab: Tab, rng: random.Random) -> dict[str, Any] | None:
    """The widget change a person makes: another Spotlight choice, the other tab, or none."""
    if action == "rerun":
        return None
    key = {"filter": "w_spot", "tab": "overview_tab"}[action]
    w = tab.widgets.get(key)
    if w is None or len(w.options) < 2:
        raise RunFailed(f"the page drew no {key}")
    current = w.value if w.value in w.options else w.options[0]
    if action == "tab":  # the tab the URL opened is the one shown; take the other
        current = w.options[1] if "tab=matrix" in tab.query else w.options[0]
    return {key: rng.choice([o for o in w.options if o != current])}


async def person(
    url: str,
    actions: list[str],
    think: tuple[float, float],
    until: float,
    seed: int,
    tally: Tally,
    timeout: float,
) -> None:
    rng = random.Random(seed)
    jar = http.cookiejar.CookieJar()  # the browser's: a proxy's affinity cookie stays with the person
    await asyncio.sleep(rng.uniform(0, think[1]))
    while time.monotonic() < until:
        tab = Tab(url, jar=jar, timeout=timeout)
        kind = "open"
        try:
            tally.runs.append((kind, time.monotonic(), (await tab.open(rng.choice(VIEWS))).seconds))
            for kind in actions:
                await asyncio.sleep(rng.uniform(*think))
                if time.monotonic() >= until:
                    break
                run = await tab.rerun(change_for(kind, tab, rng))
                tally.runs.append((kind, time.monotonic(), run.seconds))
            else:
                await asyncio.sleep(rng.uniform(*think))  # reads, then leaves
        except Exception as e:  # a page error, a lost connection, no answer in time: each counts as a failure
            tally.failures.append(f"{kind}: {type(e).__name__}: {str(e)[:200]}")
            await asyncio.sleep(rng.uniform(*think))
        finally:
            try:
                await tab.close()
            except Exception:  # the connection is already gone
                pass


async def warm(url: str, actions: list[str], timeout: float) -> None:
    """Every view opened once and changed as people do: the caches a serving app has."""
    rng = random.Random(0)
    for view in VIEWS:
        tab = Tab(url, timeout=max(timeout, 120))
        try:
            await tab.open(view)
            for action in actions:
                await tab.rerun(change_for(action, tab, rng))
        finally:
            await tab.close()


def script_runs(logs: list[Path], since: float, until: float) -> dict[str, Any]:
    """The app's own script time per run (``ESP_RUN_LOG`` of each process): each session's
    first run, and its later runs."""
    first: list[float] = []
    later: list[float] = []
    seen: set[str] = set()
    for log in logs:
        if not log.exists():
            continue
        for line in log.read_text().splitlines():
            r = json.loads(line)
            new = r["session"] not in seen
            seen.add(r["session"])
            if since <= r["at"] <= until:
                (first if new else later).append(r["ms"] / 1000)
    return {"first": summary(first), "later": summary(later)}


async def level(setup: Setup, n: int, a: argparse.Namespace, seed: int) -> dict[str, Any]:
    tally = Tally()
    rss_start = setup.watched.rss()
    cpu0, wall0, at0 = setup.watched.cpu(), time.monotonic(), time.time()
    until = wall0 + a.duration
    peak = rss_start
    sampling = True

    async def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, setup.watched.rss())
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    await asyncio.gather(
        *(person(setup.url, a.actions, a.think, until, seed * 1000 + i, tally, a.timeout) for i in range(n))
    )
    wall = time.monotonic() - wall0
    sampling = False
    await sampler
    cpu1 = setup.watched.cpu()
    used = {k: cpu1[k] - cpu0[k] for k in cpu0}
    runs = len(tally.runs)
    apps = sum(v for k, v in used.items() if k.startswith("app"))
    machine = used.pop("machine_busy")
    capacity = used.pop("machine_total")
    cores = {k: round(v / wall, 2) for k, v in used.items()}
    cores["machine"] = round(machine / wall, 2)
    cores["others"] = round(max(0.0, machine - sum(used.values())) / wall, 2)
    seconds = [s for _, _, s in tally.runs]
    return {
        "sessions": n,
        "seconds": round(wall, 1),
        "runs": runs,
        "runs_per_s": round(runs / wall, 2),
        "latency": summary(seconds),
        "by_kind": {
            k: summary([s for kind, _, s in tally.runs if kind == k])
            for k in ["open", *dict.fromkeys(a.actions)]
        },
        "failures": len(tally.failures),
        "failure_samples": tally.failures[:10],
        "app_cpu_cores": round(apps / wall, 2),
        "app_cpu_ms_per_run": round(apps * 1000 / runs, 1) if runs else None,
        "cores": cores,
        "machine_cores": round(capacity / wall, 1),
        "rss_mb_start": rss_start,
        "rss_mb_peak": peak,
        "script_ms": script_runs(setup.run_logs, at0, time.time()),
        "load_average": os.getloadavg()[0],
    }


# --- servers -------------------------------------------------------------------------------


@dataclass
class Setup:
    label: str
    url: str
    watched: Watched
    run_logs: list[Path]  # one per app process, in the order of watched.apps
    app_urls: list[str] = field(default_factory=list)  # each process, behind the proxy or not


def _cluster_module() -> Any:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import cluster  # scripts/cluster.py: the same start-up as `make cluster`
    finally:
        sys.path.pop(0)
    return cluster


def demo_backup(db: Path, scratch: Path) -> Path:
    from analytics.store import backup
    from analytics.store.duckstore import DuckDBStore

    out = scratch / "demo-backup.zip"
    source = DuckDBStore.open(db, read_only=True)
    try:
        backup.write(source, out)
    finally:
        source.close()
    return out


def pg_database(server_url: str, name: str, backup_zip: Path) -> str:
    """A fresh database ``name`` on the server, holding the backup."""
    from analytics.store import backup
    from analytics.store.pgstore import PgStore

    from .stores import _database

    url = _database(server_url, name)
    store = PgStore.open(url, create=True)
    try:
        backup.restore(store, backup_zip)
    finally:
        store.close()
    return url


def start_setup(
    stack: ExitStack,
    label: str,
    root: Path,
    a: argparse.Namespace,
    scratch: Path,
    db: Path,
    pg: Callable[[str], tuple[str, int | None]] | None,
) -> Setup:
    """One app (a checkout) served as ``--processes`` processes; stopped with ``stack``."""
    cluster = _cluster_module()
    logs = [scratch / f"runs-{label}-{i + 1}.jsonl" for i in range(a.processes)]
    env = {"ESP_USERS": str(scratch / "no-users.toml")}
    if a.processes == 1:
        copy = scratch / f"esp-{label}.duckdb"
        shutil.copyfile(db, copy)
        app = cluster.App(
            root,
            cluster.free_port(),
            {**env, "ESP_DB": str(copy), "ESP_RUN_LOG": str(logs[0])},
            scratch / f"app-{label}.log",
        )
        stack.callback(app.stop)
        app.wait()
        return Setup(label, app.url, Watched([app.pid]), logs, [app.url])
    assert pg is not None
    url, postmaster = pg(label)
    apps = []
    for i in range(a.processes):
        app = cluster.App(
            root,
            cluster.free_port(),
            {**env, "ESP_DB": url, "ESP_RUN_LOG": str(logs[i])},
            scratch / f"app-{label}-{i + 1}.log",
        )
        stack.callback(app.stop)
        apps.append(app)
    for app in apps:
        app.wait()
    proxy = cluster.Proxy(
        f"127.0.0.1:{cluster.free_port()}",
        [f"127.0.0.1:{app.port}" for app in apps],
        scratch / f"haproxy-{label}.log",
    )
    stack.callback(proxy.stop)
    proxy.wait()
    return Setup(
        label,
        proxy.url,
        Watched([app.pid for app in apps], proxy.pid, postmaster),
        logs,
        [app.url for app in apps],
    )


def prepare_db(spec: str, scratch: Path) -> Path:
    """The database to serve: the illustrative dataset (built once per version of the code that
    makes it, cached in ``benchmarks/out``), a synthetic size, or a copy of a file."""
    from .loadtest import prepare_db as build

    if spec != "demo":
        return build(spec, scratch)
    digest = hashlib.blake2b(digest_size=6)
    for folder in ("analytics", "data/reference"):
        for f in sorted((ROOT / folder).rglob("*")):
            if f.is_file() and f.suffix in (".py", ".csv", ".toml", ".json"):
                digest.update(f.relative_to(ROOT).as_posix().encode() + f.read_bytes())
    cached = ROOT / "benchmarks" / "out" / f"demo-{digest.hexdigest()}.duckdb"
    if not cached.exists():
        print(f"building the illustrative dataset into {cached.name} (cached afterwards)", flush=True)
        cached.parent.mkdir(parents=True, exist_ok=True)
        for old in cached.parent.glob("demo-*.duckdb"):
            old.unlink()
        os.replace(build("demo", scratch), cached)
    return cached


def git_commit(root: Path) -> str:
    """The checkout's commit, ``+changes`` when its tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + ("+changes" if dirty else "")


async def measure(a: argparse.Namespace) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="esp-protoload-"))
    results: dict[str, Any] = {}
    try:
        with ExitStack() as stack:
            db = prepare_db(a.db, scratch)
            pg = None
            if a.processes > 1:
                from . import stores

                server_url = stack.enter_context(stores.server())
                zipped = demo_backup(db, scratch)
                postmaster = _postmaster(server_url)

                def pg(label: str) -> tuple[str, int | None]:
                    return pg_database(server_url, f"esp_load_{label.replace('-', '_')}", zipped), postmaster

            setups = [start_setup(stack, label, root, a, scratch, db, pg) for label, root in a.apps]
            for s in setups:
                for url in s.app_urls:  # each process directly: its caches are its own
                    print(f"{s.label}: warming {url}", flush=True)
                    await warm(url, a.actions, a.timeout)
            for s in setups:
                results[s.label] = {
                    "commit": git_commit(dict(a.apps)[s.label]),
                    "processes": a.processes,
                    "store": "duckdb" if a.processes == 1 else "postgresql",
                    "idle_rss_mb": s.watched.rss(),
                    "levels": {},
                }
            for i, n in enumerate(a.levels):
                order = setups if i % 2 == 0 else setups[::-1]
                for s in order:
                    print(f"{s.label}: {n} people for {a.duration:.0f} s", flush=True)
                    res = await level(s, n, a, seed=n)
                    results[s.label]["levels"][str(n)] = res
                    print("   " + row(n, res), flush=True)
                    await asyncio.sleep(a.pause)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def _postmaster(server_url: str) -> int | None:
    """The PostgreSQL server's main process when it runs on this machine (for its CPU)."""
    import psycopg

    try:
        with psycopg.connect(server_url, autocommit=True) as conn:
            data = conn.execute("SHOW data_directory").fetchone()[0]
        return int((Path(data) / "postmaster.pid").read_text().split()[0])
    except Exception:  # another machine, or no permission to read it
        return None


# --- report -------------------------------------------------------------------------------


def row(n: int | str, r: dict[str, Any]) -> str:
    lat = r["latency"]
    return (
        f"{n} people: {r['runs']} runs, {r['runs_per_s']}/s, p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, "
        f"max {lat['max_ms']} ms, {r['failures']} failed; app CPU {r['app_cpu_cores']} cores "
        f"({r['app_cpu_ms_per_run']} ms/run), RSS {r['rss_mb_start']}→{r['rss_mb_peak']} MB; "
        f"machine {r['cores']['machine']} of {r['machine_cores']} cores"
    )


def _ms(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms"


def table(data: dict[str, Any], labels: list[str] | None = None) -> str:
    """The README's table: per level, one row per setup (before / after, one process / two)."""
    setups = data.get("setups", {})
    labels = labels or list(setups)
    levels = sorted({int(n) for label in labels for n in setups[label]["levels"]})
    lines = [
        "| people | setup | runs/s | p50 | p95 | max | failed | app CPU (cores) | CPU per run "
        "| script: first / later p50 | RSS start → peak | machine busy |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in levels:
        for label in labels:
            s = setups[label]
            r = s["levels"].get(str(n))
            if r is None:
                continue
            lat, sc = r["latency"], r["script_ms"]
            lines.append(
                f"| {n} | {label} ({s['commit']}, {s['processes']} × {s['store']}) | {r['runs_per_s']} | "
                f"{_ms(lat['p50_ms'])} | {_ms(lat['p95_ms'])} | {_ms(lat['max_ms'])} | {r['failures']} | "
                f"{r['app_cpu_cores']} | {_ms(r['app_cpu_ms_per_run'])} | "
                f"{_ms(sc['first']['p50_ms'])} / {_ms(sc['later']['p50_ms'])} | "
                f"{r['rss_mb_start']:.0f} → {r['rss_mb_peak']:.0f} MB | {r['cores']['machine']} / {r['machine_cores']} |"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.protoload", description=__doc__.split("\n")[0])
    ap.add_argument("--levels", default="1,30,60,120", help="people at once, one level after the other")
    ap.add_argument("--duration", type=float, default=90, help="seconds per level")
    ap.add_argument("--think", default="4,12", help="seconds between a person's actions (uniform)")
    ap.add_argument("--actions", default="filter,tab", help="what each person does after opening a link")
    ap.add_argument("--db", default="demo", help="demo, S1, XS, or a DuckDB file (copied)")
    ap.add_argument("--processes", type=int, default=1, choices=(1, 2))
    ap.add_argument("--app", action="append", default=[], help="LABEL=DIR: a checkout to serve (repeatable)")
    ap.add_argument("--label", default=None, help="the results' name when one app is served")
    ap.add_argument(
        "--timeout", type=float, default=60, help="seconds a run may take before it counts as failed"
    )
    ap.add_argument("--pause", type=float, default=5, help="seconds between levels")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--table", action="store_true", help="print the table from --out and stop")
    a = ap.parse_args(argv)
    a.levels = [int(x) for x in a.levels.split(",")]
    lo, hi = (float(x) for x in a.think.split(","))
    a.think = (lo, hi)
    a.actions = [x for x in a.actions.split(",") if x]
    unknown = set(a.actions) - {"filter", "tab", "rerun"}
    if unknown:
        ap.error(f"unknown actions: {', '.join(sorted(unknown))} (filter, tab, rerun)")
    apps = [x.split("=", 1) for x in a.app] or [[a.label or f"{a.processes}p", str(ROOT)]]
    a.apps = [(label, Path(d).resolve()) for label, d in apps]
    return a


def main(argv: list[str] | None = None) -> dict[str, Any]:
    a = parse_args(argv)
    data = json.loads(a.out.read_text()) if a.out.exists() else {}
    if a.table:
        print(table(data))
        return data
    started = time.monotonic()
    measured = asyncio.run(measure(a))
    data.setdefault("setups", {}).update(measured)
    data["commands"] = {
        **data.get("commands", {}),
        **dict.fromkeys(
            measured, "python -m benchmarks.protoload " + " ".join(argv if argv is not None else sys.argv[1:])
        ),
    }
    data["machine"] = {"cores": os.cpu_count(), "note": "shared with other work unless stated"}
    a.out.write_text(json.dumps(data, indent=2) + "\n")
    print(table(data, list(measured)))
    print(f"wrote {a.out} in {time.monotonic() - started:.0f} s")
    return data


if __name__ == "__main__":
    main()
