"""The device-aware memory budget (scatterwave._device), with the device queries mocked."""

from __future__ import annotations

import types

import numpy as np
import pytest

import scatterwave.core.capabilities as capabilities_module
from scatterwave import Scattering1D, TimeFrequencyScattering1D, _device

torch = pytest.importorskip("torch")

GIB = 2**30


def test_cpu_inputs_get_the_cache_sized_budget():
    for x in (np.zeros((2, 64)), torch.zeros(2, 64)):
        assert _device.device_kind(x) == "cpu"
        assert _device.default_budget_bytes(x) == int(_device.CPU_BUDGET_MB * 2**20)


def test_explicit_budget_wins_over_the_device():
    x = np.zeros((4, 64))
    assert _device.chunk_size(2**20, x, memory_budget_mb=3.0) == 3
    assert _device.chunk_size(2**20, x, memory_budget_mb=0.5) == 1  # one signal at least
    assert _device.chunk_size(2**20, x, memory_budget_mb=None) == 32


def test_one_signal_larger_than_the_memory_left_is_refused_before_allocating(monkeypatch):
    x = np.zeros((2, 64))
    monkeypatch.setattr(_device, "host_available_bytes", lambda: 4 * GIB)
    assert _device.chunk_size(8 * GIB, x, None) == 1  # within OVERCOMMIT (2x) of 4 GiB
    with pytest.raises(MemoryError, match=r"needs an estimated 9\.0 GiB .* 4\.0 GiB available"):
        _device.chunk_size(9 * GIB, x, None)
    monkeypatch.setattr(_device, "host_available_bytes", lambda: None)  # unknown: no check
    assert _device.chunk_size(9 * GIB, x, None) == 1
    # through a transform (a budget below one signal): its estimate against 1 MiB left
    monkeypatch.setattr(_device, "host_available_bytes", lambda: 2**20)
    jtfs = TimeFrequencyScattering1D(512, J=5, Q=8, J_fr=3, memory_budget_mb=0.01)
    with pytest.raises(MemoryError, match="pad_mode_fr='zero'"):
        jtfs(np.zeros(512))


def test_host_memory_is_read_where_the_system_tells_it():
    free = _device.host_available_bytes()
    assert free is None or free > 0


class _FakeCudaTensor:
    """Stands for a torch CUDA tensor: the module name and device are all the policy reads."""

    __module__ = "torch"
    device = types.SimpleNamespace(type="cuda", index=0)


def test_torch_cuda_budget_is_half_the_available_memory(monkeypatch):
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (40 * GIB, 80 * GIB))
    monkeypatch.setattr(torch.cuda, "memory_reserved", lambda device=None: 10 * GIB)
    monkeypatch.setattr(torch.cuda, "memory_allocated", lambda device=None: 6 * GIB)
    x = _FakeCudaTensor()
    assert _device.device_kind(x) == "cuda"
    # free 40 GiB plus 4 GiB cached by the allocator and unused, times the fraction
    assert _device.available_bytes(x) == 44 * GIB
    assert _device.default_budget_bytes(x) == int(_device.ACCELERATOR_FRACTION * 44 * GIB)
    assert _device.chunk_size(GIB, x, None) == 22
    assert _device.chunk_size(GIB, x, 2048.0) == 2


def test_unqueryable_accelerator_gets_the_documented_fallback(monkeypatch):
    def refuse(device=None):
        raise RuntimeError("no driver")

    monkeypatch.setattr(torch.cuda, "mem_get_info", refuse)
    x = _FakeCudaTensor()
    assert _device.available_bytes(x) is None
    assert _device.default_budget_bytes(x) == int(_device.ACCELERATOR_FALLBACK_MB * 2**20)


def test_other_torch_devices_use_the_fallback():
    x = type("FakeMps", (), {"__module__": "torch", "device": types.SimpleNamespace(type="mps")})()
    assert _device.device_kind(x) == "mps"
    assert _device.available_bytes(x) is None


class _FakeCupyArray:
    __module__ = "cupy._core.core"
    device = types.SimpleNamespace(id=0)


def test_cupy_budget_counts_the_pool(monkeypatch):
    pool = types.SimpleNamespace(free_bytes=lambda: 2 * GIB)
    fake = types.SimpleNamespace(
        cuda=types.SimpleNamespace(
            Device=lambda i: types.SimpleNamespace(mem_info=(10 * GIB, 80 * GIB))
        ),
        get_default_memory_pool=lambda: pool,
    )
    monkeypatch.setitem(__import__("sys").modules, "cupy", fake)
    x = _FakeCupyArray()
    assert _device.device_kind(x) == "cuda"
    assert _device.available_bytes(x) == 12 * GIB
    assert _device.default_budget_bytes(x) == 6 * GIB


def test_jax_budget_reads_memory_stats(monkeypatch):
    jax = pytest.importorskip("jax")
    x = jax.device_put(jax.numpy.zeros(8), jax.devices("cpu")[0])
    assert _device.device_kind(x) == "cpu"
    fake = types.SimpleNamespace(
        platform="gpu", memory_stats=lambda: {"bytes_limit": 16 * GIB, "bytes_in_use": 4 * GIB}
    )
    monkeypatch.setattr(capabilities_module, "jax_device", lambda x: fake)
    assert _device.device_kind(x) == "gpu"
    assert _device.default_budget_bytes(x) == 6 * GIB
    fake.memory_stats = lambda: None
    assert _device.default_budget_bytes(x) == int(_device.ACCELERATOR_FALLBACK_MB * 2**20)


@pytest.mark.parametrize("cls", [Scattering1D, TimeFrequencyScattering1D])
def test_transforms_chunk_by_the_device_budget(cls, monkeypatch):
    """The front ends ask the policy for their chunk size, and results do not depend on it."""
    S = cls(512, J=4, Q=(4, 1), out_type="array")
    x = np.random.default_rng(0).standard_normal((5, 512))
    seen = []
    real = _device.chunk_size

    def spy(per_signal, like, budget, caps):
        out = real(per_signal, like, budget, caps)
        seen.append((per_signal, budget, out))
        return out

    monkeypatch.setattr("scatterwave._transform.chunk_size", spy)
    monkeypatch.setattr(_device, "CPU_BUDGET_MB", 1e4)  # the whole batch in one chunk
    whole = S(x)
    assert seen[-1][1] is None and seen[-1][2] >= 5
    monkeypatch.setattr(_device, "CPU_BUDGET_MB", 1e-6)  # one signal per chunk
    chunked = S(x)
    assert seen[-1][2] == 1
    np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=0)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "32", True])
def test_bad_budgets_are_rejected(bad):
    with pytest.raises((TypeError, ValueError), match="memory_budget_mb"):
        Scattering1D(256, 3, memory_budget_mb=bad)
    with pytest.raises((TypeError, ValueError), match="memory_budget_mb"):
        TimeFrequencyScattering1D(256, 3, memory_budget_mb=bad)
