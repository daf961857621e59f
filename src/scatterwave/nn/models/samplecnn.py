"""SampleCNN of Lee et al. (2017) and its Wavelet Network variant (music tagging).

J. Lee, J. Park, K. L. Kim and J. Nam, "Sample-level deep convolutional neural networks for
music auto-tagging using raw waveforms", SMC 2017 (arXiv:1703.01789). A 3-tap stride-3
convolution, then ten 3-tap convolution blocks (conv -> batch norm -> ReLU), the first nine
followed by max-pooling by 3, so a 59,049 = 3^10 sample input ends with one time step. The
W-variant (Romero et al., TMLR 2024) lifts to 9 dyadic scales with a 3-tap B-spline kernel
and uses group convolutions that crop the scale axis at conv2, conv5, conv8 and conv11.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from scatterwave.nn.layers import GroupConv1d
from scatterwave.nn.models._common import (
    LengthOp,
    RawWaveformModel,
    add_pool,
    check_multiplier,
    check_probability,
    he_normal_,
    scaled_width,
)
from scatterwave.nn.models.wdai import N_SCALES, SCALE_WINDOW, check_n_scales, wavelet_stem
from scatterwave.nn.norm import ScaleBatchNorm
from scatterwave.nn.pooling import TimePool

__all__ = ["SampleCNN", "WSampleCNN"]

#: Width factors of conv2 … conv11 (base width 128 for SampleCNN, 90 for W-SampleCNN).
SAMPLECNN_FACTORS = (1, 1, 2, 2, 2, 2, 2, 2, 4, 4)
#: conv2 … conv11 indices (0-based) of the W-SampleCNN layers that crop the scale axis.
W_SAMPLECNN_CROPS = (0, 3, 6, 9)
#: Block (0-based, conv6) after whose pooling the first dropout is applied.
DROPOUT_AFTER = 4


def _finish(x: torch.Tensor) -> torch.Tensor:
    # Global max over any time steps left (one for 3^10-sample inputs).
    return x.amax(dim=-1)


def _conv_block(_: int, c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv1d(c_in, c_out, 3, padding=1), nn.BatchNorm1d(c_out), nn.ReLU()]


def _group_block(i: int, c_in: int, c_out: int) -> list[nn.Module]:
    window = SCALE_WINDOW if i in W_SAMPLECNN_CROPS else 1
    return [GroupConv1d(c_in, c_out, 3, window), ScaleBatchNorm(c_out, eps=1e-5), nn.ReLU()]


def _blocks(
    layers: list[nn.Module],
    ops: list[LengthOp],
    width: int,
    dropout: float,
    block: Callable[[int, int, int], list[nn.Module]],
    pool: Callable[[int], nn.Module],
) -> int:
    """Append conv2 … conv11: ``block(i, c_in, c_out)``, pooling by 3 but after the last.

    Adds the dropout after block :data:`DROPOUT_AFTER`; returns the output channels.
    """
    c_in = width
    for i, factor in enumerate(SAMPLECNN_FACTORS):
        c_out = width * factor
        layers += block(i, c_in, c_out)
        if i < len(SAMPLECNN_FACTORS) - 1:
            add_pool(layers, ops, pool, 3)
        if i == DROPOUT_AFTER:
            layers.append(nn.Dropout(dropout))
        c_in = c_out
    return c_in


class SampleCNN(RawWaveformModel):
    """SampleCNN (3^9 model) of Lee et al. (2017) with biased convolutions.

    Parameters
    ----------
    n_classes : int
        Number of output logits (50 tags in the paper).
    in_channels : int, default 1
        Input channels.
    width_multiplier : float, default 1.0
        Scales every width (1.0 = the paper, base width 128).
    dropout : float, default 0.5
        Dropout after conv6 and before the classifier.

    Notes
    -----
    Shapes: ``(B, in_channels, T) -> (B, n_classes)`` with ``T >= 59049``; time steps left
    after the last block are max-pooled.
    """

    def __init__(
        self,
        n_classes: int,
        *,
        in_channels: int = 1,
        width_multiplier: float = 1.0,
        dropout: float = 0.5,
    ) -> None:
        super().__init__("samplecnn", n_classes, in_channels)
        p = check_probability("dropout", dropout)
        width = scaled_width(128, check_multiplier(width_multiplier))
        layers: list[nn.Module] = [
            nn.Conv1d(in_channels, width, 3, stride=3),
            nn.BatchNorm1d(width),
            nn.ReLU(),
        ]
        ops = [LengthOp(3, 3)]
        c_out = _blocks(layers, ops, width, p, _conv_block, nn.MaxPool1d)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(p), nn.Linear(c_out, n_classes))
        self.length_ops = ops
        he_normal_(self)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(_finish(self.features(x)))


class WSampleCNN(RawWaveformModel):
    """W-SampleCNN: SampleCNN with a B-spline lifting and group convolutions.

    Parameters
    ----------
    n_classes : int
        Number of output logits (50 tags in the paper).
    in_channels : int, default 1
        Input channels.
    width_multiplier : float, default 1.0
        Scales every width (1.0 = the paper, base width 90).
    n_scales : int, default 9
        Dyadic scales of the lifting (at least 9: four layers crop by 2).
    dropout : float, default 0.5
        Dropout after conv6 and before the classifier.

    Notes
    -----
    Shapes: ``(B, in_channels, T) -> (B, n_classes)`` with ``T >= 59049``. The head is a max
    over the remaining scales and time steps, then a linear layer.
    """

    def __init__(
        self,
        n_classes: int,
        *,
        in_channels: int = 1,
        width_multiplier: float = 1.0,
        n_scales: int = N_SCALES,
        dropout: float = 0.5,
    ) -> None:
        super().__init__("w-samplecnn", n_classes, in_channels)
        p = check_probability("dropout", dropout)
        self.n_scales = check_n_scales(self.name, n_scales, len(W_SAMPLECNN_CROPS))
        width = scaled_width(90, check_multiplier(width_multiplier))
        layers, ops = wavelet_stem(in_channels, width, n_scales, 3, 3)
        c_out = _blocks(layers, ops, width, p, _group_block, TimePool)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(p), nn.Linear(c_out, n_classes))
        self.length_ops = ops
        he_normal_(self.classifier)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(_finish(self.features(x).amax(dim=2)))
