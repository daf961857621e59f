"""The computation plan of Scattering1D: which rows are computed together, at which rate.

A plan is pure NumPy bookkeeping derived from a :class:`~scatterwave.filters.bank.TimeFilterbank`.
It groups first-order wavelets by subsampling exponent and second-order paths by
``(first-order group, subsampling exponent)``, so the compute core
(:mod:`scatterwave.core.scattering1d`) runs one batched multiply-fold-IFFT per group and never
loops over paths. The plan is self-describing:

* :attr:`ScatteringPlan.steps` is the ordered list of what the core does, read like the maths::

      ZerothOrder   S0 = x * phi_T
      FirstOrder    U1 = |x * psi1|,  S1 = U1 * phi_T          (one group of psi1 at one rate)
      SecondOrder   U2 = |U1 * psi2|, S2 = U2 * phi_T          (right after its parent group)
      Collect       one inverse FFT of every low-passed row    (local averaging only)

* every filter, window and index a step reads is a :class:`~scatterwave.core.buffers.Slice`
  of the flat buffers (``psi1_f``, ``psi2_f``, ``phi_f``, ``index``), built by a
  :class:`~scatterwave.core.buffers.PlanBuilder` that also records each row's metadata as the
  step producing it is planned: meta and coefficients cannot disagree.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import erfc

from scatterwave.core.bands import BandGroup, BandRequest, band_group
from scatterwave.core.buffers import LowPass, PlanBuilder, Slice
from scatterwave.core.direct_lowpass import BUFFER, direct_matrices
from scatterwave.core.global_mean import global_weights
from scatterwave.core.plan_memory import bytes_unaveraged, bytes_workspace
from scatterwave.filters.bank import TimeFilterbank

#: A second-order path (n1, n2) is kept when psi2 captures at least this fraction of the
#: spectral energy of the first-order envelope ``|x * psi1|`` (see :func:`path_energy_overlap`).
PATH_OVERLAP_THRESHOLD = 1e-2

#: Second-order groups are split so that one group holds at most this many complex samples
#: per signal (rows x output length), but keeps at least :data:`GROUP_MIN_ROWS` rows. This
#: bounds the temporaries alive at once (peak memory at batch 1: 9.8 -> 4.8 MiB for torch at
#: N=2**16, J=8) and keeps them cache-sized (batched calls got 15-20 % faster); fewer rows per
#: FFT call would cost more than they save (PyTorch plans every CPU FFT call anew, and
#: multi-row FFTs are vectorised across rows). Measured 2026-11-22, benchmarks/README.md.
GROUP_SAMPLES = 2**16
GROUP_MIN_ROWS = 4


@dataclass(frozen=True)
class ZerothOrder:
    """``S0 = x * phi_T``: row 0.

    Attributes
    ----------
    rows : ndarray of int, shape (1,)
    lowpass : LowPass or None
        None for a global mean (the weighted sum of the padded input).
    k : int
        Stride exponent of the row.
    """

    rows: np.ndarray
    lowpass: LowPass | None
    k: int


@dataclass(frozen=True)
class FirstOrder:
    """``U1 = |x * psi1|`` for one group of first-order wavelets, and its ``S1`` rows.

    Attributes
    ----------
    group : BandGroup
    keep_spectrum : bool
        The envelopes' spectrum is needed (local averaging, or second-order children).
    children_width : int
        Bins of the envelope spectrum the children's block views need (0: no children
        follow).
    children_reach : int
        Bins of it the NumPy core reads (at most ``children_width``; see
        :attr:`~scatterwave.core.bands.BandGroup.reach`).
    """

    group: BandGroup
    keep_spectrum: bool
    children_width: int
    children_reach: int


@dataclass(frozen=True)
class SecondOrder:
    """``U2 = |U1 * psi2|`` for one group of second-order paths, and its ``S2`` rows.

    Attributes
    ----------
    group : BandGroup
        Its ``parent`` is the most recent :class:`FirstOrder` step.
    """

    group: BandGroup


@dataclass(frozen=True)
class Collect:
    """Local averaging: one inverse FFT of every row's low-passed spectrum, then unpadding.

    Attributes
    ----------
    n_bins : int
        Positive bins of every low-passed spectrum (output stride ``2**k``).
    k : int
        Output stride exponent.
    """

    n_bins: int
    k: int


Step = ZerothOrder | FirstOrder | SecondOrder | Collect


@dataclass
class ScatteringPlan:
    """Everything the compute core needs, independent of the array library.

    Attributes
    ----------
    N, N_pad, pad_left : int
        Input length, padded length and left padding.
    average : {"local", "global", "none"}
    log2_stride : int or None
        Output stride exponent when averaging locally.
    S0 : LowPass or None
        The order-0 low-pass (None for a global mean).
    groups1, groups2 : list of BandGroup
    steps : list of Step
        What the compute core runs, in order (see the module docstring).
    buffers : dict of str to ndarray
        Flat float64 filter buffers ``psi1_f``, ``psi2_f``, ``phi_f`` and int64 ``index``.
    paths : dict of str to ndarray
        Per-row metadata, rows in the order the steps produce them; see :meth:`meta`.
    output_order : Slice
        :meth:`order` in the flat ``index`` buffer.
    k_S0 : int
        Stride exponent of the ``S0`` row (``paths["k"][0]`` as a Python int: the cores read
        it without touching a NumPy array, which ``torch.compile`` would trace as a tensor).
    """

    N: int
    N_pad: int
    pad_left: int
    average: str
    log2_stride: int | None
    S0: LowPass | None
    groups1: list[BandGroup] = field(default_factory=list)
    groups2: list[BandGroup] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    buffers: dict[str, np.ndarray] = field(default_factory=dict)
    paths: dict[str, np.ndarray] = field(default_factory=dict)
    #: ``average="global"``: the weights of the rows at each stride exponent (see
    #: :mod:`scatterwave.core.global_mean`); empty for the JTFS's first order, whose core
    #: takes its own global mean.
    global_weights: dict[int, Slice] = field(default_factory=dict)
    output_order: Slice = field(default_factory=lambda: Slice("index", 0, (0,)))
    k_S0: int = 0
    #: Local averaging with short outputs: each second-order group's low-pass-and-unpad
    #: matrix in the buffer ``"lowpass_direct"``, by :func:`~scatterwave.core.direct_lowpass.
    #: time_key` (empty where the Fourier route is the only one; see that module).
    direct_lowpass: dict[Hashable, Slice] = field(default_factory=dict)

    @functools.cached_property
    def broadcast_children(self) -> dict[int, tuple[BandGroup, ...]]:
        """The broadcast second-order groups that read each first-order step's spectrum.

        Keyed by the :class:`FirstOrder` step's index in :attr:`steps`; steps without such
        children are absent.
        """
        found: dict[int, list[BandGroup]] = {}
        parent: list[BandGroup] | None = None
        for i, step in enumerate(self.steps):
            if isinstance(step, FirstOrder):
                parent = found[i] = []
            elif isinstance(step, SecondOrder) and parent is not None:
                if step.group.broadcast is not None:
                    parent.append(step.group)
        return {i: tuple(groups) for i, groups in found.items() if groups}

    @property
    def n_paths(self) -> int:
        """Number of output rows."""
        return len(self.paths["order"])

    def out_length(self, stride_log2: int) -> int:
        """Length of an output row computed at stride ``2**stride_log2``."""
        if self.average == "global":
            return 1
        return -(-self.N // 2**stride_log2)

    def out_start(self, stride_log2: int) -> int:
        """First retained sample of a row at stride ``2**stride_log2`` (``pad_left`` is aligned)."""
        return self.pad_left >> stride_log2

    def order(self) -> np.ndarray:
        """Permutation from computation order to output order (order, then n1, then n2)."""
        p = self.paths
        return np.lexsort((p["n"][:, 1], p["n"][:, 0], p["order"]))

    def bytes_per_signal(self, itemsize: int) -> int:
        """Estimated peak working memory per signal of one forward pass, in bytes.

        With local averaging or a weighted global mean (NumPy keeps these temporaries in a
        per-thread workspace between calls, see :mod:`scatterwave.core.workspace`, and other
        libraries allocate the same arrays), every temporary role at its largest over the
        groups: the input spectrum, the gathered and folded band products, the analytic signals
        and their modulus, the envelopes' spectra and the copy the second order reads, with
        local averaging the low-passed spectra of every row and their inverse FFT; plus the
        padded input, the output (scaled, reordered, concatenated) and transients (see the
        code). Checked against measured peaks in ``tests/test_scattering1d_memory.py``.

        Otherwise the input spectrum, plus the largest footprint of one first-order group
        (envelopes, spectra, band-pass temporaries) together with its largest second-order
        child (the core runs each group's children right after it), plus the outputs.
        """
        if self.average == "local":
            if self.S0 is None or self.log2_stride is None:
                raise RuntimeError("a locally averaged plan has an S0 low-pass and a stride")
            n_bins = self.S0.n_bins
            return bytes_workspace(self, itemsize, n_bins, 2 * (n_bins - 1), self.log2_stride)
        if self.global_weights:  # the NumPy core keeps a workspace here too, without low-passes
            return bytes_workspace(self, itemsize, 0, 0, None)
        return bytes_unaveraged(self, itemsize)


def path_energy_overlap(sigma1: np.ndarray, xi2: np.ndarray, sigma2: np.ndarray) -> np.ndarray:
    """Fraction of the envelope spectrum of ``|x * psi1|`` that ``psi2`` passes, shape (n1, n2).

    Model: for a wide-band input, ``x * psi1`` has power spectrum ``|psi1_f|**2`` (a Gaussian of
    std ``sigma1 / sqrt(2)``), so its envelope's fluctuations have a Gaussian spectrum of std
    ``sigma1``; ``|psi2_f|**2`` is a Gaussian of std ``sigma2 / sqrt(2)`` at ``xi2`` (unit peak).
    The overlap is ``int_0^inf |psi2_f|^2 S_U(f) df / int_0^inf S_U(f) df``, in closed form::

        D = sqrt(sigma2**2 + 2 sigma1**2)
        overlap = (sigma2 / D) exp(-xi2**2 / D**2) erfc(-sqrt(2) sigma1 xi2 / (sigma2 D))

    An earlier Riemann sum on 4096 points was too coarse for envelopes narrower than its step
    (``sigma1 ~ 1e-4`` at ``J = 10``, where it kept 412 second-order paths instead of 431).
    """
    s1 = np.asarray(sigma1, dtype=float)[:, None]
    s2 = np.asarray(sigma2, dtype=float)[None, :]
    xi = np.asarray(xi2, dtype=float)[None, :]
    D = np.sqrt(s2**2 + 2.0 * s1**2)
    return (s2 / D) * np.exp(-((xi / D) ** 2)) * erfc(-math.sqrt(2.0) * s1 * xi / (s2 * D))


def second_order_pairs(
    fb: TimeFilterbank, paths_exclude: dict | None, min_path_energy: float | None = None
) -> np.ndarray:
    """Boolean matrix (n1, n2): which second-order paths are computed.

    A path is kept when ``psi2`` passes at least ``min_path_energy`` (default
    :data:`PATH_OVERLAP_THRESHOLD`) of the envelope spectrum of ``|x * psi1|``.
    """
    threshold = PATH_OVERLAP_THRESHOLD if min_path_energy is None else min_path_energy
    keep = path_energy_overlap(fb.psi1.sigma, fb.psi2.xi, fb.psi2.sigma) >= threshold
    # psi2 must also be centred below the Nyquist frequency of the envelope's sampling rate.
    keep &= fb.psi2.xi[None, :] < 0.5 / 2.0 ** fb.psi1.j[:, None]
    if paths_exclude:
        for n1 in paths_exclude.get("n1", ()):
            keep[n1, :] = False
        for n2 in paths_exclude.get("n2", ()):
            keep[:, n2] = False
    return keep


def _split_pairs(local: np.ndarray, n2: np.ndarray, per_group: int) -> list[np.ndarray]:
    """Split the rows of one second-order rate into groups, as full (n1 x n2) blocks.

    ``(local, n2)`` are the rows' input row and wavelet, input-major. Consecutive input rows
    with the same set of ``n2`` form a block of every pair, which runs as a broadcast product
    without a gather (:func:`_pairs_layout`); blocks are cut at input-row boundaries into groups
    of about ``per_group`` rows (at least one input row each).

    Returns
    -------
    list of ndarray of int
        Positions into ``local`` / ``n2``, in order, covering every row once.
    """
    starts = np.flatnonzero(np.r_[True, local[1:] != local[:-1]])
    stops = np.r_[starts[1:], len(local)]
    runs: list[list[tuple[int, int]]] = []
    previous = None
    for a, b in zip(starts, stops):
        key = tuple(n2[a:b])
        if key != previous:
            runs.append([])
            previous = key
        runs[-1].append((int(a), int(b)))
    parts = []
    for run in runs:
        width = run[0][1] - run[0][0]
        n_in = max(1, per_group // width)
        n_parts = -(-len(run) // n_in)
        for chunk in np.array_split(np.arange(len(run)), n_parts):
            parts.append(np.arange(run[chunk[0]][0], run[chunk[-1]][1]))
    return parts


@dataclass(frozen=True)
class Rates:
    """The sampling rates of a Scattering1D plan (subsampling exponents ``k``).

    Attributes
    ----------
    average : {"local", "global", "none"}
    oversampling : int
    log2_stride : int or None
        Output stride exponent with local averaging.
    k0 : int
        Rate of ``S0`` (``log2_T - oversampling``, at least 0).
    k1 : ndarray of int, shape (n1,)
        Rate of each first-order envelope.
    k2 : ndarray of int, shape (n2,)
        Rate each second-order wavelet alone would allow.
    n1_kept : ndarray of bool, shape (n1,)
    pairs : ndarray of bool, shape (n1, n2), or None
        Second-order paths computed (None: first order only).
    """

    average: str
    oversampling: int
    log2_stride: int | None
    k0: int
    k1: np.ndarray
    k2: np.ndarray
    n1_kept: np.ndarray
    pairs: np.ndarray | None

    def exponent(self, j: np.ndarray) -> np.ndarray:
        """Subsampling exponent of signals of bandwidth ``2**-j``."""
        k = np.maximum(np.asarray(j) - self.oversampling, 0)
        return np.minimum(k, self.log2_stride) if self.log2_stride is not None else k

    def row_k(self, k: int) -> int:
        """Stride exponent of an output row computed at rate ``k``."""
        return self.log2_stride if self.log2_stride is not None else k

    def k_max(self) -> int:
        """Return the coarsest rate of any row (the left padding is aligned on it)."""
        all_k = [int(k) for k in self.k1[self.n1_kept]]
        if self.pairs is not None:
            n1s, n2s = np.nonzero(self.pairs)
            all_k += [int(k) for k in np.maximum(self.k2[n2s], self.k1[n1s])]
        return max([self.k0, *all_k])


def plan_rates(
    fb: TimeFilterbank,
    *,
    max_order: int,
    average: str,
    oversampling: int,
    paths_exclude: dict | None = None,
    min_path_energy: float | None = None,
) -> Rates:
    """Plan the rates of every row of a Scattering1D (see :class:`Rates`)."""
    log2_T = fb.log2_T
    log2_stride = None
    if average == "local" and log2_T is not None:
        log2_stride = max(log2_T - oversampling, 0)
    n1_kept = np.ones(len(fb.psi1), dtype=bool)
    if paths_exclude:
        n1_kept[list(paths_exclude.get("n1", ()))] = False
    pairs = second_order_pairs(fb, paths_exclude, min_path_energy) if max_order == 2 else None
    rates = Rates(
        average=average,
        oversampling=oversampling,
        log2_stride=log2_stride,
        k0=max(log2_T - oversampling, 0) if log2_T is not None else 0,
        k1=np.zeros(0, dtype=int),
        k2=np.zeros(0, dtype=int),
        n1_kept=n1_kept,
        pairs=pairs,
    )
    k1, k2 = rates.exponent(fb.psi1.j), rates.exponent(fb.psi2.j)
    return Rates(**{**rates.__dict__, "k1": k1, "k2": k2})


def time_lowpass(
    builder: PlanBuilder, fb: TimeFilterbank, rates: Rates, k_in: int
) -> LowPass | None:
    """Plan the low-pass ``phi_T`` of a row at rate ``k_in`` (None: not low-passed).

    Local averaging low-passes every row to the output stride; without averaging only ``S0``
    (``k_in = 0``) is, to its own rate ``k0``.
    """
    average = rates.average
    if average != "local" and not (average == "none" and k_in == 0):
        return None
    k_out = rates.log2_stride if rates.log2_stride is not None else rates.k0
    n_bins = (fb.N_pad >> k_out) // 2 + 1
    phi = builder.add("phi_f", fb.phi_level(k_in, n_bins), key=(k_in, n_bins))
    return LowPass(phi, k_out - k_in)


def _add_rows(
    builder: PlanBuilder, order: int, n1: np.ndarray, n2: np.ndarray, k: int
) -> np.ndarray:
    """Record the metadata of rows ``(n1, n2)`` of one order at stride ``2**k``."""
    n = len(n1)
    return builder.rows.add(order=[order] * n, n=list(zip(n1, n2)), k=[k] * n)


def first_order_groups(builder: PlanBuilder, fb: TimeFilterbank, rates: Rates) -> list[BandGroup]:
    """One :class:`BandGroup` of first-order wavelets per rate, finest first."""
    groups = []
    for k in sorted({int(v) for v in rates.k1[rates.n1_kept]}):
        idx = np.flatnonzero((rates.k1 == k) & rates.n1_kept)
        rows = _add_rows(builder, 1, idx, np.full(len(idx), -1), rates.row_k(k))
        req = BandRequest(
            "psi1_f",
            fb.psi1.filters,
            idx,
            np.zeros(len(idx), dtype=int),
            0,
            k,
            fb.N_pad // 2,
            -1,
            rows,
        )
        groups.append(band_group(builder, req, fb.N_pad, time_lowpass(builder, fb, rates, k)))
    return groups


def second_order_groups(
    builder: PlanBuilder, fb: TimeFilterbank, rates: Rates, groups1: list[BandGroup]
) -> list[BandGroup]:
    """Second-order groups, by parent then rate, split into blocks of full (n1 x n2) pairs."""
    if rates.pairs is None:
        return []
    n_col = builder.rows.columns["n"]
    groups = []
    for gi, g in enumerate(groups1):
        n1_group = np.asarray([n_col[r][0] for r in g.rows])
        local, n2 = np.nonzero(rates.pairs[n1_group])
        k_out = np.maximum(rates.k2[n2], g.k_out)
        for k in sorted({int(v) for v in k_out}):
            sel = np.flatnonzero(k_out == k)
            per_group = max(GROUP_MIN_ROWS, GROUP_SAMPLES // (fb.N_pad >> k))
            for part in _split_pairs(local[sel], n2[sel], per_group):
                part = sel[part]
                rows = _add_rows(builder, 2, n1_group[local[part]], n2[part], rates.row_k(k))
                req = BandRequest(
                    "psi2_f",
                    fb.psi2.filters,
                    n2[part],
                    local[part],
                    g.k_out,
                    k,
                    g.M // 2,
                    gi,
                    rows,
                )
                avg = time_lowpass(builder, fb, rates, k)
                groups.append(band_group(builder, req, fb.N_pad, avg))
    return groups


def plan_steps(plan: ScatteringPlan, k0: int) -> list[Step]:
    """List the steps of ``plan`` in order: each first-order group, then its children."""
    local = plan.average == "local"
    steps: list[Step] = [ZerothOrder(np.array([0]), plan.S0, k0)]
    for gi, g in enumerate(plan.groups1):
        children = [h for h in plan.groups2 if h.parent == gi]
        width = max([0, *(h.width for h in children)])
        reach = max([0, *(h.reach for h in children)])
        steps.append(FirstOrder(g, local or bool(plan.groups2), width, reach))
        steps += [SecondOrder(h) for h in children]
    if local and plan.S0 is not None and plan.log2_stride is not None:
        steps.append(Collect(plan.S0.n_bins, plan.log2_stride))
    return steps


def path_columns(fb: TimeFilterbank, table: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Per-row metadata: ``order``, ``n``, ``k`` as recorded, and the wavelets' parameters."""
    n = np.asarray(table["n"], dtype=int).reshape(-1, 2)
    order = np.asarray(table["order"], dtype=int)
    paths = {"order": order, "n": n, "k": np.asarray(table["k"], dtype=int)}
    for name in ("j", "xi", "sigma", "is_cqt"):
        cols = []
        for col, bank in ((0, fb.psi1), (1, fb.psi2)):
            values = getattr(bank, name)
            fill = {"j": -1, "is_cqt": False}.get(name, np.nan)
            cols.append(np.where(n[:, col] >= 0, values[np.maximum(n[:, col], 0)], fill))
        paths[name] = np.stack(cols, axis=1)
    return paths


def build_plan(
    fb: TimeFilterbank,
    *,
    max_order: int,
    average: str,
    oversampling: int,
    paths_exclude: dict | None = None,
    min_path_energy: float | None = None,
    weighted_global: bool = False,
) -> ScatteringPlan:
    """Group the rows of a Scattering1D and compile the filter bands each group needs.

    Parameters
    ----------
    fb : TimeFilterbank
    max_order : {1, 2}
    average : {"local", "global", "none"}
    oversampling : int >= 0
        Subsampling exponents are reduced by this much (finer time sampling).
    paths_exclude : dict, optional
        ``{"n1": [...], "n2": [...]}`` wavelet indices whose paths are not computed.
    min_path_energy : float, optional
        Second-order path threshold, see :func:`second_order_pairs`.
    weighted_global : bool
        With ``average="global"``: the mean over the data of each row's average by the
        filterbank's low-pass (:mod:`scatterwave.core.global_mean`), not of the row itself.
    """
    rates = plan_rates(
        fb,
        max_order=max_order,
        average=average,
        oversampling=oversampling,
        paths_exclude=paths_exclude,
        min_path_energy=min_path_energy,
    )
    k_max = rates.k_max()
    pad_left = (((fb.N_pad - fb.N) // 2) >> k_max) << k_max
    weighted = weighted_global and average == "global"
    # "lowpass_direct" is empty unless the second order is averaged by matrix products.
    names = ("psi1_f", "psi2_f", "phi_f", "index", BUFFER) + (("weights",) if weighted else ())
    builder = PlanBuilder(names, ("order", "n", "k"))
    S0 = time_lowpass(builder, fb, rates, 0) if average != "global" else None
    k0 = rates.k0 if average != "global" else 0
    _add_rows(builder, 0, np.array([-1]), np.array([-1]), k0)
    groups1 = first_order_groups(builder, fb, rates)
    groups2 = second_order_groups(builder, fb, rates, groups1)
    paths = path_columns(fb, builder.rows.columns)
    plan = ScatteringPlan(
        N=fb.N,
        N_pad=fb.N_pad,
        pad_left=pad_left,
        average=average,
        log2_stride=rates.log2_stride,
        S0=S0,
        groups1=groups1,
        groups2=groups2,
        paths=paths,
        k_S0=int(paths["k"][0]),
    )
    plan.steps = plan_steps(plan, plan.k_S0)
    if isinstance(plan.steps[-1], Collect):
        k = plan.steps[-1].k
        n_first = plan.n_paths - sum(len(h.rows) for h in groups2)
        plan.direct_lowpass = direct_matrices(
            builder, groups2, n_first, plan.out_start(k), plan.out_length(k)
        )
    if weighted:
        ks = {0, *(g.k_out for g in groups1 + groups2)}
        for k, w in global_weights(fb, pad_left, ks).items():
            plan.global_weights[k] = builder.add("weights", w)
    # The output permutation, stored with the other indices so it is converted to the input's
    # library and device once, not on every call.
    plan.output_order = builder.add("index", plan.order())
    plan.buffers = builder.finish()
    return plan
