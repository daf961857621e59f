"""One PyTorch autograd node for several regions of one tensor (the children of a spectrum).

Scattering1D's second-order groups each read a block of rows and bins of their parent's
envelope spectrum (:func:`scatterwave.core.ops.bandpass_pairs`). Sliced one by one, every
region records its own slice nodes, and the backward pass of each fills a zero tensor the
size of the whole spectrum, copies the region's gradient into it and adds that to the
others': about three full-size passes per child. Here the regions of one spectrum are views
returned by one node, whose backward pass fills one zero tensor and adds each region's
gradient into its place.

The node is taken only where PyTorch records a graph through the spectrum, outside
``torch.func`` transforms (:func:`records_regions`); elsewhere the cores slice as before.
Its backward pass is composed of differentiable operators, so a double backward works.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from scatterwave.core.capabilities import Capabilities, is_functorch_wrapped


class Region(NamedTuple):
    """One region: rows ``first_row:stop_row`` (axis 1), bins ``first_bin:stop_bin`` (axis 2)."""

    first_row: int
    stop_row: int
    first_bin: int
    stop_bin: int


def records_regions(spectrum: Any, caps: Capabilities) -> bool:
    """Tell whether :func:`regions` of ``spectrum`` go through the node (see the module doc)."""
    if caps.library != "torch" or caps.traced or not getattr(spectrum, "requires_grad", False):
        return False
    import torch

    return torch.is_grad_enabled() and not is_functorch_wrapped(spectrum)


def regions(spectrum: Any, bounds: tuple[Region, ...]) -> tuple[Any, ...]:
    """Return the views ``spectrum[:, r0:r1, lo:hi]`` of ``bounds`` from one autograd node.

    For spectra through which PyTorch records a graph (:func:`records_regions`).
    """
    return tuple(_node().apply(spectrum, bounds))


@functools.cache
def _node() -> Any:
    import torch

    class Regions(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, spectrum: Any, bounds: tuple[Region, ...]) -> tuple[Any, ...]:  # type: ignore[override]
            ctx.bounds, ctx.shape = bounds, spectrum.shape
            return tuple(spectrum[:, r0:r1, lo:hi] for r0, r1, lo, hi in bounds)

        @staticmethod
        def backward(ctx: Any, *grads: Any) -> tuple[Any, None]:  # type: ignore[override]
            present = [g for g in grads if g is not None]
            if not present:
                return None, None
            full = present[0].new_zeros(ctx.shape)
            for (r0, r1, lo, hi), g in zip(ctx.bounds, grads, strict=True):
                if g is not None:
                    full[:, r0:r1, lo:hi].add_(g)  # not +=: its __setitem__ copies again
            return full, None

    return Regions
