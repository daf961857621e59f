"""Checks of scatterwave.keras under one Keras backend (run by test_keras.py in a subprocess).

Keras picks its backend once per process (``KERAS_BACKEND``), so ``tests/test_keras.py`` runs
this script once per backend: ``python tests/_keras_checks.py CHECK [CHECK ...]``. Each check
raises on failure; the script prints ``ok <check>`` after each.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import keras
import numpy as np

import scatterwave
from scatterwave.keras import Scattering1D, TimeFrequencyScattering1D

BACKEND = keras.backend.backend()
NATIVE = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[BACKEND]
#: float32 FFT round-off relative to the largest coefficient (as tests/_tol.py)
RTOL_F32, RTOL_F64 = 1e-5, 1e-10


def _close(got, ref, rtol):
    got = keras.ops.convert_to_numpy(got)
    np.testing.assert_allclose(got, ref, rtol=0, atol=rtol * np.abs(ref).max())


def check_numerics() -> None:
    """Native tensors out, equal to the NumPy transform, float32 and float64, no weights."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 256))
    cases = [
        (Scattering1D(256, J=4, Q=4), scatterwave.Scattering1D(256, 4, 4)),
        (
            TimeFrequencyScattering1D(256, J=3, Q=8, J_fr=2, F=4, average_fr=True),
            scatterwave.TimeFrequencyScattering1D(
                256, J=3, Q=8, J_fr=2, F=4, average_fr=True, out_type="array"
            ),
        ),
    ]
    for layer, transform in cases:
        ref = transform(x)
        out = layer(x.astype("float32"))
        assert type(out).__module__.split(".")[0].startswith(NATIVE[:3]), type(out)
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        assert tuple(out.shape) == (2, *transform.output_shape)
        _close(out, ref, RTOL_F32)
        assert layer.weights == [] and not layer.trainable
    layer64 = Scattering1D(256, J=4, Q=4, dtype="float64")
    _close(layer64(x), scatterwave.Scattering1D(256, 4, 4)(x), RTOL_F64)
    # N=None: the filters are built for the input the layer sees first
    model = keras.Sequential([keras.Input(shape=(3, 256)), Scattering1D(J=4, Q=4)])
    assert model.output_shape == (None, 3, *scatterwave.Scattering1D(256, 4, 4).output_shape)


def check_errors() -> None:
    """Undefined time axis, wrong length, mixed precision, a missing GPU, callables."""
    _raises(ValueError, "no defined length", lambda: Scattering1D(256, J=4)(keras.Input((None,))))
    _raises(ValueError, "N=256 but gets inputs of length 128", lambda: _model(Scattering1D, 128))
    _raises(ValueError, "float32 or float64", lambda: Scattering1D(256, J=4, dtype="float16"))
    _raises(ValueError, "return one array", lambda: Scattering1D(256, J=4, out_type="dict"))
    _raises(TypeError, "callable", lambda: Scattering1D(256, J=4, pad_mode=lambda x, a, b: x))
    _raises(ValueError, "device must be", lambda: Scattering1D(256, J=4, device="tpu"))
    if not _has_gpu():
        expected = NotImplementedError if BACKEND == "jax" else RuntimeError
        _raises(expected, "GPU|default device", lambda: Scattering1D(256, J=4, device="gpu"))
    cpu = Scattering1D(256, J=4, Q=4, device="cpu")
    x = np.random.default_rng(1).standard_normal((2, 256)).astype("float32")
    _close(cpu(x), scatterwave.Scattering1D(256, 4, 4)(x.astype(np.float64)), RTOL_F32)


def check_save_load() -> None:
    """get_config / from_config and model.save / load_model give identical outputs."""
    layer = TimeFrequencyScattering1D(
        128, J=3, Q=(8, 2), J_fr=2, F=4, average_fr=True, pad_mode_fr="reflect", name="jtfs"
    )
    clone = TimeFrequencyScattering1D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone._transform.output_shape == layer._transform.output_shape
    x = np.random.default_rng(2).standard_normal((3, 128)).astype("float32")
    model = keras.Sequential(
        [
            keras.Input(shape=(128,)),
            layer,
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.keras"
        model.save(path)
        loaded = keras.models.load_model(path)
    assert isinstance(loaded.layers[0], TimeFrequencyScattering1D)
    assert loaded.layers[0].get_config() == layer.get_config()
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def check_fit() -> None:
    """A Sequential classifier trains with model.fit (UCR FordA if installed, else tones)."""
    keras.utils.set_random_seed(0)
    data = _forda()
    if data is None:  # two classes of noisy tones: learnable in one epoch by any sane model
        rng = np.random.default_rng(3)
        n, N = 384, 256
        y = rng.integers(0, 2, n)
        t = np.arange(N)
        f = np.where(y == 0, 0.05, 0.12)[:, None] * rng.uniform(0.9, 1.1, (n, 1))
        x = (np.sin(2 * np.pi * f * t) + rng.standard_normal((n, N))).astype("float32")
        (x_tr, y_tr), (x_te, y_te), epochs, target = (x[:256], y[:256]), (x[256:], y[256:]), 3, 0.9
    else:
        (x_tr, y_tr), (x_te, y_te), epochs, target = data
    N = x_tr.shape[-1]
    model = keras.Sequential(
        [
            keras.Input(shape=(N,)),
            Scattering1D(N, J=8 if N >= 500 else 5, Q=8),
            keras.layers.Flatten(),
            keras.layers.LayerNormalization(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_tr, y_tr, epochs=epochs, batch_size=64, verbose=0)
    accuracy = model.evaluate(x_te, y_te, verbose=0)[1]
    print(f"{BACKEND} fit: test accuracy {accuracy:.3f} (target {target})")
    assert accuracy >= target, accuracy


def check_docs() -> None:
    """The code of docs/tensorflow.md runs as written (in a temporary folder: it saves a model)."""
    import os
    import re

    page = Path(__file__).resolve().parents[1] / "docs" / "tensorflow.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 2
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            for i, code in enumerate(blocks):
                exec(compile(code, f"docs/tensorflow.md block {i}", "exec"), {})
        finally:
            os.chdir(here)


def _forda():
    """FordA (UCR, z-scored): 2048 training series, all 1320 test series; None if absent."""
    from scatterwave.datasets.ucr import list_ucr, load_ucr

    if "FordA" not in list_ucr():
        return None
    d = load_ucr("FordA", normalize="zscore")
    train = (d.train.x[:2048, 0, :], d.train.y[:2048])
    # Scattering, layer norm, softmax: 0.93-0.94 after 4 epochs on every backend (chance 0.5).
    return train, (d.test.x[:, 0, :], d.test.y), 4, 0.7


def _model(layer_class, length):
    return keras.Sequential([keras.Input(shape=(length,)), layer_class(256, J=4)])


def _has_gpu() -> bool:
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if BACKEND == "torch":
        import torch

        return torch.cuda.is_available()
    import jax

    return jax.default_backend() != "cpu"


def _raises(kind, pattern, fn) -> None:
    import re

    try:
        fn()
    except kind as exc:
        assert re.search(pattern, str(exc)), f"{kind.__name__} message {exc!s} lacks {pattern!r}"
        return
    raise AssertionError(f"expected {kind.__name__} matching {pattern!r}")


CHECKS = {
    "numerics": check_numerics,
    "errors": check_errors,
    "save_load": check_save_load,
    "fit": check_fit,
    "docs": check_docs,
}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(CHECKS):
        CHECKS[name]()
        print(f"ok {name}", flush=True)
