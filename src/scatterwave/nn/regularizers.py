"""The wavelet loss: a soft admissibility (zero-mean) constraint on B-spline kernels.

For a kernel ``psi(x) = sum_k w_k B2(x - k)`` the DC gain of every sampled, dilated kernel
``s^-1 psi(u / s)`` equals ``sum_k w_k`` exactly (integer scales, see
:mod:`scatterwave.nn.bspline`). Penalising its square pushes every learned kernel towards
a band-pass, wavelet-like filter (Romero et al., *Wavelet Networks*, TMLR 2024).
"""

from __future__ import annotations

import torch
from torch import nn

from scatterwave.nn.layers import GroupConv1d, LiftingConv1d

__all__ = ["wavelet_layers", "wavelet_loss"]


def wavelet_loss(model: nn.Module) -> torch.Tensor:
    """Sum over B-spline layers of the mean squared DC gain of their kernels.

    ``L = sum_layers mean_{o,c} (sum_{j,k} w_{o,c,j,k})²`` over every
    :class:`~scatterwave.nn.layers.LiftingConv1d` and
    :class:`~scatterwave.nn.layers.GroupConv1d` in ``model`` with more than one time tap
    (for a group convolution the sum runs over the whole scale-time kernel). One-tap layers
    are skipped: a zero DC gain would zero them. Add it to the task loss with a weight of
    your choice (1.0 in the paper) and report it separately.

    Parameters
    ----------
    model : torch.nn.Module
        Any module; its submodules are searched.

    Returns
    -------
    torch.Tensor, shape ()
        Differentiable with respect to the kernels. A zero tensor (on the device and in the
        dtype of the model's first floating-point parameter, else CPU float32) when the
        model has no such layer.
    """
    terms = []
    for module in wavelet_layers(model):
        weight = module.weight
        dc_gain = weight.reshape(weight.shape[0], weight.shape[1], -1).sum(dim=-1)
        terms.append(dc_gain.square().mean())
    if terms:
        return torch.stack(terms).sum()
    reference = next((p for p in model.parameters() if p.is_floating_point()), None)
    if reference is None:
        return torch.zeros(())
    return torch.zeros((), dtype=reference.dtype, device=reference.device)


def wavelet_layers(model: nn.Module) -> list[LiftingConv1d | GroupConv1d]:
    """Return the layers of ``model`` that :func:`wavelet_loss` penalises.

    Its B-spline layers (searched with its submodules) with more than one time tap: a list of
    :class:`~scatterwave.nn.layers.LiftingConv1d` and
    :class:`~scatterwave.nn.layers.GroupConv1d`, empty for the CNN baselines.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    return [
        m
        for m in model.modules()
        if isinstance(m, (LiftingConv1d, GroupConv1d)) and m.kernel_size > 1
    ]
