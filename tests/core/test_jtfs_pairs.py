"""Spin-paired frequential filtering (NumPy) agrees with the complex products it replaces."""

from __future__ import annotations

import numpy as np
import pytest

import scatterwave.core.jtfs_dense as jtfs_dense
from scatterwave import TimeFrequencyScattering1D
from scatterwave.core.jtfs_dense import complex_operators, conj_pairs, pair_form

N = 1024
BASE = dict(J=6, Q=(8, 1), J_fr=3, Q_fr=1)

CASES = [
    dict(average_fr=False),
    dict(average_fr=True, F=4),
    dict(average_fr=True, F=8, pad_mode_fr="reflect"),
    dict(average_fr=True, F="global", Q_fr=2),
    dict(average_fr=False, aligned=False, pad_mode_fr="reflect"),
    dict(J=7, Q=(12, 1), J_fr=4, F=12, average_fr=True),  # the 16 kHz note's options, shorter
    dict(Q=(8, 2), average_fr=True, F=4),  # several second-order wavelets per joint group
]
IDS = ["avg_fr_off", "F4", "F8_reflect", "F_global_Qfr2", "unaligned_reflect", "note_like", "Q2"]


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return np.random.default_rng(5).standard_normal((2, N))


def _unpaired(monkeypatch, options):
    with monkeypatch.context() as m:
        m.setattr(jtfs_dense, "conj_pairs", lambda W, n_filters: False)
        T = TimeFrequencyScattering1D(N, **{**BASE, **options})
        T.plan(N)
    return T


@pytest.mark.parametrize("options", CASES, ids=IDS)
def test_paired_matches_complex_products(monkeypatch, x, options):
    paired = TimeFrequencyScattering1D(N, **{**BASE, **options})
    plan = paired.plan(N)
    groups = [g for jg in plan.joint for g in jg.freq if g.dense is not None]
    assert any(g.dense.conj_pairs for g in groups)  # the spin filters pair up
    unpaired = _unpaired(monkeypatch, options)
    assert not any(g.dense.conj_pairs for jg in unpaired.plan(N).joint for g in jg.freq if g.dense)
    for _ in range(2):  # the second call reuses the workspace
        Sp, Su = paired(x), unpaired(x)
        for k in Su:
            # Identical but for the order of the sums (both spins from one product): round-off,
            # far below the 1e-10 relative agreement asked of every coefficient.
            np.testing.assert_allclose(Sp[k], Su[k], rtol=1e-10, atol=0, err_msg=k)


def test_paired_without_workspace(monkeypatch, x):
    """The core called directly (no workspace) gives the transform's output."""
    from scatterwave.core.jtfs import jtfs

    T = TimeFrequencyScattering1D(N, **BASE, average_fr=True, F=4)
    plan = T.plan(N)
    buffers = {k: np.asarray(v) for k, v in plan.buffers.items()}
    buffers["fr_op"] = complex_operators(plan, single=False)
    blocks = jtfs(x, plan, buffers, np, pad_mode=T.pad_mode, pad_mode_fr=T.pad_mode_fr)
    unpaired = _unpaired(monkeypatch, dict(average_fr=True, F=4))
    plan_u = unpaired.plan(N)
    buffers_u = {k: np.asarray(v) for k, v in plan_u.buffers.items()}
    buffers_u["fr_op"] = complex_operators(plan_u, single=False)
    reference = jtfs(x, plan_u, buffers_u, np, pad_mode=T.pad_mode, pad_mode_fr=T.pad_mode_fr)
    for a, b in zip(blocks, reference):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=0)


def test_conj_pairs_detects_only_conjugate_halves():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 5)) + 1j * rng.standard_normal((6, 5))  # 2 filters, R = 3
    S = rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5))  # 1 unpaired filter
    assert conj_pairs(np.concatenate([A, A.conj()]), 4) == 2
    assert conj_pairs(np.concatenate([S, A, A.conj()]), 5) == 2  # the low-pass first
    assert conj_pairs(np.concatenate([A, A]), 4) == 0  # not conjugates
    assert conj_pairs(np.concatenate([A, A.conj() * (1 + 1e-9)]), 4) == 0  # beyond round-off
    assert conj_pairs(np.concatenate([A, A.conj()]), 3) == 0  # R = 4: no pairs
    # The layout the core reads: [A.T; (1j * U).T] with A = W less the mirrors and U = the
    # paired filters of A; as many entries as W.
    W = np.concatenate([S, A, A.conj()])
    form = pair_form(W, 5, 2)
    assert form.size == W.size
    np.testing.assert_array_equal(form[: 5 * 9].reshape(5, 9), np.concatenate([S, A]).T)
    np.testing.assert_array_equal(form[5 * 9 :].reshape(5, 6), 1j * A.T)


def test_float32_paired_matches_float64(x):
    T = TimeFrequencyScattering1D(N, **BASE, average_fr=True, F=4)
    S64, S32 = T(x), T(x.astype(np.float32))
    for k in S64:
        assert S32[k].dtype == np.float32
        scale = np.abs(S64[k]).max()
        np.testing.assert_allclose(S32[k], S64[k], rtol=0, atol=1e-5 * scale, err_msg=k)


KEPT_CASES = [
    dict(average_fr=True, F=4),
    dict(average_fr=False),
    dict(average_fr=True, F="global", Q_fr=2, pad_mode="reflect"),
    dict(average_fr=True, F=8, pad_mode_fr="reflect", aligned=False),
    dict(Q=(8, 2), average_fr=True, F=4, edge_averaging="padded"),
    dict(J=7, Q=(12, 1), J_fr=4, F=12, average_fr=True),
    dict(average="global", average_fr=True, F=4),
]
KEPT_IDS = [
    "F4",
    "avg_fr_off",
    "F_global_reflect",
    "unaligned",
    "Q2_padded",
    "note_like",
    "T_global",
]


@pytest.mark.parametrize("options", KEPT_CASES, ids=KEPT_IDS)
def test_masked_samples_skipped(monkeypatch, x, options):
    """Leaving the time samples outside the boundary mask uncomputed changes no output."""
    import scatterwave.core.jtfs as core
    from scatterwave.core.jtfs_span import kept_samples

    T = TimeFrequencyScattering1D(N, **{**BASE, **options})
    plan = T.plan(N)
    skipped = []
    for jg in plan.joint:  # the spans the NumPy joint stage computes
        t = jg.trim.stop - jg.trim.start
        lo, hi = kept_samples(jg, plan, {k: np.asarray(v) for k, v in plan.buffers.items()}, t)
        skipped.append(t - (hi - lo))
    if plan.log2_stride is not None and options.get("edge_averaging") != "padded":
        assert sum(skipped) > 0  # the option exercises the skipping
    for _ in range(2):  # the second call reuses the workspace
        fast = T(x)
        with monkeypatch.context() as m:
            m.setattr(core, "kept_samples", lambda jg, plan, buffers, t: (0, t))
            full = T(x)
        for k in full:
            # the skipped samples enter the time low-pass multiplied by 0: the same sums, but
            # for the round-off of the products' time blocks (which start elsewhere)
            np.testing.assert_allclose(fast[k], full[k], rtol=1e-10, atol=0, err_msg=k)
