"""Build a :class:`~scatterwave.core.jtfs_plan.JTFSPlan` and the metadata of its output rows."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from scatterwave.core.jtfs_dense import (
    DENSE_MAX_BYTES,
    LINEAR_PAD_MODES,
    attach_dense_operators,
)
from scatterwave.core.jtfs_plan import (
    PAIRS,
    JTFSPlan,
    freq_groups,
    joint_groups,
    joint_pairs,
    row_source,
)
from scatterwave.core.plan import _Buffer, build_plan
from scatterwave.filters.bank import TimeFilterbank
from scatterwave.filters.frequential import FrequentialFilterbank, resample_frequential


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
) -> JTFSPlan:
    """Plan the whole transform; see :mod:`scatterwave.core.jtfs_plan`.

    Parameters
    ----------
    average : {"local", "global"}
        Time averaging.
    pad_mode : str or None
        Time padding mode (None for a callable); ``"reflect"`` enables the conjugation of
        ``Y2`` on the reflected time samples.
    pad_mode_fr : {"zero", "reflect", "conj-reflect"} or None
        None for a callable (called on the unpadded rows at run time).
    axis_length : callable
        ``axis_length(n_rows)``: padded length of a frequency axis carrying ``n_rows`` rows.
    criterion_amplitude : float
        Sets the time window of the joint stage (half-support of ``phi_T``).
    dense_fr : bool
        Apply the joint stage's frequential filtering as matrices
        (:mod:`scatterwave.core.jtfs_dense`) when the padding mode allows it and the matrices
        take at most :data:`~scatterwave.core.jtfs_dense.DENSE_MAX_BYTES`.
    """
    arguments = dict(locals())
    first = build_plan(fb, max_order=1, average=average, oversampling=oversampling)
    N1, L = ffb.N1, ffb.L
    log2_stride = first.log2_stride
    pairs, n2_kept = joint_pairs(fb, paths_exclude.get("n2", []))
    k2_all = np.maximum(fb.psi2.j - oversampling, 0)
    if log2_stride is not None:
        k2_all = np.minimum(k2_all, log2_stride)
    k_max = max([int(k) for k in k2_all[n2_kept]] + [int(k) for k in first.paths["k"]])
    pad_left = (((fb.N_pad - fb.N) // 2) >> k_max) << k_max
    first = dataclasses.replace(first, pad_left=pad_left)

    psi2_buf, psi_fr_buf, phi_buf, idx_buf, mask_buf = (_Buffer() for _ in range(5))
    # The first order's buffers come first, so every offset recorded below is final.
    phi_buf.add(first.buffers["phi_f"])
    idx_buf.add(first.buffers["index"])
    phi_fr_buf = phi_buf
    n1_fr_kept = [n for n in range(len(ffb)) if n not in set(paths_exclude.get("n1_fr", []))]
    excluded = set(out_exclude)
    natural = [max(int(ffb.j[n]) - oversampling_fr, 0) for n in n1_fr_kept]
    if ffb.log2_F is not None:
        natural.append(max(ffb.log2_F - oversampling_fr, 0))
    common = dict(
        average_fr=average_fr,
        k_align=min(natural) if aligned and natural else None,
        oversampling_fr=oversampling_fr,
        buf=psi_fr_buf,
        phi_buf=phi_fr_buf,
        idx_buf=idx_buf,
    )
    phi_h = np.zeros(L) if ffb.phi is None else ffb.phi
    first_freq = []
    if "phi_t * phi_f" not in excluded:
        first_freq += freq_groups(
            ffb,
            [("phi_t * phi_f", -1, 0, phi_h)],
            n_in=N1,
            modulus=False,
            extra_scale=1.0,
            **common,
        )
    if "phi_t * psi_f" not in excluded and n1_fr_kept:
        items = [("phi_t * psi_f", n, 0, ffb.psi_up[n]) for n in n1_fr_kept]
        first_freq += freq_groups(
            ffb, items, n_in=N1, modulus=True, extra_scale=math.sqrt(2.0), **common
        )
    joint_names = [("psi_t * psi_f_up", 1), ("psi_t * psi_f_dn", -1)]
    joint_names = [(p, spin) for p, spin in joint_names if p not in excluded and n1_fr_kept]
    k_needed = max(int(ffb.j.max()), ffb.log2_F or 0)

    def frequency_axis(n_rows: int) -> tuple[int, list]:
        L_g = min(max(axis_length(n_rows), 2**k_needed), L)
        f = resample_frequential(ffb, L_g)
        items = []
        if "psi_t * phi_f" not in excluded:
            items.append(("psi_t * phi_f", -1, 0, np.zeros(L_g) if f.phi is None else f.phi))
        for pair, spin in joint_names:
            bank = f.psi_up if spin > 0 else f.psi_dn
            items += [(pair, n, spin, bank[n]) for n in n1_fr_kept]
        return L_g, freq_groups(f, items, n_in=n_rows, modulus=True, extra_scale=1.0, **common)

    # Linear frequency padding is folded into dense operators applied to the unpadded rows.
    dense = dense_fr and pad_mode_fr in LINEAR_PAD_MODES
    joint = []
    if joint_names or "psi_t * phi_f" not in excluded:
        joint = joint_groups(
            fb,
            first,
            frequency_axis=frequency_axis,
            n2_kept=n2_kept,
            pairs=pairs,
            log2_stride=log2_stride,
            oversampling=oversampling,
            pad_mode_fr=None if dense else pad_mode_fr,
            time_conj=pad_mode == "reflect",
            criterion_amplitude=criterion_amplitude,
            psi2_buf=psi2_buf,
            phi_buf=phi_buf,
            idx_buf=idx_buf,
            mask_buf=mask_buf,
        )
    fr_pad = None
    if pad_mode_fr is not None:  # S1 is real: conj-reflect is plain reflection there
        src, _ = row_source(N1, L, pad_mode_fr)
        fr_pad = (idx_buf.add(np.where(src >= 0, src, N1)), L)
    s1_n1 = first.paths["n"][first.paths["order"] == 1, 0]
    if np.any(np.diff(s1_n1) < 0):  # the S1 rows are the frequency axis: n1 must ascend
        raise RuntimeError(f"first-order rows are computed out of order: {s1_n1.tolist()}")
    plan = JTFSPlan(
        first=first,
        N1=N1,
        L=L,
        log2_stride=log2_stride,
        first_freq=first_freq,
        joint=joint,
        fr_pad=fr_pad,
        dense_fr=dense,
    )
    plan.buffers = {
        "psi1_f": first.buffers["psi1_f"],
        "phi_f": phi_buf.array(),
        "psi2_f": psi2_buf.array(),
        "psi_fr": psi_fr_buf.array(),
        "mask": mask_buf.array(),
        "index": idx_buf.array().astype(np.int64),
    }
    if dense:
        attach_dense_operators(plan, pad_mode_fr)
        if plan.buffers["fr_op"].nbytes > DENSE_MAX_BYTES:  # too large: the FFT formulation
            return build_jtfs_plan(**{**arguments, "dense_fr": False})
    plan.rows = _row_meta(plan, fb, ffb)
    plan.keep = _kept_rows(plan, ffb, out_exclude, sampling_filters_fr)
    plan.bytes_per_signal = _bytes_per_signal(plan)
    return plan


def _row_meta(plan: JTFSPlan, fb: TimeFilterbank, ffb: FrequentialFilterbank) -> dict:
    """Per-row metadata in computation order (the order of the compute core's blocks)."""
    cols: dict[str, list] = {k: [] for k in ("pair", "n2", "n1_fr", "n1", "spin", "kt", "kf")}
    kt = -1 if plan.log2_stride is None else plan.log2_stride

    def add(pair, n2, n1_fr, n1, spin, k_t, k_f):
        for name, v in zip(cols, (pair, n2, n1_fr, n1, spin, k_t, k_f)):
            cols[name].append(v)

    k0 = int(plan.first.paths["k"][0])
    add("S0", -1, -1, -1, 0, -1 if plan.log2_stride is None else k0, -2)
    for n1 in plan.first.paths["n"][plan.first.paths["order"] == 1, 0]:
        add("S1", -1, -1, int(n1), 0, kt, 0)

    def add_group(g, n2: int) -> None:
        for pair, n1_fr, spin in zip(g.pair, g.n1_fr, g.spin):
            for r in range(g.rows):
                n1 = -1 if g.k_out < 0 else r * 2**g.k_out
                add(pair, n2, n1_fr, n1, spin, kt, g.k_out)

    for g in plan.first_freq:
        add_group(g, -1)
    for jg in plan.joint:
        for g in jg.freq:
            for n2 in jg.n2:
                add_group(g, int(n2))
    rows = {k: np.asarray(v) for k, v in cols.items()}
    n = np.stack([rows["n2"], rows["n1_fr"], rows["n1"]], axis=1)
    out = {"pair": rows["pair"].astype(object), "n": n, "spin": rows["spin"]}
    banks = ((0, fb.psi2, None), (1, None, ffb), (2, fb.psi1, None))
    for name in ("j", "xi", "sigma", "is_cqt"):
        fill = {"j": -1, "is_cqt": False}.get(name, np.nan)
        columns = []
        for col, bank, fr in banks:
            idx = n[:, col]
            src = getattr(fr if fr is not None else bank, name)
            vals = np.where(idx >= 0, np.asarray(src)[np.maximum(idx, 0)], fill)
            if fr is not None and name == "xi":
                vals = np.where(rows["spin"] < 0, -vals, vals)
            columns.append(vals)
        out[name] = np.stack(columns, axis=1)
    stride_t = np.where(rows["kt"] >= 0, 2 ** np.maximum(rows["kt"], 0), plan.first.N)
    stride_f = np.select(
        [rows["kf"] == -2, rows["kf"] == -1], [0, plan.N1], 2 ** np.maximum(rows["kf"], 0)
    )
    out["stride"] = np.stack([stride_t, stride_f], axis=1).astype(int)
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


def _bytes_per_signal(plan: JTFSPlan) -> int:
    """Peak working memory of one signal's forward pass, bytes (float64 input; half at float32).

    The terms follow :func:`scatterwave.core.jtfs.jtfs`: the padded input and its spectrum;
    the first-order spectra kept for the joint stage (every first-order group's, alive until
    the end); then, for the worst joint group, its ``Y2`` rows (and their concatenation), ``Y2``
    laid out along frequency, every frequential group's output (all alive until the time stage;
    their time blocks and the blocks' concatenation), one output's spectrum in the time stage,
    and the blocked products ``W @ Y`` (bounded by :data:`scatterwave.core.jtfs.BLOCK_ELEMENTS`
    per call). Checked against measured peaks (``tests/core/test_jtfs_memory.py``).

    NumPy's float32 ``rfft`` holds about five times its input's size while it runs (it computes
    in float64): the real-input FFTs (envelopes, outputs entering the time low-pass) are
    counted with that headroom, so that half of this estimate bounds a float32 call.
    """
    from scatterwave.core.jtfs import BLOCK_ELEMENTS

    first = plan.first
    c = 16
    total = 2 * c * first.N_pad
    for gi, g in enumerate(first.groups1):
        bands = [b for jg in plan.joint for b in jg.bands if b.parent == gi]
        width = max([g.M // 2, *(b.blocks_per_row * b.block for b in bands)])
        # envelopes, their spectrum and the extended copy kept for the joint stage
        total += len(g.rows) * (2 * 8 * g.M + c * (g.M // 2 + 1) + c * width)
    worst = 0
    for jg in plan.joint:
        P, t = len(jg.n2), jg.trim[1] - jg.trim[0]
        pairs = sum(len(b.rows) for b in jg.bands) + 1
        if plan.dense_fr:
            rows = 2 * c * pairs * jg.M + c * P * int(jg.valid_rows.max()) * t
            outs = [8 * P * g.n_filters * max(g.rows_valid, 1) * t for g in jg.freq]
            widest = [g.n_filters * (g.dense[1] if g.dense else 1) for g in jg.freq]
            block = 3 * c * min(BLOCK_ELEMENTS, P * max(widest, default=1) * t)
            # time blocks and their concatenation (2), float32 rfft headroom (3)
            worst = max(worst, rows + sum(outs) + 5 * max(outs, default=0) + block)
        else:
            base = 3 * c * P * jg.L * jg.M
            sizes = [c * P * g.n_filters * (g.n_blocks + 2) * g.L_k * t for g in jg.freq]
            worst = max(worst, base + max([0, *sizes]))
    return int(total + worst)
