"""Synthetic benchmark data, loaded through the real upload path.

Every file is an xlsx built by ``analytics.exports.template.frames_to_workbook`` and goes
through ``workflow.check`` (zip checks, parsing in the sandboxed worker process,
validation, history warnings) and ``workflow.commit``, exactly like an upload.

Sizes (issue 7):

- ``S1``: the 15 member countries x 4 modules, 2018-Q1..2025-Q4 (32 quarters), 5
  revisions of each report, one report (country, quarter) per file: 2,400 files.
- ``S2``: 200 reporting units (the 15 members + 185 synthetic ``Z..`` codes added
  through ``facts.load(extra_countries=...)``, counted as members so that every
  page works on all 200) x 4 modules x 40 quarters (2016-Q1..2025-Q4) x 10
  revisions = 80,000 reports. File by file that is ~9 h on this machine (0.4 s per
  file, measured and printed by ``run``), so S2 puts one revision of the 40
  quarters of 10 units in one file (same code path, same blocks and rows, fewer
  ``submissions`` rows): 200 files of ~2,500 rows.
- ``XS``: 3 countries x 4 quarters x 2 revisions, for the CI smoke test.

Revisions differ (coverage, staff, notes), so each is a real replacement, never a
duplicate. Files carry back-dated commit times (source ``demo``, the only source
allowed to back-date), so "as of" has a history and the pages flag the data as
illustrative, which it is.

Checks run two at a time in threads (each on its own cursor) while commits stay in
file order on the main connection; a file is only checked once every earlier file
that shares a country with it has been committed, so its history warnings see the
same data as in a one-by-one load.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import queue
import random
import shutil
import statistics
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from analytics import __version__, clock, reference
from analytics.demo import dataset
from analytics.ledger import workflow
from analytics.ledger.permissions import Principal
from analytics.paths import REFERENCE_DIR
from analytics.sheets.workbook import frames_to_workbook
from analytics.store import facts, migrations
from analytics.store.duckstore import DuckDBStore
from analytics.store.protocol import Store

OUT = Path(__file__).resolve().parent / "out"
LOADER = Principal("benchmark@example.org", "admin")
MODULES = reference.MODULES
CATEGORIES = sorted(dataset.CHALLENGES)
SEVERITIES = ("LOW", "MEDIUM", "MEDIUM", "HIGH")
STATUSES = ("OPEN", "IN_PROGRESS", "RESOLVED")
SUBREGIONS = ("Central America", "Caribbean", "South America")


@dataclass(frozen=True)
class Size:
    name: str
    units: int
    first_year: int
    quarters: int
    revisions: int
    units_per_file: int = 1
    periods_per_file: int = 1

    @property
    def reports(self) -> int:
        return self.units * self.quarters * self.revisions


SIZES: dict[str, Size] = {
    "XS": Size("XS", 3, 2025, 4, 2),
    "S1": Size("S1", 15, 2018, 32, 5),
    "S2": Size("S2", 200, 2016, 40, 10, units_per_file=10, periods_per_file=40),
}


@dataclass
class SynthFile:
    file_name: str
    tables: dict[str, pd.DataFrame]
    committed_at: datetime
    countries: frozenset[str]


@dataclass
class LoadStats:
    files: int = 0
    committed: int = 0
    rows: int = 0
    seconds: float = 0.0
    check_s: list[float] = field(default_factory=list)
    commit_s: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        med = statistics.median
        return {
            "files": self.files,
            "committed": self.committed,
            "rows": self.rows,
            "seconds": round(self.seconds, 1),
            "check_median_s": round(med(self.check_s), 4) if self.check_s else None,
            "commit_median_s": round(med(self.commit_s), 4) if self.commit_s else None,
            "per_file_s": round(self.seconds / max(self.files, 1), 4),
        }


def synthetic_code(i: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "Z" + digits[i // 36] + digits[i % 36]


def extra_countries(n: int) -> pd.DataFrame | None:
    """``n`` synthetic reporting units in the shape of the ``countries`` table."""
    if n <= 0:
        return None
    codes = [synthetic_code(i) for i in range(n)]
    return pd.DataFrame(
        {
            "iso3": codes,
            "iso2": "",
            "m49": "",
            "name_en": [f"Synthetic unit {c}" for c in codes],
            "name_es": [f"Unidad sintética {c}" for c in codes],
            "subregion": [SUBREGIONS[i % 3] for i in range(n)],
            "main_language": "es",
            "joined": "2016-01",
            "joined_year": 2016,
            "joined_date": date(2016, 1, 1),
            "entry_route": "later",
            "spotlight": False,
            "member": True,  # so that the pages draw all of them (they show members only)
            "source": "benchmark (synthetic)",
        }
    )


def units_for(size: Size) -> list[str]:
    members = list(reference._countries_frame()["iso3"])
    return (members + [synthetic_code(i) for i in range(max(size.units - len(members), 0))])[: size.units]


def quarter_codes(size: Size) -> list[tuple[str, date]]:
    out = []
    for i in range(size.quarters):
        y, q = size.first_year + i // 4, i % 4 + 1
        end = date(y, 3 * q, 31 if q in (1, 4) else 30)
        out.append((f"{y}-Q{q}", end))
    return out


def _report(unit: str, u: int, qi: int, period: str, rev: int, last_rev: int) -> dict[str, list[dict]]:
    """The rows of one (unit, quarter) report in revision ``rev`` (the last one is final)."""
    rng = random.Random(u * 100_003 + qi)
    off = last_rev - rev
    progress = []
    for m_i, m in enumerate(MODULES):
        stage = min(5, (qi + rng.randint(0, 6) + m_i) // 7)
        progress.append(
            {
                "country": unit,
                "period": period,
                "module": m,
                "stage": stage,
                "coverage_pct": round(min(100.0, 2 + qi * 2.1 + m_i + rng.random() * 3 + off * 0.7), 1),
                "trained_staff": 10 + qi * 17 + m_i * 5 + off,
                "notes": "" if off == 0 else f"revision {rev + 1}",
            }
        )
    challenges = []
    for k in range(1 + (u + qi) % 3):
        cat = CATEGORIES[(u + qi + k) % len(CATEGORIES)]
        challenges.append(
            {
                "country": unit,
                "period": period,
                "module": (MODULES + ("CROSS",))[(qi + k) % 5],
                "category": cat,
                "severity": SEVERITIES[(u + k + off) % 4],
                "status": STATUSES[(qi + k) % 3],
                "description": dataset.CHALLENGES[cat][k % len(dataset.CHALLENGES[cat])][0],
            }
        )
    practices = []
    if qi % 4 == 1:
        mod, t_es, _, d_es, _ = dataset.PRACTICES[(u + qi) % len(dataset.PRACTICES)]
        practices.append(
            {
                "country": unit,
                "period": period,
                "module": mod,
                "title": f"{t_es} ({period})",
                "description": d_es + ("" if off == 0 else f" (revisión {rev + 1})"),
                "url": f"https://example.org/{unit.lower()}/{period.lower()}",
            }
        )
    return {"progress": progress, "challenges": challenges, "practices": practices}


def generate(size: Size) -> Iterator[SynthFile]:
    """The files of ``size`` in commit order."""
    units = units_for(size)
    quarters = quarter_codes(size)
    now = clock.now().replace(microsecond=0)
    last = datetime(2000, 1, 1, tzinfo=UTC)
    groups = [
        list(range(i, min(i + size.units_per_file, len(units))))
        for i in range(0, len(units), size.units_per_file)
    ]
    spans = [
        list(range(i, min(i + size.periods_per_file, len(quarters))))
        for i in range(0, len(quarters), size.periods_per_file)
    ]
    for span in spans:
        for rev in range(size.revisions):
            for g_i, group in enumerate(groups):
                rows: dict[str, list[dict]] = {"progress": [], "challenges": [], "practices": []}
                for u in group:
                    for qi in span:
                        for sheet, recs in _report(
                            units[u], u, qi, quarters[qi][0], rev, size.revisions - 1
                        ).items():
                            rows[sheet] += recs
                end = quarters[span[-1]][1]
                at = datetime.combine(end, datetime.min.time(), tzinfo=UTC) + timedelta(
                    days=20 + 9 * rev, minutes=g_i
                )
                at = min(max(at, last + timedelta(seconds=1)), now)
                last = at
                name = (
                    f"{units[group[0]]}_{quarters[span[0]][0]}_r{rev + 1}.xlsx"
                    if len(group) == 1
                    else f"bulk_{units[group[0]]}-{units[group[-1]]}_{quarters[span[0]][0]}"
                    f"-{quarters[span[-1]][0]}_r{rev + 1}.xlsx"
                )
                yield SynthFile(
                    name,
                    {k: pd.DataFrame(v) for k, v in rows.items() if v},
                    at,
                    frozenset(units[u] for u in group),
                )


def load_files(
    store: Store, files: Iterator[SynthFile], *, workers: int = 2, progress_every: int = 0
) -> LoadStats:
    """Check (``workers`` at a time) and commit (in order) every file; see the module doc."""
    ref = reference.build(store.reader())
    today = clock.today()
    cursors: queue.Queue[duckdb.DuckDBPyConnection] = queue.Queue()
    for _ in range(workers):
        cursors.put(store.reader())
    stats = LoadStats()
    t0 = time.perf_counter()

    def check_one(f: SynthFile) -> tuple[workflow.Check, float]:
        cur = cursors.get()
        try:
            data = frames_to_workbook(f.tables)
            s = time.perf_counter()
            chk = workflow.check(cur, data, f.file_name, principal=LOADER, today=today, ref=ref)
            return chk, time.perf_counter() - s
        finally:
            cursors.put(cur)

    pending: deque[tuple[SynthFile, Future]] = deque()

    def commit_next() -> None:
        f, fut = pending.popleft()
        chk, check_s = fut.result()
        if not chk.ok:
            codes = sorted({x.code for x in chk.findings if x.is_error})
            raise RuntimeError(f"benchmark file {f.file_name} rejected: {codes}")
        s = time.perf_counter()
        out = workflow.commit(store, chk, principal=LOADER, source="demo", committed_at=f.committed_at)
        stats.commit_s.append(time.perf_counter() - s)
        stats.check_s.append(check_s)
        stats.files += 1
        stats.committed += out.submission_id is not None
        stats.rows += out.rows
        if progress_every and stats.files % progress_every == 0:
            el = time.perf_counter() - t0
            print(f"  … {stats.files} files, {stats.rows} rows, {el:.0f} s", flush=True)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for f in files:
            while pending and (len(pending) >= workers or any(f.countries & p.countries for p, _ in pending)):
                commit_next()
            pending.append((f, pool.submit(check_one, f)))
        while pending:
            commit_next()
    stats.seconds = time.perf_counter() - t0
    return stats


def cache_key(size: Size) -> str:
    """Size + the code that decides the rows + schema + app version + reference facts."""
    h = hashlib.sha256(json.dumps(asdict(size)).encode())
    for fn in (extra_countries, units_for, quarter_codes, _report, generate):
        h.update(inspect.getsource(fn).encode())
    h.update(f"{migrations.SCHEMA_VERSION}:{__version__}".encode())
    for p in sorted(REFERENCE_DIR.glob("*.csv")):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def build(size: Size, *, out: Path = OUT, rebuild: bool = False, verbose: bool = True) -> tuple[Path, dict]:
    """The database of ``size`` (cached under ``out``) and how it was built."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{size.name}-{cache_key(size)}.duckdb"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists() and not rebuild:
        return path, json.loads(meta_path.read_text())
    for old in out.glob(f"{size.name}-*"):
        if old.suffix in (".duckdb", ".json", ".wal", ".building"):
            old.unlink()
    tmp = path.with_suffix(".building")
    if tmp.exists():
        tmp.unlink()
    if verbose:
        print(f"building {size.name}: {size.reports} reports → {tmp.name} (cached afterwards)", flush=True)
    store = DuckDBStore.open(tmp, create=True)
    try:
        facts.load(store, extra_countries=extra_countries(size.units - 15))
        stats = load_files(store, generate(size), progress_every=200 if verbose else 0)
        con = store.reader()
        counts = {
            t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
            for t in ("submissions", "blocks", "progress", "challenges", "practices")
        }
        con.execute("CHECKPOINT")
    finally:
        store.close()
    os.replace(tmp, path)
    meta = {
        "size": asdict(size),
        "reports": size.reports,
        "load": stats.summary(),
        "tables": counts,
        "db_mb": round(path.stat().st_size / 2**20, 1),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    return path, meta


def copy_db(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst
