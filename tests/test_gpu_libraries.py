"""Both transforms on a GPU through CuPy, JAX and PyTorch agree with NumPy float64.

Skipped where the library or the GPU is missing (CI has neither); run on a GPU machine.
"""

from __future__ import annotations

import numpy as np
import pytest

from _tol import RTOL_F32, RTOL_F64
from scatterwave import Scattering1D, TimeFrequencyScattering1D


def _cupy():
    cupy = pytest.importorskip("cupy")
    try:
        cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError:
        pytest.skip("CuPy sees no CUDA device")
    return cupy


def _jax_gpu():
    jax = pytest.importorskip("jax")
    try:
        return jax, jax.devices("gpu")[0]
    except RuntimeError:
        pytest.skip("JAX sees no GPU")


TRANSFORMS = {
    "s1d": lambda: Scattering1D(2048, 6, Q=8),
    "jtfs": lambda: TimeFrequencyScattering1D(
        2048, 6, Q=(8, 1), J_fr=3, F=4, average_fr=True, out_type="array"
    ),
}
PRECISION = [(np.float64, RTOL_F64), (np.float32, RTOL_F32)]


def _check(out, ref, dtype, rtol):
    got = np.asarray(out)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, ref, rtol=0, atol=rtol * np.abs(ref).max())


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize(("dtype", "rtol"), PRECISION)
@pytest.mark.parametrize("graphs", [True, False])
def test_cupy_agrees_with_numpy(name, dtype, rtol, graphs):
    # cuda_graphs=True: through PyTorch's graph replay (DLPack); False: CuPy's own kernels.
    cupy = _cupy()
    S = TRANSFORMS[name]()
    x = np.random.default_rng(0).standard_normal((3, 2048))
    ref = S(x)
    S.cuda_graphs = graphs
    xc = cupy.asarray(x.astype(dtype))
    for _ in range(3):
        out = S(xc)
        assert isinstance(out, cupy.ndarray) and out.device == xc.device
        _check(cupy.asnumpy(out), ref, dtype, rtol)


def test_cupy_on_a_side_stream_is_ordered():
    cupy = _cupy()
    S = TRANSFORMS["s1d"]()
    x = np.random.default_rng(3).standard_normal((2, 2048))
    ref = S(x)
    with cupy.cuda.Stream(non_blocking=True):
        for _ in range(3):
            xc = cupy.asarray(x.astype(np.float32)) * 1.0  # written on the side stream
            out = S(xc) * 1.0  # read on it again
        got = cupy.asnumpy(out)
    _check(got, ref, np.float32, RTOL_F32)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_jax_float32_on_gpu_is_float32_accurate(name):
    # JAX's default float32 matmul on a GPU is TF32-class (1e-4); the cores ask for HIGHEST.
    jax, dev = _jax_gpu()
    S = TRANSFORMS[name]()
    x = np.random.default_rng(1).standard_normal((2, 2048))
    ref = S(x)
    out = S(jax.device_put(x.astype(np.float32), dev))
    _check(np.asarray(out), ref, np.float32, RTOL_F32)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@pytest.mark.parametrize(("dtype", "rtol"), PRECISION)
def test_torch_cuda_agrees_with_numpy(name, dtype, rtol):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    S = TRANSFORMS[name]()
    x = np.random.default_rng(2).standard_normal((3, 2048))
    ref = S(x)
    xt = torch.from_numpy(x.astype(dtype)).cuda()
    for _ in range(3):  # eager, captured, replayed
        out = S(xt)
        _check(out.cpu().numpy(), ref, dtype, rtol)
