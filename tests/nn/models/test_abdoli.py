import pytest
import torch

from scatterwave.nn.models.abdoli import Abdoli1DCNN, WAbdoli1DCNN


@pytest.mark.parametrize("cls", [Abdoli1DCNN, WAbdoli1DCNN])
def test_paper_input_length_gives_six_steps(cls):
    model = cls(10)
    assert model.input_length == 64000 and model.flat_length == 6
    assert model.classifier[1].in_features == 16 * (16 if cls is Abdoli1DCNN else 12) * 6


@pytest.mark.parametrize("cls", [Abdoli1DCNN, WAbdoli1DCNN])
def test_other_lengths_need_a_rebuild(cls):
    model = cls(4, width_multiplier=0.1, input_length=12000)
    assert model(torch.randn(1, 1, 12000)).shape == (1, 4)
    with pytest.raises(ValueError, match="Build it with input_length=40000"):
        model(torch.randn(1, 1, 40000))
    with pytest.raises(ValueError, match="too short"):
        cls(4, input_length=100)


def test_dropout_option_is_used():
    model = Abdoli1DCNN(3, dropout=0.4, input_length=8000)
    rates = [m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    assert rates == [0.4, 0.4]
    with pytest.raises(ValueError, match="dropout"):
        WAbdoli1DCNN(3, dropout=1.0)
