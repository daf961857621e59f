"""JTFS plan: its steps, their buffer slices, and the row metadata produced from the steps."""

import dataclasses

import numpy as np
import pytest

from scatterwave import TimeFrequencyScattering1D
from scatterwave.core.buffers import Slice
from scatterwave.core.jtfs_plan import FirstOrderRows, JointFilter, SpinFreeFilter


def plan_slices(obj):
    """Every Slice reachable from a plan's records (dataclasses, lists)."""
    if isinstance(obj, Slice):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from plan_slices(item)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from plan_slices(getattr(obj, f.name))


JTFS_CASES = [
    dict(J=6, Q=(8, 1)),
    dict(J=6, Q=(8, 1), F=4, average_fr=True, pad_mode_fr="conj-reflect"),
    dict(J=6, Q=(4, 1), average="global", F="global", average_fr=True),
]


@pytest.mark.parametrize("options", JTFS_CASES)
def test_jtfs_steps_slices_lie_in_their_buffers_and_meta_follows_the_core(options):
    from scatterwave.core.jtfs import jtfs

    T = TimeFrequencyScattering1D(512, **options)
    plan = T.plan(512)
    assert isinstance(plan.steps[0], FirstOrderRows)
    assert all(isinstance(s, (SpinFreeFilter, JointFilter)) for s in plan.steps[1:])
    for s in plan_slices([*plan.steps, plan.fr_pad]):
        assert 0 <= s.offset and s.stop <= plan.buffers[s.buffer].size, s
    x = np.random.default_rng(1).standard_normal((2, 512))
    buffers = {k: np.asarray(v) for k, v in plan.buffers.items()}
    if plan.dense_fr:
        from scatterwave.core.jtfs_dense import complex_operators

        buffers["fr_op"] = complex_operators(plan, single=False)
    blocks = jtfs(x, plan, buffers, np, pad_mode=T.pad_mode, pad_mode_fr=T.pad_mode_fr)
    # The rows the core computes are the rows the meta describes (same count and order).
    assert sum(b.shape[1] for b in blocks) == len(plan.rows["pair"]) == len(plan.padding)
    # Rows marked as padding are zero; the others carry energy.
    S = np.concatenate(blocks, axis=1)
    assert np.all(S[:, plan.padding] == 0)
    assert np.all(np.abs(S[:, ~plan.padding]).max(axis=(0, 2)) > 0)


def test_meta_rows_come_from_the_steps_with_explicit_strides():
    from scatterwave.core.jtfs_build import step_rows

    T = TimeFrequencyScattering1D(512, J=6, Q=(8, 1), F="global", average_fr=True)
    plan = T.plan(512)
    rows = [row for step in plan.steps for row in step_rows(plan, step)]
    assert [r[0] for r in rows] == list(plan.rows["pair"])
    stride = plan.rows["stride"]
    pair = plan.rows["pair"]
    assert stride[0, 1] == 0  # S0 has no frequency axis
    assert np.all(stride[pair == "S1", 1] == 1)
    # A global frequential mean: one row per filter, stride N1, no n1.
    glob = np.array(["phi_f" in p for p in pair]) & (pair != "S0")
    assert glob.any()
    assert np.all(stride[glob, 1] == plan.N1) and np.all(plan.rows["n"][glob, 2] == -1)
    np.testing.assert_array_equal(plan.padding, np.array([r[-1] for r in rows]))
