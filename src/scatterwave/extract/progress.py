"""Progress reporting: a tqdm bar on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, Protocol

__all__ = ["LogProgress", "Progress", "TqdmProgress", "make_progress"]

logger = logging.getLogger("scatterwave.extract.progress")


class Progress(Protocol):
    """What the runner calls while it works."""

    def start(self, total: int, done: int) -> None:
        """Begin a job of ``total`` items, ``done`` of them already finished (resume)."""

    def update(self, n_items: int) -> None:
        """Count ``n_items`` more items as committed."""

    def close(self) -> None:
        """End the report: the job finished or was interrupted."""


class TqdmProgress:
    """A tqdm progress bar (items/s and ETA) on standard error."""

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, total: int, done: int) -> None:
        """Open the bar at ``done`` of ``total`` items."""
        from tqdm import tqdm

        self._bar = tqdm(
            total=total,
            initial=done,
            unit="item",
            desc="extract",
            file=sys.stderr,
            dynamic_ncols=True,
            smoothing=0.1,
        )

    def update(self, n_items: int) -> None:
        """Advance the bar by ``n_items``."""
        if self._bar is not None:
            self._bar.update(n_items)

    def close(self) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class LogProgress:
    """Log a line with items/s and ETA at most every ``interval`` seconds (and at the end).

    Lines go to the ``scatterwave.extract.progress`` logger at INFO level.
    """

    def __init__(self, *, interval: float = 10.0) -> None:
        self.interval = float(interval)
        self._total = 0
        self._done = 0
        self._initial = 0
        self._t0 = 0.0
        self._last = 0.0

    def start(self, total: int, done: int) -> None:
        """Log the size of the job and start the clock."""
        self._total, self._done, self._initial = total, done, done
        self._t0 = self._last = time.monotonic()
        logger.info("extract: %d item(s), %d already done", total, done)

    def update(self, n_items: int) -> None:
        """Count ``n_items`` more items; log a line if ``interval`` has passed or at the end."""
        self._done += n_items
        now = time.monotonic()
        if now - self._last >= self.interval or self._done >= self._total:
            self._last = now
            logger.info("%s", self.line(now))

    def line(self, now: float | None = None) -> str:
        """Format the current status line.

        Parameters
        ----------
        now : float or None
            Time of the line on :func:`time.monotonic`'s clock (None: now).

        Returns
        -------
        str
            Items done out of the total, percentage, items per second and ETA.
        """
        now = time.monotonic() if now is None else now
        elapsed = max(now - self._t0, 1e-9)
        rate = (self._done - self._initial) / elapsed
        remaining = self._total - self._done
        eta = f"{remaining / rate:.0f}s" if rate > 0 else "?"
        pct = 100.0 * self._done / max(self._total, 1)
        return (
            f"extract: {self._done}/{self._total} items ({pct:.1f}%), {rate:.1f} items/s, ETA {eta}"
        )

    def close(self) -> None:
        """Log whether the job finished or stopped, and where."""
        state = "finished" if self._done >= self._total else "stopped"
        logger.info("extract: %s at %d/%d items", state, self._done, self._total)


def make_progress(*, stream: Any = None, interval: float = 10.0) -> Progress:
    """Choose the progress report for ``stream``.

    Parameters
    ----------
    stream : file-like or None
        Where a bar would be drawn (None: standard error).
    interval : float
        Seconds between two log lines of :class:`LogProgress`.

    Returns
    -------
    Progress
        A :class:`TqdmProgress` when ``stream`` is a terminal, else a :class:`LogProgress`.
    """
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return TqdmProgress()
    return LogProgress(interval=interval)
