"""Very deep raw-waveform CNNs M3, M5, M11, M18 and M34-res of Dai et al. (2017).

W. Dai, C. Dai, S. Qu, J. Li and S. Das, "Very deep convolutional neural networks for raw
waveforms", ICASSP 2017 (arXiv:1610.00087). A stride-4 convolution with 80 taps, then
stages of 3-tap convolutions (conv -> batch norm -> ReLU) separated by max-pooling by 4,
global average pooling over time and a bias-free 1x1 map to the classes.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from scatterwave.nn.models._common import (
    BN_EPS,
    LengthOp,
    RawWaveformModel,
    check_choice,
    check_multiplier,
    conv_stages,
    he_normal_,
    residual_stages,
    scaled_width,
    tile_channels,
)

__all__ = ["DaiNet", "DaiResNet"]

#: name -> (base width, [(number of convs, width factor, pool after the stage)]).
DAI_STAGES: dict[str, tuple[int, list[tuple[int, int, bool]]]] = {
    "m3": (256, [(1, 1, True)]),
    "m5": (128, [(1, 1, True), (1, 2, True), (1, 4, True)]),
    "m11": (64, [(2, 1, True), (2, 2, True), (3, 4, True), (2, 8, False)]),
    "m18": (64, [(4, 1, True), (4, 2, True), (4, 4, True), (4, 8, False)]),
}
#: Residual blocks per stage of M34-res and its base width.
DAI_RES_BLOCKS = (3, 4, 6, 3)
DAI_RES_WIDTH = 48

GlobalPool = Literal["mean", "max"]


def _conv_bn_relu(c_in: int, c_out: int) -> list[nn.Module]:
    return [
        nn.Conv1d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm1d(c_out, eps=BN_EPS),
        nn.ReLU(),
    ]


def _stem(in_channels: int, width: int) -> tuple[list[nn.Module], list[LengthOp]]:
    layers: list[nn.Module] = [
        nn.Conv1d(in_channels, width, 80, stride=4, padding=40, bias=False),
        nn.BatchNorm1d(width, eps=BN_EPS),
        nn.ReLU(),
        nn.MaxPool1d(4),
    ]
    return layers, [LengthOp(80, 4, 40), LengthOp(4, 4)]


class _DaiModel(RawWaveformModel):
    """What the M-nets share: the ``global_pool`` option, the classifier and the forward."""

    def __init__(
        self, name: str, n_classes: int, in_channels: int, global_pool: GlobalPool
    ) -> None:
        super().__init__(name, n_classes, in_channels)
        check_choice("global_pool", global_pool, ("mean", "max"))
        self.global_pool: GlobalPool = global_pool

    def _set_layers(self, layers: list[nn.Module], ops: list[LengthOp], c_out: int) -> None:
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c_out, self.n_classes, bias=False)
        self.length_ops = ops
        he_normal_(self)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.features(x)
        y = y.amax(dim=-1) if self.global_pool == "max" else y.mean(dim=-1)
        return self.classifier(y)


class DaiNet(_DaiModel):
    """Plain M-net (M3, M5, M11 or M18) of Dai et al. (2017).

    Parameters
    ----------
    name : {"m3", "m5", "m11", "m18"}
        Architecture.
    n_classes : int
        Number of output logits.
    in_channels : int, default 1
        Input channels.
    width_multiplier : float, default 1.0
        Scales every channel width (1.0 = the paper).
    global_pool : {"mean", "max"}, default "mean"
        Pooling over time before the classifier ("mean" as in the paper).

    Notes
    -----
    Shapes: ``(B, in_channels, T) -> (B, n_classes)``; ``T >= min_input_length``.
    """

    def __init__(
        self,
        name: Literal["m3", "m5", "m11", "m18"],
        n_classes: int,
        *,
        in_channels: int = 1,
        width_multiplier: float = 1.0,
        global_pool: GlobalPool = "mean",
    ) -> None:
        check_choice("name", name, tuple(DAI_STAGES))
        super().__init__(name, n_classes, in_channels, global_pool)
        base, stages = DAI_STAGES[name]
        width = scaled_width(base, check_multiplier(width_multiplier))
        layers, ops = _stem(in_channels, width)
        convs = [([(width * factor, None)] * n_convs, pool) for n_convs, factor, pool in stages]

        def block(c_in: int, c_out: int, _: None) -> list[nn.Module]:
            return _conv_bn_relu(c_in, c_out)

        self._set_layers(layers, ops, conv_stages(layers, ops, width, convs, block, nn.MaxPool1d))


class _ResidualBlock(nn.Module):
    """conv -> BN -> ReLU -> conv -> BN -> (+ shortcut) -> BN -> ReLU; channels tiled."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        if c_out % c_in:
            raise ValueError(f"a tiled shortcut needs c_out % c_in == 0, got {c_in}->{c_out}.")
        self.c_out = c_out
        self.body = nn.Sequential(
            *_conv_bn_relu(c_in, c_out),
            nn.Conv1d(c_out, c_out, 3, padding=1, bias=False),
            nn.BatchNorm1d(c_out, eps=BN_EPS),
        )
        self.post = nn.Sequential(nn.BatchNorm1d(c_out, eps=BN_EPS), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.post(self.body(x) + tile_channels(x, self.c_out))


class DaiResNet(_DaiModel):
    """M34-res of Dai et al. (2017): residual stages of 3, 4, 6 and 3 blocks.

    Parameters
    ----------
    n_classes : int
        Number of output logits.
    in_channels : int, default 1
        Input channels.
    width_multiplier : float, default 1.0
        Scales every channel width (1.0 = the paper, base width 48).
    global_pool : {"mean", "max"}, default "mean"
        Pooling over time before the classifier.

    Notes
    -----
    Shapes: ``(B, in_channels, T) -> (B, n_classes)``. When a stage doubles the channels
    the shortcut repeats the input channels twice (no projection), as in the paper.
    """

    def __init__(
        self,
        n_classes: int,
        *,
        in_channels: int = 1,
        width_multiplier: float = 1.0,
        global_pool: GlobalPool = "mean",
    ) -> None:
        super().__init__("m34-res", n_classes, in_channels, global_pool)
        width = scaled_width(DAI_RES_WIDTH, check_multiplier(width_multiplier))
        layers, ops = _stem(in_channels, width)

        def block(c_in: int, c_out: int, _: bool) -> nn.Module:
            return _ResidualBlock(c_in, c_out)

        c_out = residual_stages(layers, ops, width, DAI_RES_BLOCKS, block, nn.MaxPool1d)
        self._set_layers(layers, ops, c_out)
