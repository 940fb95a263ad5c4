"""Run the parsing worker (``analytics.intake.worker``) in a short-lived process: a minimal
environment, at most ``WORKER_SLOTS`` at once, a time limit, an answer of bounded size, and a
result unpickled into plain containers only. A hostile file costs the worker, never the app."""

from __future__ import annotations

import io
import logging
import os
import pickle
import subprocess
import sys
import threading

from analytics.paths import ROOT

log = logging.getLogger(__name__)
_CHUNK = 1 << 20
WORKER_TIMEOUT = 40.0


WORKER_SLOTS = 2


# The worker's answer is at most this large (the text of MAX_CELLS cells fits many
# times over); anything bigger is refused before it is unpickled.
MAX_PAYLOAD = 48 * 1024 * 1024


_WORKER_ENV = {"PATH", "PYTHONPATH", "PYTHONHOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SYSTEMROOT"}


_SLOTS = threading.BoundedSemaphore(WORKER_SLOTS)


class _PlainUnpickler(pickle.Unpickler):
    """Builds only built-in containers and strings: never imports or calls anything."""

    def find_class(self, module: str, name: str) -> object:
        raise pickle.UnpicklingError(f"refused global {module}.{name}")


def run_worker(data: bytes, kind: str) -> dict | str:
    """The worker's payload, or a reason code when it failed, crashed, timed out
    or answered more than ``MAX_PAYLOAD`` bytes (read no further than that).

    The worker gets a minimal environment (no secrets) and at most
    ``WORKER_SLOTS`` run at once, each allowed up to its memory limit.
    """
    env = {k: v for k, v in os.environ.items() if k in _WORKER_ENV}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    with _SLOTS:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "analytics.intake.worker", kind],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=ROOT,
                env=env,
            )
        except OSError:
            log.exception("upload worker could not start")
            return "worker_failed"
        outcome = _collect(proc, data)
    if isinstance(outcome, str):
        return outcome
    out, returncode, stderr = outcome
    if returncode != 0:
        log.warning("upload worker exited with %s: %s", returncode, stderr.decode("utf-8", "replace"))
        return "worker_killed" if returncode < 0 else "worker_failed"
    try:
        payload = _PlainUnpickler(io.BytesIO(out)).load()
    except Exception:
        log.warning("upload worker sent an unreadable result")
        return "worker_failed"
    if not isinstance(payload, dict) or not (payload.get("error") or "sheets" in payload):
        return "worker_failed"
    return payload


def _feed(proc: subprocess.Popen, data: bytes) -> None:
    """Write the upload to the worker's stdin; a worker that exited early says why in its status."""
    try:
        proc.stdin.write(data)  # type: ignore[union-attr]
    except OSError:
        pass
    finally:
        try:
            proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass


def _collect(proc: subprocess.Popen, data: bytes) -> tuple[bytes, int, bytes] | str:
    """Feed the worker, read at most ``MAX_PAYLOAD`` bytes of its answer and the
    tail of its errors; kill it at ``WORKER_TIMEOUT``."""
    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        proc.kill()

    def feed() -> None:
        _feed(proc, data)

    tail = bytearray()

    def drain() -> None:
        while chunk := proc.stderr.read(65536):  # type: ignore[union-attr]
            tail.extend(chunk)
            del tail[:-1000]

    timer = threading.Timer(WORKER_TIMEOUT, expire)
    helpers = [threading.Thread(target=feed, daemon=True), threading.Thread(target=drain, daemon=True)]
    timer.start()
    for thread in helpers:
        thread.start()
    chunks, size, too_big = [], 0, False
    try:
        while chunk := proc.stdout.read(_CHUNK):  # type: ignore[union-attr]
            size += len(chunk)
            if size > MAX_PAYLOAD:
                too_big = True
                proc.kill()
                break
            chunks.append(chunk)
        proc.wait()
    finally:
        timer.cancel()
        for thread in helpers:
            thread.join(5)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    if timed_out.is_set():
        log.warning("upload worker timed out after %ss", WORKER_TIMEOUT)
        return "timeout"
    if too_big:
        log.warning("upload worker answered more than %s bytes", MAX_PAYLOAD)
        return "too_complex"
    return b"".join(chunks), proc.returncode, bytes(tail)
