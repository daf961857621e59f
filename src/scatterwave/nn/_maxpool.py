"""Max-pooling over non-overlapping windows that remembers its maxima in a few bits each.

The fused W-Net nodes (:mod:`scatterwave.nn._stem`, :mod:`scatterwave.nn._norm_relu_pool`)
keep, for the backward pass, where each maximum lies within its window. The module-by-module
pooling keeps an int64 index per output value; here each offset takes ``ceil(log2(p))`` bits
rounded up to 1, 2, 4 or 8, packed into ``uint8`` (a window of 4 takes 2 bits: 32 times less
than int64). For a double backward the fused nodes recompute their output with
:func:`max_pool` and differentiate it with :func:`grads_with_graph`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = [
    "MAX_WINDOW",
    "grads_with_graph",
    "max_pool",
    "packed_length",
    "pool_into",
    "unpool_into",
]

#: Largest window whose offsets fit a byte.
MAX_WINDOW = 256


def max_pool(y: torch.Tensor, p: int) -> torch.Tensor:
    """Max-pool ``y`` over windows of ``p`` on its last axis, differentiably.

    The same maxima as :func:`pool_into` (the trailing ``T % p`` samples are dropped), with
    an autograd graph; the fused nodes use it to recompute their output for a double
    backward.

    Parameters
    ----------
    y : torch.Tensor, shape (..., T)
    p : int
        Window.

    Returns
    -------
    torch.Tensor, shape (..., T // p)
    """
    n = y.shape[-1] // p
    return y[..., : n * p].unflatten(-1, (n, p)).max(dim=-1).values


def grads_with_graph(
    out: torch.Tensor,
    inputs: tuple[torch.Tensor, ...],
    needs: tuple[bool, ...],
    grad: torch.Tensor,
) -> tuple[torch.Tensor | None, ...]:
    """Differentiate a fused node's recomputed ``out`` for a double backward.

    Parameters
    ----------
    out : torch.Tensor
        The node's output, recomputed module by module with an autograd graph.
    inputs : tuple of torch.Tensor
        The node's tensor inputs, in order.
    needs : tuple of bool
        ``ctx.needs_input_grad`` for ``inputs``.
    grad : torch.Tensor
        Gradient at ``out``.

    Returns
    -------
    tuple of torch.Tensor or None
        One gradient per input (None where not needed), with a graph (``create_graph=True``).
    """
    wanted = [t for t, n in zip(inputs, needs, strict=True) if n]
    grads = iter(torch.autograd.grad(out, wanted, grad, create_graph=True))
    return tuple(next(grads) if n else None for n in needs)


def _bits(p: int) -> int:
    """Bits per offset for windows of ``p``: 1, 2, 4 or 8."""
    need = max(1, (p - 1).bit_length())
    return next(b for b in (1, 2, 4, 8) if b >= need)


def packed_length(n: int, p: int) -> int:
    """Bytes that hold the offsets of ``n`` windows of ``p`` along one row."""
    per = 8 // _bits(p)
    return -(-n // per)


def pool_into(
    y: torch.Tensor,
    p: int,
    values: torch.Tensor,
    packed: torch.Tensor,
    index: torch.Tensor | None = None,
) -> None:
    """Max-pool ``y`` over windows of ``p`` on its last axis, into buffers.

    Parameters
    ----------
    y : torch.Tensor, shape (..., T)
        Input; the ``T - n * p`` trailing samples are dropped.
    p : int
        Window (at most :data:`MAX_WINDOW`).
    values : torch.Tensor, shape (..., n)
        Receives the maxima, ``n = T // p``.
    packed : torch.Tensor of uint8, shape (..., packed_length(n, p))
        Receives the offsets of the maxima within their windows.
    index : torch.Tensor of int64, shape (..., n), optional
        Scratch buffer (allocated when not given).
    """
    n = values.shape[-1]
    if index is None:
        index = values.new_empty(values.shape, dtype=torch.long)
    torch.max(y[..., : n * p].unflatten(-1, (n, p)), dim=-1, out=(values, index))
    offsets = index.to(torch.uint8)
    bits = _bits(p)
    per = 8 // bits
    if per == 1:
        packed.copy_(offsets)
        return
    if n % per:
        offsets = torch.cat([offsets, offsets.new_zeros(*offsets.shape[:-1], per - n % per)], -1)
    offsets = offsets.unflatten(-1, (-1, per))
    packed.copy_(offsets[..., 0])
    for i in range(1, per):  # disjoint bits: adding is or-ing
        packed.add_(offsets[..., i], alpha=1 << (bits * i))


_TABLES: dict[tuple[int, torch.device], torch.Tensor] = {}


def _table(bits: int, device: torch.device) -> torch.Tensor:
    """Every byte value's offsets, ``(256, 8 // bits)`` int64, made once per device."""
    key = (bits, device)
    if key not in _TABLES:
        values = torch.arange(256, device=device)[:, None]
        shifts = torch.arange(0, 8, bits, device=device)
        _TABLES[key] = (values >> shifts) & ((1 << bits) - 1)
    return _TABLES[key]


def _unpack_index(packed: torch.Tensor, p: int, n: int) -> torch.Tensor:
    """Return the ``n`` offsets stored by :func:`pool_into`, as int64 ``(..., n)``."""
    bits = _bits(p)
    if bits == 8:
        return packed[..., :n].long()
    # looked up byte by byte: faster than shifts on a CPU, and one kernel on a GPU
    return F.embedding(packed.long(), _table(bits, packed.device)).flatten(-2)[..., :n]


def unpool_into(
    grad: torch.Tensor, packed: torch.Tensor, p: int, out: torch.Tensor
) -> torch.Tensor:
    """Adjoint of :func:`pool_into`: ``grad`` placed at the maxima, zeros elsewhere.

    Parameters
    ----------
    grad : torch.Tensor, shape (..., n)
        Gradient at the pooled values.
    packed : torch.Tensor of uint8
        The offsets stored by :func:`pool_into`.
    p : int
        Window.
    out : torch.Tensor, shape (..., T)
        Receives the gradient at the input; returned.

    Notes
    -----
    The offsets are unpacked to an int64 map for the scatter, one temporary of ``grad``'s
    size (the backward pass of a W-Net stem does not peak there).
    """
    n = grad.shape[-1]
    index = _unpack_index(packed, p, n)
    out.zero_()
    out[..., : n * p].unflatten(-1, (n, p)).scatter_(-1, index.unsqueeze(-1), grad.unsqueeze(-1))
    return out
