"""CUDA-graph replay of the forward pass (scatterwave._cuda_graph).

The cache policy is checked everywhere with a stand-in graph; the capture itself needs a
CUDA device (skipped elsewhere).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from scatterwave import Scattering1D, TimeFrequencyScattering1D, _cuda_graph
from scatterwave.core.capabilities import capabilities

torch = pytest.importorskip("torch")
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


class _Recorder:
    """Stands for a captured graph: counts captures and replays."""

    captured: ClassVar[list] = []

    def __init__(self, fn, x):
        self.fn = fn
        _Recorder.captured.append(x.shape)

    def __call__(self, x):
        return ("replay", self.fn(x))


def test_cache_runs_eagerly_first_then_captures_and_replays(monkeypatch):
    monkeypatch.setattr(_cuda_graph, "_Graph", _Recorder)
    _Recorder.captured = []
    cache = _cuda_graph.GraphCache()
    x = np.ones(3)
    assert cache.run(("a",), lambda v: v.sum(), x) == 3.0  # first call: eager
    assert _Recorder.captured == []
    assert cache.run(("a",), lambda v: v.sum(), x) == ("replay", 3.0)  # captured
    assert cache.run(("a",), lambda v: v.sum(), x) == ("replay", 3.0)  # replayed
    assert len(_Recorder.captured) == 1


def test_cache_evicts_the_least_recently_used_graph(monkeypatch):
    monkeypatch.setattr(_cuda_graph, "_Graph", _Recorder)
    cache = _cuda_graph.GraphCache()
    x = np.ones(2)
    for key in range(_cuda_graph.MAX_GRAPHS + 1):
        cache.run((key,), lambda v: v, x)
        cache.run((key,), lambda v: v, x)
    kept = [k for k, g in cache._graphs.items() if g is not None]
    assert len(kept) == _cuda_graph.MAX_GRAPHS and (0,) not in kept


def test_failed_capture_falls_back_to_eager_for_good(monkeypatch, caplog):
    calls = []

    def broken(fn, x):
        calls.append(1)
        raise RuntimeError("operation not permitted when stream is capturing")

    monkeypatch.setattr(_cuda_graph, "_Graph", broken)
    cache = _cuda_graph.GraphCache()
    x = np.ones(2)
    with caplog.at_level("INFO", logger="scatterwave._cuda_graph"):
        for _ in range(4):
            assert cache.run(("k",), lambda v: v.sum(), x) == 2.0
    assert len(calls) == 1 and "capture failed" in caplog.text


def test_cpu_and_gradient_inputs_are_not_graphed():
    for x in (np.ones(3), torch.ones(3)):
        assert not _cuda_graph.graphable(x, {}, capabilities(x))


def test_cuda_graphs_flag_is_validated():
    with pytest.raises(TypeError, match="cuda_graphs"):
        Scattering1D(256, 3, cuda_graphs=1)
    with pytest.raises(TypeError, match="cuda_graphs"):
        TimeFrequencyScattering1D(256, 3, cuda_graphs="yes")


def _three_calls(S, x):
    return [S(x) for _ in range(3)]


@cuda
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_replay_matches_eager_scattering1d(dtype):
    x = torch.randn(4, 2048, dtype=dtype, device="cuda")
    S = Scattering1D(2048, 6, Q=8)
    eager = Scattering1D(2048, 6, Q=8, cuda_graphs=False)(x)
    outs = _three_calls(S, x)
    assert sum(g is not None for g in S._graphs._graphs.values()) == 1
    for out in outs:  # eager, capture, replay: identical kernels, identical results
        torch.testing.assert_close(out, eager, rtol=0, atol=0)
    assert outs[1].data_ptr() != outs[2].data_ptr()  # replays return fresh tensors
    y = torch.randn_like(x)
    torch.testing.assert_close(S(y), Scattering1D(2048, 6, Q=8, cuda_graphs=False)(y))


@cuda
def test_replay_matches_eager_jtfs_dict_output():
    x = torch.randn(3, 2048, device="cuda")
    S = TimeFrequencyScattering1D(2048, 6, Q=(8, 1), J_fr=3, F=4, average_fr=True)
    eager = TimeFrequencyScattering1D(
        2048, 6, Q=(8, 1), J_fr=3, F=4, average_fr=True, cuda_graphs=False
    )(x)
    for out in _three_calls(S, x):
        assert out.keys() == eager.keys()
        for k in out:
            torch.testing.assert_close(out[k], eager[k], rtol=0, atol=0)


@cuda
def test_gradients_still_flow_on_cuda():
    S = Scattering1D(1024, 5)
    x = torch.randn(2, 1024, device="cuda", dtype=torch.float64, requires_grad=True)
    for _ in range(3):
        S(x).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert all(g is None for g in S._graphs._graphs.values())


@cuda
def test_replay_is_thread_safe():
    from concurrent.futures import ThreadPoolExecutor

    S = Scattering1D(1024, 5)
    xs = [torch.randn(2, 1024, device="cuda") for _ in range(8)]
    ref = [Scattering1D(1024, 5, cuda_graphs=False)(x) for x in xs]
    S(xs[0]), S(xs[0])  # captured
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(S, xs))
    for out, r in zip(outs, ref):
        torch.testing.assert_close(out, r, rtol=0, atol=0)


def test_transforms_with_graph_caches_pickle(monkeypatch):
    import pickle

    monkeypatch.setattr(_cuda_graph, "_Graph", _Recorder)
    S = Scattering1D(256, 3)
    S._graphs.run(("k",), lambda v: v, np.ones(2))
    S._graphs.run(("k",), lambda v: v, np.ones(2))
    S2 = pickle.loads(pickle.dumps(S))
    assert S2._graphs._graphs == {}  # graphs are device state: rebuilt on demand
    x = np.random.default_rng(0).standard_normal(256)
    np.testing.assert_array_equal(S2(x), S(x))
