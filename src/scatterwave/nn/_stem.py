"""Fused Wavelet Network stem: lifting -> max-pool -> batch norm -> ReLU -> max-pool.

The lifting output at full time resolution is the largest tensor of a W-Net (``B C S T``
values, 9 scales). Run module by module, training keeps it (for the max-pool), the pooled
map twice (batch norm input, ReLU output) and two int64 index maps. This node computes the
same function scale by scale and keeps only the input, the pooled lifting output ``z``
(which batch norm needs) and the positions of both maxima as offsets of a few bits within
their windows; the full-resolution lifting of one scale exists only transiently, in the
forward and again in the backward pass, where it is rebuilt from the saved offsets (no
recomputation of the lifting). The result equals the module-by-module one up to
round-off, including the running-statistics update of batch norm. A double backward
(``create_graph=True``) recomputes the stem module by module, with a graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from scatterwave.nn._maxpool import (
    MAX_WINDOW,
    grads_with_graph,
    max_pool,
    packed_length,
    pool_into,
    unpool_into,
)
from scatterwave.nn._multiscale import (
    ScaleStep,
    _Prepared,
    _scale_backward,
    _scale_forward,
    keeps_blurred,
    multiscale_conv1d,
    plan_steps,
)

if TYPE_CHECKING:
    from scatterwave.nn.layers import LiftingConv1d
    from scatterwave.nn.pooling import TimePool

__all__ = ["StemSequential", "fused_stem"]


class _StemFn(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        weight: torch.Tensor,
        gamma: torch.Tensor,
        beta: torch.Tensor,
        norm: torch.nn.BatchNorm2d,
        steps: tuple[ScaleStep, ...],
        pools: tuple[int, int],
    ) -> torch.Tensor:
        p1, p2 = pools
        batch, _, length = x.shape
        c_out = weight.shape[0]
        t1 = length // p1
        # scale-major internal layout: every per-scale slice is contiguous
        z = x.new_empty(len(steps), batch, c_out, t1)
        a1 = x.new_empty(*z.shape[:-1], packed_length(t1, p1), dtype=torch.uint8)
        index = torch.empty(z.shape[1:], dtype=torch.long, device=x.device)
        kept: list[torch.Tensor] = []
        for j, step in enumerate(steps):
            prep = _Prepared(weight, step, length)
            blurred = None
            if keeps_blurred(step, x.shape[1], c_out):
                blurred = prep.blurred_input(x)
                kept.append(blurred)
            pool_into(_scale_forward(x, prep, step.scale, blurred), p1, z[j], a1[j], index)
        batch_stats = norm.training or norm.running_mean is None
        if batch_stats:
            mean, var = _batch_stats(z)
            if norm.training and norm.track_running_stats and norm.running_mean is not None:
                _update_running_stats(norm, mean, var, z.numel() // c_out)
        else:
            # not batch_stats: the module keeps running statistics
            assert norm.running_mean is not None and norm.running_var is not None
            mean, var = norm.running_mean.clone(), norm.running_var.clone()
        invstd = torch.rsqrt(var + norm.eps)
        a, b = _affine(gamma, beta, mean, invstd)
        out = x.new_empty(len(steps), batch, c_out, t1 // p2)
        a2 = x.new_empty(*out.shape[:-1], packed_length(t1 // p2, p2), dtype=torch.uint8)
        index = torch.empty(out.shape[1:], dtype=torch.long, device=x.device)
        for j in range(len(steps)):
            pool_into((z[j] * a + b).clamp_min_(0), p2, out[j], a2[j], index)
        out = out.permute(1, 2, 0, 3).contiguous()
        ctx.save_for_backward(x, weight, gamma, beta, z, a1, a2, mean, invstd, *kept)
        ctx.steps, ctx.pools, ctx.batch_stats = steps, pools, batch_stats
        ctx.eps = norm.eps
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        if torch.is_grad_enabled():  # create_graph=True
            return (*_recomputed_grads(ctx, grad), None, None, None)
        x, weight, gamma, beta, z, a1, a2, mean, invstd, *kept = ctx.saved_tensors
        p1, p2 = ctx.pools
        need_x, need_w = ctx.needs_input_grad[:2]
        length = x.shape[-1]
        g_buf = z.new_empty(z.shape[1:])
        gy_buf = x.new_empty(x.shape[0], weight.shape[0], length)
        a, b = _affine(gamma, beta, mean, invstd)
        m = mean[:, None]
        s = invstd[:, None]

        def norm_grad(j: int) -> tuple[torch.Tensor, torch.Tensor]:
            """Gradient at the batch-norm output and the normalised input, scale ``j``."""
            zj = z[j]
            g = unpool_into(grad[:, :, j], a2[j], p2, g_buf)
            g.masked_fill_(zj * a + b <= 0, 0)
            return g, (zj - m) * s

        n_scales = z.shape[0]
        d_beta = torch.zeros_like(mean)
        d_gamma = torch.zeros_like(mean)
        for j in range(n_scales):
            g, xhat = norm_grad(j)
            d_beta += g.sum(dim=(0, 2))
            d_gamma += (g * xhat).sum(dim=(0, 2))
        count = z.numel() // z.shape[2]
        gx_all = torch.zeros_like(x) if need_x else None
        gw_all = torch.zeros_like(weight) if need_w else None
        if need_x or need_w:
            scale_in = (gamma * invstd)[:, None]
            c1 = (d_beta / count)[:, None]
            c2 = (d_gamma / count)[:, None]
            saved = iter(kept)
            for j, step in enumerate(ctx.steps):
                blurred = next(saved) if keeps_blurred(step, x.shape[1], z.shape[2]) else None
                g, xhat = norm_grad(j)
                if ctx.batch_stats:
                    g = g.sub_(c1).sub_(xhat.mul_(c2))
                dz = g.mul_(scale_in)
                prep = _Prepared(weight, step, length)
                gy = unpool_into(dz, a1[j], p1, gy_buf)
                gx, gw = _scale_backward(gy, x, prep, step.scale, need_x, need_w, blurred)
                if gx is not None and gx_all is not None:
                    gx_all += gx
                if gw is not None and gw_all is not None:
                    taps = slice(None) if prep.kind == "direct" else prep.taps_slice
                    gw_all[..., taps] += gw
        return gx_all, gw_all, d_gamma, d_beta, None, None, None


def _recomputed_grads(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
    """Return the gradients for ``x``, the weights, ``gamma`` and ``beta`` with a graph.

    The stem is recomputed module by module from the saved input, with batch statistics
    when the forward pass used them and the forward pass's statistics as constants
    otherwise, and differentiated with ``create_graph=True``.
    """
    x, weight, gamma, beta, *_, mean, invstd = ctx.saved_tensors[:9]
    p1, p2 = ctx.pools
    z = max_pool(multiscale_conv1d(x[:, :, None], weight[:, :, None], ctx.steps), p1)
    if ctx.batch_stats:
        z = F.batch_norm(z, None, None, gamma, beta, True, 0.0, ctx.eps)
    else:
        a, b = _affine(gamma, beta, mean, invstd)
        z = z * a[..., None] + b[..., None]
    out = max_pool(z.clamp_min(0), p2)
    return grads_with_graph(out, (x, weight, gamma, beta), ctx.needs_input_grad[:4], grad)


def _batch_stats(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and biased variance of ``z`` ``(S, B, C, T)``, two passes.

    Scale by scale (contiguous reductions) with float64 sums: several times faster on CPU
    than one ``var_mean`` over the strided axes, and as accurate.
    """
    acc = torch.float64
    count = z.numel() // z.shape[2]
    # sum() of tensors (z has at least one scale) is a tensor
    total = cast(torch.Tensor, sum(z[j].sum(dim=(0, 2), dtype=acc) for j in range(z.shape[0])))
    mean = (total / count).to(z.dtype)
    shifted = (z[j] - mean[:, None] for j in range(z.shape[0]))
    total = cast(torch.Tensor, sum(d.square_().sum(dim=(0, 2), dtype=acc) for d in shifted))
    return mean, (total / count).to(z.dtype)


def _affine(
    gamma: torch.Tensor, beta: torch.Tensor, mean: torch.Tensor, invstd: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    a = gamma * invstd
    return a[:, None], (beta - mean * a)[:, None]


def fused_stem(
    x: torch.Tensor,
    weight: torch.Tensor,
    scales: tuple[int, ...],
    pools: tuple[int, int],
    norm: torch.nn.BatchNorm2d,
    method: str,
) -> torch.Tensor:
    """``pool(relu(norm(pool(lifting(x)))))`` in one memory-light autograd node.

    Parameters
    ----------
    x : torch.Tensor, shape (B, C_in, T)
    weight : torch.Tensor, shape (C_out, C_in, K)
        Lifting weights (zero "same" padding).
    scales : tuple of int, length S
        Lifting scales.
    pools : (int, int)
        Non-overlapping max-pooling windows before and after the normalisation
        (at most 256 each).
    norm : torch.nn.BatchNorm2d
        Affine batch norm of ``C_out`` channels; its running statistics are updated as
        the module itself would update them.
    method : {"auto", "direct", "two-step"}
        Lifting implementation per scale.

    Returns
    -------
    torch.Tensor, shape (B, C_out, S, (T // p1) // p2)
    """
    c_out, c_in, k = weight.shape
    steps = plan_steps([(0, 1, s) for s in scales], method, x.shape[-1], c_in, c_out, k)
    return _StemFn.apply(x, weight, norm.weight, norm.bias, norm, steps, pools)


def _update_running_stats(
    norm: torch.nn.BatchNorm2d, mean: torch.Tensor, var: torch.Tensor, count: int
) -> None:
    """Update the running statistics of ``norm`` as :class:`torch.nn.BatchNorm2d` does in training.

    Parameters
    ----------
    norm : torch.nn.BatchNorm2d
        Batch norm that tracks running statistics (``running_mean`` is not None).
    mean, var : torch.Tensor, shape (C,)
        Batch mean and biased batch variance per channel.
    count : int
        Number of values per channel in the batch (for the unbiased variance).
    """
    running_mean, running_var = norm.running_mean, norm.running_var
    assert running_mean is not None and running_var is not None
    with torch.no_grad():
        tracked = norm.num_batches_tracked
        if tracked is not None:
            tracked.add_(1)
        if norm.momentum is None:
            factor = 1.0 / float(tracked) if tracked is not None else 0.0
        else:
            factor = norm.momentum
        unbiased = var * (count / max(count - 1, 1))
        running_mean.mul_(1 - factor).add_(mean.detach(), alpha=factor)
        running_var.mul_(1 - factor).add_(unbiased.detach(), alpha=factor)


def _fusable_stem(
    modules: list[nn.Module],
) -> tuple[LiftingConv1d, TimePool, nn.BatchNorm2d, TimePool] | None:
    """Find the leading stem that :func:`fused_stem` can run.

    Parameters
    ----------
    modules : list of torch.nn.Module
        The modules of a :class:`StemSequential`, in order.

    Returns
    -------
    (LiftingConv1d, TimePool, torch.nn.BatchNorm2d, TimePool) or None
        The lifting, the first pooling, the batch norm and the second pooling of the first
        five modules when they form a fusable stem (see :class:`StemSequential`), else None.
    """
    from scatterwave.nn.layers import LiftingConv1d
    from scatterwave.nn.pooling import TimePool

    if len(modules) < 5:
        return None
    lift, pool1, norm, relu, pool2 = modules[:5]
    if not (
        isinstance(lift, LiftingConv1d)
        and isinstance(pool1, TimePool)
        and isinstance(norm, nn.BatchNorm2d)
        and isinstance(pool2, TimePool)
        and type(relu) is nn.ReLU
    ):
        return None
    pools_ok = all(
        p.mode == "max" and p.stride == p.kernel_size <= MAX_WINDOW for p in (pool1, pool2)
    )
    fusable = (
        pools_ok
        and lift.padding == "same"
        and lift.method != "fft"
        and lift.bias is None
        and norm.affine
        and not any(m._forward_hooks or m._forward_pre_hooks for m in modules[:5])
    )
    return (lift, pool1, norm, pool2) if fusable else None


class StemSequential(nn.Sequential):
    """:class:`torch.nn.Sequential` that runs a W-Net's stem and pooled blocks as fused nodes.

    When the first five modules are a zero-padded :class:`~scatterwave.nn.layers.
    LiftingConv1d` without bias, a max :class:`~scatterwave.nn.pooling.TimePool`, an affine
    batch norm, a ReLU and a second max ``TimePool`` (non-overlapping windows), they run
    through :func:`fused_stem`. While gradients are recorded, every later batch norm (in
    training mode), ReLU and max ``TimePool`` run through
    :func:`scatterwave.nn._norm_relu_pool.norm_relu_pool`. Same result up to round-off,
    same parameters, buffers and state-dict keys, a fraction of the training memory.
    Modules with forward hooks run one by one instead.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Run the modules in order, fusing the stem and the pooled blocks when possible.

        Under :func:`torch.autocast` every module runs in the parameters' precision (see
        :mod:`scatterwave.nn.functional`).
        """
        from scatterwave.nn.functional import outside_autocast

        dtype = next((p.dtype for p in self.parameters() if p.is_floating_point()), x.dtype)
        return outside_autocast(self._run, x, dtype)

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        from scatterwave.nn._norm_relu_pool import fusable_norm_relu_pool, norm_relu_pool
        from scatterwave.nn.functional import _check_tensors

        modules = list(self)
        stem = _fusable_stem(modules)
        i = 0
        if stem is not None:
            lift, pool1, norm, pool2 = stem
            lift._check_input(x)
            _check_tensors(x, lift.weight)
            if x.shape[-1] // pool1.kernel_size >= pool2.kernel_size:  # else: modules raise
                x = fused_stem(
                    x,
                    lift.weight,
                    lift.grid.scales,
                    (pool1.kernel_size, pool2.kernel_size),
                    norm,
                    lift.method,
                )
                i = 5
        while i < len(modules):
            window = fusable_norm_relu_pool(modules[i:], x)
            if window is None:
                x = modules[i](x)
                i += 1
            else:
                x = norm_relu_pool(x, modules[i], window)  # type: ignore[arg-type]
                i += 3
        return x
