"""Short series: the padded-length cap, the matrix route of the local average, chunking.

Speed is measured by ``benchmarks/workloads.py``; these tests check that the faster routes
compute the same thing.
"""

from __future__ import annotations

import numpy as np
import pytest

import scatterwave.core.direct_lowpass as direct_lowpass
from scatterwave import Scattering1D
from scatterwave.filters.support import _is_smooth, smooth_padded_length


@pytest.mark.parametrize("multiple", [64, 512])
def test_proportional_cap_grows_with_N_without_jumps(multiple):
    """The cap is the smallest fast length >= 4 N: no doubling just above a power of two."""
    previous = 0
    for N in range(100, 5000, 7):
        length = smooth_padded_length(N, 10**6, 2, multiple, proportional_cap=True)
        assert length % multiple == 0 and _is_smooth(length // multiple)
        assert length >= 4 * N
        # consecutive 5-smooth numbers >= 6 are at most 4/3 apart (6 -> 8)
        assert length <= max(4 * N * 4 / 3, 8 * multiple)
        assert length >= previous  # monotone: no cliff
        previous = length
    for N in (128, 1024, 4096):  # powers of two: the cap of the power-of-two rule
        assert smooth_padded_length(N, 10**6, 2, 64, proportional_cap=True) == 4 * N
        assert smooth_padded_length(N, 10**6, 2, 64) == 4 * N


def test_scattering1d_padded_lengths_short_series():
    """Documented examples: N=1100, J=8 pads to 4608 (was 8192); N=1024 keeps 4096."""
    assert Scattering1D(1100, 8).plan(1100).N_pad == 4608
    assert Scattering1D(1024, 8).plan(1024).N_pad == 4096
    assert Scattering1D(140, 5).plan(140).N_pad == 576
    # a filter that decays within 4 N is not capped
    S = Scattering1D(8192, 6)
    fb = S.plan(8192)
    assert fb.N_pad >= 8192 + 2 * S._make_plan(8192)[0].half_support


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(N=140, J=5, Q=8),
        dict(N=300, J=5, Q=8, normalize="amplitude"),
        dict(N=256, J=6, Q=8, oversampling=1),
        dict(N=600, J=6, Q=4, pad_mode="zero"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matrix_route_matches_fourier_route(monkeypatch, rng, kwargs, dtype):
    """Second-order rows averaged by one matrix product equal the FFT route (round-off)."""
    N = kwargs["N"]
    x = (rng.standard_normal((3, N)) * 1e3).astype(dtype)
    direct = Scattering1D(**kwargs)(x)
    monkeypatch.setattr(direct_lowpass, "DIRECT_MAX_LENGTH", 0)
    fourier = Scattering1D(**kwargs)(x)
    assert direct.dtype == fourier.dtype == dtype
    # float64: 1e-16 relative measured; float32: 2.4e-7 (a few ulps of the largest value)
    tol = 1e-13 if dtype == np.float64 else 2e-6
    assert np.abs(direct - fourier).max() <= tol * np.abs(fourier).max()


def test_even_chunks_change_nothing(rng):
    """NumPy batches are cut into chunks of even size; chunked and whole calls agree exactly."""
    S = Scattering1D(140, 5)
    x = rng.standard_normal((128, 140))
    budget_chunk = super(Scattering1D, S)._chunk(x, 140)
    assert budget_chunk < 128  # the default budget splits this batch ...
    assert S._chunk(x, 140) == 64  # ... into two even chunks
    assert S._chunk(x[:120], 140) == 60
    small = Scattering1D(140, 5, memory_budget_mb=1.0)
    per_chunk = super(Scattering1D, small)._chunk(x, 140)
    assert small._chunk(x, 140) <= per_chunk  # never above the budget's count
    whole = Scattering1D(140, 5, memory_budget_mb=10**4)
    assert whole._chunk(x, 140) == 128
    np.testing.assert_array_equal(S(x), whole(x))
    np.testing.assert_array_equal(small(x), whole(x))
