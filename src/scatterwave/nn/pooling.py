"""Pooling over time (applied identically at every scale) and over the scale axis.

Time pooling commutes exactly with translations by multiples of its stride and acts on
every scale of a ``[B, C, S, T]`` tensor in the same way, so it keeps a layer stack
equivariant to translations (by multiples of the total stride) and to scale shifts of the
grid. Pooling over scales (max or mean) makes the representation invariant to those
shifts as long as the content stays inside the grid.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from scatterwave.nn.group import _validate_int

__all__ = ["GlobalTimePool", "PoolMode", "ScalePool", "TimePool"]

PoolMode = Literal["max", "mean"]
_MODES = ("max", "mean")


def _check_mode(mode: object) -> None:
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}.")


class TimePool(nn.Module):
    """Max or mean pooling along time, identically at every scale.

    Parameters
    ----------
    kernel_size : int
        Pooling window ``p`` in samples.
    mode : {"max", "mean"}, default "max"
        Reduction inside each window.
    stride : int, optional
        Step between windows; defaults to ``kernel_size`` (non-overlapping windows). The
        last incomplete window is dropped, so ``T_out = (T - p) // stride + 1``.

    Notes
    -----
    Shapes: ``(B, C, T) -> (B, C, T_out)`` or ``(B, C, S, T) -> (B, C, S, T_out)``.
    """

    def __init__(self, kernel_size: int, *, mode: PoolMode = "max", stride: int | None = None):
        super().__init__()
        self.kernel_size = _validate_int("kernel_size", kernel_size, 1)
        self.stride = kernel_size if stride is None else _validate_int("stride", stride, 1)
        _check_mode(mode)
        self.mode: PoolMode = mode

    def output_length(self, length: int) -> int:
        """Output length for an input of ``length`` samples (< 1 means too short)."""
        return (length - self.kernel_size) // self.stride + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pool ``x`` of shape ``(B, C, T)`` or ``(B, C, S, T)`` along its last axis."""
        if x.ndim not in (3, 4):
            raise ValueError(
                f"TimePool expects (B, C, T) or (B, C, S, T), got shape {tuple(x.shape)}."
            )
        if x.shape[-1] < self.kernel_size:
            raise ValueError(
                f"TimePool(kernel_size={self.kernel_size}) needs at least {self.kernel_size} "
                f"time samples, got {x.shape[-1]}; use longer inputs."
            )
        if x.ndim == 3:
            pool = F.max_pool1d if self.mode == "max" else F.avg_pool1d
            return pool(x, self.kernel_size, self.stride)
        pool2 = F.max_pool2d if self.mode == "max" else F.avg_pool2d
        return pool2(x, (1, self.kernel_size), (1, self.stride))

    def extra_repr(self) -> str:
        """Describe the layer's options, for its ``repr``."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, mode={self.mode!r}"


class ScalePool(nn.Module):
    """Max or mean over the scale axis (axis 2).

    Parameters
    ----------
    mode : {"max", "mean"}, default "max"
        Reduction over scales.
    keepdim : bool, default False
        Keep the scale axis with length 1.

    Notes
    -----
    Shapes: ``(B, C, S, T) -> (B, C, T)`` or ``(B, C, S) -> (B, C)`` (``S`` kept as 1 with
    ``keepdim=True``).
    """

    def __init__(self, mode: PoolMode = "max", *, keepdim: bool = False):
        super().__init__()
        _check_mode(mode)
        self.mode: PoolMode = mode
        self.keepdim = bool(keepdim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reduce axis 2 of ``x`` of shape ``(B, C, S[, T])``."""
        if x.ndim not in (3, 4):
            raise ValueError(
                f"ScalePool expects (B, C, S) or (B, C, S, T), got shape {tuple(x.shape)}."
            )
        if self.mode == "max":
            return x.amax(dim=2, keepdim=self.keepdim)
        return x.mean(dim=2, keepdim=self.keepdim)

    def extra_repr(self) -> str:
        """Describe the layer's options, for its ``repr``."""
        return f"mode={self.mode!r}, keepdim={self.keepdim}"


class GlobalTimePool(nn.Module):
    """Max or mean over the whole time axis (the last axis).

    A global max is exactly invariant to circular translations; a global mean is what the
    M-nets of Dai et al. (2017) and their W-variants use.

    Parameters
    ----------
    mode : {"max", "mean"}, default "mean"
        Reduction over time.

    Notes
    -----
    Shapes: ``(B, C, T) -> (B, C)`` or ``(B, C, S, T) -> (B, C, S)``.
    """

    def __init__(self, mode: PoolMode = "mean"):
        super().__init__()
        _check_mode(mode)
        self.mode: PoolMode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reduce the last axis of ``x`` of shape ``(B, C, T)`` or ``(B, C, S, T)``."""
        if x.ndim not in (3, 4):
            raise ValueError(
                f"GlobalTimePool expects (B, C, T) or (B, C, S, T), got shape {tuple(x.shape)}."
            )
        return x.amax(dim=-1) if self.mode == "max" else x.mean(dim=-1)

    def extra_repr(self) -> str:
        """Describe the layer's options, for its ``repr``."""
        return f"mode={self.mode!r}"
