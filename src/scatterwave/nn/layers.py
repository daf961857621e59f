"""Scale-translation equivariant layers of Wavelet Networks (Romero et al., TMLR 2024).

* :class:`LiftingConv1d` maps signals ``[B, C_in, T]`` to functions on time-scale
  ``[B, C_out, S, T]`` by correlating with one learned B-spline kernel dilated to every
  scale of a :class:`~scatterwave.nn.group.ScaleGrid` (a learned continuous wavelet
  transform).
* :class:`GroupConv1d` maps ``[B, C_in, S, T]`` to ``[B, C_out, S', T]``: output scale ``i``
  sees a window of ``N_h`` equal or coarser input scales, every kernel dilated by the output
  scale.
* :class:`ScaleWindowLinear` is the same map with a single time tap and no blur or scale
  normalisation: the clean invariant head after global pooling over time.

With the ``1/s`` normalisation an input dilated by the grid base gives the same values one
step further along the scale axis, exactly for polynomials of degree <= 2 and up to a
discretisation error for general signals (see :mod:`scatterwave.nn.equivariance`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from scatterwave._validation import check_choice as _check_choice
from scatterwave.nn.bspline import _check_kernel_size
from scatterwave.nn.functional import (
    _METHODS,
    _PADDINGS,
    Method,
    Padding,
    group_conv1d,
    lifting_conv1d,
    scale_window_linear,
)
from scatterwave.nn.group import ScaleGrid, _validate_int

__all__ = ["GroupConv1d", "LiftingConv1d", "ScaleWindowLinear"]


def _init_uniform(weight: torch.Tensor, bias: torch.Tensor | None, fan_in: int) -> None:
    # Bound sqrt(2 / fan_in) as in the reference W-Nets, with the fan-in counting every
    # coefficient a single output sums over (channels x scale window x taps).
    bound = math.sqrt(2.0 / fan_in)
    with torch.no_grad():
        weight.uniform_(-bound, bound)
        if bias is not None:
            bias.zero_()


def _check_input(x: torch.Tensor, ndim: int, channels: int, layout: str, name: str) -> None:
    if not isinstance(x, torch.Tensor) or x.ndim != ndim or x.shape[1] != channels:
        raise ValueError(
            f"{name} expects a tensor of shape {layout} with C_in={channels}, got "
            f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}."
        )
    if not x.is_floating_point():
        raise TypeError(f"{name} expects a floating-point tensor, got dtype {x.dtype}.")


class LiftingConv1d(nn.Module):
    """Lifting B-spline convolution from time to time-scale.

    ``Y_o(t, j) = sum_c sum_u x_c(t + u) s_j^-1 psi_{o,c}(u / s_j) + bias_o`` with
    ``psi_{o,c}(x) = sum_k w_{o,c,k} B2(x - k)`` and ``s_j = base**j``.

    Parameters
    ----------
    in_channels : int
        Input channels ``C_in``.
    out_channels : int
        Output channels ``C_out``.
    kernel_size : int
        Odd number ``K`` of B-spline coefficients; the kernel at scale ``s`` spans
        ``s (K - 1) + 2 M_s + 1`` samples with ``M_s = ceil(1.5 s) - 1``.
    n_scales : int
        Number ``S`` of scales ``1, base, …, base**(S - 1)``.
    base : int, default 2
        Ratio between neighbouring scales (integer >= 2).
    bias : bool, default False
        Add a learnable bias per output channel, shared over scales and time (this keeps
        the layer equivariant).
    padding : {"same", "circular"}, default "same"
        Zero padding with an output as long as the input, or a periodic input.
    method : {"auto", "direct", "two-step", "fft"}, default "auto"
        Implementation, see :mod:`scatterwave.nn.functional`; all agree to round-off.
    device, dtype : optional
        Where and how to allocate the parameters.

    Notes
    -----
    Shapes: input ``(B, C_in, T)``, output ``(B, C_out, S, T)``.
    The weights are drawn from ``U(-a, a)``, ``a = sqrt(2 / (C_in K))``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        n_scales: int,
        *,
        base: int = 2,
        bias: bool = False,
        padding: Padding = "same",
        method: Method = "auto",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.in_channels = _validate_int("in_channels", in_channels, 1)
        self.out_channels = _validate_int("out_channels", out_channels, 1)
        self.kernel_size = _check_kernel_size(kernel_size)
        self.grid = ScaleGrid(n_scales, base=base)
        _check_choice("padding", padding, _PADDINGS)
        _check_choice("method", method, _METHODS)
        self.padding: Padding = padding
        self.method: Method = method
        self.weight = nn.Parameter(
            torch.empty(out_channels, in_channels, kernel_size, device=device, dtype=dtype)
        )
        self.bias = (
            nn.Parameter(torch.empty(out_channels, device=device, dtype=dtype)) if bias else None
        )
        _init_uniform(self.weight, self.bias, in_channels * kernel_size)

    @property
    def n_scales(self) -> int:
        """int: number of output scales ``S``."""
        return self.grid.n_scales

    def _check_input(self, x: torch.Tensor) -> None:
        _check_input(x, 3, self.in_channels, "(B, C_in, T)", type(self).__name__)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Lift ``x`` of shape ``(B, C_in, T)`` to ``(B, C_out, S, T)``."""
        self._check_input(x)
        return lifting_conv1d(
            x,
            self.weight,
            self.grid.scales,
            bias=self.bias,
            padding=self.padding,
            method=self.method,
        )

    def extra_repr(self) -> str:
        """Describe the layer's options, for its ``repr``."""
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"n_scales={self.n_scales}, base={self.grid.base}, bias={self.bias is not None}, "
            f"padding={self.padding!r}, method={self.method!r}"
        )


class GroupConv1d(nn.Module):
    """Group B-spline convolution on time-scale with a window over coarser scales.

    ``Y_o(t, i) = sum_{j<N_h} sum_c sum_u x_c(t + u, i + j) s_i^-1 psi_{o,c,j}(u / s_i)
    + bias_o`` with ``s_i = base**i``: one independent B-spline kernel per relative scale
    ``j`` and every kernel dilated by the output scale.

    Parameters
    ----------
    in_channels : int
        Input channels ``C_in``.
    out_channels : int
        Output channels ``C_out``.
    kernel_size : int
        Odd number ``K`` of B-spline coefficients along time.
    scale_kernel_size : int
        Size ``N_h`` of the window over input scales (1 = pointwise in scale).
    crop : bool, default True
        If True output only the ``S - N_h + 1`` scales whose window lies inside the grid
        (exactly equivariant); if False output ``S`` scales, treating scales past the
        coarsest one as zeros. Without effect when ``N_h = 1``.
    base : int, default 2
        Grid ratio: output scale index ``i`` is dilated by ``base**i``.
    bias : bool, default False
        Add a learnable bias per output channel, shared over scales and time.
    padding : {"same", "circular"}, default "same"
        Zero padding with an output as long as the input, or a periodic input.
    method : {"auto", "direct", "two-step", "fft"}, default "auto"
        Implementation, see :mod:`scatterwave.nn.functional`.
    device, dtype : optional
        Where and how to allocate the parameters.

    Notes
    -----
    Shapes: input ``(B, C_in, S, T)``, output ``(B, C_out, S', T)`` with
    ``S' = S - N_h + 1`` if ``crop`` else ``S``.
    The weights are drawn from ``U(-a, a)``, ``a = sqrt(2 / (C_in N_h K))``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        scale_kernel_size: int,
        *,
        crop: bool = True,
        base: int = 2,
        bias: bool = False,
        padding: Padding = "same",
        method: Method = "auto",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.in_channels = _validate_int("in_channels", in_channels, 1)
        self.out_channels = _validate_int("out_channels", out_channels, 1)
        self.kernel_size = _check_kernel_size(kernel_size)
        self.scale_kernel_size = _validate_int("scale_kernel_size", scale_kernel_size, 1)
        self.base = ScaleGrid(1, base=base).base
        if not isinstance(crop, bool):
            raise TypeError(f"crop must be a bool, got {crop!r}.")
        _check_choice("padding", padding, _PADDINGS)
        _check_choice("method", method, _METHODS)
        self.crop = crop
        self.padding: Padding = padding
        self.method: Method = method
        self.weight = nn.Parameter(
            torch.empty(
                out_channels,
                in_channels,
                scale_kernel_size,
                kernel_size,
                device=device,
                dtype=dtype,
            )
        )
        self.bias = (
            nn.Parameter(torch.empty(out_channels, device=device, dtype=dtype)) if bias else None
        )
        _init_uniform(self.weight, self.bias, in_channels * scale_kernel_size * kernel_size)

    def output_scales(self, n_scales: int) -> int:
        """Count the output scales for ``n_scales`` input scales.

        Parameters
        ----------
        n_scales : int
            Number ``S`` of input scales.

        Returns
        -------
        int
            ``S - scale_kernel_size + 1`` when ``crop``, else ``S``.
        """
        return n_scales - self.scale_kernel_size + 1 if self.crop else n_scales

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``x`` of shape ``(B, C_in, S, T)`` to ``(B, C_out, S', T)``."""
        _check_input(x, 4, self.in_channels, "(B, C_in, S, T)", type(self).__name__)
        return group_conv1d(
            x,
            self.weight,
            base=self.base,
            crop=self.crop,
            bias=self.bias,
            padding=self.padding,
            method=self.method,
        )

    def extra_repr(self) -> str:
        """Describe the layer's options, for its ``repr``."""
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"scale_kernel_size={self.scale_kernel_size}, crop={self.crop}, base={self.base}, "
            f"bias={self.bias is not None}, padding={self.padding!r}, method={self.method!r}"
        )


class ScaleWindowLinear(nn.Module):
    """Linear map over channels and a window of ``N_h`` coarser scales, pointwise in time.

    ``Y_o(i, ...) = sum_{j<N_h} sum_c W_{o,c,j} x_c(i + j, ...) + bias_o``. After global
    pooling over time this is the invariant head of the W-models, without the blur and
    ``2^-i`` factor that a one-tap :class:`GroupConv1d` would apply.

    Parameters
    ----------
    in_channels : int
        Input channels ``C_in``.
    out_channels : int
        Output channels ``C_out``.
    scale_kernel_size : int, default 1
        Scale window ``N_h``.
    crop : bool, default True
        As in :class:`GroupConv1d`.
    bias : bool, default False
        Add a learnable bias per output channel.
    device, dtype : optional
        Where and how to allocate the parameters.

    Notes
    -----
    Shapes: input ``(B, C_in, S)`` or ``(B, C_in, S, T)``, output ``(B, C_out, S')`` or
    ``(B, C_out, S', T)``. Weights are drawn from ``U(-a, a)``, ``a = sqrt(2 / (C_in N_h))``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        scale_kernel_size: int = 1,
        *,
        crop: bool = True,
        bias: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.in_channels = _validate_int("in_channels", in_channels, 1)
        self.out_channels = _validate_int("out_channels", out_channels, 1)
        self.scale_kernel_size = _validate_int("scale_kernel_size", scale_kernel_size, 1)
        if not isinstance(crop, bool):
            raise TypeError(f"crop must be a bool, got {crop!r}.")
        self.crop = crop
        self.weight = nn.Parameter(
            torch.empty(out_channels, in_channels, scale_kernel_size, device=device, dtype=dtype)
        )
        self.bias = (
            nn.Parameter(torch.empty(out_channels, device=device, dtype=dtype)) if bias else None
        )
        _init_uniform(self.weight, self.bias, in_channels * scale_kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``x`` of shape ``(B, C_in, S[, T])`` to ``(B, C_out, S'[, T])``."""
        if isinstance(x, torch.Tensor) and x.ndim == 3:
            _check_input(x, 3, self.in_channels, "(B, C_in, S)", type(self).__name__)
        else:
            _check_input(x, 4, self.in_channels, "(B, C_in, S, T)", type(self).__name__)
        return scale_window_linear(x, self.weight, crop=self.crop, bias=self.bias)

    def extra_repr(self) -> str:
        """Describe the layer's options, for its ``repr``."""
        return (
            f"{self.in_channels}, {self.out_channels}, "
            f"scale_kernel_size={self.scale_kernel_size}, crop={self.crop}, "
            f"bias={self.bias is not None}"
        )
