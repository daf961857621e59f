"""Tests of scatterwave.extract.progress."""

from __future__ import annotations

import io
import logging

import pytest

from scatterwave.extract.progress import LogProgress, TqdmProgress, make_progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_make_progress_picks_by_terminal() -> None:
    assert isinstance(make_progress(stream=io.StringIO()), LogProgress)
    assert isinstance(make_progress(stream=_Tty()), TqdmProgress)


def test_log_progress_lines(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = iter([0.0, 5.0, 20.0, 30.0])
    monkeypatch.setattr("scatterwave.extract.progress.time.monotonic", lambda: next(clock))
    progress = LogProgress(interval=10.0)
    with caplog.at_level(logging.INFO, logger="scatterwave.extract.progress"):
        progress.start(total=100, done=20)  # resumed: 20 items done before this run
        progress.update(10)  # t=5: under the interval, no line
        progress.update(30)  # t=20: 40 items in 20 s -> 2 items/s, 40 left -> ETA 20 s
        progress.update(40)  # t=30: finished, always logged
        progress.close()
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "extract: 100 item(s), 20 already done"
    assert lines[1] == "extract: 60/100 items (60.0%), 2.0 items/s, ETA 20s"
    assert lines[2].startswith("extract: 100/100 items (100.0%)")
    assert lines[3] == "extract: finished at 100/100 items"
    assert len(lines) == 4


def test_tqdm_progress_counts() -> None:
    pytest.importorskip("tqdm")
    bar = TqdmProgress()
    bar.start(total=10, done=4)
    bar.update(3)
    assert bar._bar.n == 7 and bar._bar.total == 10
    bar.close()
    assert bar._bar is None
