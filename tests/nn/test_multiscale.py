import numpy as np
import pytest
import torch

from scatterwave.nn._multiscale import ScaleStep, multiscale_conv1d, plan_steps, step_kind
from scatterwave.nn.functional import group_conv1d, lifting_conv1d

from ._reference import reference_correlation

KINDS = ["direct", "blur-first", "conv-first"]
# float64 round-off of sums of a few hundred terms, plus FFT round-off (~1e-16 * log n)
ROUND_OFF = 1e-12


def _rel(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("length", [5, 37, 160])
def test_every_kind_equals_the_definition(kind, length):
    # scales 32 and 64 blur by FFT; length 5 drops kernel taps that only meet padding
    rng = np.random.default_rng(length)
    x = rng.standard_normal((2, 3, 2, length))
    w = rng.standard_normal((4, 3, 2, 5))
    scales = (1, 2, 3, 8, 32, 64)
    steps = tuple(ScaleStep(0, 2 if s < 8 else 1, s, kind) for s in scales)
    got = multiscale_conv1d(torch.from_numpy(x), torch.from_numpy(w), steps).numpy()
    assert got.shape == (2, 4, len(scales), length)
    for i, step in enumerate(steps):
        n = step.n_window
        xs = x[:, :, :n].reshape(2, 3 * n, length)
        ws = w[:, :, :n].reshape(4, 3 * n, 5)
        ref = reference_correlation(xs, ws, step.scale, circular=False)
        assert _rel(got[:, :, i], ref) < ROUND_OFF, (kind, step)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_passes_float64_gradcheck(kind):
    torch.manual_seed(0)
    x = torch.randn(2, 2, 3, 11, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, 2, 2, 3, dtype=torch.float64, requires_grad=True)
    # scale 64 > length: blur by FFT and most kernel taps dropped
    steps = (ScaleStep(0, 2, 1, kind), ScaleStep(1, 2, 2, kind), ScaleStep(2, 1, 64, kind))
    assert torch.autograd.gradcheck(lambda a, b: multiscale_conv1d(a, b, steps), (x, w))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("c_in", [1, 3])
def test_every_kind_passes_float64_gradgradcheck(kind, c_in):
    # c_in=1 with 4 output channels keeps the blurred input of "blur-first" steps: a double
    # backward must rebuild it from x (the saved copy has no graph; using it gave a wrong
    # second derivative with respect to x)
    torch.manual_seed(0)
    x = torch.randn(2, c_in, 3, 11, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, c_in, 2, 3, dtype=torch.float64, requires_grad=True)
    steps = (ScaleStep(0, 1, 1, kind), ScaleStep(1, 1, 2, kind), ScaleStep(2, 1, 64, kind))
    assert torch.autograd.gradgradcheck(lambda a, b: multiscale_conv1d(a, b, steps), (x, w))


def test_hessian_vector_product_with_frozen_weights():
    # the case that used to fail with "appears to not have been used in the graph"
    torch.manual_seed(2)
    w = torch.randn(4, 1, 1, 5, dtype=torch.float64)
    x = torch.randn(2, 1, 40, dtype=torch.float64, requires_grad=True)
    v = torch.randn_like(x)
    hvps = []
    for method in ("two-step", "fft"):
        loss = lifting_conv1d(x, w[:, :, 0], (1, 2, 4, 32), method=method).pow(3).sum()
        (g,) = torch.autograd.grad(loss, x, create_graph=True)
        hvps.append(torch.autograd.grad((g * v).sum(), x)[0])
    assert _rel(hvps[0].numpy(), hvps[1].numpy()) < ROUND_OFF


def test_backward_equals_per_scale_autograd():
    # the node's hand-written backward against autograd through the per-scale definition
    torch.manual_seed(1)
    x = torch.randn(2, 3, 4, 50, dtype=torch.float64, requires_grad=True)
    w = torch.randn(5, 3, 3, 7, dtype=torch.float64, requires_grad=True)
    grad = torch.randn(2, 5, 2, 50, dtype=torch.float64)
    got = torch.autograd.grad(group_conv1d(x, w, method="two-step"), (x, w), grad)
    ref = torch.autograd.grad(group_conv1d(x, w, method="fft"), (x, w), grad)
    for a, b in zip(got, ref, strict=True):
        assert _rel(a.numpy(), b.numpy()) < ROUND_OFF


def test_auto_picks_the_cheaper_blur_side():
    # lifting (1 input channel, many outputs): blur the input; a layer that mixes a wide
    # scale window into few outputs blurs the outputs
    assert step_kind("two-step", 32000, 1, 74, 79, 8) == "blur-first"
    assert step_kind("two-step", 2000, 222, 74, 3, 8) == "conv-first"
    assert step_kind("direct", 2000, 222, 74, 3, 8) == "direct"
    # on 2 samples the dense kernel keeps 3 taps, as many as the dilated one, and needs
    # no (95-tap) blur
    assert step_kind("auto", 2, 4, 4, 3, 64) == "direct"
    steps = plan_steps([(0, 1, 1), (0, 1, 64)], "auto", 32000, 1, 74, 79)
    assert [s.kind for s in steps] == ["blur-first", "blur-first"]


def test_lifting_saves_no_tensor_of_the_output_size():
    # the graph holds the input, the weights and (one input channel, 8 outputs) the
    # blurred input of every scale: no per-scale intermediate of the size of the output
    x = torch.randn(2, 1, 4000)
    w = torch.randn(8, 1, 9, requires_grad=True)
    saved = []

    def pack(t):
        saved.append(t.numel())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = lifting_conv1d(x, w, (1, 2, 4, 8, 16))
    assert y.shape == (2, 8, 5, 4000)
    assert len(saved) == 2 + 5
    assert sum(saved) <= y.numel() // 4
    saved.clear()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        group_conv1d(y, torch.randn(4, 8, 3, 3, requires_grad=True))
    assert sorted(saved) == sorted([y.numel(), 4 * 8 * 3 * 3])


def test_cached_constants_work_after_inference_mode():
    x = torch.randn(1, 1, 64)
    w = torch.randn(2, 1, 5, requires_grad=True)
    with torch.inference_mode():
        first = lifting_conv1d(x, w.detach(), (1, 64, 128))
    y = lifting_conv1d(x, w, (1, 64, 128))
    y.sum().backward()
    torch.testing.assert_close(y.detach(), first)
    assert w.grad is not None
