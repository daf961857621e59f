"""Memory-light multi-scale B-spline correlations ("same" zero padding).

One autograd node computes every output scale of a lifting or group correlation and saves
only its input and weights: the per-scale intermediates (padded and blurred copies, dense
kernels) are rebuilt in the backward pass, which calls ``aten.convolution_backward``
directly instead of keeping a graph per scale. For every output scale one of three exact
implementations of ``y = s^-1 (b_s * w↑s) ⋆ x`` is used (``*``: convolution, ``⋆``:
correlation, ``w↑s``: the weights with ``s - 1`` zeros between taps):

``"direct"``
    one correlation with the dense sampled kernel;
``"blur-first"``
    blur the input channels with ``b_s``, then a ``K``-tap correlation dilated by ``s``;
``"conv-first"``
    the dilated correlation first, then blur the (fewer) output channels.

With zero padding, kernel taps that can only meet padding are dropped first (exact). The
backward pass is built of differentiable operators, so a double backward
(``create_graph=True``: Hessian-vector products, gradient penalties) works; it then
rebuilds the blurred inputs from ``x`` instead of using the saved copies, which carry no
graph.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from scatterwave.nn.bspline import blur_half_width, blur_taps, sampled_basis

__all__ = ["FFT_BLUR_MIN_TAPS", "ScaleStep", "multiscale_conv1d", "plan_steps", "step_kind"]

#: Sampled splines with more taps than this are applied by FFT (large dilations).
FFT_BLUR_MIN_TAPS = 48


def fft_ready(x: torch.Tensor) -> torch.Tensor:
    """Half-precision FFTs are restricted (CPU: none, CUDA: powers of two): use float32."""
    return x if x.dtype in (torch.float32, torch.float64) else x.float()


def blur_valid(xp: torch.Tensor, taps: torch.Tensor, use_fft: bool) -> torch.Tensor:
    """Correlate every channel of ``xp`` ``(B, C, n)`` with the symmetric ``taps`` ("valid")."""
    from scipy.fft import next_fast_len

    channels, n = xp.shape[1], xp.shape[2]
    width = taps.shape[-1]
    if not use_fft:
        # depthwise (grouped) correlation: much faster backward on CPU than folding the
        # channels into the batch
        depthwise = taps.view(1, 1, width).expand(channels, 1, width).contiguous()
        return F.conv1d(xp, depthwise, groups=channels)
    n_fft = next_fast_len(n, real=True)
    spectrum = torch.fft.rfft(fft_ready(xp), n_fft) * torch.fft.rfft(fft_ready(taps), n_fft)
    # Circular convolution of length n_fft >= n only corrupts the first width - 1 samples,
    # which lie outside the valid range; the taps are symmetric, so this is a correlation.
    return torch.fft.irfft(spectrum, n_fft)[..., width - 1 : n].to(xp.dtype)


@dataclass(frozen=True)
class ScaleStep:
    """One output scale: input scales ``start … start + n_window - 1``, dilation ``scale``."""

    start: int
    n_window: int
    scale: int
    kind: str


def step_kind(method: str, length: int, c_in: int, c_out: int, kernel_size: int, scale: int) -> str:
    """Cheapest exact implementation of one scale (``method`` "auto", "direct", "two-step").

    Costs are multiply-adds per output sample; an FFT blur counts as ``FFT_BLUR_MIN_TAPS``.
    """
    half_k = kernel_size // 2
    half_b = blur_half_width(scale)
    dense_taps = min(2 * (scale * half_k + half_b) + 1, 2 * length - 1)
    kept_taps = 2 * min(half_k, (length - 1 + half_b) // scale) + 1
    blur_cost = min(2 * half_b + 1, FFT_BLUR_MIN_TAPS)
    costs = {
        "direct": c_out * c_in * dense_taps,
        "blur-first": c_in * blur_cost + c_out * c_in * kept_taps,
        "conv-first": c_out * blur_cost + c_out * c_in * kept_taps,
    }
    if method == "direct":
        return "direct"
    two_step = min(("blur-first", "conv-first"), key=costs.__getitem__)
    if method == "two-step":
        return two_step
    return "direct" if costs["direct"] <= costs[two_step] else two_step


def plan_steps(
    windows: list[tuple[int, int, int]],
    method: str,
    length: int,
    c_in: int,
    c_out: int,
    kernel_size: int,
) -> tuple[ScaleStep, ...]:
    """Plan one step per output scale for ``windows`` of ``(start, n_window, scale)``."""
    return tuple(
        ScaleStep(start, n, s, step_kind(method, length, c_in * n, c_out, kernel_size, s))
        for start, n, s in windows
    )


@functools.lru_cache(maxsize=256)
def _basis(kernel_size: int, scale: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Dense sampled basis on ``device``, cached (no host-to-device copy per call)."""
    with torch.inference_mode(False):  # a normal tensor, even when first asked for there
        return torch.as_tensor(sampled_basis(kernel_size, scale), dtype=dtype, device=device)


class _Blur:
    """Valid correlation with ``b_s / s``: the spline of scale ``s`` with the ``1/s`` factor.

    Instances are cached per scale, dtype and device, and keep the depthwise weights (per
    channel count) and FFT spectra (per length) they build, so a call launches only the
    correlation itself.
    """

    def __init__(self, scale: int, dtype: torch.dtype, device: torch.device) -> None:
        with torch.inference_mode(False):
            taps = torch.as_tensor(blur_taps(scale) / scale, dtype=dtype, device=device)
        self.taps = taps
        self.half = blur_half_width(scale)
        self.use_fft = 2 * self.half + 1 > FFT_BLUR_MIN_TAPS
        self._depthwise: dict[int, torch.Tensor] = {}
        self._spectra: dict[int, torch.Tensor] = {}

    def __call__(self, xp: torch.Tensor) -> torch.Tensor:
        """Blur every channel of ``xp`` ``(B, C, n)``; output ``(B, C, n - 2 M_s)``."""
        channels, n = xp.shape[1], xp.shape[2]
        width = self.taps.shape[-1]
        with torch.inference_mode(False):
            if not self.use_fft:
                weight = self._depthwise.get(channels)
                if weight is None:
                    weight = self.taps.view(1, 1, width).expand(channels, 1, width).contiguous()
                    self._depthwise[channels] = weight
                return F.conv1d(xp, weight, groups=channels)
            from scipy.fft import next_fast_len

            n_fft = next_fast_len(n, real=True)
            spectrum = self._spectra.get(n_fft)
            if spectrum is None:
                spectrum = torch.fft.rfft(fft_ready(self.taps), n_fft)
                self._spectra[n_fft] = spectrum
        out = torch.fft.irfft(torch.fft.rfft(fft_ready(xp), n_fft) * spectrum, n_fft)
        return out[..., width - 1 : n].to(xp.dtype)


@functools.lru_cache(maxsize=64)
def _blur(scale: int, dtype: torch.dtype, device: torch.device) -> _Blur:
    return _Blur(scale, dtype, device)


class _Prepared:
    """Everything one scale needs, rebuilt from the weights in forward and backward."""

    def __init__(self, weight: torch.Tensor, step: ScaleStep, length: int) -> None:
        k = weight.shape[-1]
        s = step.scale
        self.kind = step.kind
        half_k = k // 2
        self.half_b = blur_half_width(s)
        if self.kind == "direct":
            half = s * half_k + self.half_b
            cut = max(0, half - (length - 1))
            self.basis = _basis(k, s, weight.dtype, weight.device)[:, cut : 2 * half + 1 - cut]
            self.kernel = weight @ self.basis
            self.pad = half - cut
            return
        self.keep = min(half_k, (length - 1 + self.half_b) // s)
        self.taps_slice = slice(half_k - self.keep, half_k + self.keep + 1)
        self.kernel = weight[..., self.taps_slice]
        self.pad = s * self.keep + self.half_b
        self.blur = _blur(s, weight.dtype, weight.device)

    def blurred_input(self, x: torch.Tensor) -> torch.Tensor:
        """Pad and blur the input of a "blur-first" step."""
        return self.blur(F.pad(x, (self.pad, self.pad)))


def _scale_forward(
    x: torch.Tensor, prep: _Prepared, scale: int, blurred: torch.Tensor | None = None
) -> torch.Tensor:
    """One output scale; ``blurred`` is :meth:`_Prepared.blurred_input` if already built."""
    if prep.kind == "direct":
        return F.conv1d(x, prep.kernel, padding=prep.pad)
    if prep.kind == "blur-first":
        xb = prep.blurred_input(x) if blurred is None else blurred
        return F.conv1d(xb, prep.kernel, dilation=scale)
    return prep.blur(F.conv1d(x, prep.kernel, padding=prep.pad, dilation=scale))


def _conv_backward(
    grad: torch.Tensor,
    x: torch.Tensor,
    kernel: torch.Tensor,
    padding: int,
    dilation: int,
    need_x: bool,
    need_w: bool,
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    gx, gw, _ = torch.ops.aten.convolution_backward(
        grad, x, kernel, None, [1], [padding], [dilation], False, [0], 1, [need_x, need_w, False]
    )
    return gx, gw


def _scale_backward(
    grad: torch.Tensor,
    x: torch.Tensor,
    prep: _Prepared,
    scale: int,
    need_x: bool,
    need_w: bool,
    blurred: torch.Tensor | None = None,
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """Gradients with respect to ``x`` and to the kept weight taps of one scale."""
    if prep.kind == "direct":
        gx, gk = _conv_backward(grad, x, prep.kernel, prep.pad, 1, need_x, need_w)
        return gx, None if gk is None else gk @ prep.basis.T
    m = prep.half_b
    if prep.kind == "blur-first":
        xb = prep.blurred_input(x) if blurred is None else blurred
        gb, gk = _conv_backward(grad, xb, prep.kernel, 0, scale, need_x, need_w)
        # adjoint of the valid blur of the padded input, cropped to the unpadded samples
        gx = None
        if gb is not None:
            edge = 2 * m - prep.pad
            gx = prep.blur(F.pad(gb, (edge, edge)))
        return gx, gk
    gu = prep.blur(F.pad(grad, (2 * m, 2 * m)))
    return _conv_backward(gu, x, prep.kernel, prep.pad, scale, need_x, need_w)


def keeps_blurred(step: ScaleStep, c_in: int, c_out: int) -> bool:
    """Tell whether a step saves its blurred input for the backward pass.

    Blur-first steps whose input has at most a quarter of the output's channels (the
    lifting) keep it, since the saved copy is small next to the layer's output; the others
    rebuild it.
    """
    return step.kind == "blur-first" and 4 * c_in * step.n_window <= c_out


def _window(x: torch.Tensor, step: ScaleStep) -> torch.Tensor:
    batch, c_in, _, length = x.shape
    return x[:, :, step.start : step.start + step.n_window].reshape(
        batch, c_in * step.n_window, length
    )


def _window_weight(weight: torch.Tensor, step: ScaleStep) -> torch.Tensor:
    c_out, c_in, _, k = weight.shape
    return weight[:, :, : step.n_window].reshape(c_out, c_in * step.n_window, k)


def _accumulate_grads(
    gx_all: torch.Tensor | None,
    gw_all: torch.Tensor | None,
    gx: torch.Tensor | None,
    gw: torch.Tensor | None,
    step: ScaleStep,
    prep: _Prepared,
) -> None:
    if gx_all is not None and gx is not None:
        batch, c_in, _, length = gx_all.shape
        gx_all[:, :, step.start : step.start + step.n_window] += gx.view(
            batch, c_in, step.n_window, length
        )
    if gw_all is not None and gw is not None:
        c_out, c_in = gw_all.shape[:2]
        taps = slice(None) if prep.kind == "direct" else prep.taps_slice
        gw_all[:, :, : step.n_window, taps] += gw.view(c_out, c_in, step.n_window, -1)


class _MultiScaleConv(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, weight: torch.Tensor, steps: tuple[ScaleStep, ...]
    ) -> torch.Tensor:
        batch, c_in, _, length = x.shape
        c_out = weight.shape[0]
        out = x.new_empty(batch, c_out, len(steps), length)
        kept: list[torch.Tensor] = []
        for i, step in enumerate(steps):
            prep = _Prepared(_window_weight(weight, step), step, length)
            window = _window(x, step)
            blurred = None
            if keeps_blurred(step, c_in, c_out):
                blurred = prep.blurred_input(window)
                kept.append(blurred)
            out[:, :, i] = _scale_forward(window, prep, step.scale, blurred)
        ctx.save_for_backward(x, weight, *kept)
        ctx.steps = steps
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, weight, *kept = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[:2]
        # create_graph=True: the saved blurred inputs were made without a graph
        differentiable = torch.is_grad_enabled()
        gx_all = torch.zeros_like(x) if need_x else None
        gw_all = torch.zeros_like(weight) if need_w else None
        c_in, length = x.shape[1], x.shape[-1]
        saved = iter(kept)
        for i, step in enumerate(ctx.steps):
            prep = _Prepared(_window_weight(weight, step), step, length)
            blurred = next(saved) if keeps_blurred(step, c_in, weight.shape[0]) else None
            if differentiable:
                blurred = None
            gx, gw = _scale_backward(
                grad[:, :, i].contiguous(),
                _window(x, step),
                prep,
                step.scale,
                need_x,
                need_w,
                blurred,
            )
            _accumulate_grads(gx_all, gw_all, gx, gw, step, prep)
        return gx_all, gw_all, None


def multiscale_conv1d(
    x: torch.Tensor, weight: torch.Tensor, steps: tuple[ScaleStep, ...]
) -> torch.Tensor:
    """Every output scale of a zero-padded ("same") B-spline correlation, one autograd node.

    Parameters
    ----------
    x : torch.Tensor, shape (B, C_in, S, T)
    weight : torch.Tensor, shape (C_out, C_in, N_h, K)
    steps : tuple of ScaleStep, length S'
        Output scale ``i`` correlates input scales ``start … start + n_window - 1`` (with
        the first ``n_window`` weight windows) with the kernels dilated by ``scale``.

    Returns
    -------
    torch.Tensor, shape (B, C_out, S', T)
    """
    return _MultiScaleConv.apply(x, weight, steps)
