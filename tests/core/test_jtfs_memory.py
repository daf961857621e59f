"""JTFS memory: the plan's per-signal estimate bounds the measured peak of a call.

The peak is measured with :mod:`tracemalloc`, which sees every NumPy data buffer (NumPy
reports its allocations to it), so it is exact and independent of the allocator's caching.
The estimate is for float64 and halved for float32 (as the transform's batch chunking uses it).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _fuzz import examples
from scatterwave import TimeFrequencyScattering1D


def peak_bytes(fn) -> int:
    """Largest traced allocation total during ``fn()`` above what was allocated before."""
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base


def per_signal(jtfs: TimeFrequencyScattering1D, N: int, dtype) -> int:
    return jtfs.plan(N).bytes_per_signal(np.dtype(dtype).itemsize)


def check_bound(N: int, batch: int, dtype, **kw) -> tuple[int, int]:
    jtfs = TimeFrequencyScattering1D(N, out_type="array", memory_budget_mb=1e6, **kw)
    x = np.random.default_rng(0).standard_normal((batch, N)).astype(dtype)
    jtfs(x)  # first call: filters converted to the input's dtype (held, not working memory)
    jtfs._workspaces = type(jtfs._workspaces)()  # work arrays are working memory: recreated
    peak = peak_bytes(lambda: jtfs(x))
    estimate = batch * per_signal(jtfs, N, dtype)
    assert peak <= estimate, f"peak {peak / 2**20:.1f} MiB > estimate {estimate / 2**20:.1f}"
    return peak, estimate


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "kw",
    [
        dict(J=8, Q=(8, 1), J_fr=3, Q_fr=1, F=8, average_fr=True),
        dict(J=8, Q=(8, 1), J_fr=3, Q_fr=1, average_fr=False),
        dict(J=6, Q=(16, 1), J_fr=4, Q_fr=2, average_fr=False, pad_mode_fr="conj-reflect"),
    ],
    ids=["avg_fr", "no_avg_fr", "fft_formulation"],
)
def test_estimate_bounds_peak(kw, dtype):
    peak, estimate = check_bound(2**12, 2, dtype, **kw)
    # ... and is not so loose that batches would be cut into needlessly small chunks.
    assert estimate <= 4 * peak


@settings(max_examples=examples(8), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    J=st.integers(3, 7),
    Q1=st.sampled_from([4, 8, 12]),
    J_fr=st.integers(1, 3),
    Q_fr=st.integers(1, 2),
    average_fr=st.booleans(),
    single=st.booleans(),
)
def test_estimate_bounds_peak_property(J, Q1, J_fr, Q_fr, average_fr, single):
    try:
        jtfs = TimeFrequencyScattering1D(1024, J=J, Q=(Q1, 1), J_fr=J_fr, Q_fr=Q_fr)
        jtfs.plan(1024)
    except ValueError:  # a configuration the constructor rejects with a message
        return
    check_bound(
        1024,
        3,
        np.float32 if single else np.float64,
        J=J,
        Q=(Q1, 1),
        J_fr=J_fr,
        Q_fr=Q_fr,
        average_fr=average_fr,
    )


def test_budget_bounds_peak_of_a_batch():
    """16 float32 signals under a budget of four signals' estimate: the working memory stays
    within the budget (plus the batch's input and output, which the caller holds anyway)."""
    N, kw = 2**13, dict(J=8, Q=(8, 1), J_fr=3, Q_fr=1, F=8, average_fr=True)
    probe = TimeFrequencyScattering1D(N, out_type="array", **kw)
    budget = 4 * per_signal(probe, N, np.float32)
    jtfs = TimeFrequencyScattering1D(N, out_type="array", memory_budget_mb=budget / 2**20, **kw)
    x = np.random.default_rng(1).standard_normal((16, N)).astype(np.float32)
    out = jtfs(x)
    jtfs._workspaces = type(jtfs._workspaces)()
    peak = peak_bytes(lambda: jtfs(x))
    assert peak <= budget + 2 * out.nbytes


@pytest.mark.parametrize("pad_mode_fr", ["zero", "conj-reflect"])  # dense and FFT paths
def test_estimate_bounds_peak_unaveraged(pad_mode_fr):
    """``average=False``: every row at the input's rate (measured 2026-12-05 at N=4096: the
    estimate is 1.4 to 1.8 times the peak)."""
    kw = dict(J=6, Q=(8, 1), J_fr=3, Q_fr=1, average=False, pad_mode_fr=pad_mode_fr)
    peak, estimate = check_bound(1024, 2, np.float64, **kw)
    assert estimate <= 4 * peak
