"""Wavelet Network layers and models under torch.autocast: they compute in the parameters'
precision (float32), so mixed-precision training runs and the layers' outputs are exactly
those of a float32 call."""

import pytest
import torch
import torch.nn.functional as F

from scatterwave.nn.layers import GroupConv1d, LiftingConv1d
from scatterwave.nn.models.registry import accepted_options, available, build

# bfloat16 keeps 8 bits of mantissa: the head (linear maps under autocast) rounds its inputs
# to 2**-8 relative, a few times that after a sum over channels
BF16 = 2e-2


@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (LiftingConv1d(1, 4, 9, 3), (2, 1, 100)),
        (LiftingConv1d(1, 4, 9, 3, padding="circular"), (2, 1, 100)),
        (LiftingConv1d(2, 4, 9, 3, method="fft"), (2, 2, 100)),
        (GroupConv1d(4, 4, 3, 3, crop=True), (2, 4, 5, 100)),
    ],
    ids=["lifting", "lifting-circular", "lifting-fft", "group"],
)
def test_layers_compute_in_float32_under_autocast(layer, shape):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0)).bfloat16()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = layer(x)
    assert out.dtype == torch.float32
    assert torch.equal(out, layer(x.float()))
    out.sum().backward()
    assert layer.weight.grad is not None and torch.isfinite(layer.weight.grad).all()


@pytest.mark.parametrize("name", [n for n in available() if n.startswith("w-")])
def test_wavelet_networks_train_under_autocast(name):
    torch.manual_seed(0)
    length = 12000  # w-1dcnn needs at least 10240 samples
    fixed = {"input_length": length} if "input_length" in accepted_options(name) else {}
    model = build(name, 10, width_multiplier=0.25, **fixed)
    x = torch.randn(2, 1, max(model.min_input_length, length))
    y = torch.tensor([1, 7])
    model.train()
    F.cross_entropy(model(x), y)  # running statistics for the comparison in eval mode
    model.eval()  # no dropout, fixed statistics: the same function with and without autocast
    reference = model(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = model(x)
    assert (logits.float() - reference).abs().max() < BF16 * reference.abs().max()
    model.train()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_wavelet_network_trains_under_cuda_float16_autocast():
    torch.manual_seed(0)
    model = build("w-m5", 10, width_multiplier=0.25).cuda().train()
    x = torch.randn(2, 1, 4000, device="cuda")
    with torch.autocast("cuda", dtype=torch.float16):
        loss = F.cross_entropy(model(x), torch.tensor([1, 7], device="cuda"))
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
