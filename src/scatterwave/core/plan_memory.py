"""Peak working memory of one Scattering1D forward pass, per signal (plan time).

:meth:`scatterwave.core.plan.ScatteringPlan.bytes_per_signal` picks one of these; the chunking
of batches (``memory_budget_mb``) divides the budget by it. Checked against measured peaks in
``tests/test_scattering1d_memory.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scatterwave.core.plan import ScatteringPlan


def bytes_workspace(
    plan: ScatteringPlan, itemsize: int, n_bins: int, L_out: int, log2_stride: int | None
) -> int:
    """:meth:`ScatteringPlan.bytes_per_signal` of a run that keeps a workspace.

    Local averaging (``n_bins`` low-passed bins per row, ``L_out`` samples before unpadding),
    or a weighted global mean (no low-pass, one output per row: ``log2_stride`` None).
    """
    c = 2 * itemsize
    groups = plan.groups1 + plan.groups2
    n_rows = sum(len(g.rows) for g in groups)
    product = max((len(g.rows) * g.n_blocks * g.block for g in groups), default=0)
    folded = max((len(g.rows) * g.block for g in groups if g.n_blocks > 1), default=0)
    analytic = max((len(g.rows) * g.M for g in groups), default=0)
    spectra = max((len(g.rows) * (g.M // 2 + 1) for g in groups), default=0)
    second = 0
    for gi, g in enumerate(plan.groups1):
        widths = [h.width for h in plan.groups2 if h.parent == gi]
        if widths:
            second = max(second, len(g.rows) * max([g.M // 2, *widths]))
    width1 = max([plan.N_pad // 2, *(g.width for g in plan.groups1)])
    complex_elems = (
        plan.N_pad // 2 + 1 + width1 + product + folded + analytic + spectra + second
    ) + (n_rows + 1) * n_bins
    real_elems = analytic + (n_rows + 1) * L_out + plan.N_pad
    out_len = 1 if log2_stride is None else -(-plan.N // 2**log2_stride)
    outputs = 3 * (n_rows + 1) * out_len
    # Transients: a block view copied before its gather (at most one product's size), and
    # NumPy's float32 FFTs, which run in double precision (input and output, complex128).
    transient = c * product
    if itemsize == 4:
        transient += 32 * max(analytic, (n_rows + 1) * n_bins, plan.N_pad)
    return int(c * complex_elems + itemsize * (real_elems + outputs) + transient)


def bytes_unaveraged(plan: ScatteringPlan, itemsize: int) -> int:
    """:meth:`ScatteringPlan.bytes_per_signal` without local averaging."""
    c = 2 * itemsize
    worst = 0
    for gi, g in enumerate(plan.groups1):
        n = len(g.rows)
        own = c * n * (g.n_blocks * g.block + g.M // 2 + 1) + itemsize * n * g.M
        children = [
            c * len(h.rows) * (2 * h.n_blocks * h.block + h.M) + itemsize * len(h.rows) * h.M
            for h in plan.groups2
            if h.parent == gi
        ]
        worst = max(worst, own + max([0, *children]))  # no default=: see core.spectrum_width
    outputs = sum(len(g.rows) * plan.out_length(g.k_out) for g in plan.groups1 + plan.groups2)
    return int(c * plan.N_pad + worst + itemsize * outputs)
