"""The JTFS frequential stage as matrices agrees with its FFT formulation."""

from __future__ import annotations

import numpy as np
import pytest

import scatterwave.core.jtfs_build as jtfs_build
from scatterwave import TimeFrequencyScattering1D
from scatterwave.core.buffers import Scope
from scatterwave.core.jtfs_dense import NEGLIGIBLE

N = 1024
BASE = dict(J=6, Q=(8, 1), J_fr=3, Q_fr=1)


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return np.random.default_rng(3).standard_normal((2, N))


def _pair(monkeypatch, **kw):
    dense = TimeFrequencyScattering1D(N, **{**BASE, **kw})
    with monkeypatch.context() as m:
        m.setattr(jtfs_build, "LINEAR_PAD_MODES", ())  # force the FFT formulation
        fft = TimeFrequencyScattering1D(N, **{**BASE, **kw})
        fft.plan(N)
    return dense, fft


@pytest.mark.parametrize("pad_mode_fr", ["zero", "reflect"])
@pytest.mark.parametrize(
    "options",
    [
        dict(average_fr=False),
        dict(average_fr=True, F=4),
        dict(average_fr=True, F=8, oversampling_fr=1),
        dict(average_fr=True, F="global"),
        dict(average_fr=False, aligned=False),
    ],
    ids=["avg_fr_off", "F4", "F8_os1", "F_global", "unaligned"],
)
def test_dense_matches_fft(monkeypatch, x, pad_mode_fr, options):
    dense, fft = _pair(monkeypatch, pad_mode_fr=pad_mode_fr, **options)
    assert dense.plan(N).dense_fr and not fft.plan(N).dense_fr
    Sd, Sf = dense(x), fft(x)
    assert list(Sd) == list(Sf)
    for k in Sd:
        assert Sd[k].shape == Sf[k].shape
        # Identical up to round-off and the skipped rows of |Z| (weights below NEGLIGIBLE of
        # the largest, so at most a few times NEGLIGIBLE of the largest coefficient).
        scale = np.max(np.abs(Sf[k]))
        np.testing.assert_allclose(Sd[k], Sf[k], rtol=0, atol=100 * NEGLIGIBLE * scale)


def test_conj_reflect_keeps_fft_formulation():
    jtfs = TimeFrequencyScattering1D(N, **BASE, pad_mode_fr="conj-reflect")
    plan = jtfs.plan(N)
    assert not plan.dense_fr and "fr_op" not in plan.buffers


def test_operators_skip_rows_only_when_negligible():
    jtfs = TimeFrequencyScattering1D(N, **BASE, average_fr=True, F=4)
    plan = jtfs.plan(N)
    groups = [g for jg in plan.joint for g in jg.freq if g.dense is not None]
    assert groups
    for g in groups:
        R, n_cols = g.dense.R, g.dense.n_rows
        assert R <= g.L_k and n_cols >= 1
        assert (g.dense.lowpass is not None) == (g.post is Scope.LOCAL)
        # The real and complex forms describe the same matrix, a quarter of the size.
        assert g.dense.op.shape == (2 * g.n_filters * R, 2 * n_cols)
        assert g.dense.op_complex.shape == (g.n_filters * R, n_cols)
        assert g.dense.op_complex.offset * 4 == g.dense.op.offset


def test_oversized_operators_fall_back_to_fft(monkeypatch, x):
    monkeypatch.setattr(jtfs_build, "DENSE_MAX_BYTES", 0)
    jtfs = TimeFrequencyScattering1D(N, **BASE)
    plan = jtfs.plan(N)
    assert not plan.dense_fr and "fr_op" not in plan.buffers
    monkeypatch.undo()
    reference = TimeFrequencyScattering1D(N, **BASE)
    assert reference.plan(N).dense_fr
    Sa, Sb = jtfs(x), reference(x)
    for k in Sa:
        np.testing.assert_allclose(
            Sa[k], Sb[k], rtol=0, atol=100 * NEGLIGIBLE * np.abs(Sb[k]).max()
        )


@pytest.mark.parametrize(
    "options",
    [dict(average_fr=False), dict(average_fr=True, F=4), dict(average_fr=True, F="global")],
    ids=["avg_fr_off", "F4", "F_global"],
)
def test_time_blocks_match_one_block(monkeypatch, x, options):
    """The frequential products run over blocks of time samples (bounded temporaries); the
    blocks, including a ragged last one, give the one-block result to round-off."""
    import scatterwave.core.jtfs as core

    jtfs = TimeFrequencyScattering1D(N, **BASE, **options)
    whole = jtfs(x)
    with monkeypatch.context() as m:
        m.setattr(core, "BLOCK_ELEMENTS", 1)  # every block is BLOCK_MIN_T samples wide
        m.setattr(core, "BLOCK_MIN_T", 7)  # does not divide any time length: a ragged block
        blocked = jtfs(x)
    for k in whole:
        scale = np.max(np.abs(whole[k]))
        np.testing.assert_allclose(blocked[k], whole[k], rtol=0, atol=1e-12 * scale)
