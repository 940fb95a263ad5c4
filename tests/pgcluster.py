"""A throwaway PostgreSQL cluster for tests and CI: initdb in a temporary directory,
a free loopback port, trust authentication on loopback only, stopped at the end.

Standard library only, so ``.ci/run`` can use it before the virtualenv exists:

    python3 tests/pgcluster.py start   # prints the directory, then the URL, one per line
    python3 tests/pgcluster.py stop DIR

initdb refuses to run as root; as root the cluster runs as the ``postgres`` system
user (created by Debian's package), which owns the temporary directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(os.environ.get("ESP_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "esp"


def available() -> str | None:
    """Why a cluster cannot be started here, or None when it can."""
    if not (BIN / "initdb").exists():
        return f"PostgreSQL not found at {BIN} (apt-get install postgresql)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser to start PostgreSQL as its own user"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres system user"
    return None


def _as_owner(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start() -> tuple[Path, str]:
    """Start a cluster; returns its directory and the URL of its ``postgres`` database."""
    root = Path(tempfile.mkdtemp(prefix="esp-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data = root / "data"
    subprocess.run(
        _as_owner(
            [str(BIN / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync"]
            + ["--locale=C.UTF-8"]
        ),
        check=True,
        capture_output=True,
    )
    with (data / "pg_hba.conf").open("w") as f:  # loopback only, nothing else
        f.write("local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n")
    port = _free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=300 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    subprocess.run(
        _as_owner(
            [str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    return root, f"postgresql://{USER}@127.0.0.1:{port}/postgres"


def stop(root: Path) -> None:
    subprocess.run(
        _as_owner([str(BIN / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "-w", "stop"]),
        capture_output=True,
    )
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["start"]:
        why = available()
        if why:
            sys.exit(why)
        directory, url = start()
        print(directory)
        print(url)
    elif sys.argv[1:2] == ["stop"] and len(sys.argv) == 3:
        stop(Path(sys.argv[2]))
    else:
        sys.exit("usage: pgcluster.py start | stop DIR")
