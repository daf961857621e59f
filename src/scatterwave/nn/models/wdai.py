"""Wavelet Network variants W-M3 … W-M34-res of the M-nets of Dai et al. (2017).

Romero, Bekkers, Tomczak and Hoogendoorn, "Wavelet Networks: Scale-Translation
Equivariant Learning From Raw Time-Series", TMLR 2024 (arXiv:2006.05259). The stride-4
80-tap convolution becomes a 79-tap B-spline lifting to 9 dyadic scales followed by
max-pooling by 4; every 3-tap convolution becomes a B-spline group convolution that either
crops the scale axis with a window of 3 coarser scales ("crop") or is pointwise in scale.
Channel widths are the paper's, chosen to match the baselines' parameter budgets. The
invariant head is global pooling over time, a plain linear map over channels (and a scale
window for W-M3 and W-M5), then max over the remaining scales.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from scatterwave.nn._stem import StemSequential
from scatterwave.nn.layers import GroupConv1d, LiftingConv1d, ScaleWindowLinear
from scatterwave.nn.models._common import (
    BN_EPS,
    LengthOp,
    RawWaveformModel,
    add_pool,
    check_choice,
    check_multiplier,
    conv_stages,
    residual_stages,
    scaled_width,
    tile_channels,
)
from scatterwave.nn.norm import ScaleBatchNorm
from scatterwave.nn.pooling import GlobalTimePool, ScalePool, TimePool

__all__ = ["WDaiNet", "WDaiResNet", "wavelet_stem"]

#: name -> (base width, stages [(convs [(width factor, crops)], pool after)], head window).
W_DAI_STAGES: dict[str, tuple[int, list[tuple[list[tuple[int, bool]], bool]], int]] = {
    "w-m3": (150, [([(1, True)], True)], 3),
    "w-m5": (74, [([(1, True)], True), ([(2, True)], True), ([(4, True)], True)], 3),
    "w-m11": (
        51,
        [
            ([(1, True), (1, False)], True),
            ([(2, True), (2, False)], True),
            ([(4, True), (4, False), (4, False)], True),
            ([(8, True), (8, False)], False),
        ],
        1,
    ),
    "w-m18": (
        57,
        [([(f, True)] + [(f, False)] * 3, f < 8) for f in (1, 2, 4, 8)],
        1,
    ),
}
W_DAI_RES_WIDTH = 45
W_DAI_RES_BLOCKS = (3, 4, 6, 3)
LIFT_KERNEL = 79
N_SCALES = 9
SCALE_WINDOW = 3

GlobalPool = Literal["mean", "max"]
ScalePoolMode = Literal["max", "mean"]


def wavelet_stem(
    in_channels: int,
    width: int,
    n_scales: int,
    kernel_size: int,
    first_pool: int,
    second_pool: int | None = None,
) -> tuple[list[nn.Module], list[LengthOp]]:
    """Lifting -> pool -> batch norm -> ReLU (-> pool), and its time-axis operations.

    The first pool replaces the stride of the baseline's first convolution.
    """
    layers: list[nn.Module] = [
        LiftingConv1d(in_channels, width, kernel_size, n_scales),
        TimePool(first_pool),
        ScaleBatchNorm(width, eps=BN_EPS),
        nn.ReLU(),
    ]
    ops = [LengthOp(first_pool, first_pool)]
    if second_pool is not None:
        add_pool(layers, ops, TimePool, second_pool)
    return layers, ops


def _group_bn_relu(c_in: int, c_out: int, crop: bool) -> list[nn.Module]:
    return [
        GroupConv1d(c_in, c_out, 3, SCALE_WINDOW if crop else 1, crop=True),
        ScaleBatchNorm(c_out, eps=BN_EPS),
        nn.ReLU(),
    ]


def check_n_scales(name: str, n_scales: object, n_crops: int) -> int:
    """Validate ``n_scales`` for an architecture with ``n_crops`` cropping layers."""
    minimum = 1 + (SCALE_WINDOW - 1) * n_crops
    if isinstance(n_scales, bool) or not isinstance(n_scales, int) or n_scales < minimum:
        raise ValueError(
            f"model {name!r} crops the scale axis {n_crops} times by {SCALE_WINDOW - 1}, so "
            f"n_scales must be an int >= {minimum} (paper: {N_SCALES}), got {n_scales!r}."
        )
    return n_scales


class _InvariantHead(nn.Module):
    """Global pooling over time -> linear map over a scale window -> pooling over scales."""

    def __init__(
        self, c_in: int, n_classes: int, window: int, global_pool: str, scale_pool: str
    ) -> None:
        super().__init__()
        self.time_pool = GlobalTimePool(global_pool)  # type: ignore[arg-type]
        self.linear = ScaleWindowLinear(c_in, n_classes, window, crop=True)
        self.scale_pool = ScalePool(scale_pool)  # type: ignore[arg-type]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale_pool(self.linear(self.time_pool(x)))


class _WDaiModel(RawWaveformModel):
    """What the W-M-nets share: the pooling options, ``n_scales``, the head and the forward."""

    def __init__(
        self,
        name: str,
        n_classes: int,
        in_channels: int,
        n_scales: int,
        n_crops: int,
        global_pool: GlobalPool,
        scale_pool: ScalePoolMode,
    ) -> None:
        super().__init__(name, n_classes, in_channels)
        check_choice("global_pool", global_pool, ("mean", "max"))
        check_choice("scale_pool", scale_pool, ("max", "mean"))
        self.n_scales = check_n_scales(name, n_scales, n_crops)
        self._pools = (global_pool, scale_pool)

    def _set_layers(
        self, layers: list[nn.Module], ops: list[LengthOp], c_out: int, window: int
    ) -> None:
        self.features = StemSequential(*layers)
        self.head = _InvariantHead(c_out, self.n_classes, window, *self._pools)
        self.length_ops = ops

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class WDaiNet(_WDaiModel):
    """W-M3, W-M5, W-M11 or W-M18: scale-translation equivariant M-nets.

    Parameters
    ----------
    name : {"w-m3", "w-m5", "w-m11", "w-m18"}
        Architecture.
    n_classes : int
        Number of output logits.
    in_channels : int, default 1
        Input channels.
    width_multiplier : float, default 1.0
        Scales every channel width (1.0 = the paper: 150, 74, 51 and 57).
    n_scales : int, default 9
        Dyadic scales of the lifting (at least 1 + 2 x the number of cropping layers).
    global_pool : {"mean", "max"}, default "mean"
        Pooling over time in the head ("max" makes the head exactly shift invariant).
    scale_pool : {"max", "mean"}, default "max"
        Pooling over the scales left at the end.

    Notes
    -----
    Shapes: ``(B, in_channels, T) -> (B, n_classes)``; ``T >= min_input_length``.
    """

    def __init__(
        self,
        name: Literal["w-m3", "w-m5", "w-m11", "w-m18"],
        n_classes: int,
        *,
        in_channels: int = 1,
        width_multiplier: float = 1.0,
        n_scales: int = N_SCALES,
        global_pool: GlobalPool = "mean",
        scale_pool: ScalePoolMode = "max",
    ) -> None:
        check_choice("name", name, tuple(W_DAI_STAGES))
        base, stages, head_window = W_DAI_STAGES[name]
        n_crops = sum(crop for convs, _ in stages for _, crop in convs) + (head_window > 1)
        super().__init__(name, n_classes, in_channels, n_scales, n_crops, global_pool, scale_pool)
        width = scaled_width(base, check_multiplier(width_multiplier))
        layers, ops = wavelet_stem(in_channels, width, n_scales, LIFT_KERNEL, 4, 4)
        convs = [([(width * factor, crop) for factor, crop in c], pool) for c, pool in stages]
        c_out = conv_stages(layers, ops, width, convs, _group_bn_relu, TimePool)
        self._set_layers(layers, ops, c_out, head_window)


class _WResidualBlock(nn.Module):
    """Group-conv residual block; a cropping block drops the 2 coarsest shortcut scales."""

    def __init__(self, c_in: int, c_out: int, crop: bool) -> None:
        super().__init__()
        if c_out % c_in:
            raise ValueError(f"a tiled shortcut needs c_out % c_in == 0, got {c_in}->{c_out}.")
        self.c_out = c_out
        self.dropped_scales = SCALE_WINDOW - 1 if crop else 0
        self.body = nn.Sequential(
            *_group_bn_relu(c_in, c_out, crop),
            GroupConv1d(c_out, c_out, 3, 1),
            ScaleBatchNorm(c_out, eps=BN_EPS),
        )
        self.post = nn.Sequential(ScaleBatchNorm(c_out, eps=BN_EPS), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x[:, :, : x.shape[2] - self.dropped_scales]
        return self.post(self.body(x) + tile_channels(shortcut, self.c_out))


class WDaiResNet(_WDaiModel):
    """W-M34-res: residual Wavelet Network, 3, 4, 6 and 3 blocks per stage.

    The first block of every stage crops the scale axis (9 -> 7 -> 5 -> 3 -> 1); its
    shortcut keeps the finest scales so that scale ``i`` stays aligned with scale ``i``,
    and repeats the channels when the width doubles.

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    in_channels : int, default 1
        Input channels.
    width_multiplier : float, default 1.0
        Scales every channel width (1.0 = the paper, base width 45).
    n_scales : int, default 9
        Dyadic scales of the lifting (at least 9).
    global_pool : {"mean", "max"}, default "mean"
        Pooling over time in the head.
    scale_pool : {"max", "mean"}, default "max"
        Pooling over the scales left at the end.

    Notes
    -----
    Shapes: ``(B, in_channels, T) -> (B, n_classes)``; ``T >= min_input_length``.
    """

    def __init__(
        self,
        n_classes: int,
        *,
        in_channels: int = 1,
        width_multiplier: float = 1.0,
        n_scales: int = N_SCALES,
        global_pool: GlobalPool = "mean",
        scale_pool: ScalePoolMode = "max",
    ) -> None:
        n_crops = len(W_DAI_RES_BLOCKS)
        super().__init__(
            "w-m34-res", n_classes, in_channels, n_scales, n_crops, global_pool, scale_pool
        )
        width = scaled_width(W_DAI_RES_WIDTH, check_multiplier(width_multiplier))
        layers, ops = wavelet_stem(in_channels, width, n_scales, LIFT_KERNEL, 4, 4)
        # the first block of every stage crops the scale axis
        c_out = residual_stages(layers, ops, width, W_DAI_RES_BLOCKS, _WResidualBlock, TimePool)
        self._set_layers(layers, ops, c_out, 1)
