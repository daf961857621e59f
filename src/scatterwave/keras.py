r"""Keras 3 layers: the scattering transforms inside Keras models, on any Keras backend.

:class:`Scattering1D` and :class:`TimeFrequencyScattering1D` are ``keras.layers.Layer``\ s that
run the transforms natively in the backend Keras uses (``KERAS_BACKEND`` = ``tensorflow``,
``jax`` or ``torch``): the layer hands the backend's tensors to
:class:`scatterwave.Scattering1D` / :class:`scatterwave.TimeFrequencyScattering1D`, which
compute in that library (TensorFlow through :mod:`scatterwave.core.tf_namespace`), so gradients
flow to the layers before them and ``model.fit`` compiles them with the rest of the model.

The filters are fixed: they are not weights (nothing is trained, nothing is saved); the layer
rebuilds them from its configuration, so ``model.save()`` and ``keras.models.load_model()``
round-trip through :meth:`get_config` alone. Import this module before loading a saved model
(it registers the layers as ``scatterwave>Scattering1D`` and
``scatterwave>TimeFrequencyScattering1D``).

Input: ``(batch, ..., N)`` with time last, float32 or float64 (the layer's dtype policy; mixed
precision is not supported). Output: ``(batch, ..., n_paths, N_out)`` (``n_rows`` for JTFS),
rows aligned with the transform's ``meta()``.
"""

from __future__ import annotations

import inspect
from typing import Any, Literal

import keras

from scatterwave.jtfs import TimeFrequencyScattering1D as _JTFS
from scatterwave.scattering1d import Scattering1D as _Scattering1D

__all__ = ["Scattering1D", "TimeFrequencyScattering1D"]

Device = Literal["cpu", "gpu"] | None

#: Arguments of ``keras.layers.Layer`` a layer accepts besides ``name`` and ``dtype``.
_KERAS_ARGUMENTS = ("trainable", "autocast")


def _scale_parameters(transform_class: type) -> list[inspect.Parameter]:
    """List the positional parameters of a transform: ``N, J, Q, T`` (JTFS: and more)."""
    parameters = inspect.signature(transform_class).parameters.values()
    return [p for p in parameters if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]


class _ScatteringLayer(keras.layers.Layer):
    """What both layers share: configuration, checks, device placement, the call.

    A layer takes the positional parameters of its transform, with the transform's defaults
    (read from its signature, so the two cannot drift apart), then ``device``, Keras's
    ``name`` and ``dtype``, and the transform's keyword options.
    """

    _transform_class: type = _Scattering1D

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        keyword = inspect.Parameter.KEYWORD_ONLY
        cls.__signature__ = inspect.Signature(
            [
                *_scale_parameters(cls._transform_class),
                inspect.Parameter("device", keyword, default=None, annotation="Device"),
                inspect.Parameter("name", keyword, default=None, annotation="str | None"),
                inspect.Parameter("dtype", keyword, default=None, annotation="Any"),
                inspect.Parameter("options", inspect.Parameter.VAR_KEYWORD, annotation="Any"),
            ],
            return_annotation="None",
        )

    def __init__(
        self,
        *args: Any,
        device: Device = None,
        name: str | None = None,
        dtype: Any = None,
        **options: Any,
    ) -> None:
        scales = inspect.Signature(_scale_parameters(self._transform_class))
        given = {k: options.pop(k) for k in scales.parameters if k in options}
        try:
            bound = scales.bind(*args, **given)
        except TypeError as err:  # too many positional arguments, or one given twice
            raise TypeError(f"{type(self).__name__}(): {err}") from None
        bound.apply_defaults()
        options = {**bound.arguments, "Q": _tuple(bound.arguments["Q"]), **options}
        # Keras's own arguments (a saved config has ``trainable``; there are no weights)
        kwargs = {k: options.pop(k) for k in _KERAS_ARGUMENTS if k in options}
        super().__init__(name=name, dtype=dtype, **kwargs)
        if self.compute_dtype not in ("float32", "float64"):
            raise ValueError(
                f"{type(self).__name__} computes in float32 or float64; this layer's dtype "
                f"policy computes in {self.compute_dtype}. Give the layer dtype='float32' "
                "(it may sit in a mixed-precision model: cast its output if needed)"
            )
        for name, value in options.items():
            if callable(value):
                raise TypeError(
                    f"{name} must be one of the named modes in a Keras layer (a callable "
                    "cannot be saved with the model); got a callable"
                )
        for name, allowed in (("out_type", "array"), ("out_3D", False)):
            if name in options and options[name] != allowed:
                raise ValueError(
                    f"{type(self).__name__} layers return one array; {name}={options[name]!r} "
                    f"is not supported (use the transform scatterwave.{type(self).__name__} "
                    "for other layouts)"
                )
        options = {k: v for k, v in options.items() if k not in ("out_type", "out_3D")}
        self._options = dict(options)
        self.device = _check_device(device)
        self._transform = self._transform_class(**options, **self._fixed_layout())
        self.trainable = False

    # ------------------------------------------------------------------ Keras protocol
    def build(self, input_shape: tuple) -> None:
        N = self._options.get("N")
        length = input_shape[-1] if len(input_shape) else None
        if length is None:
            fix = f"keras.Input(shape=({N},))" if N is not None else "keras.Input(shape=(N,))"
            raise ValueError(
                f"{type(self).__name__} got inputs of shape {tuple(input_shape)}: the last "
                f"(time) axis has no defined length, but the filters depend on it. Declare it, "
                f"e.g. {fix}, or pad/crop the signals to one length first"
            )
        if N is not None and length != N:
            raise ValueError(
                f"{type(self).__name__} was built for N={N} but gets inputs of length {length} "
                f"(shape {tuple(input_shape)}); pass N={length} or N=None"
            )
        if N is None:  # filters for the input's length (the layer's config keeps N=None)
            self._transform = self._transform_class(
                **{**self._options, "N": int(length)}, **self._fixed_layout()
            )
        self._transform.plan(int(length))

    def _fixed_layout(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"out_type": "array"}
        if self._transform_class is _JTFS:
            extra["out_3D"] = False
        return extra

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if self._transform.N is None:
            self.build(input_shape)
        return (*tuple(input_shape)[:-1], *self._transform.output_shape)

    def call(self, inputs: Any) -> Any:
        if keras.backend.backend() == "torch" and not inputs.requires_grad:
            import torch

            # Fixed filters: no gradient is needed unless one flows to the input, and
            # PyTorch's modulus is several times faster without recording.
            with torch.no_grad():
                return self._call(inputs)
        return self._call(inputs)

    def _call(self, inputs: Any) -> Any:
        if self.device is None:
            return self._transform(inputs)
        return _on_device(self._transform, inputs, self.device)

    @property
    def transform(self) -> Any:
        """The wrapped transform (for ``meta()``, ``filterbank()``, ``output_shape``)."""
        return self._transform

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(_jsonable(self._options))
        config["device"] = self.device
        return config


@keras.saving.register_keras_serializable(package="scatterwave")
class Scattering1D(_ScatteringLayer):
    """Wavelet time scattering as a Keras layer (see :class:`scatterwave.Scattering1D`).

    Parameters
    ----------
    N : int or None
        Input length; None takes the length of the input the layer is built on.
    J, Q, T
        As for :class:`scatterwave.Scattering1D`.
    device : {"cpu", "gpu"} or None
        Where the transform computes: None (the backend's default, where the inputs are),
        ``"cpu"`` or ``"gpu"``. A GPU that the backend does not see is an error. With the JAX
        backend the default device is the only choice (set ``JAX_PLATFORMS``).
    **options
        The keyword options of :class:`scatterwave.Scattering1D` (``max_order``,
        ``average``, ``oversampling``, ``pad_mode`` as a name, ``min_path_energy``, ...), and
        Keras's ``name`` and ``dtype`` (``"float32"`` or ``"float64"``). ``out_type`` is always
        ``"array"``.

    Examples
    --------
    >>> import keras
    >>> from scatterwave.keras import Scattering1D
    >>> model = keras.Sequential([keras.Input(shape=(1024,)), Scattering1D(1024, J=5, Q=8)])
    >>> model.output_shape
    (None, 157, 32)
    """

    _transform_class = _Scattering1D


@keras.saving.register_keras_serializable(package="scatterwave")
class TimeFrequencyScattering1D(_ScatteringLayer):
    """Joint time-frequency scattering as a Keras layer.

    See :class:`scatterwave.TimeFrequencyScattering1D`; the output is its ``out_type="array"``
    layout ``(batch, ..., n_rows, N_out)``. Parameters as for :class:`Scattering1D` (layer),
    with ``J_fr``, ``Q_fr``, ``F`` and the transform's keyword options.
    """

    _transform_class = _JTFS


def _tuple(Q: Any) -> Any:
    """``Q`` as given, lists (from a saved JSON config) back to tuples."""
    return tuple(Q) if isinstance(Q, list) else Q


def _jsonable(options: dict[str, Any]) -> dict[str, Any]:
    """Return the options with tuples as lists (JSON has none; :func:`_tuple` restores ``Q``)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}


def _check_device(device: Device) -> Device:
    """Validate ``device`` against what the current Keras backend can see."""
    if device is None:
        return None
    if device not in ("cpu", "gpu"):
        raise ValueError(f"device must be None, 'cpu' or 'gpu'; got {device!r}")
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        default = jax.default_backend()
        if device != ("cpu" if default == "cpu" else "gpu"):
            raise NotImplementedError(
                f"with the JAX backend the layer computes on JAX's default device ({default}); "
                f"device={device!r} cannot move it there inside a compiled model. Use "
                "device=None, or select the platform with JAX_PLATFORMS=cpu (or cuda)"
            )
        return device
    if device == "gpu" and not _backend_sees_gpu(backend):
        raise RuntimeError(
            f"device='gpu' was asked for, but the Keras backend {backend!r} sees no GPU "
            f"(install its GPU build, e.g. tensorflow[and-cuda] or a CUDA torch, or use "
            "device=None to compute where the inputs are)"
        )
    return device


def _backend_sees_gpu(backend: str) -> bool:
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "torch":
        import torch

        return bool(torch.cuda.is_available())
    raise NotImplementedError(f"the Keras backend {backend!r} is not supported")


def _on_device(transform: Any, x: Any, device: str) -> Any:
    """``transform(x)`` computed on ``device`` ("cpu" / "gpu"), returned on ``x``'s device."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.device("/GPU:0" if device == "gpu" else "/CPU:0"):
            return transform(x)
    if backend == "torch":
        target = "cuda" if device == "gpu" else "cpu"
        out = transform(x.to(target))
        return out.to(x.device)
    return transform(x)  # JAX: the default device, checked by _check_device
