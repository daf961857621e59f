"""CUDA-graph replay of the forward pass and of training passes (scatterwave._cuda_graph).

The cache policy and the training graphs' autograd wiring are checked everywhere with
stand-ins for the two device hooks (a "replay" re-runs the recorded body and copies its
results into the captured tensors, which is what a CUDA graph's replay amounts to); the
capture itself needs a CUDA device (skipped elsewhere).
"""

from __future__ import annotations

import dataclasses
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


def test_graph_mode_follows_device_gradients_and_filters(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_current_stream_capturing", lambda: False)
    for x in (np.ones(3), torch.ones(3), torch.ones(3, requires_grad=True)):
        assert _cuda_graph.graph_mode(x, {}, capabilities(x)) is None  # not on CUDA
    x = torch.ones(3)
    caps = dataclasses.replace(capabilities(x), device_kind="cuda")
    learnable = {"psi": torch.ones(2, requires_grad=True)}
    assert _cuda_graph.graph_mode(x, {}, caps) == "forward"
    assert _cuda_graph.graph_mode(x.requires_grad_(), {}, caps) == "train"
    assert _cuda_graph.graph_mode(x, learnable, caps) is None  # gradients to the filters
    with torch.no_grad():
        assert _cuda_graph.graph_mode(x, learnable, caps) == "forward"
    traced = dataclasses.replace(caps, traced=True)  # torch.compile: the compiler's graph
    assert _cuda_graph.graph_mode(x, {}, traced) is None


def _stand_in_record(body, pool=None):
    recording = torch.is_grad_enabled()  # a replay runs what was recorded, in any grad mode
    result = body()

    def replay():
        with torch.set_grad_enabled(recording):
            fresh = _cuda_graph._leaves(body())
        with torch.no_grad():
            for old, new in zip(_cuda_graph._leaves(result), fresh):
                old.copy_(new)

    return replay, result, None


@pytest.fixture
def cpu_graphs(monkeypatch):
    """Graph every PyTorch CPU call as if it ran on CUDA, through the stand-in hooks."""
    from scatterwave import _transform

    monkeypatch.setattr(_cuda_graph, "_record", _stand_in_record)
    monkeypatch.setattr(_cuda_graph, "_warm_up", lambda device, body: body())
    monkeypatch.setattr(
        _transform,
        "graph_mode",
        lambda x, buffers, caps: (
            "train" if torch.is_grad_enabled() and x.requires_grad else "forward"
        ),
    )


def _eager_grad(S_eager, x, weight):
    x = x.detach().clone().requires_grad_()
    out = S_eager(x)
    leaves = _cuda_graph._leaves(out)
    (dx,) = torch.autograd.grad(sum((o * w).sum() for o, w in zip(leaves, weight)), x)
    return [o.detach() for o in leaves], dx


def _weights(S, x, seed):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        return [
            torch.randn(o.shape, generator=gen, dtype=o.dtype) for o in _cuda_graph._leaves(S(x))
        ]


@pytest.mark.parametrize("jtfs", [False, True])
def test_training_graph_gives_eager_values_and_gradients(cpu_graphs, jtfs):
    kw = dict(J_fr=2, F=4, average_fr=True, Q=(4, 1)) if jtfs else dict(Q=4)
    cls = TimeFrequencyScattering1D if jtfs else Scattering1D
    S, S_eager = cls(256, 4, **kw), cls(256, 4, **kw, cuda_graphs=False)
    x = torch.randn(3, 256, dtype=torch.float64)
    weight = _weights(S_eager, x, seed=1)
    want, want_dx = _eager_grad(S_eager, x, weight)
    for _ in range(3):  # eager, capture, replay
        xg = x.clone().requires_grad_()
        got = _cuda_graph._leaves(S(xg))
        sum((o * w).sum() for o, w in zip(got, weight)).backward()
        for g, w in zip(got, want):
            torch.testing.assert_close(g.detach(), w, rtol=1e-12, atol=0)
        torch.testing.assert_close(xg.grad, want_dx, rtol=1e-12, atol=1e-300)
    graphs = list(S._graphs._graphs.values())
    assert len(graphs) == 1 and isinstance(graphs[0], _cuda_graph._TrainGraph)


def test_interleaved_training_calls_get_their_own_gradients(cpu_graphs):
    """Two forward replays before either backward pass: the first call's backward pass must
    not read the second call's activations (it replays its own forward pass first)."""
    S, S_eager = Scattering1D(256, 4, Q=4), Scattering1D(256, 4, Q=4, cuda_graphs=False)
    x0 = torch.randn(2, 256, dtype=torch.float64)
    for _ in range(2):
        S(x0.clone().requires_grad_())  # captured
    a, b = (torch.randn(2, 256, dtype=torch.float64) for _ in range(2))
    weight = _weights(S_eager, a, seed=2)
    xa, xb = a.clone().requires_grad_(), b.clone().requires_grad_()
    out_a, out_b = S(xa), S(xb)
    (out_b * weight[0]).sum().backward(retain_graph=True)
    (out_a * weight[0]).sum().backward()
    (out_b * weight[0]).sum().backward()  # twice for b: gradients accumulate
    for xg, x, times in ((xa, a, 1), (xb, b, 2)):
        _, want_dx = _eager_grad(S_eager, x, weight)
        torch.testing.assert_close(xg.grad, times * want_dx, rtol=1e-12, atol=1e-300)


def test_training_graph_supports_double_backward(cpu_graphs):
    S = Scattering1D(64, 2, Q=2)
    x = torch.randn(1, 64, dtype=torch.float64)
    for _ in range(2):
        S(x.clone().requires_grad_())  # captured
    assert torch.autograd.gradgradcheck(S, (x.clone().requires_grad_(),))


def test_replay_that_disagrees_with_eager_is_dropped(monkeypatch, caplog):
    def corrupt(body, pool=None):
        replay, result, _ = _stand_in_record(body, pool)

        def bad():
            replay()
            with torch.no_grad():
                for t in _cuda_graph._leaves(result):
                    t.mul_(1 + 1e-6)

        return bad, result, None

    monkeypatch.setattr(_cuda_graph, "_record", corrupt)
    monkeypatch.setattr(_cuda_graph, "_warm_up", lambda device, body: body())
    x = torch.randn(2, 64, dtype=torch.float64)
    for mode in ("forward", "train"):
        cache = _cuda_graph.GraphCache()
        xg = x.clone().requires_grad_(mode == "train")
        with caplog.at_level("WARNING", logger="scatterwave._cuda_graph"):
            for _ in range(3):
                torch.testing.assert_close(cache.run(("k",), torch.sin, xg, mode), torch.sin(x))
        assert cache._graphs[("k", mode)] is None
        assert "differs from the eager pass" in caplog.text


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
@pytest.mark.parametrize("jtfs", [False, True])
def test_training_graph_matches_eager_on_cuda(jtfs):
    kw = dict(J_fr=3, F=4, average_fr=True, Q=(8, 1)) if jtfs else dict(Q=8)
    cls = TimeFrequencyScattering1D if jtfs else Scattering1D
    S, S_eager = cls(1024, 5, **kw), cls(1024, 5, **kw, cuda_graphs=False)
    x = torch.randn(2, 1024, device="cuda", dtype=torch.float64)
    weight = [w.cuda() for w in _weights(S_eager, x.cpu(), seed=3)]
    want, want_dx = _eager_grad(S_eager, x, weight)
    outs = []
    for _ in range(3):  # eager, capture, replay
        xg = x.clone().requires_grad_()
        got = _cuda_graph._leaves(S(xg))
        sum((o * w).sum() for o, w in zip(got, weight)).backward()
        torch.testing.assert_close(xg.grad, want_dx, rtol=1e-10, atol=1e-12)
        outs.append(got)
    for got in outs:
        for g, w in zip(got, want):
            torch.testing.assert_close(g.detach(), w, rtol=1e-10, atol=1e-12)
    assert [type(g) for g in S._graphs._graphs.values()] == [_cuda_graph._TrainGraph]
    a, b = (torch.randn_like(x).requires_grad_() for _ in range(2))
    out_a = _cuda_graph._leaves(S(a))
    S(b)  # replays the forward pass over the graph's activations
    sum((o * w).sum() for o, w in zip(out_a, weight)).backward()  # after b's forward
    torch.testing.assert_close(a.grad, _eager_grad(S_eager, a, weight)[1], rtol=1e-10, atol=1e-12)


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
