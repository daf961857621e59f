r"""Normalisation of scattering coefficients for machine learning.

Scattering coefficients are non-negative and heavy-tailed: a few rows (low orders, loud
frequencies) dominate by orders of magnitude. :func:`normalize` maps each row ``p`` (a path or a
JTFS row, axis ``-2``) through three steps:

1. **Robust scale.** :math:`\mu_p` is the *sparse mean* of :math:`|S_p|`, the mean over the
   entries that are not (numerically) zero,

   .. math:: \mu_p = \frac{\sum_i |S_p[i]|}{\#\{i : |S_p[i]| > \tau\}},

   where :math:`i` runs over samples and time and :math:`\tau` is :math:`\sqrt{\epsilon}` (the
   float64 machine epsilon) times the largest :math:`|S_p|` (of each batch when streaming).
   Unlike the plain mean (``scale="mean"``), it ignores structurally zero entries (padding,
   paths that are zero for most samples), so sparse rows are not inflated. Rows that are
   entirely zero get :math:`\mu_p = 1`.
2. **Log compression** (``log=True``): :math:`y_p = \log(1 + S_p / (C \mu_p))`, applied to
   :math:`|S_p|` with the sign restored for signed rows (order 0 is a low-passed signal). It is
   close to linear, :math:`S_p / (C\mu_p)`, for coefficients well below :math:`C \mu_p` and
   logarithmic above, so it compresses the dynamic range of each row relative to its own
   typical size; :math:`C` (default 1) moves that knee. With ``log=False``,
   :math:`y_p = S_p / \mu_p`.
3. **Centring and standardising** (optional): :math:`z_p = (y_p - m_p) / s_p` with
   :math:`m_p` and :math:`s_p` the mean and standard deviation of :math:`y_p` over samples and
   time (rows with :math:`s_p = 0` are only centred).

For data sets that do not fit in memory, :func:`fit_normalization` accepts a callable that
returns an iterable of batches and computes exact statistics in two streaming passes (sums and
counts for :math:`\mu_p`, then Chan et al.'s pairwise update of means and variances for
:math:`m_p, s_p`); :func:`normalize` then applies the stored :class:`NormalizationStats` to new
batches (e.g. test data) without recomputing them.

Three things are called "normalize" in scatterwave; this module is the one that acts on
coefficients after the transform. The transforms' ``normalize=`` argument (``"energy"`` or
``"amplitude"``) chooses how each coefficient is scaled by its stride inside the transform, and
the filters' Littlewood-Paley normalisation (:mod:`scatterwave.filters.littlewood_paley`) sets
the wavelets' gains. ``from scatterwave.toolkit import normalize`` gives the function (the
package attribute shadows this module's name); import the module's other names from
``scatterwave.toolkit`` too.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import array_api_compat
import numpy as np

from scatterwave.toolkit._common import namespace, reduce_except_row, to_numpy

__all__ = ["NormalizationStats", "fit_normalization", "normalize"]

ScaleMethod = Literal["sparse_mean", "mean", "none"]
_SQRT_EPS = float(np.sqrt(np.finfo(np.float64).eps))


@dataclass(frozen=True)
class NormalizationStats:
    r"""Per-row statistics of :func:`normalize`, fitted once and reusable on new data.

    Attributes
    ----------
    scale : ndarray, shape (n_rows,)
        Robust scale :math:`\mu_p` of each row (1 where it is undefined).
    mean : ndarray, shape (n_rows,), or None
        Mean :math:`m_p` of the compressed rows; ``None`` if not centring.
    std : ndarray, shape (n_rows,), or None
        Standard deviation :math:`s_p` (1 where it is 0); ``None`` if not standardising.
    log : bool
        Whether log compression is applied.
    C : float
        Knee of the log compression.
    """

    scale: np.ndarray
    mean: np.ndarray | None
    std: np.ndarray | None
    log: bool
    C: float

    @property
    def n_rows(self) -> int:
        """Number of rows these statistics apply to."""
        return int(self.scale.shape[0])


def _check_coeffs(S: Any) -> None:
    if isinstance(S, dict):
        raise TypeError(
            "normalize works on array coefficients (..., n_rows, N_out); got a dict. Use "
            'out_type="array" or normalize each entry separately.'
        )
    if not hasattr(S, "ndim") or S.ndim < 2:
        raise ValueError(
            "expected coefficients of shape (..., n_rows, N_out) with at least 2 dimensions, "
            f"got {getattr(S, 'shape', type(S).__name__)}."
        )
    if not namespace(S).isdtype(S.dtype, "real floating"):
        raise TypeError(
            f"coefficients must be real floating-point, got dtype {S.dtype}: the statistics "
            "and the output are fractional (convert first, e.g. S.astype(np.float32))."
        )
    if array_api_compat.size(S) == 0:
        raise ValueError(f"no coefficients to normalise: Sx has shape {tuple(S.shape)}.")


def _batches(data: Any) -> Callable[[], Iterable[Any]]:
    if callable(data):
        return data
    if hasattr(data, "ndim"):
        return lambda: (data,)
    if isinstance(data, (list, tuple)):
        return lambda: data
    raise TypeError(
        "fit_normalization expects an array (..., n_rows, N_out), a list of such arrays, or a "
        f"callable returning an iterable of them (for streaming); got {type(data).__name__}."
    )


def _scale_sums(S: Any, method: ScaleMethod) -> tuple[np.ndarray, np.ndarray]:
    xp = namespace(S)
    a = xp.abs(S)
    total = to_numpy(reduce_except_row(xp, a)).astype(np.float64)
    if method == "sparse_mean":
        axes = tuple(i for i in range(a.ndim) if i != a.ndim - 2)
        tau = _SQRT_EPS * xp.max(a, axis=axes)[:, None]
        count = to_numpy(reduce_except_row(xp, xp.astype(a > tau, a.dtype)))
    else:
        count = np.full(total.shape, array_api_compat.size(a) / a.shape[-2] if a.shape[-2] else 0.0)
    return total, np.asarray(count, dtype=np.float64)


def _compress(S: Any, scale: Any, log: bool, C: float, xp: Any) -> Any:
    if not log:
        return S / scale[:, None]
    y = S / (C * scale[:, None])
    # sign-preserving: order-0 coefficients (low-passed signal) can be negative
    return xp.sign(y) * xp.log1p(xp.abs(y))


def _as_xp(v: np.ndarray, like: Any, xp: Any) -> Any:
    return xp.asarray(v, dtype=like.dtype, device=array_api_compat.device(like))


def fit_normalization(
    data: Any,
    *,
    scale: ScaleMethod = "sparse_mean",
    log: bool = True,
    C: float = 1.0,
    center: bool = True,
    standardize: bool = True,
) -> NormalizationStats:
    r"""Compute the per-row statistics of :func:`normalize`, in memory or streaming.

    Parameters
    ----------
    data : array, shape (..., n_rows, N_out); list of such arrays; or callable
        The coefficients (any array library), a list of batches, or a zero-argument callable
        returning a fresh iterable of batches (called twice: one pass for the scale, one for
        the moments). Batches may differ in leading and time dimensions but not in ``n_rows``.
    scale : {"sparse_mean", "mean", "none"}
        Robust scale :math:`\mu_p` (see the module docstring); ``"none"`` uses 1.
    log : bool
        Apply :math:`\log(1 + S / (C\mu_p))`.
    C : float
        Knee of the log compression (> 0).
    center, standardize : bool
        Store the mean / standard deviation used to centre / standardise.

    Returns
    -------
    stats : NormalizationStats
    """
    if scale not in ("sparse_mean", "mean", "none"):
        raise ValueError(f'scale must be "sparse_mean", "mean" or "none", got {scale!r}.')
    if isinstance(C, bool) or not (isinstance(C, numbers.Real) and np.isfinite(C) and C > 0):
        raise ValueError(f"C must be a positive finite number, got {C!r}.")
    get = _batches(data)
    total = count = None
    n_rows = None
    for S in get():
        _check_coeffs(S)
        if n_rows is None:
            n_rows = S.shape[-2]
        elif S.shape[-2] != n_rows:
            raise ValueError(
                f"all batches must have {n_rows} rows, got a batch with {S.shape[-2]}."
            )
        t, c = _scale_sums(S, "mean" if scale == "none" else scale)
        total, count = (t, c) if total is None else (total + t, count + c)
    if n_rows is None or total is None or count is None:
        raise ValueError("fit_normalization received no batches.")
    if scale == "none":
        mu = np.ones(n_rows)
    else:
        valid = (count > 0) & (total > 0)
        mu = np.where(valid, total / np.where(valid, count, 1.0), 1.0)
    mean = std = None
    if center or standardize:
        n_acc = np.zeros(n_rows)
        m_acc = np.zeros(n_rows)
        m2_acc = np.zeros(n_rows)
        for S in get():
            _check_coeffs(S)
            xp = namespace(S)
            y = _compress(S, _as_xp(mu, S, xp), log, float(C), xp)
            n_b = array_api_compat.size(y) / n_rows
            m_b = to_numpy(reduce_except_row(xp, y)).astype(np.float64) / n_b
            d = y - _as_xp(m_b, y, xp)[:, None]
            m2_b = to_numpy(reduce_except_row(xp, d * d)).astype(np.float64)
            n_new = n_acc + n_b
            delta = m_b - m_acc
            m_acc = m_acc + delta * n_b / n_new
            m2_acc = m2_acc + m2_b + delta**2 * n_acc * n_b / n_new
            n_acc = n_new
        if center:
            mean = m_acc
        if standardize:
            sd = np.sqrt(m2_acc / n_acc)
            std = np.where(sd > 0, sd, 1.0)
    return NormalizationStats(scale=mu, mean=mean, std=std, log=bool(log), C=float(C))


def normalize(
    Sx: Any,
    *,
    stats: NormalizationStats | None = None,
    scale: ScaleMethod = "sparse_mean",
    log: bool = True,
    C: float = 1.0,
    center: bool = True,
    standardize: bool = True,
    return_stats: bool = False,
) -> Any:
    r"""Log-compress, centre and standardise coefficients row by row (see the module docstring).

    Parameters
    ----------
    Sx : array, shape (..., n_rows, N_out)
        Coefficients of any array library (NumPy, torch, JAX, ...). Statistics are taken over
        every axis but the row axis ``-2``.
    stats : NormalizationStats or None
        Precomputed statistics (from :func:`fit_normalization` or a previous call with
        ``return_stats=True``). When given, the options below must keep their defaults: the
        stored ones are used.
    scale : {"sparse_mean", "mean", "none"}
        Robust per-row scale.
    log : bool
        Apply :math:`\log(1 + S / (C\mu_p))` (otherwise :math:`S / \mu_p`).
    C : float
        Knee of the log compression.
    center, standardize : bool
        Subtract the per-row mean / divide by the per-row standard deviation.
    return_stats : bool
        Also return the :class:`NormalizationStats` used.

    Returns
    -------
    Sx_norm : array, shape (..., n_rows, N_out)
        Same library, device and dtype as ``Sx``.
    stats : NormalizationStats
        Only if ``return_stats``.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.abs(np.random.default_rng(0).standard_normal((8, 3, 16)))
    >>> Z, stats = normalize(S, return_stats=True)
    >>> Z_test = normalize(S[:2], stats=stats)  # same statistics on new data
    >>> bool(np.allclose(Z[:2], Z_test))
    True
    """
    _check_coeffs(Sx)
    if stats is None:
        stats = fit_normalization(
            Sx, scale=scale, log=log, C=C, center=center, standardize=standardize
        )
    else:
        given = {"scale": scale, "log": log, "C": C, "center": center, "standardize": standardize}
        defaults = {"scale": "sparse_mean", "log": True, "C": 1.0, "center": True}
        defaults["standardize"] = True
        changed = [k for k, v in given.items() if v != defaults[k]]
        if changed:
            raise ValueError(
                f"options {changed} were given together with stats; the stored statistics "
                "define the normalisation. Refit with fit_normalization(..., "
                f"{', '.join(f'{k}={given[k]!r}' for k in changed)}) instead."
            )
        if stats.n_rows != Sx.shape[-2]:
            raise ValueError(
                f"stats were fitted on {stats.n_rows} rows but Sx has {Sx.shape[-2]} rows "
                "(axis -2): use statistics fitted on the same transform configuration."
            )
    xp = namespace(Sx)
    y = _compress(Sx, _as_xp(stats.scale, Sx, xp), stats.log, stats.C, xp)
    if stats.mean is not None:
        y = y - _as_xp(stats.mean, y, xp)[:, None]
    if stats.std is not None:
        y = y / _as_xp(stats.std, y, xp)[:, None]
    return (y, stats) if return_stats else y
