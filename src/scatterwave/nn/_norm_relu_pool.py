"""Fused batch norm -> ReLU -> max-pool, the tail of every pooled W-Net block.

Run module by module in training, these three layers keep the batch-norm input, the ReLU
output at full resolution and an int64 index map of the pooling. This node keeps the
batch-norm input (the convolution's output, which batch norm needs in any case), the
positions of the maxima as offsets of a few bits within their windows, and its own pooled
output (which the next layer keeps anyway). The ReLU output exists only transiently in the
forward pass; the backward pass needs no recomputation: the ReLU passes a gradient exactly
where the pooled output is positive. A double backward (``create_graph=True``) recomputes
the three layers with a graph instead. Batch norm runs through the same kernels as
:class:`torch.nn.BatchNorm2d` (``aten.native_batch_norm`` and its backward), so results,
gradients and the running-statistics update match the modules up to round-off.
"""

from __future__ import annotations

from typing import Any

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

__all__ = ["fusable_norm_relu_pool", "norm_relu_pool"]


class _NormReluPoolFn(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        y: torch.Tensor,
        gamma: torch.Tensor,
        beta: torch.Tensor,
        norm: nn.BatchNorm2d,
        factor: float,
        p: int,
    ) -> torch.Tensor:
        track = norm.track_running_stats and norm.running_mean is not None
        z, mean, invstd = torch.ops.aten.native_batch_norm(
            y,
            gamma,
            beta,
            norm.running_mean if track else None,
            norm.running_var if track else None,
            True,
            factor,
            norm.eps,
        )
        z.clamp_min_(0)
        n = y.shape[-1] // p
        out = y.new_empty(*y.shape[:-1], n)
        offsets = y.new_empty(*y.shape[:-1], packed_length(n, p), dtype=torch.uint8)
        pool_into(z, p, out, offsets)
        del z
        ctx.save_for_backward(y, gamma, beta, mean, invstd, offsets, out)
        ctx.p, ctx.eps = p, norm.eps
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        y, gamma, beta, mean, invstd, offsets, out = ctx.saved_tensors
        needs = ctx.needs_input_grad[:3]
        if torch.is_grad_enabled():
            # create_graph=True: recompute with a graph (batch statistics, no running update)
            z = F.batch_norm(y, None, None, gamma, beta, True, 0.0, ctx.eps)
            out = max_pool(z.clamp_min(0), ctx.p)
            return (*grads_with_graph(out, (y, gamma, beta), needs, grad), None, None, None)
        # ReLU: a maximum passes its gradient only where it is positive
        g = unpool_into(grad * (out > 0), offsets, ctx.p, torch.empty_like(y))
        dy, d_gamma, d_beta = torch.ops.aten.native_batch_norm_backward(
            g, y, gamma, None, None, mean, invstd, True, ctx.eps, list(needs)
        )
        return dy, d_gamma, d_beta, None, None, None


def norm_relu_pool(y: torch.Tensor, norm: nn.BatchNorm2d, p: int) -> torch.Tensor:
    """``max_pool(relu(norm(y)))`` over windows of ``p`` in one memory-light node.

    Parameters
    ----------
    y : torch.Tensor, shape (B, C, S, T)
        Batch-norm input.
    norm : torch.nn.BatchNorm2d
        Affine batch norm of ``C`` channels in training mode; its running statistics and
        ``num_batches_tracked`` are updated as the module updates them.
    p : int
        Non-overlapping max-pooling window along the last axis (at most 256).

    Returns
    -------
    torch.Tensor, shape (B, C, S, T // p)
    """
    norm._check_input_dim(y)
    factor = 0.0 if norm.momentum is None else norm.momentum
    if norm.track_running_stats and norm.num_batches_tracked is not None:
        norm.num_batches_tracked.add_(1)
        if norm.momentum is None:  # cumulative moving average
            factor = 1.0 / float(norm.num_batches_tracked)
    return _NormReluPoolFn.apply(y, norm.weight, norm.bias, norm, factor, p)


def fusable_norm_relu_pool(modules: list[nn.Module], x: torch.Tensor) -> int | None:
    """Return the pooling window if ``modules[:3]`` can run as :func:`norm_relu_pool` on ``x``.

    They can when they are an affine :class:`torch.nn.BatchNorm2d` in training mode, a
    plain :class:`torch.nn.ReLU` and a max :class:`~scatterwave.nn.pooling.TimePool` with
    non-overlapping windows, none of them hooked, gradients are being recorded and ``x``
    is 4-D and at least one window long. Otherwise (None) the modules run one by one and
    raise their own errors.
    """
    from scatterwave.nn.pooling import TimePool

    if len(modules) < 3 or not (torch.is_grad_enabled() and x.ndim == 4):
        return None
    norm, relu, pool = modules[:3]
    if not (
        isinstance(norm, nn.BatchNorm2d) and type(relu) is nn.ReLU and isinstance(pool, TimePool)
    ):
        return None
    fusable = (
        norm.training
        and norm.affine
        and pool.mode == "max"
        and pool.stride == pool.kernel_size <= MAX_WINDOW
        and x.shape[-1] >= pool.kernel_size
        and not any(m._forward_hooks or m._forward_pre_hooks for m in modules[:3])
    )
    return pool.kernel_size if fusable else None
