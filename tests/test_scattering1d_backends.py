"""Scattering1D agrees across array libraries, is differentiable, and runs under jax.jit."""

import numpy as np
import pytest

from _tol import RTOL_F32, RTOL_F64
from scatterwave import Scattering1D

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
xps = pytest.importorskip("array_api_strict")

CONFIGS = [
    dict(N=1024, J=5, Q=8),
    dict(N=1000, J=6, Q=(4, 2), T=16, oversampling=1),
    dict(N=512, J=4, Q=1, average="global"),
    dict(N=512, J=4, Q=8, pad_mode="zero", max_order=1),
]

TO_LIB = {
    "torch": lambda a: torch.from_numpy(a),
    "jax": lambda a: jnp.asarray(a),
    "array_api_strict": lambda a: xps.asarray(a),
}


def to_numpy(a):
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("lib", sorted(TO_LIB))
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, RTOL_F64), (np.float32, RTOL_F32)])
def test_libraries_agree_with_numpy(rng, cfg, lib, dtype, rtol):
    cfg = dict(cfg)
    S = Scattering1D(cfg.pop("N"), cfg.pop("J"), **cfg)
    x = rng.standard_normal((2, S.N)).astype(dtype)
    ref = S(x.astype(np.float64))
    out = S(TO_LIB[lib](x))
    assert type(out).__module__.split(".")[0] == type(TO_LIB[lib](x)).__module__.split(".")[0]
    got = to_numpy(out)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, ref, rtol=0, atol=rtol * np.abs(ref).max())


def test_torch_keeps_device_and_dtype():
    S = Scattering1D(512, 4)
    x = torch.randn(3, 512, dtype=torch.float32)
    out = S(x)
    assert out.dtype == torch.float32 and out.device == x.device


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    S = Scattering1D(1024, 5)
    x = torch.randn(2, 1024, dtype=torch.float64)
    np.testing.assert_allclose(S(x.cuda()).cpu().numpy(), S(x).numpy(), rtol=0, atol=1e-10)


def test_torch_gradcheck_float64():
    S = Scattering1D(128, 3, 2)
    x = torch.randn(1, 128, dtype=torch.float64, requires_grad=True)
    # Analytic gradients match central finite differences (eps 1e-6) to 1e-5 relative; fast
    # mode checks random projections of the Jacobian instead of all of it.
    assert torch.autograd.gradcheck(
        lambda v: S(v), (x,), eps=1e-6, atol=1e-6, rtol=1e-5, fast_mode=True
    )


def test_jax_gradient_matches_finite_differences(rng):
    S = Scattering1D(256, 4, 4)
    x = rng.standard_normal(256)
    direction = rng.standard_normal(256)

    def loss(v):
        return jnp.sum(S(v) ** 2)

    grad = np.asarray(jax.jit(jax.grad(loss))(jnp.asarray(x)))
    eps = 1e-6
    fd = (
        float(loss(jnp.asarray(x + eps * direction)))
        - float(loss(jnp.asarray(x - eps * direction)))
    ) / (2 * eps)
    # Central differences of a smooth loss: error O(eps^2) plus round-off ~1e-10 relative.
    assert abs(grad @ direction - fd) < 1e-6 * abs(fd)


def test_jax_jit_equals_eager(rng):
    S = Scattering1D(512, 4)
    x = jnp.asarray(rng.standard_normal((2, 512)))
    np.testing.assert_allclose(np.asarray(jax.jit(S)(x)), np.asarray(S(x)), rtol=0, atol=1e-12)


def test_jax_dict_keys_follow_meta(rng):
    """A dict output from JAX input lists its paths in ``meta()``'s order, as NumPy's does
    (``jax.jit`` sorts dict keys: until 2026-12-07 order 2 followed the first order-1 path)."""
    S = Scattering1D(256, 3, out_type="dict")
    x = rng.standard_normal(256)
    keys = list(S(jnp.asarray(x)))
    assert keys == list(S(x)) == [tuple(k) for k in S.meta()["key"]]
    assert keys != sorted(keys)  # the check can fail: sorted order differs


def test_torch_backward_runs_in_float32():
    S = Scattering1D(1024, 5)
    x = torch.randn(4, 1024, requires_grad=True)
    S(x).sum().backward()
    assert x.grad is not None and torch.all(torch.isfinite(x.grad)) and x.grad.abs().sum() > 0


@pytest.mark.parametrize("transform", ["Scattering1D", "TimeFrequencyScattering1D"])
def test_torch_func_vmap_and_grad_equal_the_batched_call(rng, transform):
    """``torch.func.vmap`` over signals equals one batched call exactly (the same kernels on
    the same rows), and ``torch.func.grad`` equals autograd's gradient to round-off (float64,
    relative 1e-13: autograd adds Scattering1D's second-order gradients into their parent
    spectrum in one node, :mod:`scatterwave.core.torch_regions`, which ``torch.func``
    transforms do not take, so the two sum in different orders). vmap used to fail on the
    finiteness check (a value read inside vmap); it is skipped there, as under
    ``torch.compile``."""
    from scatterwave import TimeFrequencyScattering1D

    if transform == "Scattering1D":
        S = Scattering1D(256, J=4, Q=4)
    else:
        S = TimeFrequencyScattering1D(256, J=4, Q=(4, 1), J_fr=2, F=2, out_type="array")
    x = torch.from_numpy(rng.standard_normal((3, 256)))
    assert torch.equal(torch.func.vmap(S)(x), S(x))
    leaf = x[0].clone().requires_grad_()
    (expected,) = torch.autograd.grad(S(leaf).sum(), leaf)
    got = torch.func.grad(lambda a: S(a).sum())(x[0])
    torch.testing.assert_close(got, expected, rtol=1e-13, atol=1e-15 * float(expected.abs().max()))
    with pytest.raises(ValueError, match="NaN or infinite"):  # outside vmap: still checked
        S(torch.full((2, 256), float("nan"), dtype=torch.float64))
