import pytest
import torch

from scatterwave.nn import models
from scatterwave.nn.models.registry import PAPER_N_CLASSES

ALL = models.available()
# Short inputs the architectures allow (the 1D-CNNs are built for this length).
SHORT_T = {"samplecnn": 59049, "w-samplecnn": 59049, "1dcnn": 16000, "w-1dcnn": 16000}


def test_available_names():
    assert ALL == [
        "m3",
        "m5",
        "m11",
        "m18",
        "m34-res",
        "1dcnn",
        "samplecnn",
        "w-m3",
        "w-m5",
        "w-m11",
        "w-m18",
        "w-m34-res",
        "w-1dcnn",
        "w-samplecnn",
    ]


@pytest.mark.parametrize("name", ALL)
def test_parameter_count_within_two_percent_of_paper(name):
    model = models.build(name, PAPER_N_CLASSES[name])
    count = sum(p.numel() for p in model.parameters())
    paper = models.paper_parameter_count(name)
    assert abs(count - paper) <= 0.02 * paper, (count, paper)


@pytest.mark.parametrize("name", ALL)
def test_forward_backward_on_cpu(name):
    torch.manual_seed(0)
    options = {"input_length": SHORT_T[name]} if "1dcnn" in name else {}
    width = 1 / 16 if "samplecnn" in name else 1 / 8
    model = models.build(name, 5, width_multiplier=width, **options)
    length = SHORT_T.get(name, max(model.min_input_length, 1024))
    x = torch.randn(2, 1, length)  # batch norm in train mode needs 2 values at T = 1
    logits = model(x)
    assert logits.shape == (x.shape[0], 5) and torch.isfinite(logits).all()
    loss = logits.square().mean() + models_wavelet_loss(model)
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0


def models_wavelet_loss(model):
    from scatterwave.nn.regularizers import wavelet_loss

    loss = wavelet_loss(model)
    assert (loss.item() > 0) == model.name.startswith("w-")
    return loss


@pytest.mark.parametrize("name", ["m5", "w-m5", "w-1dcnn", "samplecnn"])
def test_init_is_deterministic_given_the_seed(name):
    states = []
    for _ in range(2):
        torch.manual_seed(123)
        states.append(models.build(name, 3, width_multiplier=0.25).state_dict())
    assert states[0].keys() == states[1].keys()
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])
    torch.manual_seed(124)
    other = models.build(name, 3, width_multiplier=0.25).state_dict()
    assert any(not torch.equal(states[0][k], other[k]) for k in other if other[k].ndim > 1)


def test_in_channels_and_width_multiplier():
    model = models.build("w-m3", 4, in_channels=2, width_multiplier=0.5)
    assert model(torch.randn(1, 2, 256)).shape == (1, 4)
    assert model.features[0].weight.shape == (75, 2, 79)
    with pytest.raises(ValueError, match=r"shape \(B, 2, T\)"):
        model(torch.randn(1, 1, 256))


@pytest.mark.parametrize("name", ALL)
def test_too_short_input_names_the_minimum(name):
    options = {"input_length": 16000} if "1dcnn" in name else {}
    model = models.build(name, 2, width_multiplier=0.05, **options)
    minimum = model.min_input_length
    with pytest.raises(ValueError, match=f"at least {minimum} samples"):
        model(torch.zeros(1, 1, minimum - 1))


def test_build_errors():
    with pytest.raises(ValueError, match="unknown model name 'M5'"):
        models.build("M5", 10)
    with pytest.raises(ValueError, match="unknown model name"):
        models.paper_parameter_count("resnet")
    with pytest.raises(TypeError, match="does not accept the option"):
        models.build("m5", 10, n_scales=9)
    with pytest.raises(ValueError, match="width_multiplier"):
        models.build("w-m5", 10, width_multiplier=0)
    with pytest.raises(ValueError, match="n_classes"):
        models.build("m3", 0)


def test_accepted_options_match_build():
    assert models.accepted_options("1dcnn") == [
        "in_channels",
        "width_multiplier",
        "dropout",
        "input_length",
    ]
    assert models.accepted_options("m3") == ["in_channels", "width_multiplier", "global_pool"]
    # exactly the 1D-CNNs have a fixed input length
    fixed = [name for name in ALL if "input_length" in models.accepted_options(name)]
    assert fixed == ["1dcnn", "w-1dcnn"]
    for name in ALL:
        assert "n_scales" in models.accepted_options(name) or not name.startswith("w-")
    with pytest.raises(ValueError, match="unknown model name 'M3'"):
        models.accepted_options("M3")
