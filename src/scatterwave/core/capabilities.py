"""What the array library of one call can do, resolved once and passed beside ``xp``.

The compute core is written once against the array API standard; the few places where a
library needs a different (faster or exact) path read this record instead of detecting the
library themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Library = Literal["numpy", "torch", "jax", "cupy", "tensorflow", "array_api_strict", "other"]
Modulus = Literal["abs", "squares", "hypot"]

_KNOWN: tuple[str, ...] = ("numpy", "torch", "jax", "cupy", "tensorflow", "array_api_strict")


@dataclass(frozen=True)
class Capabilities:
    """The array library of a call and what follows from it.

    Attributes
    ----------
    library : {"numpy", "torch", "jax", "cupy", "tensorflow", "array_api_strict", "other"}
        The library of the input array.
    device_kind : str
        ``"cpu"`` for host memory, else the accelerator platform (``"cuda"``, ...).
    traced : bool
        The input is an abstract value being traced (``jax.jit``, ``torch.compile``,
        ``tf.function``): its contents cannot be read, and arrays made from it must not
        outlive the trace.
    complex_filters : bool
        Fourier-domain filters are stored complex. PyTorch promotes a real operand of a
        complex product on every product (an allocation and a slower kernel); TensorFlow does
        not promote at all.
    modulus : {"abs", "squares", "hypot"}
        How ``|z|`` is taken: one complex ``abs`` (NumPy; PyTorch on accelerators, which
        takes ``hypot`` of the real and imaginary views where no gradient is recorded: see
        :func:`scatterwave.core.ops.modulus`), the squares of the interleaved real view
        (PyTorch on CPU, 2-2.5x faster there), or ``hypot(re, im)`` (the other libraries).
    range_scale : bool
        Rows are scaled to a peak near 1 before the cascade (needed where the modulus squares).
    workspace : bool
        NumPy arrays: temporaries can be written into reusable work arrays (``out=``).
    jit : {"jax", "tensorflow"} or None
        The library compiles the whole forward pass.
    direct_lowpass : bool
        Scattering1D's short second-order averages are matrix products where the plan holds
        them (:mod:`scatterwave.core.direct_lowpass`): NumPy, array-api-strict, and PyTorch,
        CuPy and JAX off the CPU (one kernel instead of about eight per group; on the CPU
        PyTorch and JAX measured level, 0.93-1.10x). Never TensorFlow, whose float32 matrix
        products run in TF32 on recent GPUs by default.
    direct_time : bool
        The same for the JTFS's time low-passes (``S1`` and the joint groups): NumPy and
        PyTorch on every device (on the CPU 1.3x (NumPy) and 1.2-1.5x (PyTorch, without
        frequential averaging; level with it) faster at N=2^13), array-api-strict, CuPy,
        and JAX off the CPU (level on the CPU). Not TensorFlow.
    """

    library: Library
    device_kind: str
    traced: bool
    complex_filters: bool
    modulus: Modulus
    range_scale: bool
    workspace: bool
    jit: Literal["jax", "tensorflow"] | None
    direct_lowpass: bool = False
    direct_time: bool = False

    @property
    def on_cpu(self) -> bool:
        """The input is in host memory."""
        return self.device_kind == "cpu"


def library_of(x: Any) -> Library:
    """Return the library of array ``x``, from its type's top-level module."""
    top = type(x).__module__.split(".", 1)[0]
    top = {"jaxlib": "jax"}.get(top, top)
    return top if top in _KNOWN else "other"  # type: ignore[return-value]


def is_traced(x: Any) -> bool:
    """Tell whether ``x`` is an abstract value being traced (``jax.jit``, ``torch.compile``, ...).

    Their contents cannot be inspected (a data-dependent check would split the compiled graph),
    and arrays made from them must not outlive the trace.
    """
    library = library_of(x)
    if library == "torch":
        import torch

        return torch.compiler.is_compiling()
    if library == "tensorflow":
        import tensorflow as tf

        return tf.is_symbolic_tensor(x)
    if library != "jax":
        return False
    import jax

    return isinstance(x, jax.core.Tracer)


def device_kind(x: Any) -> str:
    """``"cpu"`` for arrays in host memory, else the accelerator platform (``"cuda"``, ...)."""
    lib = library_of(x)
    if lib == "torch":
        return str(x.device.type)
    if lib == "cupy":
        return "cuda"
    if lib == "jax":
        return str(jax_device(x).platform)
    return "cpu"


def jax_device(x: Any) -> Any:
    """Return the device of a JAX array (traced values: the default device, where jit runs)."""
    import jax

    devices = getattr(x, "devices", None)
    if devices is not None and not isinstance(x, jax.core.Tracer):
        return next(iter(x.devices()))
    return jax.devices()[0]


def capabilities(x: Any) -> Capabilities:
    """Resolve the :class:`Capabilities` of a call on input ``x`` (once per call).

    A handful of attribute reads: the records are made once per combination and shared
    (they are frozen).
    """
    if type(x) is np.ndarray:  # the common case, first
        return _NUMPY
    library = library_of(x)
    kind = device_kind(x) if library in ("torch", "jax", "cupy") else "cpu"
    if library == "tensorflow":
        kind = "gpu" if "GPU" in str(getattr(x, "device", "")).upper() else "cpu"
    key = (library, kind, is_traced(x), isinstance(x, np.ndarray))
    caps = _RECORDS.get(key)
    if caps is None:
        caps = _RECORDS[key] = _record(*key)
    return caps


def _record(library: Library, kind: str, traced: bool, ndarray: bool) -> Capabilities:
    """Make the capabilities record of a library on a device (see :class:`Capabilities`)."""
    if library == "numpy":
        modulus: Modulus = "abs"
    elif library == "torch":
        modulus = "squares" if kind == "cpu" else "abs"
    else:
        modulus = "hypot"
    return Capabilities(
        library=library,
        device_kind=kind,
        traced=traced,
        complex_filters=library in ("torch", "tensorflow"),
        modulus=modulus,
        range_scale=modulus == "squares",
        workspace=library == "numpy" and ndarray,
        jit={"jax": "jax", "tensorflow": "tensorflow"}.get(library),  # type: ignore[arg-type]
        direct_lowpass=library in ("numpy", "array_api_strict", "cupy")
        or (library in ("torch", "jax") and kind != "cpu"),
        direct_time=library in ("numpy", "torch", "array_api_strict", "cupy")
        or (library == "jax" and kind != "cpu"),
    )


_RECORDS: dict[tuple[Library, str, bool, bool], Capabilities] = {}
_NUMPY = _record("numpy", "cpu", False, True)


def is_functorch_wrapped(x: Any) -> bool:
    """Tell whether ``x`` is a tensor inside a ``torch.func`` transform (``vmap``, ``grad``)."""
    if type(x).__module__.split(".")[0] != "torch":
        return False
    import torch

    try:
        return bool(torch._C._functorch.is_functorch_wrapped_tensor(x))
    except AttributeError:  # pragma: no cover - older PyTorch
        return False
