"""Build a :class:`~scatterwave.core.jtfs_plan.JTFSPlan`: its groups, steps and row metadata.

The plan is built in the order of the maths: the first order (a Scattering1D plan), the
frequency axes (which frequential filters, at which rates), then, once it is known whether
their filtering fits as dense matrices, the joint groups (``Y2`` and its assembly along
frequency). The row metadata is produced by iterating the plan's steps, the same list the
compute core iterates (:func:`step_rows`).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np

from scatterwave.core.buffers import LowPass, PlanBuilder, Scope, Slice
from scatterwave.core.direct_lowpass import BUFFER, Job, add_matrices
from scatterwave.core.jtfs_dense import DENSE_MAX_BYTES, LINEAR_PAD_MODES, dense_operators
from scatterwave.core.jtfs_edges import EdgeNorm, time_edge
from scatterwave.core.jtfs_joint import (
    JointOptions,
    joint_axes,
    joint_group,
    joint_pairs,
    joint_rates,
    split_joint_axis,
)
from scatterwave.core.jtfs_plan import (
    PAIRS,
    FirstOrderRows,
    FreqGroup,
    FreqOptions,
    JointFilter,
    JointGroup,
    JTFSPlan,
    JTFSStep,
    SpinFreeFilter,
    freq_groups,
    row_source,
)
from scatterwave.core.plan import ScatteringPlan, build_plan
from scatterwave.filters.bank import TimeFilterbank
from scatterwave.filters.frequential import FrequentialFilterbank, resample_frequential

#: The columns of the row table, in the order of :func:`step_rows`'s tuples.
ROW_COLUMNS = ("pair", "n2", "n1_fr", "n1", "spin", "stride_t", "stride_f", "padding")


def build_jtfs_plan(
    fb: TimeFilterbank,
    ffb: FrequentialFilterbank,
    *,
    average: str,
    average_fr: bool,
    aligned: bool,
    oversampling: int,
    oversampling_fr: int,
    sampling_filters_fr: str,
    pad_mode: str | None,
    pad_mode_fr: str | None,
    out_exclude: tuple[str, ...],
    paths_exclude: dict[str, list[int]],
    axis_length: Callable[[int], int],
    criterion_amplitude: float = 1e-3,
    dense_fr: bool = True,
    edges: bool = True,
    normalize_energy: bool = True,
) -> JTFSPlan:
    """Plan the whole transform; see :mod:`scatterwave.core.jtfs_plan`.

    Parameters
    ----------
    average : {"local", "global", "none"}
        Time averaging (``"none"``: see :func:`unaveraged_oversampling`).
    pad_mode : str or None
        Time padding mode (None for a callable); ``"reflect"`` enables the conjugation of
        ``Y2`` on the reflected time samples.
    pad_mode_fr : {"zero", "reflect", "conj-reflect", "conj-reflect-zero"} or None
        None for a callable (called on the unpadded rows at run time).
    axis_length : callable
        ``axis_length(n_rows)``: padded length of a frequency axis carrying ``n_rows`` rows.
    criterion_amplitude : float
        Sets the time window of the joint stage (half-support of ``phi_T``).
    edges : bool
        Normalise every low-pass at the padding boundary (weighted means of the samples and
        rows that carry data, :mod:`scatterwave.core.jtfs_edges`); False: plain low-passes
        of the padded axes, as Scattering1D.
    normalize_energy : bool
        The transform's ``normalize == "energy"``: the time low-pass matrices of short
        outputs (:mod:`scatterwave.core.direct_lowpass`) include the energy factor.
    dense_fr : bool
        Apply the joint stage's frequential filtering as matrices
        (:mod:`scatterwave.core.jtfs_dense`) when the padding mode allows it and the matrices
        take at most :data:`~scatterwave.core.jtfs_dense.DENSE_MAX_BYTES`.
    """
    unaveraged = average == "none"
    if unaveraged:  # S0 and the phi_t pairs keep phi_T, at stride 1 like every other row
        oversampling, average = unaveraged_oversampling(fb), "local"
    first = build_plan(fb, max_order=1, average=average, oversampling=oversampling)
    pairs, n2_kept = joint_pairs(fb, paths_exclude.get("n2", []))
    opts = JointOptions(
        # None without local averaging (or without any averaging): no phi_T in the joint stage
        log2_stride=None if unaveraged else first.log2_stride,
        oversampling=oversampling,
        pad_mode_fr=pad_mode_fr,
        time_conj=pad_mode == "reflect",
        criterion_amplitude=criterion_amplitude,
        edges=edges,
        n_axis=ffb.N1,
    )
    k2_all = joint_rates(fb, opts)
    k_max = max([int(k) for k in k2_all[n2_kept]] + [int(k) for k in first.paths["k"]])
    first = dataclasses.replace(first, pad_left=(((fb.N_pad - fb.N) // 2) >> k_max) << k_max)

    names = ("phi_f", "psi2_f", "psi_fr", "mask", "index", "fr_op", "fr_lp", BUFFER)
    builder = PlanBuilder(names, ROW_COLUMNS)
    # The first order's buffers come first, so its slices stay valid.
    builder.add("phi_f", first.buffers["phi_f"])
    builder.add("index", first.buffers["index"])
    fr = (oversampling_fr, axis_length, pad_mode_fr == "zero", edges)
    axes = _FrequencyAxes(builder, ffb, paths_exclude, out_exclude, average_fr, aligned, *fr)
    first_freq = axes.first_freq()
    joint, dense = _joint_stage(builder, fb, first, axes, pairs, n2_kept, opts, dense_fr)
    fr_pad = None
    if pad_mode_fr is not None:  # S1 is real: conj-reflect is plain reflection there
        src, _ = row_source(ffb.N1, ffb.L, pad_mode_fr)
        fr_pad = builder.add("index", np.where(src >= 0, src, ffb.N1))
    _check_first_order(first)
    plan = JTFSPlan(
        first=first,
        N1=ffb.N1,
        L=ffb.L,
        log2_stride=first.log2_stride,
        unaveraged=unaveraged,
        first_freq=first_freq,
        joint=joint,
        fr_pad=fr_pad,
        dense_fr=dense,
    )
    keep = functools.partial(
        _kept_rows, ffb=ffb, out_exclude=out_exclude, sampling_filters_fr=sampling_filters_fr
    )
    _finish(plan, builder, fb, ffb, masked_S0=pad_mode != "zero", edges=edges, keep=keep)
    if not plan.unaveraged:
        plan.direct_energy = normalize_energy
        plan.direct_time = time_matrices(builder, plan, normalize_energy)
    plan.buffers = _assemble_buffers(plan, builder)
    return plan


def unaveraged_oversampling(fb: TimeFilterbank) -> int:
    """Return the oversampling that sets every time subsampling exponent of ``fb``'s rows to 0.

    Without time averaging (``average="none"``) every row is at the input's rate: ``S0`` is
    ``x * phi_T`` (as Scattering1D without averaging), ``S1`` is ``U1``, the *phi_t* pairs
    filter ``U1 * phi_T`` along frequency (their ``phi_t``, at stride 1, normalised at the
    padding boundary as with averaging), and the *psi_t* pairs have no ``phi_T``: the joint
    stage's time window is the unpadded samples.
    """
    return max(int(fb.psi1.j.max()), int(fb.psi2.j.max()), fb.log2_T or 0)


def _joint_stage(
    builder: PlanBuilder,
    fb: TimeFilterbank,
    first: ScatteringPlan,
    axes: _FrequencyAxes,
    pairs: np.ndarray,
    n2_kept: np.ndarray,
    opts: JointOptions,
    dense_fr: bool,
) -> tuple[list[JointGroup], bool]:
    """Plan the joint groups; returns them and whether their filtering is dense.

    The frequency axes come first: with linear frequency padding their filtering is folded
    into dense operators applied to the unpadded rows when those fit, decided here, before
    the joint groups' assembly (which depends on it).
    """
    time_axes = joint_axes(fb, pairs, n2_kept, opts) if axes.joint_needed() else []
    freqs = [axes.joint_axis(int(valid.max())) for _, _, valid in time_axes]
    dense = None
    if dense_fr and opts.pad_mode_fr in LINEAR_PAD_MODES:
        items = [
            (int(valid.max()), L, groups) for (_, _, valid), (L, groups) in zip(time_axes, freqs)
        ]
        mode = str(opts.pad_mode_fr)
        dense = dense_operators(builder, items, mode, axes.ffb.N1, DENSE_MAX_BYTES)
    if dense is not None:
        freqs = [(L, groups) for (L, _), groups in zip(freqs, dense)]
        opts = dataclasses.replace(opts, pad_mode_fr=None)
    joint = [
        joint_group(builder, fb, first, pairs, part, freq, opts, int(axis[2].max()))
        for axis, freq in zip(time_axes, freqs)
        for part in split_joint_axis(fb, first, pairs, axis, freq, opts, dense is not None)
    ]
    return joint, dense is not None


def _finish(
    plan: JTFSPlan,
    builder: PlanBuilder,
    fb: TimeFilterbank,
    ffb: FrequentialFilterbank,
    *,
    masked_S0: bool,
    edges: bool,
    keep: Callable[[JTFSPlan], np.ndarray],
) -> None:
    """Set the plan's steps, row metadata (from the steps), time edges and rows.

    The rows returned are ``keep(plan)``, also stored as index buffers.
    """
    if edges:
        plan.edge_S0, plan.edge_S1 = first_order_edges(builder, plan.first, masked_S0=masked_S0)
    plan.steps = plan_steps(plan)
    rows = [row for step in plan.steps for row in step_rows(plan, step)]
    builder.rows.add(**{name: list(column) for name, column in zip(ROW_COLUMNS, zip(*rows))})
    table = builder.rows.arrays()
    plan.padding = table["padding"].astype(bool)
    plan.rows = row_meta(table, fb, ffb)
    plan.keep = keep(plan)
    # Index buffers, so that a forward pass indexes with device arrays made once (no NumPy
    # work per call, which torch.compile would have to trace).
    plan.out_rows = builder.add("index", plan.keep)
    compact = np.cumsum(~plan.padding) - 1  # a row's position among the non-padding rows
    plan.out_rows_compact = builder.add("index", compact[plan.returned_rows(True)])


def _assemble_buffers(plan: JTFSPlan, builder: PlanBuilder) -> dict[str, np.ndarray]:
    """Assemble the plan's flat buffers: the first order's wavelets, then the builder's."""
    buffers = builder.finish()
    if not plan.dense_fr:
        del buffers["fr_op"], buffers["fr_lp"]
    return {"psi1_f": plan.first.buffers["psi1_f"], **buffers}


def time_matrices(builder: PlanBuilder, plan: JTFSPlan, energy: bool) -> dict[Hashable, Slice]:
    """Build the time low-passes of ``S1`` and of every joint group as matrices, if they apply.

    ``S1``'s only with the boundary normalisation (without it they stay Scattering1D's bit for
    bit, as documented for ``edge_averaging="padded"``). With local averaging, through
    :func:`~scatterwave.core.direct_lowpass.add_matrices` (its bounds; the boundary mask and
    gain folded, and with ``energy`` the energy factor). Returns ``{time_key: Slice}``, empty
    where the Fourier route stays.
    """
    first, k = plan.first, plan.log2_stride
    if k is None:
        return {}
    copied = first.buffers["phi_f"]  # the first order's low-passes, copied whole at offset 0

    def phi(avg: LowPass) -> np.ndarray:
        s = avg.phi
        return copied[s.offset : s.stop] if s.stop <= copied.size else builder.view(s)

    start, length = first.out_start(k), first.out_length(k)
    edges = plan.edge_S1 or [None] * len(first.groups1)
    jobs = [
        Job(g1.M, g1.avg, phi(g1.avg), start, edge)
        for g1, edge in zip(first.groups1, edges)
        if g1.avg is not None and edge is not None
    ]
    jobs += [
        Job(jg.trim.width, jg.avg, phi(jg.avg), jg.trim.out_start, jg.edge)
        for jg in plan.joint
        if jg.avg is not None
    ]
    scale = math.sqrt(first.N / length) if energy else 1.0
    return add_matrices(builder, jobs, length, scale=scale)


def first_order_edges(
    builder: PlanBuilder, first: ScatteringPlan, *, masked_S0: bool
) -> tuple[EdgeNorm | None, list[EdgeNorm | None]]:
    """Plan the boundary normalisation of ``S0``'s and each ``S1`` group's time low-pass.

    ``masked_S0``: the padded input is not zero outside the signal (the input is masked
    before ``S0``'s low-pass); ``U1`` always is (its wavelet responses spread into padding).
    """
    if first.log2_stride is None:
        return None, []
    N, p, k = first.N, first.pad_left, first.log2_stride
    out = (first.out_start(k), -(-N // 2**k))

    def data(k_in: int) -> tuple[int, int]:
        return p >> k_in, -(-(p + N) // 2**k_in)

    e0 = None
    if first.S0 is not None:
        out0 = (first.out_start(first.k_S0), -(-N // 2**first.k_S0))
        phi = first.S0.phi.take(first.buffers, np)
        e0 = time_edge(builder, first.S0, first.N_pad, data(0), out0, masked=masked_S0, phi=phi)
    e1 = [
        None
        if g.avg is None
        else time_edge(
            builder, g.avg, g.M, data(g.k_out), out, phi=g.avg.phi.take(first.buffers, np)
        )
        for g in first.groups1
    ]
    return e0, e1


def _check_first_order(first: ScatteringPlan) -> None:
    """Check that ``n1`` ascends over the ``S1`` rows (they are the frequency axis)."""
    s1_n1 = first.paths["n"][first.paths["order"] == 1, 0]
    if np.any(np.diff(s1_n1) < 0):
        raise RuntimeError(f"first-order rows are computed out of order: {s1_n1.tolist()}")


@dataclass
class _FrequencyAxes:
    """Plans the frequential filters of ``S1``'s axis and of each joint group's axis."""

    builder: PlanBuilder
    ffb: FrequentialFilterbank
    paths_exclude: dict[str, list[int]]
    out_exclude: tuple[str, ...]
    average_fr: bool
    aligned: bool
    oversampling_fr: int
    axis_length: Callable[[int], int]
    zero_padded: bool = True
    edges: bool = True

    def __post_init__(self) -> None:
        ffb, excluded = self.ffb, set(self.out_exclude)
        dropped = set(self.paths_exclude.get("n1_fr", []))
        self.n1_fr_kept = [n for n in range(len(ffb)) if n not in dropped]
        natural = [max(int(ffb.j[n]) - self.oversampling_fr, 0) for n in self.n1_fr_kept]
        if ffb.log2_F is not None:
            natural.append(max(ffb.log2_F - self.oversampling_fr, 0))
        self.opts = FreqOptions(
            average_fr=self.average_fr,
            k_align=min(natural) if self.aligned and natural else None,
            oversampling_fr=self.oversampling_fr,
            zero_padded=self.zero_padded,
            edges=self.edges,
        )
        names = [("psi_t * psi_f_up", 1), ("psi_t * psi_f_dn", -1)]
        self.joint_names = [(p, s) for p, s in names if p not in excluded and self.n1_fr_kept]
        self.k_needed = max(int(ffb.j.max()), ffb.log2_F or 0)
        self.excluded = excluded

    def joint_needed(self) -> bool:
        """Tell whether some *psi_t* pair is computed."""
        return bool(self.joint_names) or "psi_t * phi_f" not in self.excluded

    def first_freq(self) -> list[FreqGroup]:
        """Plan the frequential groups of the *phi_t* pairs (on ``S1``)."""
        ffb, builder, out = self.ffb, self.builder, []
        phi_h = np.zeros(ffb.L) if ffb.phi is None else ffb.phi
        if "phi_t * phi_f" not in self.excluded:
            item = [("phi_t * phi_f", -1, 0, phi_h)]
            out += freq_groups(
                builder, ffb, item, self.opts, n_in=ffb.N1, modulus=False, extra_scale=1.0
            )
        if "phi_t * psi_f" not in self.excluded and self.n1_fr_kept:
            items = [("phi_t * psi_f", n, 0, ffb.psi_up[n]) for n in self.n1_fr_kept]
            out += freq_groups(
                builder,
                ffb,
                items,
                self.opts,
                n_in=ffb.N1,
                modulus=True,
                extra_scale=math.sqrt(2.0),
            )
        return out

    def joint_axis(self, n_rows: int) -> tuple[int, list[FreqGroup]]:
        """Plan the padded length and frequential groups of an axis of ``n_rows`` data rows."""
        L_g = min(max(self.axis_length(n_rows), 2**self.k_needed), self.ffb.L)
        f = resample_frequential(self.ffb, L_g)
        items = []
        if "psi_t * phi_f" not in self.excluded:
            items.append(("psi_t * phi_f", -1, 0, np.zeros(L_g) if f.phi is None else f.phi))
        for pair, spin in self.joint_names:
            bank = f.psi_up if spin > 0 else f.psi_dn
            items += [(pair, n, spin, bank[n]) for n in self.n1_fr_kept]
        groups = freq_groups(
            self.builder, f, items, self.opts, n_in=n_rows, modulus=True, extra_scale=1.0
        )
        return L_g, groups


def plan_steps(plan: JTFSPlan) -> list[JTFSStep]:
    """List the steps of ``plan`` in order: first order, *phi_t* pairs, each joint group."""
    widths = []
    for gi in range(len(plan.first.groups1)):
        children = [b for jg in plan.joint for b in jg.bands if b.parent == gi]
        widths.append(max([0, *(b.width for b in children)]))
    steps: list[JTFSStep] = [FirstOrderRows(tuple(widths))]
    if plan.first_freq:
        steps.append(SpinFreeFilter(plan.first_freq))
    steps += [JointFilter(jg) for jg in plan.joint]
    return steps


def step_rows(plan: JTFSPlan, step: JTFSStep) -> list[tuple]:
    """List the output rows of one step, in the order the compute core produces them.

    Each row is ``(pair, n2, n1_fr, n1, spin, stride_t, stride_f, padding)``: -1 marks an
    absent index; ``stride_f`` is 0 for ``S0`` (no frequency axis) and ``N1`` for a global
    frequential mean; ``padding`` marks rows that are zero for every input (beyond a
    second-order wavelet's first-order rows, see ``JTFSPlan.padding``).
    """
    first = plan.first
    N = first.N
    stride_t = N if plan.log2_stride is None else 2**plan.log2_stride
    if isinstance(step, FirstOrderRows):
        s0_stride = N if plan.log2_stride is None else 2**first.k_S0
        rows = [("S0", -1, -1, -1, 0, s0_stride, 0, False)]
        for n1 in first.paths["n"][first.paths["order"] == 1, 0]:
            rows.append(("S1", -1, -1, int(n1), 0, stride_t, 1, False))
        return rows
    rows = []
    if isinstance(step, SpinFreeFilter):
        for g in step.groups:
            rows += _freq_rows(g, -1, stride_t, plan.N1)
        return rows
    for g in step.joint.freq:
        for n2 in step.joint.n2:
            rows += _freq_rows(g, int(n2), stride_t, plan.N1)
    return rows


def _freq_rows(g: FreqGroup, n2: int, stride_t: int, N1: int) -> list[tuple]:
    """Rows of one frequential group for one ``n2`` (filter-major, then frequency row)."""
    rows = []
    glob = g.post is Scope.GLOBAL
    stride_f = N1 if glob else 2**g.k_out
    for pair, n1_fr, spin in zip(g.pair, g.n1_fr, g.spin):
        for r in range(g.rows):
            n1 = -1 if glob else r * 2**g.k_out
            rows.append((pair, n2, n1_fr, n1, spin, stride_t, stride_f, r >= g.rows_valid))
    return rows


def row_meta(
    table: dict[str, np.ndarray], fb: TimeFilterbank, ffb: FrequentialFilterbank
) -> dict[str, np.ndarray]:
    """Derive the public row metadata (computation order) from the steps' row table."""
    n = np.stack([table["n2"], table["n1_fr"], table["n1"]], axis=1).astype(int)
    out = {"pair": table["pair"].astype(object), "n": n, "spin": table["spin"].astype(int)}
    banks = ((0, fb.psi2, None), (1, None, ffb), (2, fb.psi1, None))
    for name in ("j", "xi", "sigma", "is_cqt"):
        fill = {"j": -1, "is_cqt": False}.get(name, np.nan)
        columns = []
        for col, bank, fr in banks:
            idx = n[:, col]
            src = getattr(fr if fr is not None else bank, name)
            vals = np.where(idx >= 0, np.asarray(src)[np.maximum(idx, 0)], fill)
            if fr is not None and name == "xi":
                vals = np.where(out["spin"] < 0, -vals, vals)
            columns.append(vals)
        out[name] = np.stack(columns, axis=1)
    out["stride"] = np.stack([table["stride_t"], table["stride_f"]], axis=1).astype(int)
    return out


def _kept_rows(
    plan: JTFSPlan, ffb: FrequentialFilterbank, out_exclude, sampling_filters_fr: str
) -> np.ndarray:
    """Permutation (computation order -> output order) of the rows that are returned."""
    r = plan.rows
    code = np.array([PAIRS.index(p) for p in r["pair"]])
    keep = ~np.isin(r["pair"].astype(str), list(out_exclude))
    if sampling_filters_fr == "exclude":
        valid = {}
        for jg in plan.joint:
            valid.update({int(n2): int(v) for n2, v in zip(jg.n2, jg.valid_rows)})
        n2, n1_fr = r["n"][:, 0], r["n"][:, 1]
        for i in np.flatnonzero((n2 >= 0) & (n1_fr >= 0)):
            span = 2 ** math.ceil(math.log2(max(valid[int(n2[i])], 1)))
            if ffb.support[n1_fr[i]] > span:
                keep[i] = False
    n = r["n"]
    order = np.lexsort((n[:, 2], n[:, 1], n[:, 0], code))
    return order[keep[order]]
