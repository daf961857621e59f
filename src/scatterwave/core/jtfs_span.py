"""The span of time samples of the joint outputs that the time low-pass reads (NumPy).

With normalised edge averaging (``docs/jtfs.md``, "Averaging at the padding boundary") the
time low-pass of a joint group's outputs multiplies them by a 0/1 boundary mask first, which
is 0 in the time padding: about a third of the samples of a 16 kHz note. The NumPy joint
stage computes its frequential products, moduli and ``Phi`` only over the mask's nonzero span
and leaves the other samples zero (the sums the low-pass forms are the same to round-off);
where the low-pass is a matrix (:mod:`scatterwave.core.direct_lowpass`) the span meets the
matrix's matching rows, with no zeros around it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scatterwave.core.jtfs_plan import JointGroup, JTFSPlan
from scatterwave.core.workspace import Workspace

Array = Any


def kept_samples(jg: JointGroup, plan: JTFSPlan, buffers: dict, t: int) -> tuple[int, int]:
    """Return the span of time samples of ``jg``'s outputs that the time low-pass reads.

    With a boundary mask (``jg.edge.mask``, 0 in the time padding), the time low-pass
    (:meth:`scatterwave.core.jtfs._Run.time_out`) multiplies the outputs by it first:
    samples outside its nonzero span enter as zeros, so they need not be computed (a third
    of the samples of a 16 kHz note). Otherwise all ``(0, t)``.
    """
    edge = jg.edge
    if jg.avg is None or plan.log2_stride is None or edge is None or edge.mask is None:
        return 0, t
    kept = np.flatnonzero(edge.mask.take(buffers, np))
    return (int(kept[0]), int(kept[-1]) + 1) if kept.size else (0, t)


def embed(Z: Array, lo: int, t: int, ws: Workspace | None) -> Array:
    """``Z`` (NumPy, time last) as samples ``lo, lo + 1, ...`` of zeros of length ``t``.

    With ``ws``, its ``"joint_embed"`` array, valid until the next group runs.
    """
    if Z.shape[-1] == t:
        return Z
    shape = (*Z.shape[:-1], t)
    out = np.empty(shape, dtype=Z.dtype) if ws is None else ws.get("joint_embed", shape, Z.dtype)
    out[..., :lo] = 0
    out[..., lo + Z.shape[-1] :] = 0
    out[..., lo : lo + Z.shape[-1]] = Z
    return out
