"""scatterwave.keras on the three Keras backends, each in its own process (see _keras_checks.py)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

if importlib.util.find_spec("keras") is None:  # not imported here: each backend in its own process
    pytest.skip("keras is not installed", allow_module_level=True)

CHECKS = ["numerics", "errors", "save_load", "fit"]
BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "_keras_checks.py"
#: Keras 3.15's convert_to_numpy calls np.array(x, copy=False) on tensors whose __array__ does
#: not take ``copy`` (TensorFlow's, torch's): NumPy 2 warns. Not scatterwave's code.
_KERAS_NUMPY_WARNING = (
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


@pytest.mark.parametrize("backend", sorted(BACKEND_MODULES))
def test_layers_under_backend(backend):
    if importlib.util.find_spec(BACKEND_MODULES[backend]) is None:
        pytest.skip(f"{backend} is not installed")
    # JAX computes float64 (a dtype="float64" layer) only in its 64-bit mode.
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2", JAX_ENABLE_X64="1")
    # One thread per library (the CI machine has 2 shared cores), as in tests/conftest.py.
    env.update(OMP_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
    src = str(HERE.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    # The TensorFlow/Keras page's examples need TensorFlow: run them in that process.
    checks = [*CHECKS, "docs"] if backend == "tensorflow" else CHECKS
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-W", _KERAS_NUMPY_WARNING, str(SCRIPT), *checks],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    passed = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("ok ")]
    assert proc.returncode == 0 and passed == checks, (
        f"checks passed: {passed}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-6000:]}"
    )
