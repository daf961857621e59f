"""The memory model of a JTFS forward pass (bytes per signal), from its plan."""

from __future__ import annotations

from scatterwave.core.jtfs_plan import JTFSPlan


def bytes_per_signal(plan: JTFSPlan) -> int:
    """Peak working memory of one signal's forward pass, bytes (float64 input; half at float32).

    The terms follow :func:`scatterwave.core.jtfs.jtfs`: the padded input and its spectrum;
    the first-order spectra kept for the joint stage (every first-order group's, alive until
    the end); then, for the worst joint group, its ``Y2`` rows (and their concatenation), ``Y2``
    laid out along frequency, every frequential group's output (all alive until the time stage;
    their time blocks and the blocks' concatenation), one output's spectrum in the time stage,
    and the blocked products ``W @ Y`` (bounded by :data:`scatterwave.core.jtfs.BLOCK_ELEMENTS`
    per call; the spin-paired products of :mod:`scatterwave.core.jtfs_pairs` take smaller
    blocks, plus a real and an imaginary copy of ``Y2``). Checked against measured peaks
    (``tests/core/test_jtfs_memory.py``).

    NumPy's float32 ``rfft`` holds about five times its input's size while it runs (it computes
    in float64): the real-input FFTs (envelopes, outputs entering the time low-pass) are
    counted with that headroom, so that half of this estimate bounds a float32 call.
    """
    from scatterwave.core.jtfs import BLOCK_ELEMENTS  # the core imports the plan modules

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
        P, t = len(jg.n2), jg.trim.width
        pairs = sum(len(b.rows) for b in jg.bands) + 1
        if plan.dense_fr:
            rows = 2 * c * pairs * jg.M + c * P * int(jg.valid_rows.max()) * t
            if any(g.dense and g.dense.conj_pairs for g in jg.freq):  # Re Y2, Im Y2 (NumPy)
                rows += c * P * int(jg.valid_rows.max()) * t
            outs = [8 * P * g.n_filters * max(g.rows_valid, 1) * t for g in jg.freq]
            widest = [g.n_filters * (g.dense.R if g.dense else 1) for g in jg.freq]
            block = 3 * c * min(BLOCK_ELEMENTS, P * max(widest, default=1) * t)
            # time blocks and their concatenation (2), float32 rfft headroom (3)
            worst = max(worst, rows + sum(outs) + 5 * max(outs, default=0) + block)
        else:
            base = 3 * c * P * jg.L * jg.M
            sizes = [c * P * g.n_filters * (g.n_blocks + 2) * g.L_k * t for g in jg.freq]
            worst = max(worst, base + max([0, *sizes]))
    return int(total + worst)
