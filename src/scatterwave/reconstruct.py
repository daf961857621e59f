"""Gradient-based inversion of a transform: find ``x`` whose coefficients match a target.

Scattering transforms are not linear, so they are inverted numerically: starting from noise,
minimise the relative squared distance between ``transform(x)`` and the target coefficients by
gradient descent, with gradients from torch's or JAX's automatic differentiation (every
transform of scatterwave accepts torch and JAX arrays). Scattering is invariant to time shifts
up to its averaging scale and discards phase, so the result matches the target's coefficients,
not necessarily the original waveform: it is a *resynthesis*.

The function is :func:`scatterwave.reconstruct.reconstruct`
(``from scatterwave.reconstruct import reconstruct``); ``scatterwave.reconstruct`` itself is this
module.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from scatterwave.core.capabilities import library_of

__all__ = ["ReconstructionResult", "reconstruct"]

logger = logging.getLogger(__name__)

Optimizer = Literal["adam", "sgd", "lbfgs"]
Backend = Literal["auto", "torch", "jax"]
Loss = Literal["relative_l2", "l2"]


@dataclass
class ReconstructionResult:
    """Output of :func:`reconstruct`.

    Attributes
    ----------
    x : array, shape (..., N)
        The reconstruction with the lowest loss seen, in the target's array library (PyTorch or
        JAX; NumPy for other targets), whichever backend computed it.
    history : dict of str to list of float
        ``"loss"`` (the minimised objective) and ``"rel_error"``
        (``||S(x) - target|| / ||target||``) before each iteration and after the last one
        (``n_iter + 1`` entries, fewer if stopped early by ``tol`` or ``callback``; for
        L-BFGS one entry per function evaluation, line-search evaluations included).
    backend : {"torch", "jax"}
        The autodiff library used.
    """

    x: Any
    history: dict[str, list[float]] = field(default_factory=dict)
    backend: str = "torch"

    @property
    def loss(self) -> float:
        """Lowest loss reached."""
        return min(self.history["loss"])

    @property
    def rel_error(self) -> float:
        """Relative coefficient error of :attr:`x`."""
        i = int(np.argmin(self.history["loss"]))
        return self.history["rel_error"][i]


def _leaves(target: Any) -> list[Any]:
    """Return the arrays of a transform's output: a dict's values, ``out_3D``'s two parts."""
    if isinstance(target, Mapping):
        return [target[k] for k in sorted(target, key=repr)]
    if isinstance(target, (tuple, list)):
        return list(target)
    return [target]


def _pick_backend(backend: Backend, leaves: list[Any]) -> str:
    if backend not in ("auto", "torch", "jax"):
        raise ValueError(f'backend must be "auto", "torch" or "jax", got {backend!r}.')
    if backend != "auto":
        return backend
    libraries = {library_of(a) for a in leaves}
    for name in ("torch", "jax"):
        if name in libraries:
            return name
    for name in ("torch", "jax"):
        try:
            __import__(name)
        except ImportError:
            continue
        return name
    raise ImportError(
        "reconstruct needs torch or jax for automatic differentiation; install one, e.g. "
        "pip install 'scatterwave[torch]'."
    )


def _progress_bar(progress: bool | None, n_iter: int) -> Any:
    enabled = sys.stderr.isatty() if progress is None else bool(progress)
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        if progress:
            raise ImportError(
                "progress=True needs tqdm: pip install tqdm (or pass progress=False)."
            ) from exc
        return None
    return tqdm(total=n_iter, desc="reconstruct", unit="it")


@dataclass
class _Loop:
    """Iteration bookkeeping shared by the backends: history, best iterate, stopping."""

    n_iter: int
    tol: float
    bar: Any
    callback: Callable[[int, float], bool | None] | None
    history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "rel_error": []})
    best_loss: float = math.inf
    best_x: Any = None

    def record(self, i: int, loss_value: float, rel: float, x: Any, copy: Callable) -> bool:
        """Store one evaluation; return True when the loop must stop."""
        if not math.isfinite(loss_value):
            raise FloatingPointError(
                f"the loss became {loss_value} at iteration {i}: lower lr (now too large) or "
                "use optimizer='adam'."
            )
        self.history["loss"].append(loss_value)
        self.history["rel_error"].append(rel)
        if loss_value < self.best_loss:
            self.best_loss, self.best_x = loss_value, copy(x)
        if i > 0 and self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(rel_error=f"{rel:.3g}", refresh=False)
        stop = False
        if i > 0 and self.callback is not None:  # after every step, the last one included
            stop = bool(self.callback(i, loss_value))
        return stop or i == self.n_iter or rel < self.tol


@dataclass(frozen=True)
class _Problem:
    """What the backends minimise: the transform, the target's leaves and the settings."""

    transform: Callable[[Any], Any]
    leaves: list[Any]
    x0: Any
    length: int
    lr: float
    optimizer: str
    loss: str
    seed: int | None


class _Stop(Exception):
    """Raised inside the L-BFGS closure to end the run."""


def _noise(length: int, seed: int | None) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(length)


def _check_structure(out: list[Any], target: list[Any]) -> None:
    if len(out) != len(target) or any(
        tuple(o.shape) != tuple(t.shape) for o, t in zip(out, target, strict=False)
    ):
        raise ValueError(
            "transform(x) does not match target_coeffs: got shapes "
            f"{[tuple(o.shape) for o in out]}, expected {[tuple(t.shape) for t in target]}. "
            "Use the transform that produced the target; for batched targets pass x0 with the "
            "batch shape."
        )


def _run_torch(problem: _Problem, loop: _Loop) -> Any:
    import torch

    ref = next((a for a in problem.leaves if library_of(a) == "torch"), None)
    device = ref.device if ref is not None else torch.device("cpu")
    # np.array copies: a JAX array's NumPy view is read-only, which torch warns about.
    dtype = ref.dtype if ref is not None else torch.as_tensor(np.array(problem.leaves[0])).dtype
    if not dtype.is_floating_point:
        dtype = torch.float64
    target = [
        torch.as_tensor(np.array(a) if ref is None else a, device=device, dtype=dtype).detach()
        for a in problem.leaves
    ]
    den = sum(float((t.detach() ** 2).sum()) for t in target)
    if den == 0:
        raise ValueError("target_coeffs are all zero: nothing to reconstruct.")
    if problem.x0 is None:
        x_init = torch.as_tensor(_noise(problem.length, problem.seed), device=device, dtype=dtype)
        with torch.no_grad():
            e = sum(float((o**2).sum()) for o in _leaves(problem.transform(x_init)))
        x_init = x_init * math.sqrt(den / e) if e > 0 else x_init
    else:
        x_init = torch.as_tensor(
            problem.x0 if library_of(problem.x0) == "torch" else np.asarray(problem.x0),
            device=device,
            dtype=dtype,
        )
    x = x_init.detach().clone().requires_grad_(True)

    def objective() -> tuple[Any, float]:
        out = _leaves(problem.transform(x))
        _check_structure(out, target)
        diff = sum(((o - t) ** 2).sum() for o, t in zip(out, target, strict=True))
        value = diff / den if problem.loss == "relative_l2" else diff
        return value, math.sqrt(float(diff.detach()) / den)

    def copy(v: Any) -> Any:
        return v.detach().clone()

    if problem.optimizer == "lbfgs":
        # One L-BFGS run of n_iter iterations; history and stopping follow function evaluations.
        lbfgs = torch.optim.LBFGS(
            [x],
            lr=problem.lr,
            max_iter=loop.n_iter,
            max_eval=loop.n_iter + 1,
            history_size=50,
            line_search_fn="strong_wolfe",
        )
        count = [0]

        def closure() -> Any:
            lbfgs.zero_grad()
            value, rel = objective()
            if loop.record(count[0], float(value.detach()), rel, x, copy):
                raise _Stop
            count[0] += 1
            value.backward()
            return value

        try:
            lbfgs.step(closure)
        except _Stop:
            pass
        return loop.best_x
    opt = (
        torch.optim.Adam([x], lr=problem.lr)
        if problem.optimizer == "adam"
        else torch.optim.SGD([x], lr=problem.lr, momentum=0.9)
    )
    for i in range(loop.n_iter + 1):
        opt.zero_grad()
        value, rel = objective()
        if loop.record(i, float(value.detach()), rel, x, copy):
            break
        value.backward()
        opt.step()
    return loop.best_x


def _run_jax(problem: _Problem, loop: _Loop) -> Any:
    import jax
    import jax.numpy as jnp

    target = [jnp.asarray(a) for a in problem.leaves]
    dtype = target[0].dtype
    den = float(sum(jnp.sum(t**2) for t in target))
    if den == 0:
        raise ValueError("target_coeffs are all zero: nothing to reconstruct.")
    if problem.x0 is None:
        x = jnp.asarray(_noise(problem.length, problem.seed), dtype=dtype)
    else:
        x = jnp.asarray(problem.x0, dtype=dtype)

    def objective(v: Any) -> tuple[Any, Any]:
        out = _leaves(problem.transform(v))
        _check_structure(out, target)
        diff = sum(jnp.sum((o - t) ** 2) for o, t in zip(out, target, strict=True))
        energy = sum(jnp.sum(o**2) for o in out)
        return (diff / den if problem.loss == "relative_l2" else diff), (diff, energy)

    value_and_grad = jax.value_and_grad(objective, has_aux=True)
    try:
        step_fn: Callable[..., Any] = jax.jit(value_and_grad)
        (value, (diff, e)), grad = step_fn(x)
    except (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError) as exc:
        logger.info("transform is not jax.jit-compatible (%s); differentiating eagerly", exc)
        step_fn = value_and_grad
        (value, (diff, e)), grad = step_fn(x)
    if problem.x0 is None and float(e) > 0:
        # positive homogeneity S(a x) = a S(x): match the target's energy
        x = x * math.sqrt(den / float(e))
        (value, (diff, e)), grad = step_fn(x)
    m = jnp.zeros_like(x)
    v2 = jnp.zeros_like(x)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for i in range(loop.n_iter + 1):
        if i > 0:
            (value, (diff, _)), grad = step_fn(x)
        if loop.record(i, float(value), math.sqrt(float(diff) / den), x, lambda a: a):
            break
        if problem.optimizer == "adam":
            m = b1 * m + (1 - b1) * grad
            v2 = b2 * v2 + (1 - b2) * grad**2
            t = i + 1
            x = x - problem.lr * (m / (1 - b1**t)) / (jnp.sqrt(v2 / (1 - b2**t)) + eps)
        else:
            m = 0.9 * m + grad
            x = x - problem.lr * m
    return loop.best_x


def _signal_length(transform: Any, x0: Any, N: int | None) -> int:
    if x0 is not None:
        return int(x0.shape[-1])
    if N is None:
        N = getattr(transform, "N", None)
    if N is None:
        raise ValueError(
            "the signal length is unknown: pass x0=... (an initial signal) or N=..., or use a "
            "transform built with a fixed N."
        )
    return int(N)


def reconstruct(
    transform: Callable[[Any], Any],
    target_coeffs: Any,
    *,
    x0: Any = None,
    N: int | None = None,
    n_iter: int = 200,
    lr: float = 0.1,
    optimizer: Optimizer = "adam",
    loss: Loss = "relative_l2",
    backend: Backend = "auto",
    seed: int | None = 0,
    tol: float = 0.0,
    progress: bool | None = None,
    callback: Callable[[int, float], bool | None] | None = None,
) -> ReconstructionResult:
    """Find a signal whose coefficients match ``target_coeffs`` by gradient descent.

    Parameters
    ----------
    transform : callable
        Differentiable map ``x (..., N) -> coefficients``, e.g. a
        :class:`~scatterwave.Scattering1D` or a JTFS instance; it must accept arrays of the
        chosen backend.
    target_coeffs : array or dict of arrays
        Coefficients to match, as returned by ``transform`` (NumPy, torch or JAX).
    x0 : array, shape (..., N), or None
        Initial signal. Default: white Gaussian noise (``seed``) rescaled so that its
        coefficients have the target's norm (scattering is positively homogeneous:
        ``S(a x) = a S(x)`` for ``a > 0``).
    N : int or None
        Signal length when ``x0`` is None and the transform has no fixed ``N`` attribute.
    n_iter : int
        Number of optimiser steps.
    lr : float
        Learning rate, in units of the signal's amplitude per step for Adam.
    optimizer : {"adam", "sgd", "lbfgs"}
        Adam; gradient descent with momentum 0.9; or L-BFGS with strong-Wolfe line search
        (torch only; ``n_iter`` then bounds its function evaluations, ``lr`` scales its steps
        and 1 is the usual choice).
    loss : {"relative_l2", "l2"}
        ``||S(x) - T||^2 / ||T||^2`` (scale-free, default) or ``||S(x) - T||^2``.
    backend : {"auto", "torch", "jax"}
        Autodiff library; "auto" follows the target's library, and for NumPy targets prefers
        torch, then JAX. JAX computes in float32 unless ``jax_enable_x64`` is set (then a
        float64 target is reconstructed at float32 precision, and ``x`` is float32). Whatever
        the backend, ``x`` comes back in the target's library (PyTorch on the target's device,
        JAX, else NumPy).
    seed : int or None
        Seed of the default initial noise.
    tol : float
        Stop early once the relative error falls below ``tol`` (0 disables).
    progress : bool or None
        Show a tqdm progress bar; None shows it only when stderr is a terminal.
    callback : callable or None
        ``callback(iteration, loss)`` after every step (``iteration`` counts from 1, ``loss``
        is the loss after that step); returning True stops early.

    Returns
    -------
    result : ReconstructionResult
        Best signal found and the history of loss and relative error.

    Examples
    --------
    >>> from scatterwave import Scattering1D
    >>> from scatterwave.signals import exp_chirp
    >>> S = Scattering1D(1024, 5, Q=8, max_order=1)
    >>> res = reconstruct(S, S(exp_chirp(1024)), n_iter=100, progress=False)
    >>> res.history["rel_error"][-1] < 0.5 * res.history["rel_error"][0]
    True
    """
    if not callable(transform):
        raise TypeError(f"transform must be callable, got {type(transform).__name__}.")
    if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 1:
        raise ValueError(f"n_iter must be a positive integer, got {n_iter!r}.")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}.")
    if optimizer not in ("adam", "sgd", "lbfgs"):
        raise ValueError(f'optimizer must be "adam", "sgd" or "lbfgs", got {optimizer!r}.')
    if loss not in ("relative_l2", "l2"):
        raise ValueError(f'loss must be "relative_l2" or "l2", got {loss!r}.')
    if tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}.")
    leaves = _leaves(target_coeffs)
    name = _pick_backend(backend, leaves)
    length = _signal_length(transform, x0, N)
    problem = _Problem(transform, leaves, x0, length, lr, optimizer, loss, seed)
    bar = _progress_bar(progress, n_iter)
    try:
        loop = _Loop(n_iter, tol, bar, callback)
        if name == "torch":
            x = _run_torch(problem, loop)
        else:
            if optimizer == "lbfgs":
                raise NotImplementedError(
                    'optimizer="lbfgs" is only available with backend="torch"; use "adam" or '
                    '"sgd" with JAX.'
                )
            x = _run_jax(problem, loop)
        history = loop.history
    finally:
        if bar is not None:
            bar.close()
    logger.info(
        "reconstruct (%s, %s): relative error %.3g -> %.3g in %d iterations",
        name,
        optimizer,
        history["rel_error"][0],
        min(history["rel_error"]),
        len(history["loss"]) - 1,
    )
    return ReconstructionResult(x=_in_target_library(x, leaves), history=history, backend=name)


def _in_target_library(x: Any, leaves: list[Any]) -> Any:
    """Return ``x`` in the target's library, on its device: PyTorch, JAX, else NumPy."""
    from scatterwave.toolkit._common import to_numpy

    ref = next((a for a in leaves if library_of(a) in ("torch", "jax")), None)
    if ref is None:
        return to_numpy(x)
    if library_of(ref) == library_of(x):
        return x
    if library_of(ref) == "torch":
        import torch

        return torch.from_numpy(np.array(to_numpy(x))).to(ref.device)
    import jax.numpy as jnp

    return jnp.asarray(to_numpy(x))
