"""The shared plan builder: named slices of flat buffers, and the plans' steps that use them."""

import dataclasses

import numpy as np
import pytest

from scatterwave import Scattering1D, TimeFrequencyScattering1D
from scatterwave.core.buffers import FlatBuffer, LowPass, PlanBuilder, Slice
from scatterwave.core.jtfs_plan import FirstOrderRows, JointFilter, SpinFreeFilter
from scatterwave.core.plan import Collect, FirstOrder, SecondOrder, ZerothOrder


def test_slice_takes_its_view_with_its_shape():
    buffers = {"w": np.arange(12.0)}
    s = Slice("w", 2, (2, 3))
    assert s.size == 6 and s.stop == 8
    np.testing.assert_array_equal(s.take(buffers, np), np.arange(2.0, 8.0).reshape(2, 3))
    np.testing.assert_array_equal(Slice("w", 10, (2,)).take(buffers, np), [10.0, 11.0])


def test_flat_buffer_shares_keyed_parts_and_assembles_once():
    buf = FlatBuffer()
    a = buf.add(np.ones(3), key="a")
    b = buf.add(np.zeros((2, 2)))
    assert (a, b) == (0, 3)
    assert buf.add(np.full(3, 7.0), key="a") == 0  # the keyed copy is reused
    np.testing.assert_array_equal(buf.part(3), np.zeros(4))
    out = buf.array()
    np.testing.assert_array_equal(out, [1, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(buf.array(), out)


def test_builder_slices_and_index_buffer():
    builder = PlanBuilder(("phi_f", "index"), ("order",))
    lp = LowPass(builder.add("phi_f", np.linspace(0, 1, 5)), k_avg=2)
    idx = builder.add("index", np.array([[3, 1], [2, 0]]))
    assert lp.n_bins == 5 and idx.shape == (2, 2)
    np.testing.assert_array_equal(builder.view(idx), [[3, 1], [2, 0]])
    assert list(builder.rows.add(order=[0, 1, 1])) == [0, 1, 2]
    buffers = builder.finish()
    assert buffers["index"].dtype == np.int64
    np.testing.assert_array_equal(idx.take(buffers, np), [[3, 1], [2, 0]])


def _slices(obj):
    """Every Slice reachable from a plan's records (dataclasses, lists)."""
    if isinstance(obj, Slice):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _slices(item)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _slices(getattr(obj, f.name))


S1D_CASES = [
    dict(J=6, Q=8),
    dict(J=6, Q=(4, 2), average=False, out_type="dict"),
    dict(J=5, Q=4, average="global"),
]


@pytest.mark.parametrize("options", S1D_CASES)
def test_scattering1d_steps_slices_lie_in_their_buffers(options):
    plan = Scattering1D(1024, **options)._build(1024)[1]
    slices = [*_slices(plan.steps), plan.output_order]
    assert slices
    for s in slices:
        assert 0 <= s.offset and s.stop <= plan.buffers[s.buffer].size, s


@pytest.mark.parametrize("options", S1D_CASES)
def test_scattering1d_steps_produce_every_row_once_in_row_order(options):
    S = Scattering1D(1024, **options)
    plan = S._build(1024)[1]
    kinds = [type(step) for step in plan.steps]
    assert kinds[0] is ZerothOrder
    assert (kinds[-1] is Collect) == (plan.average == "local")
    # The core returns S0, every first-order group, then every second-order group: their
    # rows, in that order, are the row ids (the meta's row order).
    rows = [plan.steps[0].rows]
    rows += [s.group.rows for s in plan.steps if isinstance(s, FirstOrder)]
    rows += [s.group.rows for s in plan.steps if isinstance(s, SecondOrder)]
    np.testing.assert_array_equal(np.concatenate(rows), np.arange(plan.n_paths))
    # Every second-order step follows its parent's first-order step.
    parent = -1
    for step in plan.steps:
        if isinstance(step, FirstOrder):
            parent = next(i for i, g in enumerate(plan.groups1) if g is step.group)
        if isinstance(step, SecondOrder):
            assert step.group.parent == parent
    x = np.random.default_rng(0).standard_normal(1024)
    out = S(x)
    n_out = len(out) if isinstance(out, dict) else out.shape[-2]
    assert n_out == plan.n_paths == len(S.meta()["order"])


JTFS_CASES = [
    dict(J=6, Q=(8, 1)),
    dict(J=6, Q=(8, 1), F=4, average_fr=True, pad_mode_fr="conj-reflect"),
    dict(J=6, Q=(4, 1), average="global", F="global", average_fr=True),
]


@pytest.mark.parametrize("options", JTFS_CASES)
def test_jtfs_steps_slices_lie_in_their_buffers_and_meta_follows_the_core(options):
    from scatterwave.core.jtfs import jtfs

    T = TimeFrequencyScattering1D(512, **options)
    plan = T._build(512)[1]
    assert isinstance(plan.steps[0], FirstOrderRows)
    assert all(isinstance(s, (SpinFreeFilter, JointFilter)) for s in plan.steps[1:])
    for s in _slices([*plan.steps, plan.fr_pad]):
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
