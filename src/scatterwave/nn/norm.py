"""Batch normalisation of time-scale feature maps, shared across scales."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ScaleBatchNorm"]


class ScaleBatchNorm(nn.BatchNorm2d):
    """Batch normalisation of ``[B, C, S, T]`` maps with statistics per channel only.

    Mean, variance and the affine parameters are shared over scales and time, so in eval
    mode the layer commutes exactly with translations and with shifts along the scale axis
    (train-mode statistics depend on the content and do not).

    Parameters
    ----------
    num_features : int
        Number of channels ``C``.
    eps : float, default 2e-5
        Added to the variance (the value of the reference W-Nets and of Dai et al.).
    momentum : float, default 0.1
        Running-statistics momentum, as in :class:`torch.nn.BatchNorm2d`.
    affine : bool, default True
        Learn a per-channel scale and shift.
    track_running_stats : bool, default True
        Keep running statistics for eval mode.
    device, dtype : optional
        Where and how to allocate the parameters.

    Notes
    -----
    Shapes: ``(B, C, S, T) -> (B, C, S, T)``.
    """

    def __init__(
        self,
        num_features: int,
        *,
        eps: float = 2e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            num_features,
            eps=eps,
            momentum=momentum,
            affine=affine,
            track_running_stats=track_running_stats,
            device=device,
            dtype=dtype,
        )

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(
                f"ScaleBatchNorm expects a (B, C, S, T) tensor, got shape {tuple(input.shape)}; "
                "use torch.nn.BatchNorm1d for (B, C, T) inputs."
            )
