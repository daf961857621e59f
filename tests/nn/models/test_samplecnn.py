import torch

from scatterwave.nn.layers import GroupConv1d
from scatterwave.nn.models.samplecnn import SampleCNN, WSampleCNN


def test_samplecnn_needs_3_to_the_10_samples():
    assert SampleCNN(50).min_input_length == 3**10
    assert WSampleCNN(50).min_input_length == 3**10


def test_w_samplecnn_crops_at_conv2_5_8_11():
    model = WSampleCNN(50)
    windows = [m.scale_kernel_size for m in model.features if isinstance(m, GroupConv1d)]
    assert windows == [3, 1, 1, 3, 1, 1, 3, 1, 1, 3]
    assert model.classifier[1].in_features == 360


def test_dropout_rate_and_positions():
    model = SampleCNN(50, dropout=0.3)
    rates = [m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    assert rates == [0.3, 0.3]
    model = WSampleCNN(50, dropout=0.2)
    assert [m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)] == [0.2, 0.2]
