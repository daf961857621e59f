"""Tests of scatterwave.toolkit.coeff_distance on NumPy and torch coefficients."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave.toolkit import coeff_distance

# Ratios of float64 sums of a few hundred terms: round-off far below 1e-12.
RTOL = 1e-12


def test_distance_scaled_copy_jtfs_dict(xb, jtfs_like):
    Sx, meta = jtfs_like
    S1 = {k: v * (1.1 if k == "S1" else 1.0) for k, v in Sx.items()}
    d = coeff_distance({k: xb(v) for k, v in Sx.items()}, {k: xb(v) for k, v in S1.items()}, meta)
    assert d["S1"].total == pytest.approx(0.1, rel=1e-9)
    np.testing.assert_allclose(d["S1"].slices, 0.1, rtol=1e-9)
    assert d["S0"].total == 0.0
    assert d["psi_t * psi_f_up"].slice_keys == [(0, 0), (1, 0)]


def test_distance_per_slice_array(xb):
    rng = np.random.default_rng(3)
    S0 = rng.standard_normal((2, 4, 16))
    meta = {"order": np.array([1, 1, 2, 2]), "n": np.array([[0, -1], [1, -1], [0, 0], [1, 0]])}
    S1 = S0.copy()
    S1[:, 2] += 1.0
    d = coeff_distance(xb(S0), xb(S1), meta)
    assert d[1].total == 0.0
    expected = np.sqrt(2 * 16) / np.linalg.norm(S0[:, 2])
    np.testing.assert_allclose(d[2].slices, [expected, 0.0], rtol=RTOL)
    d1 = coeff_distance(xb(S0), xb(S1), meta, kind="l1")
    np.testing.assert_allclose(d1[2].slices[0], 32 / np.abs(S0[:, 2]).sum(), rtol=RTOL)


def test_distance_zero_reference_and_errors():
    meta = {"order": np.array([0])}
    d = coeff_distance(np.zeros((1, 4)), np.ones((1, 4)), meta)
    assert d[0].total == np.inf
    d = coeff_distance(np.zeros((1, 4)), np.zeros((1, 4)), meta)
    assert np.isnan(d[0].total)
    with pytest.raises(ValueError, match="same shape"):
        coeff_distance(np.zeros((1, 4)), np.zeros((1, 5)), meta)
    with pytest.raises(ValueError, match="same keys"):
        coeff_distance({"a": np.zeros((1, 4))}, {"b": np.zeros((1, 4))}, {"n": {}})
    with pytest.raises(ValueError, match='kind must be "l2" or "l1"'):
        coeff_distance(np.zeros((1, 4)), np.zeros((1, 4)), meta, kind="linf")
