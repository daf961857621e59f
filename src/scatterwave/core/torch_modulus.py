"""PyTorch autograd nodes for the moduli of :mod:`scatterwave.core.ops` (CPU and accelerators).

Composed of PyTorch operators, a modulus records several autograd nodes whose backward passes
allocate and fill zero tensors (the ``select`` of a real or imaginary part) and recompute
quotients; here each modulus is one node whose backward is a division and one product. The
values are those of the composed operators; the gradient at ``z = 0`` is zero, PyTorch's
convention for ``abs``. Both nodes are differentiable twice and run under ``torch.func``
transforms (their vmap rule is generated) and ``torch.compile``: they are module-level classes
(imported only where PyTorch is in use), since a class built inside a function splits a
``torch.compile`` graph at every call.
"""

from __future__ import annotations

import math
from typing import Any

import torch

__all__ = ["Modulus", "StackedModulus"]


class Modulus(torch.autograd.Function):
    """``|z|`` of a complex tensor as one node: ``sqrt(re**2 + im**2 + tiny)``.

    Forward squares the interleaved real view (vectorised on CPU, see
    :func:`scatterwave.core.ops.modulus`); backward ``grad_z = z * (grad / U)``. It keeps
    ``z`` and ``U``, as the composed operators did, but records one node instead of five (view,
    square, two selects and an add, then a shifted root), whose backward took 11 operators
    per band group. Used on CPU above :data:`scatterwave.core.ops.NODE_MODULUS_INTERLEAVED`
    elements (accelerators take PyTorch's complex ``abs``).
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(z: Any) -> Any:  # type: ignore[override]
        """Return ``|z|`` (shape of ``z``, real)."""
        squares = torch.view_as_real(z).square()
        total = torch.add(squares[..., 0], squares[..., 1])
        return total.add_(torch.finfo(total.dtype).smallest_normal).sqrt_()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        """Save ``z`` and ``|z|``."""
        ctx.save_for_backward(inputs[0], output)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:  # type: ignore[override]
        """Return ``z * (grad / |z|)``."""
        z, U = ctx.saved_tensors
        return z * (grad / U)


class StackedModulus(torch.autograd.Function):
    """The modulus of a real tensor holding (real, imaginary) along ``axis``, as one node.

    Forward ``U = hypot(re, im + c)``, ``c`` the square root of the smallest normal number (as
    :func:`scatterwave.core.ops.modulus_parts`); backward ``grad_z = z * (grad / U)`` with
    ``grad / U`` broadcast along ``axis``: both parts' gradients in one product.
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(z: Any, axis: int) -> Any:  # type: ignore[override]
        """Return ``hypot(re, im + c)`` of the two entries of ``axis`` (that axis dropped)."""
        shift = math.sqrt(torch.finfo(z.dtype).smallest_normal)
        return torch.hypot(z.select(axis, 0), z.select(axis, 1) + shift)

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        """Save ``z``, the modulus and the axis."""
        ctx.axis = inputs[1]
        ctx.save_for_backward(inputs[0], output)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple[Any, None]:  # type: ignore[override]
        """Return ``z * (grad / U)`` broadcast along the axis (no gradient for ``axis``)."""
        z, U = ctx.saved_tensors
        return z * (grad / U).unsqueeze(ctx.axis), None
