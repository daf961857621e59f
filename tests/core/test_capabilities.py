"""The capabilities record: one resolution per call, the same answers the core relied on."""

import numpy as np
import pytest

from scatterwave.core.capabilities import capabilities, library_of


def test_numpy():
    caps = capabilities(np.zeros(4))
    assert caps.library == "numpy"
    assert caps.on_cpu and not caps.traced and not caps.complex_filters
    assert caps.modulus == "abs" and not caps.range_scale
    assert caps.workspace and caps.jit is None
    assert caps.direct_lowpass and caps.direct_time


def test_torch_cpu():
    torch = pytest.importorskip("torch")
    caps = capabilities(torch.zeros(4))
    assert caps.library == "torch" and caps.device_kind == "cpu"
    assert caps.complex_filters and caps.modulus == "squares" and caps.range_scale
    assert not caps.workspace
    assert not caps.direct_lowpass  # level on the CPU (see the field's docstring) ...
    assert caps.direct_time  # ... but 1.2-1.5x faster for the JTFS


def test_jax():
    jnp = pytest.importorskip("jax.numpy")
    caps = capabilities(jnp.zeros(4))
    assert caps.library == "jax" and caps.jit == "jax" and caps.modulus == "hypot"
    assert not caps.complex_filters
    assert caps.direct_lowpass == caps.direct_time == (caps.device_kind != "cpu")


def test_array_api_strict():
    xp = pytest.importorskip("array_api_strict")
    a = xp.zeros(4)
    assert library_of(a) == "array_api_strict"
    assert capabilities(a).modulus == "hypot"


def test_unknown_library():
    class Foreign:
        pass

    assert library_of(Foreign()) == "other"
