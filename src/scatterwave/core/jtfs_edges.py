"""Normalised averaging at the padding boundary (JTFS time and frequency low-passes).

A low-pass of a padded axis, centred near the end of the data, also averages the padding: with
zero padding its output falls towards zero as the low-pass widens (an average over a window
wider than the signal is diluted into the padding), and the local averages do not tend to the
global mean. Here every local average is a *weighted mean of the samples that carry data*:

    out[t] = sum_s phi(t - s) m(s) u(s) / sum_s phi(t - s) m(s)  *  sum_s phi(t - s)

with ``m`` the indicator of the unpadded samples. Away from the edges (farther than the
low-pass's half-support) the denominator equals the last factor and nothing changes; as the
low-pass widens, ``out`` tends to the mean of ``u`` over the data, the global mean. The
numerator's mask is applied to the array before the low-pass; the ratio of the two last sums
is a fixed per-output-sample factor, computed here at plan time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scatterwave.core.buffers import LowPass, PlanBuilder, Slice

#: Smallest admissible share of a low-pass's mass on the data (a guard: the output samples
#: kept lie on the data, so at least about half of a centred low-pass's mass does).
MIN_SHARE = 1e-6


@dataclass(frozen=True)
class EdgeNorm:
    """The normalisation of one low-pass at the padding boundary.

    Attributes
    ----------
    mask : Slice or None
        0/1 indicator of the input samples that carry data, shape (n_in,), in the ``mask``
        buffer; None when the input is already zero outside the data.
    gain : Slice
        Factor of each kept output sample, shape (n_out,), in the ``mask`` buffer.
    """

    mask: Slice | None
    gain: Slice


def lowpass_np(v: np.ndarray, phi: np.ndarray, k_avg: int) -> np.ndarray:
    """:func:`scatterwave.core.ops.lowpass` of the rows ``v`` (NumPy, plan time)."""
    n_bins = phi.shape[0]
    return np.fft.irfft(np.fft.rfft(v)[:n_bins] * phi, n=2 * (n_bins - 1)) / 2**k_avg


def share(out_mask: np.ndarray, out_ones: np.ndarray) -> np.ndarray:
    """Return ``1 / share``, the gain that turns a masked average into a weighted mean."""
    ratio = out_mask / out_ones
    if np.any(ratio < MIN_SHARE):
        raise RuntimeError(f"a kept output sees {ratio.min():.2e} of its low-pass on the data")
    return 1.0 / ratio


def time_edge(
    builder: PlanBuilder,
    lp: LowPass,
    n_in: int,
    data: tuple[int, int],
    out: tuple[int, int],
    *,
    masked: bool = True,
    phi: np.ndarray | None = None,
) -> EdgeNorm:
    """Plan the normalisation of a time low-pass ``lp`` of ``n_in`` samples.

    ``data = (lo, hi)``: the samples that carry data; ``out = (start, length)``: the output
    samples kept after the low-pass. ``masked=False``: the input is zero outside the data
    (no mask is applied to it). ``phi``: the low-pass's bins when ``builder`` cannot view
    them (a buffer copied whole from another plan).
    """
    m = np.zeros(n_in)
    m[data[0] : data[1]] = 1.0
    phi = builder.view(lp.phi) if phi is None else phi
    start, length = out
    gain = share(
        lowpass_np(m, phi, lp.k_avg)[start : start + length],
        lowpass_np(np.ones(n_in), phi, lp.k_avg)[start : start + length],
    )
    key = ("edge_t", n_in, data, out, lp.phi.offset, lp.k_avg)
    mask = builder.add("mask", m, key=("data_t", n_in, data)) if masked else None
    return EdgeNorm(mask, builder.add("mask", gain, key=key))


def freq_edge(
    builder: PlanBuilder,
    apply: Callable[[np.ndarray], np.ndarray],
    n_axis: int,
    n_data: int,
    n_out: int,
    *,
    masked: bool,
) -> EdgeNorm:
    """Plan the normalisation of a frequential low-pass ``apply`` (input rows to output rows).

    The input axis has ``n_axis`` rows of which the first ``n_data`` carry data; the first
    ``n_out`` outputs are kept. ``masked``: the input is not zero beyond the data (the
    modulus of a filtered axis), so the mask is applied to it.
    """
    m = np.zeros(n_axis)
    m[:n_data] = 1.0
    gain = share(apply(m)[:n_out], apply(np.ones(n_axis))[:n_out])
    mask = builder.add("mask", m, key=("data_fr", n_axis, n_data)) if masked else None
    return EdgeNorm(mask, builder.add("mask", gain))
