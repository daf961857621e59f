"""TimeFrequencyScattering1D over its argument space: every accepted configuration builds and
runs with finite output, every rejected one raises a ValueError that names an argument, and the
defaults never reject themselves."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from _fuzz import examples
from scatterwave import TimeFrequencyScattering1D

#: Arguments a rejection message may name (the ones the strategies below vary).
NAMES = (
    "J", "Q", "J_fr", "Q_fr", "F", "T", "N1", "max_pad_factor_fr", "max_pad_factor", "oversampling",
    "zero_rows", "out_3D",
)  # fmt: skip

#: One build and call per example takes 0.1 to 1 s at these lengths; 40 examples keep the test
#: within about 30 s on two cores.
SETTINGS = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


@st.composite
def configurations(draw: st.DrawFn) -> tuple[int, dict]:
    N = draw(st.sampled_from([64, 100, 256, 360, 512]))
    J = draw(st.integers(1, int(math.log2(N))))
    J2 = draw(st.none() | st.integers(1, J))  # J=(J1, J2): second-order scale of its own
    kw: dict = {"J": J if J2 is None else (J, J2)}
    kw["Q"] = (draw(st.integers(1, 16)), draw(st.integers(1, 3)))
    kw["J_fr"] = draw(st.none() | st.integers(1, 6))
    kw["Q_fr"] = draw(st.integers(1, 4))
    kw["F"] = draw(st.none() | st.just("global") | st.integers(1, 128))
    kw["average_fr"] = draw(st.booleans())
    kw["out_3D"] = kw["average_fr"] and draw(st.booleans())
    kw["aligned"] = draw(st.booleans())
    kw["average"] = draw(st.sampled_from([True, "global", False]))
    kw["T"] = draw(st.none() | st.integers(1, N))
    kw["max_pad_factor"] = draw(st.sampled_from([None, 0, 1, 2]))
    kw["max_pad_factor_fr"] = draw(st.sampled_from([None, 0, 1, 2]))
    kw["pad_mode"] = draw(st.sampled_from(["reflect", "zero"]))
    kw["pad_mode_fr"] = draw(
        st.sampled_from(["zero", "reflect", "conj-reflect", "conj-reflect-zero"])
    )
    kw["sampling_filters_fr"] = draw(st.sampled_from(["resample", "exclude"]))
    kw["edge_averaging"] = draw(st.sampled_from(["data", "padded"]))
    # without time averaging every stride is 1 and oversampling > 0 is rejected: mostly 0
    unaveraged = kw["average"] is False
    kw["oversampling"] = draw(st.sampled_from([0, 0, 0, 1]) if unaveraged else st.integers(0, 2))
    kw["oversampling_fr"] = draw(st.integers(0, 2))
    kw["out_type"] = draw(st.sampled_from(["dict", "array"]))
    kw["zero_rows"] = draw(st.sampled_from([None, "keep", "drop"]))
    kw["normalize"] = draw(st.sampled_from(["energy", "amplitude"]))
    kw["r_psi"] = draw(st.floats(0.3, 0.95))
    return N, kw


def _finite(S) -> bool:
    parts = S.values() if isinstance(S, dict) else (S if isinstance(S, tuple) else (S,))
    return all(np.all(np.isfinite(np.asarray(p))) for p in parts)


@SETTINGS
@given(configurations(), st.integers(0, 2**31 - 1))
def test_every_configuration_builds_and_runs_or_is_rejected_by_name(config, seed):
    N, kw = config
    try:
        jtfs = TimeFrequencyScattering1D(N, **kw)
    except ValueError as err:
        named = [n for n in NAMES if re.search(rf"\b{n}\b", str(err))]
        assert named, f"rejection of {kw} names no argument: {err}"
        return
    x = np.random.default_rng(seed).standard_normal((2, N))
    S = jtfs(x)
    assert _finite(S)
    if isinstance(S, dict):  # the same signal twice in a batch gives the same rows
        S1 = jtfs(x[:1])
        for p in S:
            np.testing.assert_allclose(S1[p][0], S[p][0], rtol=1e-10, atol=1e-12)
        assert {p: v.shape[1:] for p, v in S.items()} == jtfs.output_shape
    elif not isinstance(S, tuple):  # meta() describes the rows of the array
        assert S.shape[1:] == jtfs.output_shape
        assert len(jtfs.meta()["pair"]) == S.shape[1]


def _agreement(n: int):
    """Settings of the tests that compare two routes on ``n`` drawn configurations."""
    return settings(
        max_examples=examples(n),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )


def _built(N: int, kw: dict) -> TimeFrequencyScattering1D:
    """The transform of a drawn configuration; rejected ones are not examples here."""
    try:
        return TimeFrequencyScattering1D(N, **kw)
    except ValueError:
        assume(False)
        raise


def _assert_same_outputs(ref, out) -> None:
    """Every array of ``out`` equals ``ref``'s (any ``out_type``) to float64 round-off."""
    if isinstance(ref, tuple):
        pairs = zip(ref, out)
    elif isinstance(ref, dict):
        pairs = ((ref[p], out[p]) for p in ref)
    else:
        pairs = [(ref, out)]
    for a, b in pairs:
        a, b = np.asarray(a), np.asarray(b)
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(a).max()))


@_agreement(20)
@given(configurations(), st.integers(0, 2**31 - 1))
def test_time_lowpass_matrices_agree_with_the_fourier_route(config, seed):
    """Wherever the plan holds time low-pass matrices (short local outputs), NumPy and PyTorch
    on the CPU take them (capability ``direct_time``) and agree with NumPy's Fourier route in
    float64 to the backends' tolerance (rtol 1e-10, docs/jtfs.md): mask, gain, energy factor
    and unpadding folded into each matrix, NumPy's kept time samples, for every configuration
    the strategy draws."""
    import dataclasses

    from scatterwave.core.capabilities import capabilities

    torch = pytest.importorskip("torch")
    N, kw = config
    jtfs = _built(N, kw)
    assume(bool(jtfs.plan(N).direct_time))
    x = np.random.default_rng(seed).standard_normal((2, N))
    fourier = dataclasses.replace(capabilities(x), direct_time=False)
    ref = jtfs.compute(x, np, jtfs.buffers(N, x, xp=np, caps=fourier), fourier)
    for out in (jtfs(x), jtfs(torch.from_numpy(x))):
        _assert_same_outputs(ref, out)


@_agreement(15)
@given(configurations(), st.integers(0, 2**31 - 1))
def test_numpy_and_pytorch_agree_on_every_configuration(config, seed):
    """NumPy (complex frequential matrices, workspaces, time blocks) and PyTorch (real form)
    share only the plan: in float64 they agree to round-off (rtol 1e-10, as the backend
    tests) on every configuration the strategy draws. The NumPy layout bug of 2026-12-07
    (operators misread after a memory split) showed here as a 100 % difference."""
    torch = pytest.importorskip("torch")
    N, kw = config
    jtfs = _built(N, kw)
    x = np.random.default_rng(seed).standard_normal((2, N))
    _assert_same_outputs(jtfs(x), jtfs(torch.from_numpy(x)))


@SETTINGS
@given(
    st.sampled_from([64, 256, 1000, 4096]),
    st.integers(1, 12),
    st.integers(1, 24),
    st.integers(1, 4),
    st.booleans(),
)
def test_defaults_never_reject_themselves(N, J, Q1, Q2, average_fr):
    """Only J and Q are given: whatever else fails was the library's choice, not the user's."""
    if 2**J > N:
        return
    try:
        jtfs = TimeFrequencyScattering1D(N, J=J, Q=(Q1, Q2), average_fr=average_fr)
    except ValueError as err:
        # The only acceptable rejections are about the arguments given: too few first-order
        # rows or no second-order path for this J and Q.
        assert re.search(r"\bJ=\d+, Q=", str(err)), str(err)
        assert "increase J" in str(err)
        return
    S = jtfs(np.random.default_rng(0).standard_normal(N))
    assert _finite(S)


@pytest.mark.parametrize(
    "kw",
    [
        dict(J=2),  # default F (one octave, 16 rows) on an axis of 12 first-order rows
        dict(J=8, Q=(16, 3), average_fr=True),  # phi_F's output would have had one row
        dict(J=10, Q=16, F=64, average_fr=True),
        dict(J=8, Q=(16, 3), F=16, average_fr=True, max_pad_factor_fr=0),
    ],
)
def test_reported_constructor_crashes(kw):
    N = 4096 if kw["J"] != 10 else 2048
    jtfs = TimeFrequencyScattering1D(N, **kw)
    assert _finite(jtfs(np.random.default_rng(0).standard_normal(N)))


def test_default_F_is_clamped_to_the_frequency_axis():
    jtfs = TimeFrequencyScattering1D(4096, J=2)
    n1 = int(np.sum(jtfs.meta()["pair"] == "S1"))
    assert n1 < 16
    assert jtfs.filterbank()["L"] >= 2  # built
    with pytest.raises(ValueError, match=r"F=16 exceeds"):
        TimeFrequencyScattering1D(4096, J=2, F=16)  # an F the user passed is not clamped


def test_pairs_that_exclude_leaves_empty_are_an_error_not_a_missing_key():
    """With Q=1 every second-order path has a few first-order rows below it, narrower than
    any frequential wavelet: ``"exclude"`` drops them all. The pairs used to be missing from
    the output and meta() without a word (``out["psi_t * psi_f_up"]``: KeyError)."""
    x = np.random.default_rng(0).standard_normal(256)
    with pytest.raises(ValueError, match=r"'psi_t \* psi_f_up', 'psi_t \* psi_f_dn'\] would be"):
        TimeFrequencyScattering1D(256, J=4, Q=1)
    # each way out the message names works
    spinned = ("psi_t * psi_f_up", "psi_t * psi_f_dn")
    S = TimeFrequencyScattering1D(256, J=4, Q=1, sampling_filters_fr="resample")(x)
    assert all(S[p].shape[0] > 0 for p in spinned)
    S = TimeFrequencyScattering1D(256, J=4, Q=1, out_exclude=spinned)(x)
    assert not set(spinned) & set(S)
    assert set(spinned) <= set(TimeFrequencyScattering1D(256, J=4, Q=4)(x))
