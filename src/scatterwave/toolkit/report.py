"""Structured results of :func:`~scatterwave.toolkit.validate_filterbank` and their report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = ["CheckResult", "FilterbankValidation"]

Status = Literal["ok", "warning", "error", "skipped"]
_RANK = {"skipped": 0, "ok": 1, "warning": 2, "error": 3}


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one filterbank check.

    Attributes
    ----------
    name : str
        Check identifier, e.g. ``"analyticity"``.
    title : str
        Human-readable section title.
    status : {"ok", "warning", "error", "skipped"}
        ``"error"``: the property a scattering transform relies on is violated; ``"warning"``:
        degraded but usable; ``"skipped"``: not applicable to this filterbank.
    summary : str
        One or two sentences explaining the outcome and, if flagged, how to fix it.
    metrics : dict of str to float, int or str
        Measured quantities (worst values, bounds, counts).
    flagged : tuple of int
        Indices of the offending filters (rows of ``psi_f``); ``-1`` denotes ``phi_f``.
    """

    name: str
    title: str
    status: Status
    summary: str
    metrics: dict[str, Any] = field(default_factory=dict)
    flagged: tuple[int, ...] = ()

    @property
    def passed(self) -> bool:
        """True unless the status is ``"error"`` or ``"warning"``."""
        return self.status in ("ok", "skipped")


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    return str(v)


@dataclass(frozen=True)
class FilterbankValidation:
    """All checks of a filterbank; ``str()`` or :meth:`report` gives the readable report.

    Attributes
    ----------
    checks : dict of str to CheckResult
        One entry per check, in report order.
    n_filters : int
        Number of band-pass filters.
    N : int
        Number of frequency bins.
    for_real_inputs : bool
        Whether the filterbank was judged for real inputs.
    has_lowpass : bool
        Whether a low-pass ``phi_f`` was given.
    """

    checks: dict[str, CheckResult]
    n_filters: int
    N: int
    for_real_inputs: bool
    has_lowpass: bool

    @property
    def status(self) -> Status:
        """Worst status over the checks."""
        return max((c.status for c in self.checks.values()), key=_RANK.__getitem__, default="ok")

    @property
    def ok(self) -> bool:
        """True when no check reports an error or a warning."""
        return all(c.passed for c in self.checks.values())

    @property
    def flagged(self) -> dict[str, tuple[int, ...]]:
        """Offending filter indices per check, only for checks that flagged some."""
        return {name: c.flagged for name, c in self.checks.items() if c.flagged}

    def __getitem__(self, name: str) -> CheckResult:
        return self.checks[name]

    def report(self, *, max_indices: int = 12) -> str:
        """Readable multi-line report with one section per check.

        Parameters
        ----------
        max_indices : int
            At most this many flagged filter indices are listed per check.

        Returns
        -------
        text : str
        """
        kind = "real" if self.for_real_inputs else "complex"
        lines = [
            f"Filterbank validation: {self.n_filters} band-pass filters"
            f"{' + low-pass' if self.has_lowpass else ''}, N = {self.N}, {kind} inputs",
            f"Overall status: {self.status.upper()}",
            "",
        ]
        for i, c in enumerate(self.checks.values(), start=1):
            head = f"{i}. {c.title} [{c.status.upper()}]"
            lines += [head, "-" * len(head), f"  {c.summary}"]
            for k, v in c.metrics.items():
                lines.append(f"  {k}: {_fmt(v)}")
            if c.flagged:
                names = ["phi" if j == -1 else str(j) for j in c.flagged[:max_indices]]
                more = len(c.flagged) - max_indices
                lines.append(
                    "  flagged filters: "
                    + ", ".join(names)
                    + (f" (+{more} more)" if more > 0 else "")
                )
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def __str__(self) -> str:
        return self.report()
