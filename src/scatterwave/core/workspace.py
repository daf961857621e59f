"""Reusable NumPy work arrays: no fresh memory mapped and unmapped on every call.

A forward pass allocates and frees the same temporaries on every call. In NumPy each large
one is memory the C allocator maps afresh (or gets back after trimming its heap), so every
call pays page faults in the kernel: 15-25 % of a Scattering1D call's CPU time on short
series, a third of a JTFS call's. A :class:`Workspace` keeps them: the compute cores ask it
for an array by name, shape and dtype and write into it with NumPy's ``out=`` arguments.

Arrays handed out are overwritten by the next call, so nothing taken from a workspace may be
returned to the user: the cores copy their outputs out. Workspaces are per thread
(:class:`ThreadWorkspaces`), so concurrent calls of one transform never share one.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np


class Workspace:
    """Named NumPy arrays kept between calls (one set per transform, input length and thread)."""

    def __init__(self) -> None:
        self._flat: dict[Any, np.ndarray] = {}
        # The views handed out, by (role, shape, dtype): a call asks for the same few dozen
        # views every time, and looking one up costs less than slicing and reshaping anew.
        self._views: dict[Any, np.ndarray] = {}

    def get(self, role: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """Return an uninitialised C-contiguous array of ``shape`` and ``dtype`` for ``role``.

        Each role has one flat buffer, grown to the largest size asked so far; the array is a
        view of its start. Arrays of the same role therefore overwrite each other: a role must
        not be asked for again while an earlier array of it is still needed.
        """
        if type(shape) is not tuple:
            shape = tuple(shape)
        key = (role, shape, dtype)
        view = self._views.get(key)
        if view is not None:
            return view
        view = self._view(role, shape, np.dtype(dtype))
        self._views[key] = view
        return view

    def _view(self, role: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """:meth:`get` without the cache of views (a grown buffer drops its role's views)."""
        size = 1
        for n in shape:
            size *= int(n)
        flat = self._flat.get((role, dtype))
        if flat is None or flat.size < size:
            flat = self._flat[role, dtype] = np.empty(size, dtype=dtype)
            for key in [k for k in self._views if k[0] == role]:
                del self._views[key]  # views of the buffer it replaces
        return flat[:size].reshape(shape)

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return sum(a.nbytes for a in self._flat.values())


class ThreadWorkspaces:
    """One :class:`Workspace` per thread and key (e.g. input length and dtype)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, key: Any) -> Workspace:
        """Return this thread's workspace for ``key`` (created on first use)."""
        spaces = getattr(self._local, "spaces", None)
        if spaces is None:
            spaces = self._local.spaces = {}
        if key not in spaces:
            spaces[key] = Workspace()
        return spaces[key]

    def __getstate__(self) -> dict:  # pickling a transform drops its work arrays
        return {}

    def __setstate__(self, state: dict) -> None:
        self._local = threading.local()
