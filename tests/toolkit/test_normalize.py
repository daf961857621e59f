"""Tests of scatterwave.toolkit.normalize / fit_normalization."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave.toolkit import NormalizationStats, fit_normalization, normalize

# float64 arithmetic on ~1e3 values; streaming (Chan) vs direct moments agree to ~1e-14.
RTOL = 1e-10


def _coeffs(seed=0):
    rng = np.random.default_rng(seed)
    S = np.abs(rng.standard_normal((20, 4, 32))) * np.array([1e-4, 1e-2, 1.0, 100.0])[:, None]
    S[:, 3, ::2] = 0.0  # a sparse row: half its entries are structural zeros
    return S


def test_standardized_rows(xb):
    S = _coeffs()
    Z = np.asarray(normalize(xb(S)))
    assert Z.shape == S.shape
    np.testing.assert_allclose(Z.mean(axis=(0, 2)), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=(0, 2)), 1.0, rtol=RTOL)


def test_log_compression_formula_and_sparse_mean(xb):
    S = _coeffs()
    Z, st = normalize(xb(S), center=False, standardize=False, C=2.0, return_stats=True)
    mu = np.array([np.abs(S[:, p]).sum() / np.count_nonzero(S[:, p]) for p in range(4)])
    np.testing.assert_allclose(st.scale, mu, rtol=RTOL)
    # sparse mean ignores the structural zeros: twice the plain mean of row 3
    assert st.scale[3] == pytest.approx(2 * S[:, 3].mean(), rel=RTOL)
    np.testing.assert_allclose(np.asarray(Z), np.log1p(S / (2.0 * mu[:, None])), rtol=RTOL)
    assert st.mean is None and st.std is None
    Y = normalize(S, log=False, scale="mean", center=False, standardize=False)
    np.testing.assert_allclose(Y, S / S.mean(axis=(0, 2))[:, None], rtol=RTOL)


def test_precomputed_stats_streaming_equal_in_memory(xb):
    S = _coeffs()
    full = fit_normalization(xb(S))
    batches = [xb(S[:7]), xb(S[7:15]), xb(S[15:])]
    streamed = fit_normalization(lambda: iter(batches))
    listed = fit_normalization(batches)
    for st in (streamed, listed):
        np.testing.assert_allclose(st.scale, full.scale, rtol=RTOL)
        np.testing.assert_allclose(st.mean, full.mean, rtol=RTOL)
        np.testing.assert_allclose(st.std, full.std, rtol=RTOL)
    Z_new = np.asarray(normalize(xb(S[:3]), stats=streamed))
    np.testing.assert_allclose(Z_new, np.asarray(normalize(xb(S)))[:3], rtol=1e-9)
    assert isinstance(streamed, NormalizationStats) and streamed.n_rows == 4


def test_zero_row_and_dtype_preserved():
    S = _coeffs().astype(np.float32)
    S[:, 0] = 0.0
    Z = normalize(S)
    assert Z.dtype == np.float32
    assert np.all(np.isfinite(Z)) and np.all(Z[:, 0] == 0)


def test_normalize_errors():
    S = _coeffs()
    st = fit_normalization(S)
    with pytest.raises(ValueError, match=r"options \['log'\] were given together with stats"):
        normalize(S, stats=st, log=False)
    with pytest.raises(ValueError, match="fitted on 4 rows"):
        normalize(S[:, :3], stats=st)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        normalize(np.ones(5))
    with pytest.raises(TypeError, match="got a dict"):
        normalize({"S0": S})
    with pytest.raises(ValueError, match="scale must be"):
        normalize(S, scale="median")
    with pytest.raises(ValueError, match="C must be a positive"):
        normalize(S, C=0.0)
    with pytest.raises(ValueError, match="no batches"):
        fit_normalization([])
    with pytest.raises(ValueError, match="all batches must have 4 rows"):
        fit_normalization([S, S[:, :2]])
    # integer coefficients: the row scales (3.125 here) were cast to int and applied as 3
    with pytest.raises(TypeError, match="must be real floating-point, got dtype int64"):
        normalize(np.array([[[1, 2, 3, 4]], [[2, 3, 4, 6]]]))
    for empty in (S[:0], S[:, :0]):  # numpy's reduction error, a ZeroDivisionError
        with pytest.raises(ValueError, match="no coefficients to normalise: Sx has shape"):
            normalize(empty)
    with pytest.raises(ValueError, match="C must be a positive"):
        normalize(S, C=True)


def test_numpy_scalars_are_numbers():
    """``C=np.float32(2)`` was refused as "not a positive finite number"."""
    a = normalize(_coeffs(), C=np.float32(2))
    np.testing.assert_array_equal(a, normalize(_coeffs(), C=2.0))
    np.testing.assert_array_equal(normalize(_coeffs(), C=np.int64(2)), a)


def test_jax_output():
    jnp = pytest.importorskip("jax.numpy")
    S = _coeffs()
    Z = normalize(jnp.asarray(S))
    assert type(Z).__module__.startswith("jax")
    # JAX computes in float32 by default: agreement to float32 round-off
    np.testing.assert_allclose(np.asarray(Z), normalize(S), atol=1e-4)
