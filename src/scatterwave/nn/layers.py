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

import abc
import math
from typing import ClassVar

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


class _ScaleLayer(nn.Module, abc.ABC):
    """What the three layers share: channel counts, weight and bias, input check, ``repr``.

    Subclasses set ``_layouts`` (input rank -> shape description; the highest rank is the
    one an error names for other inputs) and implement :meth:`_options`.
    """

    weight: nn.Parameter
    bias: nn.Parameter | None
    _layouts: ClassVar[dict[int, str]]

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.in_channels = _validate_int("in_channels", in_channels, 1)
        self.out_channels = _validate_int("out_channels", out_channels, 1)

    def _check_kernel_options(self, padding: Padding, method: Method) -> None:
        _check_choice("padding", padding, _PADDINGS)
        _check_choice("method", method, _METHODS)
        self.padding: Padding = padding
        self.method: Method = method

    def _init_parameters(
        self,
        shape: tuple[int, ...],
        bias: bool,
        device: torch.device | str | None,
        dtype: torch.dtype | None,
    ) -> None:
        """Create ``weight`` of ``shape`` (``C_out`` first) and, if ``bias``, a zero bias."""
        self.weight = nn.Parameter(torch.empty(shape, device=device, dtype=dtype))
        self.bias = (
            nn.Parameter(torch.empty(shape[0], device=device, dtype=dtype)) if bias else None
        )
        # Bound sqrt(2 / fan_in) as in the reference W-Nets, with the fan-in counting every
        # coefficient a single output sums over (channels x scale window x taps).
        bound = math.sqrt(2.0 / math.prod(shape[1:]))
        with torch.no_grad():
            self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.zero_()

    def _check_input(self, x: torch.Tensor) -> None:
        ndim = max(self._layouts)
        if isinstance(x, torch.Tensor) and x.ndim in self._layouts:
            ndim = x.ndim
        name = type(self).__name__
        if not isinstance(x, torch.Tensor) or x.ndim != ndim or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{name} expects a tensor of shape {self._layouts[ndim]} with "
                f"C_in={self.in_channels}, got "
                f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}."
            )
        if not x.is_floating_point():
            raise TypeError(f"{name} expects a floating-point tensor, got dtype {x.dtype}.")

    @abc.abstractmethod
    def _options(self) -> dict[str, object]:
        """Return the options after the channel counts, in ``repr`` order."""

    def extra_repr(self) -> str:
        """Describe the layer's options, for its ``repr``."""
        options = ", ".join(f"{key}={value!r}" for key, value in self._options().items())
        return f"{self.in_channels}, {self.out_channels}, {options}"


def _check_crop(crop: object) -> bool:
    if not isinstance(crop, bool):
        raise TypeError(f"crop must be a bool, got {crop!r}.")
    return crop


class LiftingConv1d(_ScaleLayer):
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

    _layouts: ClassVar[dict[int, str]] = {3: "(B, C_in, T)"}

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
        super().__init__(in_channels, out_channels)
        self.kernel_size = _check_kernel_size(kernel_size)
        self.grid = ScaleGrid(n_scales, base=base)
        self._check_kernel_options(padding, method)
        self._init_parameters((out_channels, in_channels, kernel_size), bias, device, dtype)

    @property
    def n_scales(self) -> int:
        """int: number of output scales ``S``."""
        return self.grid.n_scales

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

    def _options(self) -> dict[str, object]:
        return {
            "kernel_size": self.kernel_size,
            "n_scales": self.n_scales,
            "base": self.grid.base,
            "bias": self.bias is not None,
            "padding": self.padding,
            "method": self.method,
        }


class GroupConv1d(_ScaleLayer):
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

    _layouts: ClassVar[dict[int, str]] = {4: "(B, C_in, S, T)"}

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
        super().__init__(in_channels, out_channels)
        self.kernel_size = _check_kernel_size(kernel_size)
        self.scale_kernel_size = _validate_int("scale_kernel_size", scale_kernel_size, 1)
        self.base = ScaleGrid(1, base=base).base
        self.crop = _check_crop(crop)
        self._check_kernel_options(padding, method)
        shape = (out_channels, in_channels, scale_kernel_size, kernel_size)
        self._init_parameters(shape, bias, device, dtype)

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
        self._check_input(x)
        return group_conv1d(
            x,
            self.weight,
            base=self.base,
            crop=self.crop,
            bias=self.bias,
            padding=self.padding,
            method=self.method,
        )

    def _options(self) -> dict[str, object]:
        return {
            "kernel_size": self.kernel_size,
            "scale_kernel_size": self.scale_kernel_size,
            "crop": self.crop,
            "base": self.base,
            "bias": self.bias is not None,
            "padding": self.padding,
            "method": self.method,
        }


class ScaleWindowLinear(_ScaleLayer):
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

    _layouts: ClassVar[dict[int, str]] = {3: "(B, C_in, S)", 4: "(B, C_in, S, T)"}

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
        super().__init__(in_channels, out_channels)
        self.scale_kernel_size = _validate_int("scale_kernel_size", scale_kernel_size, 1)
        self.crop = _check_crop(crop)
        self._init_parameters((out_channels, in_channels, scale_kernel_size), bias, device, dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``x`` of shape ``(B, C_in, S[, T])`` to ``(B, C_out, S'[, T])``."""
        self._check_input(x)
        return scale_window_linear(x, self.weight, crop=self.crop, bias=self.bias)

    def _options(self) -> dict[str, object]:
        return {
            "scale_kernel_size": self.scale_kernel_size,
            "crop": self.crop,
            "bias": self.bias is not None,
        }
