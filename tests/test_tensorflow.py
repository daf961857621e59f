"""Scattering1D and JTFS on TensorFlow tensors: NumPy agreement, gradients, tf.function, XLA."""

from __future__ import annotations

import numpy as np
import pytest

from _tol import RTOL_F32, RTOL_F64
from scatterwave import Scattering1D, TimeFrequencyScattering1D

tf = pytest.importorskip("tensorflow")

S1D_CONFIGS = [
    dict(N=1024, J=5, Q=8),
    dict(N=1000, J=6, Q=(4, 2), T=16, oversampling=1),
    dict(N=512, J=4, Q=1, average="global"),
    dict(N=512, J=4, Q=8, pad_mode="zero", max_order=1),
]
JTFS_CONFIGS = [
    dict(N=256, J=4, Q=8, J_fr=3, Q_fr=1, F=4, average_fr=True, pad_mode_fr="reflect"),
    dict(N=256, J=4, Q=8, J_fr=3, Q_fr=1, F=4, average_fr=False, pad_mode_fr="conj-reflect"),
    dict(N=256, J=4, Q=8, J_fr=3, Q_fr=1, F=4, average_fr=True, pad_mode_fr="conj-reflect-zero"),
]


def _transform(cfg):
    cfg = dict(cfg)
    if "J_fr" in cfg:
        return TimeFrequencyScattering1D(cfg.pop("N"), out_type="array", **cfg)
    return Scattering1D(cfg.pop("N"), cfg.pop("J"), **cfg)


def _close(got, ref, rtol):
    # FFT round-off is relative to the largest coefficient (see _tol)
    np.testing.assert_allclose(got, ref, rtol=0, atol=rtol * np.abs(ref).max())


@pytest.mark.parametrize("cfg", S1D_CONFIGS + JTFS_CONFIGS)
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, RTOL_F64), (np.float32, RTOL_F32)])
def test_agrees_with_numpy(rng, cfg, dtype, rtol):
    S = _transform(cfg)
    x = rng.standard_normal((2, S.N)).astype(dtype)
    ref = S(x.astype(np.float64))
    out = S(tf.constant(x))
    assert isinstance(out, tf.Tensor) and out.dtype == tf.as_dtype(dtype)
    assert out.device == tf.constant(x).device
    _close(out.numpy(), ref, rtol)


def test_dict_output_and_leading_axes(rng):
    S = Scattering1D(512, 4, 4, out_type="dict")
    x = rng.standard_normal((2, 3, 512))
    ref = S(x)
    out = S(tf.constant(x))
    assert list(out) == list(ref)
    for key, value in ref.items():
        _close(out[key].numpy(), value, RTOL_F64)


@pytest.mark.parametrize("cfg", [dict(N=256, J=4, Q=4), JTFS_CONFIGS[1]])
def test_eager_equals_tf_function_and_xla(rng, cfg):
    S = _transform(cfg)
    x = tf.constant(rng.standard_normal((2, S.N)).astype(np.float32))
    eager = S(x).numpy()
    graph = tf.function(S)(x).numpy()
    xla = tf.function(S, jit_compile=True)(x).numpy()
    np.testing.assert_array_equal(graph, eager)  # the same graph (eager calls run one)
    # XLA fuses and reorders float32 operations: round-off of the float32 tolerance
    _close(xla, eager, RTOL_F32)


def test_tf_function_with_unknown_batch_size(rng):
    S = Scattering1D(256, 4, 4)
    f = tf.function(S, input_signature=[tf.TensorSpec([None, None, 256], tf.float64)])
    for shape in [(1, 1, 256), (3, 2, 256)]:
        x = rng.standard_normal(shape)
        out = f(tf.constant(x))
        assert tuple(out.shape) == (*shape[:-1], *S.output_shape)
        _close(out.numpy(), S(x), RTOL_F64)
    jtfs = _transform(JTFS_CONFIGS[0])
    g = tf.function(jtfs, input_signature=[tf.TensorSpec([None, 256], tf.float32)])
    x = rng.standard_normal((3, 256))
    _close(g(tf.constant(x, tf.float32)).numpy(), jtfs(x), RTOL_F32)


@pytest.mark.parametrize("cfg", [dict(N=128, J=3, Q=2), JTFS_CONFIGS[1] | dict(N=64, J=3, J_fr=2)])
def test_gradient_matches_finite_differences(rng, cfg):
    S = _transform(cfg)
    x = rng.standard_normal(S.N)
    w = tf.constant(rng.standard_normal(S(x).shape))

    def loss(v):
        return tf.reduce_sum(S(v) * w)

    v = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(v)
        value = loss(v)
    grad = tape.gradient(value, v).numpy()
    assert np.abs(grad).max() > 0
    eps = 1e-6
    for _ in range(3):
        d = rng.standard_normal(S.N)
        fd = (float(loss(tf.constant(x + eps * d))) - float(loss(tf.constant(x - eps * d)))) / (
            2 * eps
        )
        # float64 central differences: error O(eps**2) plus round-off ~1e-10 / eps
        assert abs(grad @ d - fd) < 1e-6 * max(1.0, abs(fd))


@pytest.mark.parametrize("cfg", [S1D_CONFIGS[0], JTFS_CONFIGS[0]])
def test_a_variable_is_transformed_and_differentiated_as_its_tensor(rng, cfg):
    """Optimising an input through the transform passes a tf.Variable, which is no tensor
    (no ndim: an AttributeError). It is read as the tensor it holds, in the tape."""
    S = _transform(cfg)
    x = rng.standard_normal((2, S.N))
    v, t = tf.Variable(x), tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(t)
        y_v, y_t = S(v), S(t)
        loss_v, loss_t = tf.reduce_sum(y_v**2), tf.reduce_sum(y_t**2)
    np.testing.assert_array_equal(y_v.numpy(), y_t.numpy())
    g_v, g_t = tape.gradient(loss_v, v), tape.gradient(loss_t, t)
    np.testing.assert_array_equal(g_v.numpy(), g_t.numpy())


def test_gradient_under_xla_is_finite_at_zero_input():
    S = Scattering1D(128, 3, 2)

    @tf.function(jit_compile=True)
    def grad(v):
        with tf.GradientTape() as tape:
            tape.watch(v)
            loss = tf.reduce_sum(S(v))
        return tape.gradient(loss, v)

    g = grad(tf.zeros((2, 128), tf.float32)).numpy()
    assert np.all(np.isfinite(g))


def test_buffers_convert_once_per_dtype(rng):
    S = Scattering1D(256, 4, 4)
    for _ in range(3):
        for dtype in (tf.float32, tf.float64):
            S(tf.constant(rng.standard_normal((2, 256)), dtype))
    assert len(S._converted) == 2


def test_clear_errors(rng):
    S = Scattering1D(256, 4, 4)
    x = rng.standard_normal((2, 256))
    with pytest.raises(TypeError, match=r"float32 or float64.*float16.*tf.cast"):
        S(tf.constant(x, tf.float16))
    with pytest.raises(TypeError, match=r"int32.*tf.cast"):
        S(tf.constant(x.astype(np.int32)))
    with pytest.raises(TypeError, match=r"complex128.*real and imaginary"):
        S(tf.constant(x + 0j))
    with pytest.raises(TypeError, match=r"RaggedTensor.*to_tensor"):
        S(tf.ragged.constant([[1.0, 2.0], [3.0]]))
    with pytest.raises(TypeError, match=r"SparseTensor.*to_dense"):
        S(tf.sparse.from_dense(tf.constant(x)))
    f = tf.function(S, input_signature=[tf.TensorSpec([None, None], tf.float64)])
    with pytest.raises(ValueError, match=r"time\) axis needs a static length.*TensorSpec"):
        f(tf.constant(x))
    with pytest.raises(ValueError, match="built for N=256"):
        S(tf.constant(x[:, :128]))
    with pytest.raises(ValueError, match="NaN"):
        S(tf.constant(np.full((1, 256), np.nan)))
