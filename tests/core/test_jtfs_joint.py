"""Joint groups split by memory (:func:`scatterwave.core.jtfs_joint.split_joint_axis`).

Without time averaging every ``Y2`` row is at stride 1, and one group holding every
second-order wavelet of a rate would need gigabytes per signal. The split must change no
output (the groups share their rate's frequency axis) and must bound each group's estimate.
"""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave import TimeFrequencyScattering1D
from scatterwave.core import jtfs_joint
from scatterwave.core.jtfs_memory import joint_group_bytes


def zero_padding(y, L):
    """A callable ``pad_mode_fr`` (the joint groups are then not dense): zeros after the data."""
    return np.concatenate([y, np.zeros((*y.shape[:-1], L - y.shape[-1]), y.dtype)], axis=-1)


def group_bytes(plan, jg) -> int:
    n_pairs = sum(len(b.rows) for b in jg.bands)
    args = (jg.M, jg.n_rows, jg.trim.width, jg.L, jg.freq, plan.dense_fr)
    return joint_group_bytes(len(jg.n2), n_pairs, *args)


def _close(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15 * float(np.abs(a).max()))


@pytest.mark.parametrize(
    "kw",
    [
        dict(average=False, out_type="dict"),
        dict(average=False, pad_mode_fr="conj-reflect", pad_mode="reflect", out_type="dict"),
        dict(average=False, pad_mode_fr=zero_padding, out_type="dict"),
        dict(average_fr=True, F=4, sampling_filters_fr="resample"),
        dict(average="global"),
        dict(Q=(4, 2)),
        dict(Q=(4, 2), average_fr=True, F=4, pad_mode="reflect"),
    ],
)
def test_one_wavelet_per_group_changes_no_output(monkeypatch, kw):
    """Every ``n2`` in its own group (a budget of one byte) against one group per rate:
    identical metadata, and outputs equal to round-off (relative 1e-13): the dense
    frequential operators are matrix products whose shapes follow the groups, and a BLAS
    may block (round) products of other shapes differently (measured 2.6e-14 relative with
    NumPy 2.4.6's OpenBLAS; bit-identical with other builds). With ``Q2 = 2`` a split rate
    is followed by others: until 2026-12-07 NumPy's complex operators were laid out once per
    group instead of once per rate, so every rate after a split one read another rate's
    matrices (outputs off by 100 %)."""
    N = 512
    x = np.random.default_rng(0).standard_normal((2, N))
    kw = {"J": 5, "Q": 4, **kw}
    whole = TimeFrequencyScattering1D(N, **kw)
    monkeypatch.setattr(jtfs_joint, "JOINT_MAX_BYTES", 1)
    split = TimeFrequencyScattering1D(N, **kw)
    if kw.get("average") is False:  # one group of every wavelet at stride 1
        assert len(whole.plan(N).joint) < len(split.plan(N).joint)
    if kw["Q"] == (4, 2):  # a rate of several wavelets, split, and later rates
        rates = [jg.k2 for jg in whole.plan(N).joint]
        first_split = next(i for i, jg in enumerate(whole.plan(N).joint) if len(jg.n2) > 1)
        assert first_split < len(rates) - 1 and split.plan(N).dense_fr
    assert all(len(jg.n2) == 1 for jg in split.plan(N).joint)
    a, b = whole(x), split(x)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _close(a[k], b[k])
    else:
        _close(a, b)
    ma, mb = whole.meta(), split.meta()
    for k in ma:
        np.testing.assert_array_equal(np.asarray(ma[k]), np.asarray(mb[k]))


def test_unaveraged_groups_fit_the_budget():
    """N=4096, J=6, Q=16, ``average=False``, ``"conj-reflect"``: one group of every wavelet
    was estimated at 12.0 GiB per signal (7.8 GiB measured); split (five groups), every group
    holds one wavelet or fits :data:`JOINT_MAX_BYTES`, and the call is estimated at 3.0 GiB
    (1.8 GiB measured; 2026-12-05, float64, one thread, same time per call, about 4 s)."""
    N = 4096
    jtfs = TimeFrequencyScattering1D(N, J=6, Q=16, average=False, pad_mode_fr="conj-reflect")
    plan = jtfs.plan(N)
    assert len(plan.joint) > 1
    for jg in plan.joint:
        assert len(jg.n2) == 1 or group_bytes(plan, jg) <= jtfs_joint.JOINT_MAX_BYTES
    assert plan.bytes_per_signal(8) < 4 * 2**30


def test_averaged_default_groups_are_not_split():
    """With time averaging the groups are small: the plan keeps one group per rate."""
    N = 2048
    plan = TimeFrequencyScattering1D(N, J=8, Q=16, J_fr=4, Q_fr=2, F=4, average_fr=True).plan(N)
    rates = [jg.k2 for jg in plan.joint]
    assert len(rates) == len(set(rates))


def test_numpy_agrees_with_torch_where_the_default_budget_splits_a_rate():
    """N=2**16, J=10, Q=(8, 2), defaults otherwise: the default budget splits the rates
    ``k2`` = 2 to 4 in two groups each, and later rates follow. NumPy (complex frequential
    operators) and PyTorch (real form) agree to float64 round-off (relative 1e-10; measured
    2026-12-07: 4e-16). Before the fix of that date NumPy's ``psi_t`` rows from ``n2 = 7`` on
    were off by 46 to 74 %."""
    torch = pytest.importorskip("torch")
    N = 2**16
    jtfs = TimeFrequencyScattering1D(N, J=10, Q=(8, 2), out_type="array")
    rates = [jg.k2 for jg in jtfs.plan(N).joint]
    assert len(set(rates)) < len(rates) and rates[-1] > rates[0]
    x = np.random.default_rng(0).standard_normal(N)
    a, b = jtfs(x), jtfs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12 * float(np.abs(a).max()))
