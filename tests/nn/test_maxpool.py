"""Max-pooling with packed offsets (scatterwave.nn._maxpool) against torch's max-pooling."""

import pytest
import torch
import torch.nn.functional as F

from scatterwave.nn._maxpool import MAX_WINDOW, packed_length, pool_into, unpool_into


@pytest.mark.parametrize("p", [1, 2, 3, 4, 5, 8, 9, 16, 17, 255, MAX_WINDOW])
@pytest.mark.parametrize("extra", [0, 1])
def test_pool_and_unpool_match_torch_max_pool(p, extra):
    torch.manual_seed(p)
    # 13 windows: not a multiple of any packing (8, 4 or 2 offsets per byte)
    x = torch.randn(2, 3, 13 * p + extra, dtype=torch.float64, requires_grad=True)
    ref, index = F.max_pool1d(x, p, p, return_indices=True)
    n = ref.shape[-1]  # 13, or 14 with a window of 1
    values = x.new_empty(2, 3, n)
    packed = torch.empty(2, 3, packed_length(n, p), dtype=torch.uint8)
    pool_into(x.detach(), p, values, packed, torch.empty(2, 3, n, dtype=torch.long))
    assert torch.equal(values, ref.detach())
    # bits per offset: 1 (p <= 2), 2 (p <= 4), 4 (p <= 16), else 8; the int64 map takes 64
    bits = 1 if p <= 2 else 2 if p <= 4 else 4 if p <= 16 else 8
    assert packed.shape[-1] == -(-n // (8 // bits)) and index.shape[-1] == n

    grad = torch.randn(2, 3, n, dtype=torch.float64)
    (expected,) = torch.autograd.grad(ref, x, grad)
    got = unpool_into(grad, packed, p, torch.full_like(x, float("nan")))
    assert torch.equal(got, expected)  # exact: the same values at the same positions


def test_ties_and_constant_windows_keep_one_position():
    x = torch.zeros(1, 1, 12)
    packed = torch.empty(1, 1, packed_length(3, 4), dtype=torch.uint8)
    values = torch.empty(1, 1, 3)
    pool_into(x, 4, values, packed, torch.empty(1, 1, 3, dtype=torch.long))
    out = unpool_into(torch.ones(1, 1, 3), packed, 4, torch.empty(1, 1, 12))
    assert torch.equal(out.unflatten(-1, (3, 4)).sum(-1), torch.ones(1, 1, 3))
