"""``torch.nn.Module`` wrappers of the scattering transforms.

The wrappers hold the compiled filters as a few named, non-persistent buffers (``psi1_f``,
``psi2_f``, ``phi_f``, ``index``, ...), so ``.to(device, dtype)`` moves them with the module and
``state_dict()`` stays empty (filters are derived from the hyper-parameters, never learned).

Precision: the filter buffers are master copies in float64 (int64 for ``index``). Dtype casts
of the module (``.half()``, ``.float()``, ``.double()``, ``.to(torch.bfloat16)``) move them
with the module's device changes but never round them: each call casts them to the input's
precision, so a float32 input gets single-precision filters and a float64 input double
precision ones, before and after any cast (the Fourier-domain filters as complex64 /
complex128, see :func:`scatterwave._buffers.convert_buffers`). Inputs must be float32 or
float64; float16 and bfloat16 inputs raise a ``TypeError`` (compute in float32 and cast the
output: ``S(x.float()).half()``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from scatterwave._buffers import convert_buffers
from scatterwave.core.capabilities import Capabilities, capabilities
from scatterwave.scattering1d import Scattering1D as _Scattering1D


class _TransformModule(torch.nn.Module):
    """Runs an array-API transform with torch buffers; see the subclasses."""

    def __init__(self, transform: Any) -> None:
        super().__init__()
        if transform.N is None:
            raise ValueError(
                "torch modules need a fixed input length: pass N (the buffers are sized for it)"
            )
        self.transform = transform
        plan = transform.plan(transform.N)
        # Python-side caches that the first call would otherwise fill inside the forward pass,
        # where a graph traced by torch.compile splits at them: the memory model's per-signal
        # figures and (Scattering1D's plan) the broadcast children of each first-order step.
        for itemsize in (4, 8):
            transform.bytes_per_signal(transform.N, itemsize)
        getattr(plan, "broadcast_children", None)
        self._names = []
        self._cast: dict[str, torch.Tensor] = {}
        self._cast_key: tuple | None = None
        for name, arr in plan.buffers.items():
            # Filters are kept in float64 (their design precision) and cast to the input's dtype
            # on use, so float64 inputs get exact filters whatever the default dtype.
            self.register_buffer(name, torch.from_numpy(arr.copy()), persistent=False)
            self._names.append(name)

    def _apply(self, fn: Any, recurse: bool = True) -> Any:
        """As ``nn.Module._apply``, but the filter buffers keep their dtype (see module notes).

        A cast rounds the buffers on the way (``fn`` is opaque); every buffer whose dtype
        changed is restored from the plan's exact float64 arrays on its new device.
        """
        out = super()._apply(fn, recurse)
        plan = self.transform.plan(self.transform.N)
        for name in self._names:
            buf = self._buffers.get(name)
            master = plan.buffers[name]
            if buf is not None and buf.dtype != _torch_dtype(master.dtype):
                self._buffers[name] = torch.from_numpy(master.copy()).to(buf.device)
        return out

    def _buffers_for(self, x: torch.Tensor, xp: Any, caps: Capabilities) -> dict[str, Any]:
        """Return the buffers in the dtypes the compute core wants for ``x`` (cached per dtype).

        Converted by :func:`scatterwave._buffers.convert_buffers`, as the transforms'
        own buffers are.
        """
        bufs = [getattr(self, name) for name in self._names]
        key = (x.dtype, *(id(b) for b in bufs))  # invalidated when .to() replaces buffers
        if self._cast_key != key:
            self._cast = convert_buffers(dict(zip(self._names, bufs)), xp, x, caps)
            self._cast_key = key
        return self._cast

    def forward(self, x: torch.Tensor) -> Any:
        """Transform ``x`` of shape ``(..., N)``; see the wrapped transform's ``__call__``."""
        # array_api_compat's namespace of torch itself: array_namespace(x) looks it up through
        # an lru_cache, which TorchDynamo traces through with a warning
        from array_api_compat import torch as xp

        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f"x is a {type(x).__module__}.{type(x).__qualname__}; this torch module takes "
                "a torch.Tensor (torch.as_tensor(x)), or use scatterwave."
                f"{type(self.transform).__name__} for NumPy, JAX, CuPy and other arrays"
            )
        if x.shape[-1:] != (self.transform.N,):
            raise ValueError(
                f"x has length {x.shape[-1] if x.ndim else 'none (0-d)'} along its last axis "
                f"but this module was built for N={self.transform.N}; build another module "
                "for that length (its filters are buffers sized for N)"
            )
        if x.dtype in (torch.float16, torch.bfloat16):
            raise TypeError(
                f"x has dtype {x.dtype}; this module computes in float32 or float64 only "
                "(half-precision FFTs lose about 3 significant digits, and its filters stay "
                "float64 whatever the module's dtype). Pass x.float() and cast the output, "
                "e.g. S(x.float()).half()"
            )
        caps = capabilities(x)
        self.transform.check(x, xp, caps)
        return self.transform.run(x, xp, self._buffers_for(x, xp, caps), caps)

    def meta(self) -> dict[str, Any]:
        """Metadata aligned with the output (see the wrapped transform's ``meta``)."""
        return self.transform.meta()

    @property
    def output_shape(self) -> Any:
        """Shape of one signal's output."""
        return self.transform.output_shape

    def extra_repr(self) -> str:
        """Show the wrapped transform's arguments, not nested: ``N=4096, J=6, Q=8``."""
        return self.transform._repr_arguments()


def _torch_dtype(dtype: np.dtype) -> torch.dtype:
    return torch.from_numpy(np.empty(0, dtype=dtype)).dtype


class Scattering1D(_TransformModule):
    """:class:`scatterwave.Scattering1D` as a ``torch.nn.Module``.

    Takes the same arguments (``N`` is required). Filters are buffers: move the module with
    ``.to(device)``; a float64 input uses double-precision filters.

    Examples
    --------
    >>> import torch
    >>> from scatterwave.nn import Scattering1D
    >>> S = Scattering1D(1024, J=5, Q=8)
    >>> S(torch.randn(3, 1024)).shape == (3, *S.output_shape)
    True
    """

    def __init__(self, N: int, J: int | tuple[int, int], *args: Any, **kwargs: Any) -> None:
        super().__init__(_Scattering1D(N, J, *args, **kwargs))


class TimeFrequencyScattering1D(_TransformModule):
    """:class:`scatterwave.TimeFrequencyScattering1D` as a ``torch.nn.Module``.

    Takes the same arguments (``N`` is required); filters are non-persistent buffers.
    """

    def __init__(self, N: int, J: int | tuple[int, int], *args: Any, **kwargs: Any) -> None:
        from scatterwave.jtfs import TimeFrequencyScattering1D as _JTFS

        super().__init__(_JTFS(N, J, *args, **kwargs))
