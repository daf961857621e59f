"""The TensorFlow namespace: each operation against NumPy, and exactly the cores' operations."""

from __future__ import annotations

import array_api_compat.numpy as anp
import numpy as np
import pytest

from scatterwave import Scattering1D, TimeFrequencyScattering1D
from scatterwave.core import ops
from scatterwave.core.capabilities import Capabilities, capabilities
from scatterwave.core.tf_namespace import OPERATIONS, TFNamespace, namespace

tf = pytest.importorskip("tensorflow")


@pytest.fixture
def xp():
    return namespace(tf.zeros((2, 8), tf.float64))


def _np(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_operation_matches_numpy(xp, rng, dtype):
    a = rng.standard_normal((2, 3, 8)).astype(dtype)
    b = rng.standard_normal((2, 3, 8)).astype(dtype)
    z = (a + 1j * b).astype(np.result_type(dtype, np.complex64))
    ta, tb, tz = tf.constant(a), tf.constant(b), tf.constant(z)
    # float64: exact or round-off of a few operations; float32 FFTs of length 8: ~1e-6.
    tol = 1e-6 if dtype == np.float32 else 1e-12
    idx = np.array([2, 0, 2, 1])
    cases = {
        "abs": (xp.abs(tz), np.abs(z)),
        "astype": (xp.astype(ta, xp.complex128), a.astype(np.complex128)),
        "concat": (xp.concat([ta, tb], axis=1), np.concatenate([a, b], axis=1)),
        "conj": (xp.conj(tz), np.conj(z)),
        "flip": (xp.flip(ta, axis=-1), np.flip(a, axis=-1)),
        "hypot": (xp.hypot(ta, tb), np.hypot(a, b)),
        "imag": (xp.imag(tz), z.imag),
        "matmul": (xp.matmul(tf.constant(a[0, :, :3]), ta), a[0, :, :3] @ a),
        "mean": (xp.mean(ta, axis=-1, keepdims=True), a.mean(-1, keepdims=True)),
        "permute_dims": (xp.permute_dims(ta, (0, 2, 1)), a.transpose(0, 2, 1)),
        "real": (xp.real(tz), z.real),
        "reshape": (xp.reshape(ta, (6, -1)), a.reshape(6, -1)),
        "sum": (xp.sum(ta, axis=1), a.sum(1)),
        "take": (xp.take(ta, xp.asarray(idx), axis=1), np.take(a, idx, axis=1)),
        "where": (xp.where(ta > 0, ta, tb), np.where(a > 0, a, b)),
        "zeros": (xp.zeros((2, 3), dtype=xp.float64), np.zeros((2, 3))),
        "isfinite": (xp.isfinite(ta), np.isfinite(a)),
        "all": (xp.all(ta > -100), np.all(a > -100)),
        "asarray": (xp.asarray(a), a),
        "fft.fft": (xp.fft.fft(tz, axis=-1), np.fft.fft(z, axis=-1)),
        "fft.ifft": (xp.fft.ifft(tz, axis=-1), np.fft.ifft(z, axis=-1)),
        "fft.ifft n": (xp.fft.ifft(tz, n=12, axis=-1), np.fft.ifft(z, n=12, axis=-1)),
        "fft.ifft crop": (xp.fft.ifft(tz, n=4, axis=-1), np.fft.ifft(z, n=4, axis=-1)),
        "fft.rfft": (xp.fft.rfft(ta, axis=-1), np.fft.rfft(a, axis=-1)),
        "fft.irfft": (xp.fft.irfft(tz, n=14, axis=-1), np.fft.irfft(z, n=14, axis=-1)),
        "fft.irfft short": (xp.fft.irfft(tz, n=6, axis=-1), np.fft.irfft(z, n=6, axis=-1)),
        "fft.irfft default": (xp.fft.irfft(tz, axis=-1), np.fft.irfft(z, axis=-1)),
    }
    for name, (got, want) in cases.items():
        got = _np(got)
        assert got.shape == np.shape(want), name
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=name)
    covered = {name.split(" ")[0] for name in cases} | {"isdtype", "finfo"}
    assert covered == set(OPERATIONS)


def test_dtype_queries(xp):
    assert xp.isdtype(xp.float32, "real floating") and not xp.isdtype(
        xp.float32, "complex floating"
    )
    assert xp.isdtype(xp.complex128, "complex floating")
    assert xp.finfo(xp.float32).smallest_normal == np.finfo(np.float32).smallest_normal
    with pytest.raises(NotImplementedError, match="isdtype kind"):
        xp.isdtype(xp.float32, "numeric")
    with pytest.raises(NotImplementedError, match="last axis"):
        xp.fft.fft(tf.zeros((2, 4), tf.complex64), axis=0)


def test_unknown_batch_size_resolves_at_run_time():
    @tf.function(input_signature=[tf.TensorSpec([None, None, 4], tf.float32)])
    def f(x):
        xp = namespace(x)
        flat = xp.reshape(x, (-1, 4))
        rows = xp.concat([flat, xp.zeros((flat.shape[0], 2), dtype=xp.float32)], axis=-1)
        return xp.reshape(rows[:, :4], (*x.shape[:-1], 4)), rows

    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    back, rows = f(tf.constant(x))
    np.testing.assert_array_equal(back.numpy(), x)
    assert rows.shape == (6, 6) and not rows.numpy()[:, 4:].any()


class _Recorder:
    """A namespace that forwards to NumPy and records every function the core asks for.

    Its name is not NumPy's, so the cores take the paths every non-NumPy library takes.
    """

    __name__ = "recorder"

    def __init__(self, seen: set[str], prefix: str = "", target=anp) -> None:
        self._seen, self._prefix, self._target = seen, prefix, target

    def __getattr__(self, name):
        value = getattr(self._target, name)
        if name == "fft" and not self._prefix:
            return _Recorder(self._seen, "fft.", value)
        if callable(value) and not isinstance(value, type):
            self._seen.add(self._prefix + name)
        return value


def test_cores_use_exactly_the_namespace_operations(monkeypatch, rng):
    seen: set[str] = set()
    rec = _Recorder(seen)
    # Where gradients flow (as always with TensorFlow) the modulus adds a tiny shift (finfo).
    monkeypatch.setattr(ops, "_needs_gradient", lambda a, xp, caps=None: True)
    # The capabilities of a library that is not NumPy (hypot modulus, no workspace), for the
    # ops the cores call with or without ``caps``.
    other = Capabilities(
        library="other",
        device_kind="cpu",
        traced=False,
        complex_filters=False,
        modulus="hypot",
        range_scale=False,
        workspace=False,
        jit=None,
    )
    monkeypatch.setattr(ops, "_caps", lambda a, caps: other)
    transforms = [
        Scattering1D(256, 4, 4),
        Scattering1D(256, 4, 4, average="global", pad_mode="zero"),
        Scattering1D(256, 4, 4, average=False, out_type="dict"),
        TimeFrequencyScattering1D(256, J=4, Q=8, J_fr=3, Q_fr=1, F=4, out_type="array"),
        TimeFrequencyScattering1D(
            256, J=4, Q=8, J_fr=2, F="global", average_fr=True, pad_mode_fr="conj-reflect"
        ),
        TimeFrequencyScattering1D(256, J=4, Q=8, J_fr=2, average_fr=False, out_type="dict"),
        # the JTFS's global time mean is a plain mean over the unpadded samples
        TimeFrequencyScattering1D(256, J=4, Q=8, J_fr=2, average="global", out_type="dict"),
    ]
    x = rng.standard_normal((2, 256))
    for S in transforms:
        N = S.check(x, rec, other)
        S.compute(x, rec, S._convert_buffers(S.plan(N), rec, x, other), other)
    assert seen <= set(OPERATIONS), seen - set(OPERATIONS)
    # ``abs``: the cores' modulus of a real array (core.jtfs._detect), no configuration here
    # reaches it; NumPy's own modulus path uses it too.
    assert set(OPERATIONS) - seen == {"abs"}


def test_namespace_type():
    assert isinstance(namespace(tf.zeros(3)), TFNamespace)
    assert capabilities(tf.zeros(3)).library == "tensorflow"


def _tf32_matmul(monkeypatch):
    """Make ``tf.linalg.matmul`` round its float32 operands to TF32, as Ampere+ GPUs do."""
    from scatterwave.core import tf_namespace

    plain = tf.linalg.matmul

    def rounded(a, b, **kw):
        if a.dtype == tf.float32:
            a, b = tf_namespace.tf32_split(tf, a)[0], tf_namespace.tf32_split(tf, b)[0]
        return plain(a, b, **kw)

    monkeypatch.setattr(tf.linalg, "matmul", rounded)
    return plain


def _rel(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b))


def test_3xtf32_products_keep_float32_accuracy_under_tf32(monkeypatch, rng):
    """Under TF32 rounding (emulated) a float32 product loses about three digits (3e-4 here);
    the split products stay at float32 accuracy (relative 3e-7: 1.3e-7 measured against
    1.1e-7 for a float32 product), values and both gradients, with a broadcast operand."""
    from scatterwave.core.tf_namespace import matmul_3xtf32

    a = rng.standard_normal((40, 64)).astype(np.float32)
    b = rng.standard_normal((5, 64, 30)).astype(np.float32)
    dy = rng.standard_normal((5, 40, 30)).astype(np.float32)
    a64, b64, dy64 = (v.astype(np.float64) for v in (a, b, dy))
    _tf32_matmul(monkeypatch)
    assert _rel(tf.linalg.matmul(a, b), a64 @ b64) > 1e-4  # the emulation bites
    ta, tb = tf.constant(a), tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch([ta, tb])
        y = matmul_3xtf32(tf)(ta, tb)
    ga, gb = tape.gradient(y, [ta, tb], output_gradients=tf.constant(dy))
    assert _rel(y, a64 @ b64) < 3e-7
    assert _rel(ga, (dy64 @ b64.transpose(0, 2, 1)).sum(0)) < 3e-7
    assert _rel(gb, a64.T @ dy64) < 3e-7


def test_tf_jtfs_float32_stays_accurate_where_tf32_may_run(monkeypatch, rng):
    """TensorFlow's JTFS (dense frequential operators: matrix products) in float32 against
    NumPy in float64, with TF32 emulated: 2.2e-5 relative through plain products, 1.6e-7
    (float32's own, as without TF32) through the split ones, which ``matmul`` takes where
    TF32 may run. A new transform per case: each traces its own ``tf.function``."""
    from scatterwave.core import tf_namespace

    def transform():
        kw = dict(Q=(8, 1), J_fr=3, F=4, average_fr=True, out_type="array")
        return TimeFrequencyScattering1D(512, 5, **kw)

    x = rng.standard_normal((2, 512))
    want = transform()(x)
    _tf32_matmul(monkeypatch)
    errors = []
    for enabled in (False, True):
        monkeypatch.setattr(tf_namespace, "tf32_enabled", lambda tf_module, on=enabled: on)
        errors.append(_rel(transform()(tf.constant(x, tf.float32)).numpy(), want))
    assert errors[0] > 1e-5 and errors[1] < 1e-6, errors
