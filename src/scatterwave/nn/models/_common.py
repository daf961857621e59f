"""Shared pieces of the model zoo: input checks, length bookkeeping, width scaling."""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch
from torch import nn

from scatterwave._validation import check_choice
from scatterwave.nn.group import _validate_int

__all__ = [
    "LengthOp",
    "RawWaveformModel",
    "check_choice",
    "scaled_width",
    "tile_channels",
]

#: Batch-norm epsilon of Dai et al. (2017) and of the reference Wavelet Networks.
BN_EPS = 2e-5


@dataclass(frozen=True)
class LengthOp:
    """A time-axis operation: ``T -> (T + 2 padding - kernel) // stride + 1``."""

    kernel: int
    stride: int = 1
    padding: int = 0

    def apply(self, length: int) -> int:
        """Output length, or 0 when ``length`` is too short for the operation."""
        padded = length + 2 * self.padding
        if padded < self.kernel:
            return 0
        return (padded - self.kernel) // self.stride + 1


def propagate_length(ops: list[LengthOp], length: int) -> int:
    """Length after every op in ``ops`` (0 if some op gets too few samples)."""
    for op in ops:
        length = op.apply(length)
        if length < 1:
            return 0
    return length


def minimum_length(ops: list[LengthOp]) -> int:
    """Smallest input length for which every op in ``ops`` gets enough samples."""
    high = 1
    while propagate_length(ops, high) < 1:
        high *= 2
    low = high // 2
    while high - low > 1:
        mid = (low + high) // 2
        if propagate_length(ops, mid) >= 1:
            high = mid
        else:
            low = mid
    return high


def scaled_width(width: int, multiplier: float) -> int:
    """``round(width * multiplier)``, at least 1."""
    return max(1, round(width * multiplier))


def check_multiplier(width_multiplier: object) -> float:
    """Validate the ``width_multiplier`` option."""
    if (
        isinstance(width_multiplier, bool)
        or not isinstance(width_multiplier, (int, float))
        or not math.isfinite(width_multiplier)
        or width_multiplier <= 0
    ):
        raise ValueError(
            f"width_multiplier must be a positive finite number (1.0 = the paper's widths), "
            f"got {width_multiplier!r}."
        )
    return float(width_multiplier)


def check_probability(name: str, value: object) -> float:
    """Validate a dropout probability."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}.")
    return float(value)


def tile_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """Repeat ``x`` along axis 1 until it has ``channels`` channels (an integer multiple)."""
    if channels == x.shape[1]:
        return x
    return x.repeat(1, channels // x.shape[1], *([1] * (x.ndim - 2)))


def add_pool(
    layers: list[nn.Module], ops: list[LengthOp], pool: Callable[[int], nn.Module], size: int
) -> None:
    """Append ``pool(size)`` (kernel = stride = ``size``) and its time-axis operation."""
    layers.append(pool(size))
    ops.append(LengthOp(size, size))


Spec = TypeVar("Spec")


def conv_stages(
    layers: list[nn.Module],
    ops: list[LengthOp],
    c_in: int,
    stages: Iterable[tuple[Sequence[tuple[int, Spec]], bool]],
    block: Callable[[int, int, Spec], list[nn.Module]],
    pool: Callable[[int], nn.Module],
) -> int:
    """Append plain stages: blocks, then pooling by 4 where the stage says so.

    ``stages`` gives, per stage, the ``(c_out, spec)`` of each block and whether a
    ``pool(4)`` follows; ``block(c_in, c_out, spec)`` returns a block's modules. Returns the
    channels leaving the last stage.
    """
    for convs, pool_after in stages:
        for c_out, spec in convs:
            layers += block(c_in, c_out, spec)
            c_in = c_out
        if pool_after:
            add_pool(layers, ops, pool, 4)
    return c_in


def residual_stages(
    layers: list[nn.Module],
    ops: list[LengthOp],
    width: int,
    blocks: Sequence[int],
    block: Callable[[int, int, bool], nn.Module],
    pool: Callable[[int], nn.Module],
) -> int:
    """Append residual stages: ``width * 2**stage`` channels, pooling by 4 between stages.

    ``block(c_in, c_out, first)`` returns a block, ``first`` True for the first of its
    stage; ``blocks`` counts the blocks per stage. Returns the channels leaving the last
    stage.
    """
    c_in = width
    for stage, n_blocks in enumerate(blocks):
        if stage > 0:
            add_pool(layers, ops, pool, 4)
        for i in range(n_blocks):
            layers.append(block(c_in, width * 2**stage, i == 0))
            c_in = width * 2**stage
    return c_in


def he_normal_(module: nn.Module) -> None:
    """He-normal init of every ``Conv1d``/``Linear`` weight of ``module``, zero biases."""
    for sub in module.modules():
        if isinstance(sub, (nn.Conv1d, nn.Linear)):
            nn.init.kaiming_normal_(sub.weight, nonlinearity="relu")
            if sub.bias is not None:
                nn.init.zeros_(sub.bias)


class RawWaveformModel(nn.Module, abc.ABC):
    """Base class of the model zoo: ``(B, in_channels, T)`` waveforms to ``(B, n_classes)``.

    Subclasses set ``length_ops`` (the time-axis operations, in order) and implement
    :meth:`_forward`; :meth:`forward` validates the input first.

    Parameters
    ----------
    name : str
        Registry name of the architecture.
    n_classes : int
        Number of output logits.
    in_channels : int
        Input channels.
    """

    def __init__(self, name: str, n_classes: int, in_channels: int) -> None:
        super().__init__()
        self.name = name
        self.n_classes = _validate_int("n_classes", n_classes, 1)
        self.in_channels = _validate_int("in_channels", in_channels, 1)
        self.length_ops: list[LengthOp] = []

    @property
    def min_input_length(self) -> int:
        """int: the shortest input length ``T`` the architecture accepts."""
        return minimum_length(self.length_ops)

    def _check_length(self, length: int) -> None:
        if propagate_length(self.length_ops, length) < 1:
            raise ValueError(
                f"model {self.name!r} needs inputs of at least {self.min_input_length} "
                f"samples for its pooling, got T={length}; use longer inputs."
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map waveforms ``(B, in_channels, T)`` to logits ``(B, n_classes)``."""
        if not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"model {self.name!r} expects input of shape (B, {self.in_channels}, T), got "
                f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}."
            )
        if not x.is_floating_point():
            raise TypeError(f"model {self.name!r} expects a floating-point input, got {x.dtype}.")
        self._check_length(x.shape[-1])
        return self._forward(x)

    @abc.abstractmethod
    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map a validated input ``(B, in_channels, T)`` to ``(B, n_classes)``."""
