"""TimeFrequencyScattering1D(normalize=...): the meanings of Scattering1D's option."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scatterwave import Scattering1D, TimeFrequencyScattering1D

N = 1024


def s1d_rows(S: dict) -> tuple[np.ndarray, np.ndarray]:
    """S0 (B, 1, t) and S1 (B, n1, t) of a Scattering1D dict output."""
    return S[()][:, None, :], np.stack([S[k] for k in S if len(k) == 1], axis=1)


@settings(max_examples=10, deadline=None)
@given(
    J=st.integers(4, 7),
    Q1=st.sampled_from([6, 8, 12]),
    log2_T=st.one_of(st.none(), st.integers(3, 9)),
    normalize=st.sampled_from(["energy", "amplitude"]),
    average=st.sampled_from([True]),
)
def test_s0_s1_equal_scattering1d(J, Q1, log2_T, normalize, average):
    # Local averaging only: Scattering1D's average="global" is now the mean of its locally
    # averaged outputs (energy claim), JTFS's is still the mean of the envelopes.
    T = None if log2_T is None else 2**log2_T
    x = np.random.default_rng(J * 100 + Q1).standard_normal((2, N))
    # the same time padding (the JTFS default is "zero" for spin, Scattering1D's "reflect")
    kw = dict(J=J, Q=(Q1, 1), T=T, normalize=normalize, average=average, pad_mode="zero")
    try:
        jtfs = TimeFrequencyScattering1D(N, J_fr=2, Q_fr=1, F=2, **kw)
    except ValueError:  # a configuration the constructor rejects with a message
        return
    S = jtfs(x)
    s0, s1 = s1d_rows(Scattering1D(N, out_type="dict", **kw)(x))
    np.testing.assert_array_equal(S["S0"], s0)
    np.testing.assert_array_equal(S["S1"], s1)


@pytest.mark.parametrize("average_fr", [True, False])
def test_amplitude_is_energy_without_its_factors(average_fr):
    """Every row of ``"amplitude"`` is the ``"energy"`` row divided by a positive constant
    that depends on the row only (time and frequency energy factors), and ``S0`` of a
    constant signal is that constant."""
    kw = dict(J=6, Q=(8, 1), J_fr=3, Q_fr=1, F=4, average_fr=average_fr, out_type="array")
    energy = TimeFrequencyScattering1D(N, **kw)
    amplitude = TimeFrequencyScattering1D(N, normalize="amplitude", **kw)
    rng = np.random.default_rng(5)
    ratios = []
    for _ in range(2):
        x = rng.standard_normal(N)
        E, A = energy(x), amplitude(x)
        live = np.any(A != 0, axis=-1)
        np.testing.assert_array_equal(E[~live], 0.0)  # rows that are zero in both
        peak = np.argmax(np.abs(A[live]), axis=-1)
        rows = np.flatnonzero(live)
        ratio = E[rows, peak] / A[rows, peak]
        # One positive factor per row: rows are scaled, not reshaped.
        assert np.all(ratio > 0)
        np.testing.assert_allclose(E[live], A[live] * ratio[:, None], rtol=1e-9, atol=0)
        ratios.append(ratio)
    np.testing.assert_allclose(ratios[0], ratios[1], rtol=1e-9)
    # S0 and S1 rows carry the time factor sqrt(N / N_out) only.
    pair = energy.meta()["pair"]
    first = np.flatnonzero(np.isin(pair, ["S0", "S1"]))
    t = E.shape[-1]
    np.testing.assert_allclose(ratios[0][: len(first)], np.sqrt(N / t), rtol=1e-12)
    # Joint rows also lose the frequency factor sqrt(N1 / R_out) (> 1 where subsampled).
    assert np.max(ratios[0][len(first) :]) > 1.2 * np.sqrt(N / t)
    # (reflect padding: zero padding, the JTFS default, lowers the mean near the edges)
    const = TimeFrequencyScattering1D(N, normalize="amplitude", pad_mode="reflect", **kw)
    np.testing.assert_allclose(const(np.full(N, 3.0))[0], 3.0, rtol=1e-9)


def test_normalize_is_checked():
    with pytest.raises(ValueError, match="normalize"):
        TimeFrequencyScattering1D(N, J=6, Q=8, J_fr=3, normalize="l1")
