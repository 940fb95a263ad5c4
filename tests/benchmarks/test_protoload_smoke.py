"""CI smoke of ``make loadtest`` (the protocol-level load test): a few people for a few
seconds against one app process, and through HAProxy against two on PostgreSQL. It asserts
that runs completed without a failure and that each measurement was taken, never a speed."""

from __future__ import annotations

import asyncio
import json
import os
import shutil

import pytest

pytestmark = pytest.mark.slow


def _args(tmp_path, *extra: str) -> list[str]:
    return [
        "--db",
        "XS",
        "--levels",
        "3",
        "--duration",
        "6",
        "--think",
        "0.5,1.5",
        "--pause",
        "0",
        "--out",
        str(tmp_path / "protoload.json"),
        *extra,
    ]


def _check_level(r: dict) -> None:
    assert r["failures"] == 0, r["failure_samples"]
    assert r["runs"] >= 3
    assert r["by_kind"]["open"]["n"] >= 3, "each person opened a link"
    assert r["by_kind"]["filter"]["n"] + r["by_kind"]["tab"]["n"] >= 1, "and changed the page"
    assert r["latency"]["p95_ms"] > 0
    assert r["app_cpu_ms_per_run"] > 0
    assert r["rss_mb_peak"] > 100
    assert r["script_ms"]["first"]["n"] >= 1, "the app's run log was read"


def test_people_open_links_and_change_the_page_on_one_process(tmp_path):
    from benchmarks import protoload

    data = protoload.main(_args(tmp_path, "--label", "smoke"))
    level = json.loads((tmp_path / "protoload.json").read_text())["setups"]["smoke"]["levels"]["3"]
    _check_level(level)
    assert "| 3 | smoke (" in protoload.table(data)


def test_two_processes_behind_haproxy_keep_each_person_on_one(tmp_path, pg_server):
    """Through config/haproxy.cfg: people are spread over both processes, and every run of a
    person reaches the process its cookie names (a Streamlit session lives in one process)."""
    from contextlib import ExitStack
    from pathlib import Path

    from benchmarks import protoload
    from benchmarks.stclient import Tab

    if not shutil.which("haproxy"):
        if os.environ.get("CI"):
            pytest.fail("haproxy is required in CI (apt-get install haproxy)")
        pytest.skip("haproxy not installed (apt-get install haproxy)")
    a = protoload.parse_args(_args(tmp_path, "--processes", "2"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    db = protoload.prepare_db("XS", scratch)
    zipped = protoload.demo_backup(db, scratch)
    with ExitStack() as stack:
        setup = protoload.start_setup(
            stack,
            "sticky",
            protoload.ROOT,
            a,
            scratch,
            db,
            lambda label: (protoload.pg_database(pg_server, "esp_sticky", zipped), None),
        )

        async def first_visit(url: str) -> None:  # each process's first run imports and reads the store
            tab = Tab(url, timeout=120)
            await tab.open()
            await tab.close()

        for url in setup.app_urls:
            asyncio.run(first_visit(url))
        level = asyncio.run(protoload.level(setup, 3, a, seed=1))
        _check_level(level)
        assert level["cores"]["app1"] > 0 and level["cores"]["app2"] > 0, "both processes served"

        async def person_runs(n: int) -> tuple[str, list[str]]:
            tab = Tab(setup.url)
            sessions = []
            for _ in range(n):  # a person opens three links in turn, each a new session
                await tab.open("lang=en")
                await tab.rerun()
                sessions.append(tab.session_id[:8])
                await tab.close()
            cookie = next((c.value for c in tab.jar if c.name == "ESP_PROCESS"), "no affinity cookie")
            return cookie, sessions

        async def people() -> list[tuple[str, list[str]]]:
            return await asyncio.gather(*(person_runs(3) for _ in range(4)))

        seen = asyncio.run(people())
        by_process = {
            f"app{i + 1}": {json.loads(line)["session"] for line in Path(log).read_text().splitlines()}
            for i, log in enumerate(setup.run_logs)
        }
    assert {cookie for cookie, _ in seen} == {"app1", "app2"}, "new people go to both processes"
    for cookie, sessions in seen:
        assert set(sessions) <= by_process[cookie], (cookie, sessions)
