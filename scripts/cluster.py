"""Serve ESP Monitor as two app processes behind HAProxy (``config/haproxy.cfg``).

    ESP_DB=postgresql://user@host:5432/esp python scripts/cluster.py [--port 8080]
                                                   [--app-ports 8501,8502] [--bind 127.0.0.1]

``make cluster`` runs it. Two processes need a store both can write: PostgreSQL (a DuckDB
file is held by one process). Each app process listens on loopback; HAProxy listens on
``--bind:--port``, sends each new browser to the process with fewer connections and keeps it
there with a cookie (the websocket too). Starts the processes, waits until each answers
``/_stcore/health``, starts HAProxy, and stops them all on Ctrl+C or SIGTERM. The load test
(``benchmarks/protoload.py --processes 2``) starts the same processes through this module.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAPROXY_CFG = ROOT / "config" / "haproxy.cfg"
HAPROXY = "/usr/sbin/haproxy"
PROCESSES = 2  # the servers config/haproxy.cfg lists


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    """Until ``url`` answers 200, or raise with the end of ``log``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer; the end of {log}:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen, seconds: float = 15) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class App:
    """``streamlit run app.py`` from ``root`` on a loopback port."""

    def __init__(self, root: Path, port: int, env: dict[str, str], log: Path) -> None:
        self.root, self.port, self.log = root, port, log
        self.url = f"http://127.0.0.1:{port}/"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py"]
                + ["--server.headless", "true", "--server.address", "127.0.0.1"]
                + ["--server.port", str(port), "--server.fileWatcherType", "none"]
                + ["--browser.gatherUsageStats", "false"],
                cwd=root,
                env={**os.environ, "PYTHONPATH": str(root), **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait(self) -> App:
        wait_healthy(self.url + "_stcore/health", self.proc, self.log)
        return self

    def stop(self) -> None:
        stop(self.proc)


class Proxy:
    """HAProxy with ``config/haproxy.cfg`` in front of ``apps`` (host:port each)."""

    def __init__(self, bind: str, apps: list[str], log: Path, config: Path = HAPROXY_CFG) -> None:
        if len(apps) != PROCESSES:
            raise ValueError(f"{config.name} lists {PROCESSES} app processes, not {len(apps)}")
        self.bind, self.log = bind, log
        self.url = f"http://{bind}/"
        env = {"ESP_PROXY_BIND": bind, **{f"ESP_APP_{i + 1}": a for i, a in enumerate(apps)}}
        with log.open("ab") as out:
            # -db: stay in the foreground, so stopping this process stops the proxy.
            self.proc = subprocess.Popen(
                [HAPROXY, "-db", "-f", str(config)],
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait(self) -> Proxy:
        wait_healthy(self.url + "_stcore/health", self.proc, self.log, seconds=30)
        return self

    def stop(self) -> None:
        stop(self.proc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python scripts/cluster.py", description=__doc__.split("\n")[0])
    ap.add_argument("--bind", default="127.0.0.1", help="the address HAProxy listens on")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--app-ports", default="8501,8502", help="the app processes' loopback ports")
    ap.add_argument(
        "--logs",
        type=Path,
        default=Path(os.environ.get("ESP_HOME", "logs")),
        help="folder for app-PORT.log and haproxy.log (default: $ESP_HOME, else ./logs)",
    )
    a = ap.parse_args(argv)
    db = os.environ.get("ESP_DB", "")
    if not db.startswith(("postgresql://", "postgres://")):
        print(
            "Two app processes need ESP_DB=postgresql://… (a DuckDB file is held by one process); "
            "see docs/operations.md.",
            file=sys.stderr,
        )
        return 2
    if not Path(HAPROXY).exists():
        print(f"{HAPROXY} not found: apt-get install haproxy", file=sys.stderr)
        return 2
    ports = [int(p) for p in a.app_ports.split(",")]
    a.logs.mkdir(parents=True, exist_ok=True)
    apps = [App(ROOT, port, {}, a.logs / f"app-{port}.log") for port in ports]
    proxy = None
    stopping = False

    def on_signal(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        for app in apps:
            app.wait()
        proxy = Proxy(f"{a.bind}:{a.port}", [f"127.0.0.1:{p}" for p in ports], a.logs / "haproxy.log").wait()
        print(
            f"ESP Monitor: {proxy.url} -> {', '.join(app.url for app in apps)} (Ctrl+C stops them)",
            flush=True,
        )
        while not stopping and all(p.proc.poll() is None for p in [*apps, proxy]):
            time.sleep(0.5)
    finally:
        for p in [proxy, *apps]:
            if p is not None:
                p.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
