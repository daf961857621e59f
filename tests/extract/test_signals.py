"""The extraction command under signals: SIGKILL and SIGTERM of the parent with a pool of
worker processes. No process of the job may outlive its parent, and SIGTERM is handled as
Ctrl-C (finished chunks kept, exit code 130, a message telling to run with ``--resume``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from scatterwave.cli import main

from .conftest import count_done, make_corpus

zarr = pytest.importorskip("zarr")
sf = pytest.importorskip("soundfile")

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not Path("/proc/self/stat").exists(),
    reason="process table read from /proc (Linux)",
)

SRC = Path(__file__).resolve().parents[2] / "src"
OPTS = ["--sample-rate", "8000", "--segment", "0.25", "--hop", "0.125", "--J", "4", "--Q", "4"]
#: Seconds a process may take to notice its parent's death: the parent-death signal is
#: immediate, the watchdog polls every 0.5 s; 20 s leaves room for a loaded machine.
DEATH_TIMEOUT = 20.0


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of ``pid``, or None when it no longer exists."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _stat(int(entry))
            if info is not None and info[1] == pid:
                found.add(int(entry))
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        info = _stat(pid)
        if info is not None and info[0] not in ("Z", "X"):  # zombies have exited
            alive.add(pid)
    return alive


def _start(corpus: Path, out: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    args = [str(corpus), *OPTS, "--batch-size", "2", "--workers", "2", "-o", str(out)]
    # stderr goes to a file, not a pipe: a pipe would stay open while an orphan holds it
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "scatterwave", "extract", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


@pytest.fixture(scope="module")
def long_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = make_corpus(tmp_path_factory.mktemp("signals"), bad=False)
    rng = np.random.default_rng(7)
    sf.write(corpus / "long.wav", 0.1 * rng.standard_normal(8000 * 40), 8000, subtype="FLOAT")
    return corpus


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_no_process_outlives_the_killed_parent(
    long_corpus: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "job.zarr"
    log = tmp_path / "stderr.txt"
    proc = _start(long_corpus, out, log)
    family: set[int] = set()
    try:
        deadline = time.monotonic() + 180
        # the pool's workers (and the resource tracker) are the parent's children
        while (
            (count_done(out) < 2 or len(family) < 2)
            and proc.poll() is None
            and time.monotonic() < deadline
        ):
            family |= _children(proc.pid)
            time.sleep(0.01)
        family |= _children(proc.pid)
        assert proc.poll() is None, "the job ended before the signal"
        assert len(family) >= 2, f"expected the pool's workers, found processes {family}"
        proc.send_signal(sig)
        proc.wait(timeout=60)
        deadline = time.monotonic() + DEATH_TIMEOUT
        while _alive(family) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = _alive(family)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
        for pid in _alive(family):  # never leak processes, even when the test fails
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes {sorted(left)} outlived their parent ({sig.name})"
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        return
    stderr = log.read_text()
    # SIGTERM is Ctrl-C: exit code 130, the message, the finished chunks kept
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "--resume" in stderr, stderr
    g = zarr.open_group(str(out), mode="r")
    done = int(np.sum(g["chunk_done"][:]))
    assert 2 <= done < g["chunk_done"].shape[0] and g.attrs["complete"] is False
    args = [str(long_corpus), *OPTS, "--batch-size", "2", "--workers", "1", "-o", str(out)]
    assert main(["extract", *args, "--resume"]) == 0
    assert zarr.open_group(str(out), mode="r").attrs["complete"] is True


def _workers(pid: int) -> set[int]:
    """The pool's worker processes among the children of ``pid`` (not the resource tracker)."""
    found = set()
    for child in _children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if b"spawn_main" in cmdline:
            found.add(child)
    return found


@pytest.mark.slow
def test_a_worker_killed_during_the_job_costs_one_retry(long_corpus: Path, tmp_path: Path) -> None:
    """A worker killed (as by the out-of-memory killer) in the middle of a job: its chunk is
    computed again in a new worker, the job completes with exit code 0, and the warning names
    the dead worker."""
    out = tmp_path / "job.zarr"
    log = tmp_path / "stderr.txt"
    proc = _start(long_corpus, out, log)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 180
        while (
            (count_done(out) < 2 or len(workers) < 2)
            and proc.poll() is None
            and time.monotonic() < deadline
        ):
            workers = _workers(proc.pid)
            time.sleep(0.01)
        assert proc.poll() is None, "the job ended before the kill"
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        proc.wait(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    stderr = log.read_text()
    assert proc.returncode == 0, stderr
    assert f"worker process {victim} ended with exit code -9" in stderr, stderr
    assert "computing it again in a new worker" in stderr, stderr
    g = zarr.open_group(str(out), mode="r")
    assert g.attrs["complete"] is True and bool(np.all(g["chunk_done"][:]))
