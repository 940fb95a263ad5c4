"""CI smoke of the benchmark: the smallest size, one repetition, no timing assertions.

It only proves that ``python -m benchmarks.run`` still builds its data through the
real load path, opens every page without an exception, and writes its results.
"""

from __future__ import annotations

import json
import os

import pytest

pytestmark = pytest.mark.slow


def test_benchmark_runs_at_the_smallest_size(tmp_path, pg_server, monkeypatch):
    from benchmarks import run
    from benchmarks.child import PAGES

    monkeypatch.setenv("ESP_BENCH_PG", pg_server)
    out = tmp_path / "results.json"
    res = run.main(
        [
            "--sizes",
            "XS",
            "--reps",
            "1",
            "--rows",
            "200",
            "--no-profile",
            "--no-cold",
            "--cache",
            str(tmp_path / "cache"),
            "--out",
            str(out),
        ]
    )

    assert json.loads(out.read_text())["builds"]["XS"]["load"]["committed"] == 24
    pages = res["pages"]["XS"]
    assert set(pages) == set(PAGES)
    assert set(res["pages_pg"]["XS"]) == set(PAGES), "the pages measured again with PostgreSQL"
    assert not any(p["errors"] for p in res["pages_pg"]["XS"].values())
    assert res["stores"]["XS"]["restore_pg_ms"] > 0
    for page, p in pages.items():
        assert p["errors"] == [], (page, p["errors"])
        assert p["title"], page
        assert p["warm_ms"] > 0
    assert res["floors"]["bare_app_ms"] > 0
    assert set(res["floors"]["queries"]["XS"]) >= {"current_progress_ms", "stage_matrix_ms"}
    assert set(res["snapshots"]["XS"]) == {"xlsx", "csv", "parquet", "html"}
    assert all(v["bytes"] > 0 for v in res["snapshots"]["XS"].values())
    for r in (res["ingest"]["bulk"]["200"], res["ingest"]["single"]["XS"]):
        assert r["load"]["ms"] > 0 and r["load"]["peak_rss_mb"] > 0
    assert res["targets"] and all({"what", "value_ms", "target_ms", "pass"} <= set(t) for t in res["targets"])


def test_loadtest_targets_are_computed_from_phases():
    from benchmarks import loadtest

    assert loadtest.pct([0.1, 0.2, 0.3, 0.4], 0.5) in (200.0, 300.0)
    res = {
        "bare": {"first_paint_ms": 1000.0},
        "phases": {
            "1": {
                "sequential_probe": {"first_chart_ms": 1200.0},
                "p95_ms": 100.0,
                "rss_with_sessions_mb": 300.0,
                "server_run_p95_ms": 80.0,
            },
            "20": {"p95_ms": 250.0, "rss_with_sessions_mb": 500.0, "server_run_p95_ms": 150.0},
        },
    }
    got = {t["what"]: t["pass"] for t in loadtest.targets(res)}
    assert got == {
        "first chart / bare first paint": True,
        "p95 at 20 / p95 at 1 (in the browsers)": False,
        "p95 at 20 / p95 at 1 (server script runs)": True,
        "MB per extra session (20 vs 1)": True,
    }


def test_loadtest_reads_the_servers_run_log_after_a_moment(tmp_path):
    from benchmarks import loadtest

    log = tmp_path / "runs.jsonl"
    log.write_text('{"at": 10.0, "ms": 50.0}\n{"at": 20.0, "ms": 120.0}\n')
    assert loadtest.server_runs(log, since=15.0) == [0.12]
    assert loadtest.server_runs(tmp_path / "missing.jsonl", since=0) == []


@pytest.mark.browser
def test_the_felt_benchmark_runs_once_beside_the_bare_app(tmp_path):
    """The browser benchmark (``make felt``) at the smallest size, one repetition: every
    measurement is taken and every ratio computed; no timing is asserted."""
    from pathlib import Path

    if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
        pytest.skip("/usr/bin/chromium not installed (required when CI is set)")
    from benchmarks import felt

    out = tmp_path / "felt.json"
    res = felt.main(["--db", "XS", "--reps", "1", "--out", str(out)])
    assert json.loads(out.read_text())["page"] == "overview"
    for key in (
        "bare_first_load_ms",
        "app_first_load_ms",
        "bare_sidebar_ms",
        "app_sidebar_ms",
        "app_first_view_after_commit_ms",
        "app_warm_first_load_ms",
    ):
        assert res[key] > 0, key
    assert [x["what"] for x in res["targets"]] == [
        "first load / bare app's",
        "sidebar change / bare app's",
        "first view after a commit / warm first load",
    ]
    assert all(x["ratio"] is not None for x in res["targets"])
