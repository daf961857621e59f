"""A plan's buffers in the library, device and dtype of an input.

One function decides every buffer's dtype, for the transforms (from the plan's NumPy arrays,
:meth:`scatterwave._transform.ArrayAPITransform.buffers`) and the torch modules (from their
float64 master tensors, :mod:`scatterwave.nn.scattering`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scatterwave.core.capabilities import Capabilities
from scatterwave.core.ops import as_index, device_of

Array = Any


def convert_buffers(
    buffers: dict[str, Any], xp: Any, like: Array, caps: Capabilities
) -> dict[str, Array]:
    """Convert a plan's buffers to ``like``'s library, device and dtype.

    The one place that decides each buffer's dtype, for the transforms (from the plan's
    NumPy arrays) and the torch modules (from their float64 master tensors, already in the
    input's library and on its device): ``index`` is an integer index, filters (``*_f``,
    ``*_fr``) are complex where ``caps.complex_filters`` (PyTorch, TensorFlow: see
    :class:`~scatterwave.core.capabilities.Capabilities`), and every other buffer takes
    ``like``'s real dtype.

    Parameters
    ----------
    buffers : dict of str to array
        NumPy arrays (``plan.buffers``), or arrays of ``like``'s library on its device.
    xp : namespace
        The array-API namespace of ``like``.
    like : array
        An array of the target library, device and real dtype (float32 or float64).
    caps : Capabilities
        The capabilities of ``like``.

    Returns
    -------
    dict of str to array
    """
    dev = device_of(like)
    single = like.dtype == xp.float32
    np_dtype = np.float32 if single else np.float64
    out = {}
    for name, arr in buffers.items():
        host = isinstance(arr, np.ndarray)
        if name == "index":
            out[name] = as_index(arr, like, xp, caps=caps) if host else arr
        elif caps.complex_filters and is_filter(name):
            if host:
                np_complex = np.complex64 if single else np.complex128
                out[name] = xp.asarray(arr.astype(np_complex), device=dev)
            else:
                out[name] = xp.astype(arr, xp.complex64 if single else xp.complex128, copy=False)
        elif not host:
            out[name] = xp.astype(arr, like.dtype, copy=False)
        elif caps.library == "numpy":  # NumPy reads the plan's arrays as they are (no copy)
            out[name] = arr.astype(np_dtype, copy=False)
        else:
            out[name] = xp.asarray(arr.astype(np_dtype), device=dev)
    return out


def is_filter(name: str) -> bool:
    """Buffers named ``*_f`` / ``*_fr`` hold Fourier-domain filters (house naming convention)."""
    return name.endswith(("_f", "_fr"))
