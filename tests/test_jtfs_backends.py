"""TimeFrequencyScattering1D across array libraries, dtypes, and its gradients."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave import TimeFrequencyScattering1D

N = 256
CONFIG = dict(J=4, Q=8, J_fr=3, Q_fr=1, F=4, out_type="array")


@pytest.fixture(scope="module")
def signal() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((2, N))


@pytest.fixture(
    scope="module",
    params=[(False, "reflect"), (True, "reflect"), (True, "conj-reflect-zero")],
    ids=["avg_fr_off", "avg_fr_on", "conj_reflect_zero"],
)
def case(request, signal):
    average_fr, pad_mode_fr = request.param
    jtfs = TimeFrequencyScattering1D(N, **CONFIG, average_fr=average_fr, pad_mode_fr=pad_mode_fr)
    return jtfs, jtfs(signal)


@pytest.fixture(autouse=True)
def torch_one_thread():
    """One torch thread: the CI machine has 2 shared cores, and oversubscription is 20x slower."""
    try:
        import torch
    except ImportError:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def jax_x64():
    jax = pytest.importorskip("jax")
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", previous)


def _close(actual, desired, rtol):
    # tolerance relative to each output's scale: FFT round-off is relative to the largest value
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=rtol * np.abs(desired).max())


def test_torch_float64_and_float32(case, signal):
    torch = pytest.importorskip("torch")
    jtfs, ref = case
    out = jtfs(torch.from_numpy(signal))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    _close(out.numpy(), ref, 1e-10)
    out32 = jtfs(torch.from_numpy(signal.astype(np.float32)))
    assert out32.dtype == torch.float32
    _close(out32.numpy(), ref, 1e-5)


def test_jax_jit_float64_and_float32(case, signal, jax_x64):
    # Under jax.jit: eager JAX compiles each of the hundreds of distinct ops separately
    # (tens of seconds on the CI machine), one jit compiles the whole graph once.
    import jax
    import jax.numpy as jnp

    jtfs, ref = case
    f = jax.jit(jtfs)
    out = f(jnp.asarray(signal))
    assert out.dtype == jnp.float64
    _close(np.asarray(out), ref, 1e-10)
    out32 = f(jnp.asarray(signal, dtype=jnp.float32))
    assert out32.dtype == jnp.float32
    _close(np.asarray(out32), ref, 1e-5)


def test_jax_dict_keys_follow_numpy(signal, jax_x64):
    """With JAX input the pairs of a dict output come in NumPy's (and ``meta()``'s) order:
    until 2026-12-07 ``jax.jit`` sorted them, swapping the two spins."""
    import jax.numpy as jnp

    jtfs = TimeFrequencyScattering1D(N, **{**CONFIG, "out_type": "dict"})
    ref, out = jtfs(signal), jtfs(jnp.asarray(signal))
    assert list(out) == list(ref) == list(dict.fromkeys(jtfs.meta()["pair"]))
    assert list(ref) != sorted(ref)
    for pair in ref:
        _close(np.asarray(out[pair]), ref[pair], 1e-10)


def test_numpy_float32(case, signal):
    jtfs, ref = case
    out = jtfs(signal.astype(np.float32))
    assert out.dtype == np.float32
    _close(out, ref, 1e-5)


def test_array_api_strict(case, signal):
    xps = pytest.importorskip("array_api_strict")
    jtfs, ref = case
    out = jtfs(xps.asarray(signal))
    assert out.dtype == xps.float64
    _close(np.asarray(out), ref, 1e-10)


@pytest.mark.parametrize(
    "n, kw",
    [(1024, dict(J=5, Q=(16, 1), T=1024)), (256, dict(J=4, Q=8, J_fr=3, average=False))],
    ids=["T_N", "unaveraged"],
)
def test_array_api_strict_where_time_blocks_do_not_divide_the_axis(n, kw):
    """The joint products run over blocks of time samples; where the block does not divide
    the axis, the last slice must end at the axis (the standard leaves a stop beyond it
    unspecified, and array-api-strict refuses it: an IndexError until 2026-12-07)."""
    xps = pytest.importorskip("array_api_strict")
    x = np.random.default_rng(2).standard_normal(n)
    jtfs = TimeFrequencyScattering1D(n, **kw, out_type="array")
    _close(np.asarray(jtfs(xps.asarray(x))), jtfs(x), 1e-10)


def test_torch_gradcheck_tiny():
    torch = pytest.importorskip("torch")
    jtfs = TimeFrequencyScattering1D(
        64, J=3, Q=4, J_fr=2, Q_fr=1, F=2, out_type="array", pad_mode_fr="conj-reflect"
    )
    rng = np.random.default_rng(1)
    weights = torch.from_numpy(rng.standard_normal(jtfs(np.zeros(64)).shape))
    x = torch.from_numpy(rng.standard_normal(64)).requires_grad_(True)

    def f(x):
        return (jtfs(x) * weights).sum()

    assert torch.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_jax_grad_matches_finite_differences(jax_x64):
    import jax
    import jax.numpy as jnp

    jtfs = TimeFrequencyScattering1D(64, J=3, Q=4, J_fr=2, Q_fr=1, F=2, out_type="array")
    rng = np.random.default_rng(2)
    x = rng.standard_normal(64)
    w = jnp.asarray(rng.standard_normal(jtfs(x).shape))

    @jax.jit
    def f(v):
        return jnp.sum(jtfs(v) * w)

    g = np.asarray(jax.jit(jax.grad(f))(jnp.asarray(x)))
    assert np.abs(g).max() > 0
    eps = 1e-6
    for i in (0, 17, 40, 63):
        e = np.zeros(64)
        e[i] = eps
        fd = (float(f(jnp.asarray(x + e))) - float(f(jnp.asarray(x - e)))) / (2 * eps)
        # central differences in float64: error O(eps**2) plus round-off ~1e-10 / eps
        assert abs(fd - g[i]) < 1e-6 * max(1.0, abs(g[i]))


@pytest.mark.filterwarnings("ignore:.*CUDA.*:UserWarning")
def test_torch_cuda_if_available(signal, case):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    jtfs, ref = case
    out = jtfs(torch.from_numpy(signal).cuda())
    assert out.is_cuda
    _close(out.cpu().numpy(), ref, 1e-10)


# In a child process, as for Scattering1D (tests/nn/test_scattering_module.py): a compiler
# failure that aborts the interpreter must fail this test, not end the session.
_COMPILE_SCRIPT = """
import json
import torch
from scatterwave import TimeFrequencyScattering1D
S = TimeFrequencyScattering1D(256, J=4, Q=(4, 1), J_fr=2, F=2)  # 90 padding rows, dropped
x = torch.randn(2, 256, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
x.requires_grad_()
ref = S(x)
(g_ref,) = torch.autograd.grad(sum(v.sum() for v in ref.values()), x)
out = torch.compile(S)(x)
(g,) = torch.autograd.grad(sum(v.sum() for v in out.values()), x)
print(json.dumps({
    "padding_rows": int(S.plan(256).padding.sum()),
    "keys": list(out) == list(ref),
    "forward": max(float((out[k] - ref[k]).abs().max() / ref[k].abs().max()) for k in ref),
    "backward": float((g - g_ref).abs().max() / g_ref.abs().max()),
}))
"""


@pytest.mark.slow
def test_torch_compile_forward_and_backward_match_eager():
    """``torch.compile`` of a JTFS with padding rows (dropped by default), forward and
    backward: the same pairs, and values within 1e-12 of eager in float64 (the compiler may
    reorder sums: a few hundred float64 roundings). It used to fail in the output's row
    selection, NumPy work on every call that the compiler had to trace."""
    import json
    import subprocess
    import sys

    pytest.importorskip("torch")
    proc = subprocess.run(
        [sys.executable, "-c", _COMPILE_SCRIPT], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["padding_rows"] > 0 and report["keys"], report
    assert report["forward"] < 1e-12, report
    assert report["backward"] < 1e-12, report
