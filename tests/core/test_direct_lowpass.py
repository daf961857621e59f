"""Second-order averages by matrix products (:mod:`scatterwave.core.direct_lowpass`).

The matrices replace a fixed linear map (real FFT, low-pass product, inverse FFT, unpadding),
so every route must give the Fourier route's values to round-off: NumPy (work arrays),
array-api-strict, and PyTorch on an accelerator, emulated on the CPU with the capabilities
record of a CUDA tensor (the route runs on CPU tensors; only the record decides).
"""

from __future__ import annotations

import numpy as np
import pytest

import scatterwave.core.direct_lowpass as direct_lowpass
import scatterwave.core.scattering1d as core
from scatterwave import Scattering1D
from scatterwave.core.capabilities import _record, capabilities
from scatterwave.core.plan import Collect


def _fourier(monkeypatch, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(direct_lowpass, "DIRECT_MAX_LENGTH", 0)
        S = Scattering1D(**kwargs)
    assert not S.plan(kwargs["N"]).direct_lowpass
    return S


def test_lowpass_matrix_is_the_fourier_route(rng):
    """One row through the matrix equals rfft -> product -> irfft -> unpad (float64)."""
    M, n_bins, k_avg, start, length = 96, 9, 2, 3, 5
    phi = np.exp(-0.5 * (np.arange(n_bins) / 3.0) ** 2)
    u = rng.standard_normal(M)
    L = 2 * (n_bins - 1)
    ref = np.fft.irfft(np.fft.rfft(u)[:n_bins] * phi, n=L)[start : start + length] / 2**k_avg
    K = direct_lowpass.lowpass_matrix(phi, M, k_avg, start, length)
    np.testing.assert_allclose(u @ K, ref, rtol=0, atol=1e-14 * np.abs(ref).max())


@pytest.mark.parametrize(
    "kwargs, direct",
    [
        (dict(N=2**13, J=8, Q=8), True),  # 32 output samples per row
        (dict(N=2**13, J=7, Q=8), False),  # 64
        (dict(N=2**13, J=8, Q=8, average="global"), False),
        (dict(N=2**13, J=8, Q=8, max_order=1), False),
        (dict(N=1000, J=6, Q=(8, 2), T=2**5), True),
    ],
)
def test_plan_holds_matrices_only_where_the_route_applies(kwargs, direct):
    plan = Scattering1D(**kwargs).plan(kwargs["N"])
    assert bool(plan.direct_lowpass) == direct
    assert (plan.buffers[direct_lowpass.BUFFER].size > 0) == direct
    if direct:
        k = plan.steps[-1].k
        length = plan.out_length(k)
        assert isinstance(plan.steps[-1], Collect) and length <= direct_lowpass.DIRECT_MAX_LENGTH
        for h in plan.groups2:
            K = plan.direct_lowpass[direct_lowpass.time_key(h.M, h.avg, plan.out_start(k))]
            assert K.shape == (h.M, length)


def test_matrices_beyond_the_byte_bound_are_not_built(monkeypatch):
    monkeypatch.setattr(direct_lowpass, "DIRECT_MAX_BYTES", 1000)
    assert not Scattering1D(2**13, J=8, Q=8).plan(2**13).direct_lowpass


def test_array_api_strict_takes_the_route_and_matches(monkeypatch, rng):
    xp = pytest.importorskip("array_api_strict")
    kwargs = dict(N=1000, J=6, Q=(8, 2), T=2**5)
    x = rng.standard_normal((3, 1000))
    calls = []
    monkeypatch.setattr(core, "matmul", lambda a, b, xp, caps: calls.append(1) or a @ b)
    S = Scattering1D(**kwargs)
    out = np.asarray(S(xp.asarray(x)))
    assert len(calls) == len(S.plan(1000).groups2)  # every second-order group
    ref = _fourier(monkeypatch, **kwargs)(x)
    # float64: a matrix product against FFTs, 1e-16 relative measured
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-13 * np.abs(ref).max())


def _routes(S, N, *records):
    """Values and input gradients of ``S`` (float64, one chunk) through each capabilities
    record, in order."""
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace

    x = torch.randn(2, N, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    calls = []
    for caps in records:
        xg = x.clone().requires_grad_()
        xp = array_namespace(xg)
        out = S.compute(xg, xp, S.buffers(N, xg, xp=xp, caps=caps), caps, chunk=2)
        if isinstance(out, dict):
            out = torch.cat([v.reshape(2, -1) for v in out.values()], 1)
        calls.append((xg, out))
    weights = torch.randn(
        *out.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(2)
    )
    for _, out in calls:
        (out * weights).sum().backward()
    return [(out.detach(), xg.grad) for xg, out in calls]


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(N=2**13, J=8, Q=8),
        dict(N=1000, J=6, Q=(8, 2), T=2**5, normalize="amplitude", pad_mode="zero"),
    ],
)
def test_torch_on_an_accelerator_matches_the_cpu_route_with_gradients(monkeypatch, kwargs):
    """The CUDA route (emulated) against the CPU's Fourier route: values and input gradients
    in float64 to 1e-12 relative (measured 1e-15)."""
    torch = pytest.importorskip("torch")
    N = kwargs["N"]
    S = Scattering1D(**kwargs)
    cpu = capabilities(torch.zeros(1))
    assert S.plan(N).direct_lowpass and not cpu.direct_lowpass
    calls = []
    matmul = core.matmul
    monkeypatch.setattr(core, "matmul", lambda *a, **k: calls.append(1) or matmul(*a, **k))
    (out, grad), (ref_out, ref_grad) = _routes(S, N, _record("torch", "cuda", False, False), cpu)
    assert len(calls) == len(S.plan(N).groups2)  # the CUDA call only
    torch.testing.assert_close(out, ref_out, rtol=0, atol=1e-12 * ref_out.abs().max().item())
    torch.testing.assert_close(grad, ref_grad, rtol=0, atol=1e-12 * ref_grad.abs().max().item())


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(J=8, Q=(8, 1), J_fr=3, F=8),  # defaults otherwise: zero padding, "exclude"
        dict(J=7, Q=(8, 2), J_fr=3, F=4, pad_mode="reflect", sampling_filters_fr="resample"),
        dict(J=7, Q=8, J_fr=2, average_fr=True, normalize="amplitude", out_type="dict"),
        dict(J=7, Q=8, J_fr=2, edge_averaging="padded", pad_mode_fr="conj-reflect-zero"),
        dict(J=7, Q=8, J_fr=2, T=2**6, out_3D=True, average_fr=True, out_type="dict"),
    ],
)
def test_jtfs_time_lowpasses_by_matrices_match_the_fourier_route(monkeypatch, kwargs):
    """PyTorch on the CPU and on the emulated CUDA route takes a matrix for S1 and every joint
    group's time low-pass (mask, low-pass, unpadding, gain and energy factor folded) and
    equals the Fourier route (the CPU record with ``direct_time`` off) in float64: values and
    input gradients to 1e-12 relative (measured 1e-15). NumPy too, whose joint stage hands
    only the samples the low-pass reads (the matrix's matching rows), values to 1e-12."""
    import dataclasses

    from scatterwave import TimeFrequencyScattering1D

    torch = pytest.importorskip("torch")
    N = 2**13 if kwargs["J"] == 8 else 2**11
    S = TimeFrequencyScattering1D(N, **kwargs)
    plan = S.plan(N)
    assert plan.direct_time and plan.direct_energy == (S.normalize == "energy")
    cpu = capabilities(torch.zeros(1))
    assert cpu.direct_time
    fourier = dataclasses.replace(cpu, direct_time=False)
    keys = []
    time_key = direct_lowpass.time_key
    record = lambda *a: keys.append(time_key(*a)) or keys[-1]  # noqa: E731
    monkeypatch.setattr(direct_lowpass, "time_key", record)
    cuda = _record("torch", "cuda", False, False)
    routes = _routes(S, N, cpu, cuda, fourier)
    keys.clear()
    _routes(S, N, cuda)
    joint = sum(len(jg.freq) for jg in plan.joint if jg.avg is not None)
    assert len(keys) == len(plan.first.groups1) + joint  # every time low-pass of one call
    # ... by a matrix, S1's only with the boundary normalisation (else Scattering1D's route)
    taken = [key in plan.direct_time for key in keys]
    padded = S.edge_averaging == "padded"
    assert sum(taken) == joint + (0 if padded else len(plan.first.groups1))
    ref, ref_grad = routes[-1]
    for out, grad in routes[:2]:
        torch.testing.assert_close(out, ref, rtol=0, atol=1e-12 * ref.abs().max().item())
        tol = 1e-12 * ref_grad.abs().max().item()
        torch.testing.assert_close(grad, ref_grad, rtol=0, atol=tol)
    x = np.random.default_rng(3).standard_normal((2, N))
    numpy = capabilities(x)
    assert numpy.direct_time
    keys.clear()
    out, ref = (
        S.compute(x, np, S.buffers(N, x, xp=np, caps=c), c, chunk=2)
        for c in (numpy, dataclasses.replace(numpy, direct_time=False))
    )
    assert len(keys) == len(plan.first.groups1) + joint
    assert sum(key in plan.direct_time for key in keys) == sum(taken)
    if isinstance(out, dict):
        out, ref = (np.concatenate([a.reshape(2, -1) for a in v.values()], 1) for v in (out, ref))
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize(
    "kwargs",
    [dict(J=6, Q=8, J_fr=2), dict(J=7, Q=8, J_fr=2, average="global"), dict(J=5, Q=8, J_fr=2)],
)
def test_jtfs_keeps_the_fourier_route_for_long_or_global_outputs(kwargs):
    """N=2^11: J=6 gives 32 output samples per row (matrices), J=5 gives 64 (none); a global
    time mean has no low-pass to fold."""
    from scatterwave import TimeFrequencyScattering1D

    plan = TimeFrequencyScattering1D(2**11, **kwargs).plan(2**11)
    direct = kwargs["J"] >= 6 and "average" not in kwargs
    assert bool(plan.direct_time) == direct
    assert (plan.buffers[direct_lowpass.BUFFER].size > 0) == direct
