"""Validation of time and frequential filterbanks: the properties scattering relies on.

:func:`validate_filterbank` runs eight checks on band-pass filters sampled on
``np.fft.fftfreq(N)`` (and optionally a low-pass) and returns a
:class:`~scatterwave.toolkit.FilterbankValidation` whose :meth:`report` has one section per check.
Amplitudes are judged relative to each filter's peak with ``criterion_amplitude`` (default
``1e-3``, i.e. -60 dB), the same criterion the filter design uses for supports.

The checks (one report section each):

1. **analyticity** (real inputs only): the largest response at negative frequencies
   (Nyquist bin excluded), relative to the peak, is at most ``criterion_amplitude``.
   Error above 0.1, warning in between.
2. **zero mean**: ``|psi_f(0)| / max |psi_f| <= criterion_amplitude`` (error otherwise).
3. **Littlewood-Paley bounds**: with ``A, B`` the min and max of
   :func:`~scatterwave.toolkit.compute_lp_sum` over the band the filters tile (from 0, or the
   lowest peak without low-pass, to the highest peak), error if ``B > 1 + lp_tolerance``
   (the transform amplifies energy), warning if ``A / B < min_lp_ratio`` (holes).
4. **redundancy**: cosine similarity of the magnitude responses; two filters with overlap
   above ``max_overlap`` are duplicates (error). Also reports the redundancy
   ``sum_n ||psi_n||^2 / sum_f max_n |psi_n(f)|^2`` (1 = no overlap).
5. **boundary decay** (boundary effects): in time, ``|psi(t)|`` on the outer sixteenth of
   the circular window (``|t| >= 7N/16``) relative to its peak, and, in frequency, abrupt
   cuts (a bin above ``criterion_amplitude`` times the peak next to an exact zero, DC and
   Nyquist neighbours excluded). Either exceeding ``criterion_amplitude`` means a truncated
   filter whose convolution wraps around (error above ``10 * criterion_amplitude``).
6. **aliasing**: with ``subsampling`` (log2 stride ``j`` of each filter's modulus), the
   envelope ``|x * psi_n|`` occupies ``|f| < 2 h_n`` with ``h_n`` the measured half-width of
   ``psi_n`` at ``criterion_amplitude``, so sampling it every ``2**j`` samples aliases unless
   ``2 h_n <= 0.5 / 2**j`` (one bin of slack; warning otherwise). For complex inputs a
   response above ``criterion_amplitude`` at the Nyquist frequency is a wrap-around between
   ``+0.5`` and ``-0.5`` (warning). For real inputs the Nyquist response is only reported:
   real signals have no content beyond it.
7. **constant-Q tiling**: peaks and half-power bandwidths; filters whose quality factor
   ``Q = xi / bandwidth`` is within ``q_tolerance`` of the largest form the constant-Q part,
   whose log-spacing must be even away from its two ends (warning); two peaks in one bin
   are an error; the order of the filters is reported.
8. **time-domain peak position**: ``argmax |psi(t)|`` must be within ``max_peak_shift``
   samples of 0, otherwise outputs are delayed (error).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from scatterwave.toolkit._common import to_numpy
from scatterwave.toolkit._filter_views import (  # noqa: F401 (shared with the checks)
    _CHUNK,
    _as_filters,
    _half_power_width,
    _indices,
    _peak_freqs,
    _sentence,
    _status,
    _time_domain,
)
from scatterwave.toolkit.lp import compute_lp_sum
from scatterwave.toolkit.report import CheckResult, FilterbankValidation, Status

__all__ = ["validate_filterbank"]

logger = logging.getLogger(__name__)


def validate_filterbank(
    psi_f: Any,
    phi_f: Any = None,
    *,
    for_real_inputs: bool = True,
    criterion_amplitude: float = 1e-3,
    lp_tolerance: float = 1e-2,
    min_lp_ratio: float = 0.5,
    max_overlap: float = 0.95,
    q_tolerance: float = 0.05,
    max_peak_shift: int = 0,
    subsampling: Any = None,
    verbose: bool = False,
) -> FilterbankValidation:
    """Check a filterbank for the properties wavelet scattering relies on.

    Runs the eight checks listed in the module docstring, one report section each.

    Parameters
    ----------
    psi_f : array, shape (n_filters, N)
        Band-pass filters on ``np.fft.fftfreq(N)``, real or complex, any array library; e.g.
        ``Scattering1D(...).filterbank()["psi1_f"]`` or a frequential (JTFS) filterbank.
    phi_f : array, shape (N,), or None
        Low-pass filter, included in the Littlewood-Paley sum and the decay, aliasing and peak
        checks.
    for_real_inputs : bool
        Judge for real inputs (time filterbanks): symmetrised Littlewood-Paley sum, analyticity
        required. ``False`` for frequential filterbanks with both spins.
    criterion_amplitude : float
        Relative amplitude below which a response counts as negligible.
    lp_tolerance : float
        Allowed excess of the Littlewood-Paley sum above 1.
    min_lp_ratio : float
        Smallest acceptable ``A / B`` before gaps in the tiling are reported.
    max_overlap : float
        Magnitude-response cosine similarity above which two filters are duplicates.
    q_tolerance : float
        Relative tolerance on quality factors and log-spacings of the constant-Q part.
    max_peak_shift : int
        Allowed distance of the time-domain peak from sample 0.
    subsampling : array of int, shape (n_filters,), or None
        Log2 stride at which each filter's modulus is sampled (e.g. ``psi1_meta["j"]`` of
        ``Scattering1D.filterbank()``); enables the envelope-aliasing part of check 6.
    verbose : bool
        Also ``print`` the report. This is the one place the library prints, and only on this
        explicit request; the report is always returned and logged at INFO level on the
        ``scatterwave.toolkit.validate`` logger, plus a one-line WARNING naming the failed
        checks when any check fails.

    Returns
    -------
    result : FilterbankValidation
        Per-check status, metrics and flagged filter indices; ``str(result)`` is the report.
    """
    _check_arguments(
        criterion_amplitude, max_overlap, min_lp_ratio, lp_tolerance, q_tolerance, max_peak_shift
    )
    bank = _Bank.of(psi_f, phi_f, float(criterion_amplitude))
    checks = {
        "analyticity": _check_analyticity(bank, for_real_inputs),
        "zero_mean": _check_zero_mean(bank),
        "littlewood_paley": _check_littlewood_paley(
            bank, for_real_inputs, lp_tolerance, min_lp_ratio
        ),
        "redundancy": _check_redundancy(bank, max_overlap),
        "boundary_decay": _check_boundary_decay(bank),
        "aliasing": _check_aliasing(
            bank.amag, bank.xi, bank.f, bank.nyq, subsampling, for_real_inputs, bank.ca
        ),
        "constant_q": _check_constant_q(bank.mag, bank.xi, bank.N, q_tolerance),
        "peak_position": _check_peak_position(bank, max_peak_shift),
    }
    result = FilterbankValidation(
        checks, bank.n, bank.N, bool(for_real_inputs), bank.phi is not None
    )
    _log_report(result, verbose)
    return result


def _log_report(result: FilterbankValidation, verbose: bool) -> None:
    text = result.report()
    logger.info("%s", text)
    if not result.ok:
        failed = [c.name for c in result.checks.values() if not c.passed]
        logger.warning("filterbank validation flagged checks %s; see the report.", failed)
    if verbose:
        print(text)  # the one sanctioned print: explicitly requested with verbose=True


def _check_arguments(
    criterion_amplitude: float,
    max_overlap: float,
    min_lp_ratio: float,
    lp_tolerance: float,
    q_tolerance: float,
    max_peak_shift: int,
) -> None:
    if not 0 < criterion_amplitude < 1:
        raise ValueError(f"criterion_amplitude must lie in (0, 1), got {criterion_amplitude!r}.")
    if not 0 < max_overlap <= 1 or not 0 <= min_lp_ratio <= 1:
        raise ValueError(
            f"max_overlap must lie in (0, 1] and min_lp_ratio in [0, 1]; got {max_overlap!r} "
            f"and {min_lp_ratio!r}."
        )
    if lp_tolerance < 0 or q_tolerance <= 0 or max_peak_shift < 0:
        raise ValueError(
            "lp_tolerance and max_peak_shift must be >= 0 and q_tolerance > 0; got "
            f"{lp_tolerance!r}, {max_peak_shift!r}, {q_tolerance!r}."
        )


@dataclass(frozen=True)
class _Bank:
    """The filters under validation and the quantities several checks share."""

    psi: np.ndarray  # (n, N) complex128
    phi: np.ndarray | None  # (N,) complex128
    ca: float  # criterion amplitude
    f: np.ndarray  # (N,) np.fft.fftfreq(N)
    mag: np.ndarray  # (n, N) |psi|
    peak: np.ndarray  # (n,) max |psi|
    xi: np.ndarray  # (n,) interpolated peak frequencies
    nyq: np.ndarray  # (N,) bool: the Nyquist bin (or the highest |f| for odd N)
    amag: np.ndarray  # (n or n + 1, N): |psi| and |phi| when given
    time_ratio: np.ndarray  # (n or n + 1,): boundary-to-peak ratio in time (psi, then phi)
    time_peak: np.ndarray  # (n or n + 1,): signed index of the time-domain peak

    @property
    def n(self) -> int:
        """Number of band-pass filters."""
        return self.psi.shape[0]

    @property
    def N(self) -> int:
        """Number of frequency bins."""
        return self.psi.shape[1]

    @classmethod
    def of(cls, psi_f: Any, phi_f: Any, ca: float) -> _Bank:
        psi, phi = _as_filters(psi_f, phi_f)
        N = psi.shape[1]
        f = np.fft.fftfreq(N)
        mag = np.abs(psi)
        nyq = np.abs(f) == 0.5 if N % 2 == 0 else np.abs(f) == np.abs(f).max()
        allf = psi if phi is None else np.vstack([psi, phi[None]])
        amag = np.abs(allf)
        ratio, t_peak = _time_domain(allf)
        xi = _peak_freqs(mag, f)
        return cls(psi, phi, ca, f, mag, mag.max(axis=1), xi, nyq, amag, ratio, t_peak)


def _check_analyticity(bank: _Bank, for_real_inputs: bool) -> CheckResult:
    """Check 1: negligible response at negative frequencies (real inputs only)."""
    if not for_real_inputs:
        return CheckResult(
            "analyticity",
            "Analyticity",
            "skipped",
            "Not required for complex inputs (for_real_inputs=False): both spins are expected.",
        )
    neg = (bank.f < 0) & ~bank.nyq
    r_neg = bank.mag[:, neg].max(axis=1) / bank.peak
    bad = r_neg > bank.ca
    return CheckResult(
        "analyticity",
        "Analyticity",
        _status(bad, bool(np.any(r_neg > 0.1))),
        "All filters are analytic (negligible negative frequencies)."
        if not bad.any()
        else f"{int(bad.sum())} filter(s) respond at negative frequencies: their modulus "
        "mixes positive and negative frequencies of real inputs instead of giving an "
        "envelope. Zero the negative frequencies (analytic=True).",
        {"max_negative_ratio": float(r_neg.max()), "n_flagged": int(bad.sum())},
        _indices(bad),
    )


def _check_zero_mean(bank: _Bank) -> CheckResult:
    """Check 2: negligible DC response of every band-pass filter."""
    r0 = bank.mag[:, 0] / bank.peak
    bad = r0 > bank.ca
    return CheckResult(
        "zero_mean",
        "Zero mean",
        _status(bad, True),
        "Every band-pass filter has a negligible DC response."
        if not bad.any()
        else f"{int(bad.sum())} filter(s) pass the signal's mean (DC): they are not wavelets. "
        "Subtract a corrective low-pass term (Morlet correction) or zero the DC bin.",
        {"max_dc_ratio": float(r0.max()), "n_flagged": int(bad.sum())},
        _indices(bad),
    )


def _check_littlewood_paley(
    bank: _Bank, for_real_inputs: bool, lp_tolerance: float, min_lp_ratio: float
) -> CheckResult:
    """Check 3: frame bounds ``A``, ``B`` of the Littlewood-Paley sum over the tiled band."""
    f = bank.f
    lp = compute_lp_sum(bank.psi, bank.phi, for_real_inputs=for_real_inputs)
    af = np.abs(f)
    hi = float(np.abs(bank.xi).max())
    lo = 0.0 if bank.phi is not None else float(np.abs(bank.xi).min())
    band = (af >= lo) & (af <= hi)
    if for_real_inputs:
        band &= f >= 0
    if not band.any():  # one filter centred between two bins: its nearest bin is the band
        distance = np.where(f >= 0, np.abs(f - hi), np.inf) if for_real_inputs else af - hi
        band[np.argmin(np.abs(distance))] = True
    A, B = float(lp[band].min()), float(lp.max())
    ratio = A / B if B > 0 else 0.0
    expansive, holes = B > 1 + lp_tolerance, ratio < min_lp_ratio
    problems = []
    if expansive:
        problems.append(
            f"the sum exceeds 1 (B = {B:.4g}): the transform can amplify energy; rescale the "
            "filters so that max LP <= 1"
        )
    if holes:
        problems.append(
            f"A / B = {ratio:.3g} < {min_lp_ratio}: frequencies near "
            f"{f[band][lp[band].argmin()]:.4g} cycles/sample are poorly covered; add filters or "
            "widen them"
        )
    return CheckResult(
        "littlewood_paley",
        "Littlewood-Paley bounds",
        "error" if expansive else "warning" if holes else "ok",
        "Frame bounds are within limits (non-expansive, no holes)."
        if not problems
        else _sentence(problems),
        {
            "A (min over band)": A,
            "B (max)": B,
            "A / B": ratio,
            "band (cycles/sample)": f"[{lo:.4g}, {hi:.4g}]",
            "argmax frequency": float(f[lp.argmax()]),
        },
    )


def _check_redundancy(bank: _Bank, max_overlap: float) -> CheckResult:
    """Check 4: no two filters with magnitude responses overlapping above ``max_overlap``."""
    mag, xi = bank.mag, bank.xi
    unit = mag / np.linalg.norm(mag, axis=1, keepdims=True)
    G = unit @ unit.T
    np.fill_diagonal(G, 0.0)
    dup = np.triu(G > max_overlap, 1)
    dup_idx = np.flatnonzero(dup.any(axis=0) | dup.any(axis=1))
    adjacent_parts = []
    for sign_group in (np.flatnonzero(xi >= 0), np.flatnonzero(xi < 0)):
        order = sign_group[np.argsort(-np.abs(xi[sign_group]), kind="stable")]
        adjacent_parts.append(G[order[:-1], order[1:]])
    adjacent = np.concatenate(adjacent_parts)
    redundancy = float((mag**2).sum() / (mag**2).max(axis=0).sum())
    return CheckResult(
        "redundancy",
        "Redundancy",
        "error" if dup.any() else "ok",
        "No duplicated filters."
        if not dup.any()
        else f"{int(dup.sum())} pair(s) of filters overlap by more than {max_overlap}: they are "
        "duplicates and only add redundant coefficients. Remove them.",
        {
            "redundancy": redundancy,
            "max overlap": float(G.max()) if bank.n > 1 else 0.0,
            "mean adjacent overlap": float(adjacent.mean()) if adjacent.size else 0.0,
        },
        tuple(int(i) for i in dup_idx),
    )


def _check_boundary_decay(bank: _Bank) -> CheckResult:
    """Check 5: decay before the edge of the circular time window, no abrupt cut in frequency."""
    N, ca, amag, r_b = bank.N, bank.ca, bank.amag, bank.time_ratio
    left, right = amag, np.roll(amag, -1, axis=1)
    apk = amag.max(axis=1, keepdims=True)
    cut = ((left > ca * apk) & (right == 0)) | ((right > ca * apk) & (left == 0))
    pair_ok = np.ones(N, dtype=bool)
    pair_ok[[0, N - 1]] = False  # pairs (0, 1) and (N - 1, 0) touch DC
    pair_ok[np.flatnonzero(bank.nyq)] = False
    pair_ok[(np.flatnonzero(bank.nyq) - 1) % N] = False
    cut_ratio = np.where(cut & pair_ok, np.maximum(left, right), 0.0).max(axis=1) / apk[:, 0]
    worst = np.maximum(r_b, cut_ratio)
    bad = worst > ca
    return CheckResult(
        "boundary_decay",
        "Decay at the boundaries",
        _status(bad, bool(np.any(worst > 10 * ca))),
        "Every filter decays to the criterion amplitude in time and frequency."
        if not bad.any()
        else f"{int(bad.sum())} filter(s) are truncated: they do not decay before the edge of "
        "the circular time window or are cut abruptly in frequency, so convolutions wrap "
        "around (boundary effects). Sample at a larger N (more padding) or use a narrower "
        "time support.",
        {
            "max time boundary ratio": float(r_b.max()),
            "max frequency cut ratio": float(cut_ratio.max()),
            "n_flagged": int(bad.sum()),
        },
        _indices(bad, offset_phi=bank.phi is not None),
    )


def _check_peak_position(bank: _Bank, max_peak_shift: int) -> CheckResult:
    """Check 8: every filter's time-domain peak within ``max_peak_shift`` samples of 0."""
    t_peak = bank.time_peak
    bad = np.abs(t_peak) > max_peak_shift
    return CheckResult(
        "peak_position",
        "Time-domain peak position",
        _status(bad, True),
        f"Every filter peaks within {max_peak_shift} sample(s) of t = 0."
        if not bad.any()
        else f"{int(bad.sum())} filter(s) peak away from t = 0, so their outputs are shifted in "
        "time. Centre the filters at 0 (zero-phase envelope).",
        {"max |peak index|": int(np.abs(t_peak).max())},
        _indices(bad, offset_phi=bank.phi is not None),
    )


def _check_constant_q(mag: np.ndarray, xi: np.ndarray, N: int, tol: float) -> CheckResult:
    n = mag.shape[0]
    axi = np.abs(xi)
    bw = np.asarray([_half_power_width(r) for r in mag])
    Q = axi / np.maximum(bw, 1.0 / N)
    groups = [g for g in (np.flatnonzero(xi >= 0), np.flatnonzero(xi < 0)) if len(g)]
    orders = []
    for g in groups:
        d = np.diff(axi[g])
        orders.append(
            "single filter"
            if len(g) == 1
            else "decreasing"
            if np.all(d < 0)
            else "increasing"
            if np.all(d > 0)
            else "unsorted"
        )
    order = "unsorted" if "unsorted" in orders else " / ".join(dict.fromkeys(orders))
    bins = np.round(xi * N).astype(int)
    _, first, counts = np.unique(bins, return_index=True, return_counts=True)
    dup_bins = set(bins[first[counts > 1]].tolist())
    dups = np.asarray([b in dup_bins for b in bins])
    cqt = Q >= (1 - tol) * Q.max()
    metrics: dict[str, Any] = {
        "peak range (cycles/sample)": f"[{axi.min():.4g}, {axi.max():.4g}]",
        "order": order,
        "n constant-Q": int(cqt.sum()),
        "n non-constant-Q": int(n - cqt.sum()),
        "Q (max)": float(Q.max()),
    }
    problems = []
    steps_all = []
    for g in groups:
        sel = np.sort(axi[g][cqt[g]])[::-1]
        if len(sel) >= 4:
            # The end filters of the constant-Q run may be placed to meet the band edges
            # (Nyquist, low-frequency linear part): judge the interior steps.
            steps_all.append(np.log2(sel[:-1] / sel[1:])[1:-1])
    if steps_all:
        steps = np.concatenate(steps_all)
        med = float(np.median(steps))
        spread = float((steps.max() - steps.min()) / med) if med > 0 else np.inf
        metrics["filters per octave (constant-Q part)"] = 1.0 / med if med > 0 else np.inf
        metrics["log-spacing spread"] = spread
        if spread > tol:
            problems.append(
                f"uneven log-spacing of the constant-Q filters (relative spread {spread:.3g} > "
                f"{tol})"
            )
    if dups.any():
        problems.append(f"{int(dups.sum())} filters share a peak bin (duplicated peaks)")
    if order == "unsorted":
        problems.append("filters are not sorted by centre frequency")
    status: Status = "error" if dups.any() else "warning" if problems else "ok"
    flagged = np.flatnonzero(dups) if dups.any() else np.zeros(0, dtype=int)
    return CheckResult(
        "constant_q",
        "Constant-Q tiling",
        status,
        "Peaks are distinct and the constant-Q part is evenly log-spaced."
        if not problems
        else _sentence(problems)[:-1]
        + ". Place centre frequencies at xi_max * 2**(-k/Q) with distinct bins.",
        metrics,
        tuple(int(i) for i in flagged),
    )


def _check_aliasing(
    amag: np.ndarray,
    xi: np.ndarray,
    f: np.ndarray,
    nyq: np.ndarray,
    subsampling: Any,
    for_real_inputs: bool,
    ca: float,
) -> CheckResult:
    n, N = len(xi), amag.shape[1]
    apk = amag.max(axis=1)
    r_nyq = amag[:, nyq].max(axis=1) / apk
    metrics: dict[str, Any] = {"max nyquist ratio": float(r_nyq.max())}
    bad = np.zeros(amag.shape[0], dtype=bool)
    problems = []
    if not for_real_inputs:
        wrap = r_nyq > ca
        bad |= wrap
        if wrap.any():
            problems.append(
                f"{int(wrap.sum())} filter(s) do not vanish at the Nyquist frequency, so their "
                "response wraps between +0.5 and -0.5 cycles/sample (narrow the outer filters)"
            )
    if subsampling is not None:
        j = np.asarray(to_numpy(subsampling)).astype(int).reshape(-1)
        if j.shape != (n,) or np.any(j < 0):
            raise ValueError(
                f"subsampling must hold one log2 stride >= 0 per filter (shape ({n},)), got "
                f"{np.asarray(to_numpy(subsampling)).tolist()}."
            )
        dist = np.abs((f[None, :] - xi[:, None] + 0.5) % 1.0 - 0.5)
        above = amag[:n] > ca * apk[:n, None]
        half = np.where(above, dist, 0.0).max(axis=1)
        margin = 0.5 / 2.0**j - 2 * half
        env = (margin < -1.0 / N) & (j > 0)  # j = 0: no subsampling, nothing to lower
        bad[:n] |= env
        metrics["min envelope margin (cycles/sample)"] = float(margin.min())
        if env.any():
            problems.append(
                f"{int(env.sum())} filter(s) have an envelope |x * psi| wider than the Nyquist "
                "frequency of their subsampled rate 0.5 / 2**j: lower their subsampling"
            )
    summary = (
        _sentence(problems)
        if problems
        else "No aliasing: "
        + (
            "envelopes fit their subsampled rates"
            if subsampling is not None
            else "pass subsampling= to check the envelopes' subsampled rates"
        )
        + (
            "; the Nyquist response is irrelevant for real inputs."
            if for_real_inputs
            else "; filters vanish at the Nyquist frequency."
        )
    )
    phi_row = amag.shape[0] > n
    return CheckResult(
        "aliasing",
        "Aliasing",
        _status(bad, False),
        summary,
        metrics,
        _indices(bad, offset_phi=phi_row),
    )
