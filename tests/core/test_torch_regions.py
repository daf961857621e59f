"""Several regions of one tensor as one PyTorch autograd node (scatterwave.core.torch_regions)."""

from __future__ import annotations

import pytest

from scatterwave import Scattering1D
from scatterwave.core import scattering1d as core_s1d
from scatterwave.core.torch_regions import regions

torch = pytest.importorskip("torch")

BOUNDS = ((0, 2, 0, 6), (1, 3, 4, 10), (0, 3, 2, 3))  # overlapping rows and bins


def _node_names(out: torch.Tensor) -> set[str]:
    seen, stack, names = set(), [out.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        names.add(type(fn).__name__)
        stack.extend(f for f, _ in fn.next_functions)
    return names


def test_node_gives_the_slices_values_and_gradients():
    gen = torch.Generator().manual_seed(0)
    spectrum = torch.randn(2, 3, 10, dtype=torch.complex128, generator=gen, requires_grad=True)

    def slices(s):
        return tuple(s[:, r0:r1, lo:hi] for r0, r1, lo, hi in BOUNDS)

    weights = [torch.randn(v.shape, dtype=v.dtype, generator=gen) for v in slices(spectrum)]
    grads = []
    for node in (False, True):
        views = regions(spectrum, BOUNDS) if node else slices(spectrum)
        loss = sum((v * w).abs().sum() for v, w in zip(views[:2], weights))  # third unused
        (g,) = torch.autograd.grad(loss, spectrum)
        grads.append(g)
        for v, (r0, r1, lo, hi) in zip(views, BOUNDS):
            torch.testing.assert_close(v, spectrum[:, r0:r1, lo:hi], rtol=0, atol=0)
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-15, atol=0)


def test_node_is_twice_differentiable():
    spectrum = torch.randn(1, 3, 10, dtype=torch.complex128, requires_grad=True)

    def f(s):
        return torch.stack([v.abs().square().sum() for v in regions(s, BOUNDS)])

    assert torch.autograd.gradcheck(f, (spectrum,))
    assert torch.autograd.gradgradcheck(f, (spectrum,))


def test_scattering1d_gradients_through_the_node_equal_the_slices(monkeypatch):
    """float64, J=6, Q=8: the regions' node (used: its backward is in the graph) and plain
    slices give the same gradient to round-off (1e-13: the node adds the regions' gradients
    into one zero tensor, the slices add full-size tensors in the engine's order)."""
    S = Scattering1D(1024, 6, Q=8)
    x = torch.randn(2, 1024, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    grads = []
    for node in (True, False):
        if not node:
            monkeypatch.setattr(core_s1d, "records_regions", lambda spectrum, caps: False)
        xg = x.clone().requires_grad_()
        out = S(xg)
        assert ("RegionsBackward" in _node_names(out)) == node
        (g,) = torch.autograd.grad((out * out.detach().sign()).sum(), xg)
        grads.append(g)
    torch.testing.assert_close(
        grads[0], grads[1], rtol=1e-13, atol=1e-15 * float(grads[1].abs().max())
    )
