"""Local time averages of short output rows as one real matrix product per group of rows.

With local averaging, a row of ``M`` samples ends as ``length`` output samples through a real
FFT, a product with the low-pass's bins, an inverse FFT (for Scattering1D's second order, its
share of one) and the unpadding: a fixed linear map. Where the outputs are short (``length``
at most :data:`DIRECT_MAX_LENGTH`) it is cheaper as the ``(M, length)`` matrix
:func:`lowpass_matrix`:

* on a CPU, one ``matmul`` instead of the FFTs and the product where that measured faster
  (NumPy's Scattering1D; NumPy's and PyTorch's JTFS, whose matrices also fold the boundary
  normalisation's mask and gain, :func:`add_matrices`);
* on accelerators (PyTorch, CuPy, JAX off the CPU), one kernel per group in the forward pass
  and one in the backward pass, where the Fourier route launches about eight (the real FFT,
  the slice of its low bins, the product, and in the backward pass their adjoints with the
  zero tensors of the slices). A GPU call of these sizes is bound by kernel launches (issue
  12); the extra arithmetic (``M * length`` multiply-adds per row, 10 M per signal at
  N=2^13, J=8) is microseconds there.

The matrices are built with the plan (float64, in the flat buffer ``"lowpass_direct"``, empty
where unused, converted to the input's dtype and device with the other buffers) when every
row of the route can take it and they fit :data:`DIRECT_MAX_BYTES`: by :func:`direct_matrices`
for Scattering1D, :func:`scatterwave.core.jtfs_build.time_matrices` for the JTFS. Whether a
call uses them is the capability ``direct_lowpass`` (Scattering1D) or ``direct_time`` (JTFS)
of :class:`~scatterwave.core.capabilities.Capabilities`.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple

import numpy as np
import scipy.fft

from scatterwave.core.buffers import LowPass, PlanBuilder, Slice
from scatterwave.core.ops import matmul

#: Longest output row (samples per row after unpadding) whose second-order averages are
#: matrix products: ``M * length`` multiply-adds per row against a real FFT of ``M`` samples, a
#: product and a share of the inverse FFT (NumPy, 2-core CPU, measured 2026-11).
DIRECT_MAX_LENGTH = 32

#: Most bytes (float64) the matrices of one plan may take; beyond, the Fourier route is kept
#: (at N=2^13, J=8 they take 3.9 MB; a long signal with a large ``J`` can need gigabytes).
DIRECT_MAX_BYTES = 64 * 2**20

#: Name of the plan's flat buffer of matrices.
BUFFER = "lowpass_direct"


def lowpass_matrix(phi: np.ndarray, M: int, k_avg: int, start: int, length: int) -> np.ndarray:
    """Real ``(M, length)`` matrix: rows of ``M`` samples to their averaged, unpadded output.

    The same linear map as the Fourier route of the local average (real FFT, product with the
    low-pass bins ``phi`` scaled by ``2**-k_avg``, inverse real FFT of ``L = 2 (n_bins - 1)``
    samples, then the unpadding window ``[start, start + length)``)::

        K[m, q] = (1/L) sum_b w_b Re(phi_b exp(2 pi i b ((start + q) / L - m / M)))

    with ``w_b = 2`` except at the first and last bin (1). Equal to that route up to float64
    round-off.

    Parameters
    ----------
    phi : ndarray, shape (n_bins,)
        The low-pass's positive bins (real).
    M : int
        Samples per input row.
    k_avg : int
        Subsampling exponent of the average.
    start, length : int
        The unpadding window at the output rate.

    Returns
    -------
    ndarray, shape (M, length), float64
    """
    n_bins = len(phi)
    if n_bins > M // 2 + 1:
        raise ValueError(f"a low-pass of {n_bins} bins cannot average rows of {M} samples")
    L = 2 * (n_bins - 1)
    w = np.full(n_bins, 2.0)
    w[0] = w[-1] = 1.0
    # Phases reduced modulo the period in integers before scaling (exact angles).
    b = np.arange(n_bins)
    synthesis = np.exp(2j * np.pi * (np.outer(b, np.arange(start, start + length)) % L) / L)
    coef = (w * phi / (L * 2**k_avg))[:, None] * synthesis  # (n_bins, length)
    # K[m, q] = Re sum_b conj(coef[b, q]) exp(2 pi i b m / M): an inverse real FFT of length M
    # per column, the bins 0 < b < M / 2 halved (the inverse real FFT counts them twice).
    half = np.conj(coef.T)  # (length, n_bins)
    half[:, 1 : (M + 1) // 2] *= 0.5
    return np.ascontiguousarray(scipy.fft.irfft(half, n=M, axis=-1).T * M)


class Job(NamedTuple):
    """One matrix to build (:func:`add_matrices`)."""

    #: Samples per input row.
    M: int
    #: The low-pass.
    avg: LowPass
    #: Its bins' values, shape (n_bins,).
    phi: np.ndarray
    #: First kept output sample.
    start: int
    #: The boundary normalisation (an :class:`~scatterwave.core.jtfs_edges.EdgeNorm`), or None
    #: for a plain low-pass.
    edge: Any


def time_key(M: int, avg: LowPass, start: int, edge: Any = None) -> Hashable:
    """Return the key of a time low-pass's matrix.

    Its ``M`` input samples, the low-pass, the first output sample ``start`` and the boundary
    normalisation ``edge`` (an :class:`~scatterwave.core.jtfs_edges.EdgeNorm` or None).
    """
    mask = -1 if edge is None or edge.mask is None else edge.mask.offset
    return (M, avg.phi.offset, avg.k_avg, start, mask, -1 if edge is None else edge.gain.offset)


def add_matrices(
    builder: PlanBuilder, jobs: list[Job], length: int, *, scale: float = 1.0
) -> dict[Hashable, Slice]:
    """Add one matrix per distinct job to :data:`BUFFER`, or none; ``{time_key: Slice}``.

    Each is ``diag(mask) @ lowpass_matrix(...) @ diag(gain) * scale``: the boundary mask
    (shape (M,)) multiplies the input samples before the low-pass, its gain (shape
    (length,)) the kept outputs after it (:mod:`scatterwave.core.jtfs_edges`), ``scale``
    every output (the energy factor). Nothing is added (the Fourier route stays) when
    ``length > DIRECT_MAX_LENGTH``, the matrices would exceed :data:`DIRECT_MAX_BYTES`, or a
    low-pass has more bins than its rows.
    """
    unique = {time_key(j.M, j.avg, j.start, j.edge): j for j in jobs}
    size = 8 * length * sum(j.M for j in unique.values())
    if not unique or length > DIRECT_MAX_LENGTH or size > DIRECT_MAX_BYTES:
        return {}
    if any(j.avg.n_bins > j.M // 2 + 1 for j in unique.values()):
        return {}
    out = {}
    for key, j in unique.items():
        K = lowpass_matrix(j.phi, j.M, j.avg.k_avg, j.start, length) * scale
        if j.edge is not None and j.edge.mask is not None:
            K *= builder.view(j.edge.mask)[:, None]
        if j.edge is not None:
            K *= builder.view(j.edge.gain)[None, :]
        out[key] = builder.add(BUFFER, K)
    return out


def time_product(
    direct_time: dict[Hashable, Slice],
    buffers: dict[str, Any],
    coef: Any,
    avg: LowPass,
    start: int,
    edge: Any,
    window: tuple[int, int] | None,
    xp: Any,
    caps: Any,
) -> Any:
    """Apply a time low-pass's matrix to ``coef`` (time last); None if it has none.

    ``window = (lo, M)``: unless it has ``M`` samples, ``coef`` holds samples ``lo, lo + 1,
    ...`` of an axis of ``M`` whose other samples are zero (NumPy's joint stage computes only
    the samples the low-pass reads): the product then takes only the matching rows of the
    matrix.
    """
    lo, M = (0, coef.shape[-1]) if window is None else window
    K = direct_time.get(time_key(M, avg, start, edge))
    if K is None:
        return None
    K = K.take(buffers, xp)
    if coef.shape[-1] != M:  # the samples from lo on (else the whole axis, already embedded)
        K = K[lo : lo + coef.shape[-1]]
    return matmul(coef, K, xp, caps=caps)


def direct_matrices(
    builder: PlanBuilder,
    groups2: list[Any],
    n_first: int,
    start: int,
    length: int,
) -> dict[Hashable, Slice]:
    """Add the matrices of every second-order group to ``builder``; ``{time_key: Slice}``.

    Empty (nothing added) unless every second-order group is averaged, the second-order rows
    follow the ``n_first`` rows of orders 0 and 1 (the route writes them as one block), and
    :func:`add_matrices` takes them.

    Parameters
    ----------
    builder : PlanBuilder
        The plan's builder, before :meth:`~PlanBuilder.finish`, with the buffer
        :data:`BUFFER`.
    groups2 : list of BandGroup
    n_first : int
        Rows of orders 0 and 1.
    start, length : int
        The unpadding window at the output stride.
    """
    if not groups2 or any(h.avg is None for h in groups2):
        return {}
    if min(int(h.rows[0]) for h in groups2) != n_first:
        return {}
    jobs = [Job(h.M, h.avg, builder.view(h.avg.phi), start, None) for h in groups2]
    return add_matrices(builder, jobs, length)
