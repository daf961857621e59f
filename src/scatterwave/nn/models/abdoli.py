"""The end-to-end 1D-CNN of Abdoli et al. (2019) and its Wavelet Network variant.

S. Abdoli, P. Cardinal and A. L. Koerich, "End-to-end environmental sound classification
using a 1D convolutional neural network", Expert Systems with Applications 136 (2019)
(arXiv:1904.08990). Five strided convolutions (conv -> ReLU -> batch norm) with max-pooling,
a flatten of the remaining time axis and a three-layer perceptron. The flatten ties the
classifier to one input length (64,000 samples, 4 s at 16 kHz, in the paper), so the length
is a construction option. The W-variant (Romero et al., TMLR 2024) replaces every strided
convolution by a B-spline lifting or cropping group convolution followed by pooling by 2.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from scatterwave.nn.layers import GroupConv1d, LiftingConv1d
from scatterwave.nn.models._common import (
    LengthOp,
    RawWaveformModel,
    add_pool,
    check_multiplier,
    check_probability,
    he_normal_,
    propagate_length,
    scaled_width,
)
from scatterwave.nn.models.wdai import SCALE_WINDOW, check_n_scales
from scatterwave.nn.norm import ScaleBatchNorm
from scatterwave.nn.pooling import TimePool

__all__ = ["Abdoli1DCNN", "WAbdoli1DCNN"]

#: (kernel size, width factor, max-pool after the block or 1) of the five convolutions.
ABDOLI_BLOCKS = ((64, 1, 8), (32, 2, 8), (16, 4, 1), (8, 8, 1), (4, 16, 5))
#: Kernel sizes of the W-variant (the lifting, then four cropping group convolutions).
W_ABDOLI_KERNELS = (63, 31, 15, 7, 3)
DEFAULT_INPUT_LENGTH = 64_000


def _mlp(n_in: int, width: int, n_classes: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(n_in, 8 * width),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(8 * width, 4 * width),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(4 * width, n_classes),
    )


def _check_input_length(input_length: object) -> int:
    if isinstance(input_length, bool) or not isinstance(input_length, int) or input_length < 1:
        raise ValueError(f"input_length must be a positive int, got {input_length!r}.")
    return input_length


def _blocks(
    in_channels: int,
    width: int,
    kernels: tuple[int, ...],
    block: Callable[[int, int, int, int], tuple[list[nn.Module], LengthOp]],
    pool: Callable[[int], nn.Module],
) -> tuple[list[nn.Module], list[LengthOp], int]:
    """Build the five blocks of :data:`ABDOLI_BLOCKS` with the given kernel sizes.

    ``block(i, c_in, c_out, kernel)`` returns the modules of block ``i`` and its strided
    time-axis operation; the max-pooling after it is ``pool``. Returns the layers, their
    time-axis operations and the output channels.
    """
    layers: list[nn.Module] = []
    ops: list[LengthOp] = []
    c_in = in_channels
    for i, ((_, factor, pool_size), kernel) in enumerate(zip(ABDOLI_BLOCKS, kernels)):
        c_out = width * factor
        modules, op = block(i, c_in, c_out, kernel)
        layers += modules
        ops.append(op)
        if pool_size > 1:
            add_pool(layers, ops, pool, pool_size)
        c_in = c_out
    return layers, ops, c_in


class _FlattenModel(RawWaveformModel):
    """Adds the fixed-length check that a flattening classifier needs."""

    input_length: int
    flat_length: int
    features: nn.Sequential
    classifier: nn.Sequential

    def _set_input_length(self, ops: list[LengthOp], input_length: int) -> None:
        self.length_ops = ops
        self.input_length = _check_input_length(input_length)
        self.flat_length = propagate_length(ops, input_length)
        if self.flat_length < 1:
            raise ValueError(
                f"input_length={input_length} is too short for {self.name!r}; the minimum is "
                f"{self.min_input_length}."
            )

    def _check_length(self, length: int) -> None:
        super()._check_length(length)
        got = propagate_length(self.length_ops, length)
        if got != self.flat_length:
            raise ValueError(
                f"model {self.name!r} flattens its last {self.flat_length} time steps into the "
                f"classifier, so it was built for inputs of input_length={self.input_length} "
                f"samples; T={length} gives {got} steps. Build it with input_length={length}."
            )

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class Abdoli1DCNN(_FlattenModel):
    """1D-CNN of Abdoli et al. (2019), the variant without Gammatone initialisation.

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    in_channels : int, default 1
        Input channels.
    width_multiplier : float, default 1.0
        Scales every width (1.0 = the paper, base width 16).
    dropout : float, default 0.25
        Dropout probability between the dense layers.
    input_length : int, default 64000
        Input length the classifier is sized for (inputs must have this length, up to
        samples that the pooling discards).

    Notes
    -----
    Shapes: ``(B, in_channels, input_length) -> (B, n_classes)``.
    """

    def __init__(
        self,
        n_classes: int,
        *,
        in_channels: int = 1,
        width_multiplier: float = 1.0,
        dropout: float = 0.25,
        input_length: int = DEFAULT_INPUT_LENGTH,
    ) -> None:
        super().__init__("1dcnn", n_classes, in_channels)
        width = scaled_width(16, check_multiplier(width_multiplier))

        def block(_: int, c_in: int, c_out: int, kernel: int) -> tuple[list[nn.Module], LengthOp]:
            conv = nn.Conv1d(c_in, c_out, kernel, stride=2, padding=kernel // 2, bias=False)
            return [conv, nn.ReLU(), nn.BatchNorm1d(c_out)], LengthOp(kernel, 2, kernel // 2)

        kernels = tuple(kernel for kernel, _, _ in ABDOLI_BLOCKS)
        layers, ops, c_out = _blocks(in_channels, width, kernels, block, nn.MaxPool1d)
        self._set_input_length(ops, input_length)
        self.features = nn.Sequential(*layers)
        self.classifier = _mlp(
            c_out * self.flat_length, width, n_classes, check_probability("dropout", dropout)
        )
        he_normal_(self)


class WAbdoli1DCNN(_FlattenModel):
    """W-1D-CNN: the 1D-CNN with a B-spline lifting and cropping group convolutions.

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    in_channels : int, default 1
        Input channels.
    width_multiplier : float, default 1.0
        Scales every width (1.0 = the paper, base width 12).
    n_scales : int, default 9
        Dyadic scales of the lifting (at least 9: four layers crop by 2).
    dropout : float, default 0.25
        Dropout probability between the dense layers.
    input_length : int, default 64000
        Input length the classifier is sized for.

    Notes
    -----
    Shapes: ``(B, in_channels, input_length) -> (B, n_classes)``. The classifier sees the
    ``n_scales - 8`` remaining scales and the last time steps, flattened.
    """

    def __init__(
        self,
        n_classes: int,
        *,
        in_channels: int = 1,
        width_multiplier: float = 1.0,
        n_scales: int = 9,
        dropout: float = 0.25,
        input_length: int = DEFAULT_INPUT_LENGTH,
    ) -> None:
        super().__init__("w-1dcnn", n_classes, in_channels)
        n_crops = len(W_ABDOLI_KERNELS) - 1
        self.n_scales = check_n_scales(self.name, n_scales, n_crops)
        width = scaled_width(12, check_multiplier(width_multiplier))

        def block(i: int, c_in: int, c_out: int, kernel: int) -> tuple[list[nn.Module], LengthOp]:
            conv: nn.Module = (
                LiftingConv1d(c_in, c_out, kernel, n_scales)
                if i == 0
                else GroupConv1d(c_in, c_out, kernel, SCALE_WINDOW, crop=True)
            )
            return [conv, TimePool(2), nn.ReLU(), ScaleBatchNorm(c_out, eps=1e-5)], LengthOp(2, 2)

        layers, ops, c_out = _blocks(in_channels, width, W_ABDOLI_KERNELS, block, TimePool)
        self._set_input_length(ops, input_length)
        self.features = nn.Sequential(*layers)
        n_flat = c_out * (n_scales - (SCALE_WINDOW - 1) * n_crops) * self.flat_length
        self.classifier = _mlp(n_flat, width, n_classes, check_probability("dropout", dropout))
        he_normal_(self.classifier)
