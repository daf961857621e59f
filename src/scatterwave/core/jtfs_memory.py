"""The memory model of a JTFS forward pass (bytes per signal), from its plan."""

from __future__ import annotations

from scatterwave.core.jtfs_plan import FreqGroup, JTFSPlan


def bytes_per_signal(plan: JTFSPlan) -> int:
    """Peak working memory of one signal's forward pass, bytes (float64 input; half at float32).

    The terms follow :func:`scatterwave.core.jtfs.jtfs`: the padded input and its spectrum;
    the first-order spectra kept for the joint stage (every first-order group's, alive until
    the end); every output row (alive until the end, then concatenated); then, for the worst
    joint group (:func:`joint_group_bytes`), its ``Y2`` rows (and their concatenation),
    ``Y2`` laid out along frequency, every frequential group's output (all alive until the
    time stage; their time blocks and the blocks' concatenation), one output's spectrum in
    the time stage,
    and the blocked products ``W @ Y`` (bounded by :data:`scatterwave.core.jtfs.BLOCK_ELEMENTS`
    per call; the spin-paired products of :mod:`scatterwave.core.jtfs_pairs` take smaller
    blocks, plus a real and an imaginary copy of ``Y2``). Checked against measured peaks
    (``tests/core/test_jtfs_memory.py``).

    NumPy's float32 ``rfft`` holds about five times its input's size while it runs (it computes
    in float64): the real-input FFTs (envelopes, outputs entering the time low-pass) are
    counted with that headroom, so that half of this estimate bounds a float32 call.
    """
    first = plan.first
    c = 16
    total = 2 * c * first.N_pad
    for gi, g in enumerate(first.groups1):
        bands = [b for jg in plan.joint for b in jg.bands if b.parent == gi]
        width = max([g.M // 2, *(b.blocks_per_row * b.block for b in bands)])
        # envelopes, their spectrum and the extended copy kept for the joint stage
        total += len(g.rows) * (2 * 8 * g.M + c * (g.M // 2 + 1) + c * width)
    # every output block stays alive until the end, then the front end concatenates them
    n_out = 1 if plan.log2_stride is None else -(-first.N // 2**plan.log2_stride)
    total += 2 * 8 * len(plan.rows.get("pair", ())) * n_out
    worst = max(
        [
            joint_group_bytes(
                len(jg.n2),
                sum(len(b.rows) for b in jg.bands),
                jg.M,
                jg.n_rows,
                jg.trim.width,
                jg.L,
                jg.freq,
                plan.dense_fr,
                bool(plan.direct_time),
            )
            for jg in plan.joint
        ],
        default=0,
    )
    return int(total + worst)


def joint_group_bytes(
    P: int,
    n_pairs: int,
    M: int,
    n_rows: int,
    t: int,
    L: int,
    freq: list[FreqGroup],
    dense: bool,
    direct: bool = False,
) -> int:
    """Peak working memory of one joint group per signal, bytes (see :func:`bytes_per_signal`).

    ``P`` second-order wavelets with ``n_pairs`` first-order rows between them, ``Y2`` at
    ``M`` samples, ``n_rows`` rows along frequency (padded to ``L``), ``t`` time samples kept.
    ``direct``: the time low-passes are matrix products (:mod:`scatterwave.core.direct_lowpass`),
    with no spectrum of the outputs (nor its float32 headroom) and no zero embedding.
    """
    from scatterwave.core.jtfs import BLOCK_ELEMENTS  # the core imports the plan modules

    c = 16
    if dense:
        rows = 2 * c * (n_pairs + 1) * M + c * P * n_rows * t
        if any(g.dense and g.dense.conj_pairs for g in freq):  # Re Y2, Im Y2 (NumPy)
            rows += c * P * n_rows * t
        outs = [8 * P * g.n_filters * max(g.rows_valid, 1) * t for g in freq]
        widest = [g.n_filters * (g.dense.R if g.dense else 1) for g in freq]
        block = 3 * c * min(BLOCK_ELEMENTS, P * max(widest, default=1) * t)
        # time blocks and their concatenation (2), float32 rfft headroom (3, Fourier route)
        return rows + sum(outs) + (2 if direct else 5) * max(outs, default=0) + block
    base = 3 * c * P * L * M
    sizes = [c * P * g.n_filters * (g.n_blocks + 2) * g.L_k * t for g in freq]
    return base + max([0, *sizes])
