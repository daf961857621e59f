"""Scattering1D: wavelet time scattering of any array library's signals."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from scatterwave._transform import ArrayAPITransform, no_autograph
from scatterwave._validation import (
    check_bool,
    check_choice,
    check_int,
    check_mapping,
    check_r_psi,
    check_real,
)
from scatterwave.core.capabilities import Capabilities
from scatterwave.core.ops import native_byte_order, take
from scatterwave.core.plan import ScatteringPlan, build_plan
from scatterwave.core.scattering1d import scattering1d
from scatterwave.core.workspace import Workspace
from scatterwave.filters.bank import TimeFilterbank, build_time_filterbank
from scatterwave.filters.sparse import BandFilters

logger = logging.getLogger(__name__)

Array = Any
PadMode = Literal["reflect", "zero"] | Callable[[Any, int, int], Any]


class Scattering1D(ArrayAPITransform[TimeFilterbank, ScatteringPlan]):
    r"""Wavelet time scattering of 1-D signals, orders 0 to 2.

    Computes ``S0 = x * phi_T``, ``S1 = |x * psi1| * phi_T`` and
    ``S2 = ||x * psi1| * psi2| * phi_T`` with analytic Morlet wavelets tiling the frequency
    axis (constant-Q above an elbow, linear below) and a Gaussian low-pass of width ``T``.
    The filterbank is energy-normalised so that ``{phi_J, psi}`` is a near-tight,
    non-expansive frame: for ``Q = 8`` its Littlewood-Paley sum lies in ``[0.88, 1]`` between
    the lowest and highest centre frequency and never exceeds 1.

    Devices: CPU, CUDA (whatever the input's library supports). Differentiable: yes (torch,
    JAX, TensorFlow). Libraries: NumPy, PyTorch, JAX, CuPy, array-api-strict (any array-API
    library); TensorFlow tensors (eager, ``tf.function``, XLA) through
    :mod:`scatterwave.core.tf_namespace`; Keras layers in :mod:`scatterwave.keras`.

    Parameters
    ----------
    N : int or None
        Input length. With None, filters are built for each new input length on first use
        and cached.
    J : int >= 1 or tuple of (int, int)
        Maximum log2 scale of the wavelets; the lowest wavelets have time support about
        ``12 * 2**J`` samples. Requires ``2**J <= N``. A pair ``(J1, J2)``, ``J2 <= J1``,
        stops the second-order wavelets at scale ``2**J2`` (``T`` still defaults to
        ``2**J1``): fewer, shorter second-order paths, at the price of the envelope
        variations between ``2**-J1`` and ``2**-J2`` (relative) frequencies, which no
        coefficient then carries (the bound of the Notes still holds; the near-tight
        tiling it rests on is that of ``J1 == J2``). ``2**J`` below means ``2**J1``.
    Q : int or tuple of (int, int)
        Wavelets per octave at orders 1 and 2; an int ``Q`` means ``(Q, 1)``.
    T : int, optional
        Averaging scale in samples, ``1 <= T <= N``; default ``2**J``. Outputs are sampled
        every ``2**floor(log2 T)`` samples (divided by ``2**oversampling``).
    max_order : {1, 2}
    average : {True, "global", False}
        ``True``: local averaging at scale ``T``. ``"global"``: the mean over the ``N``
        positions (output length 1) of the coefficients locally averaged at ``T = 2**J`` and
        stride 1 (``T`` must not be given), summed exactly from each row at its own rate
        (:mod:`scatterwave.core.global_mean`). Its weights taper over the half-width of
        ``phi_J`` (about ``1.6 * 2**J`` samples) near each end with zero padding; with reflect
        padding every sample counts alike (within 1 %). Shifts of content inside the signal
        change it by less than 2e-3 for ``N >= 64 * 2**J`` (windowed noise, 2026-12-06) and
        by up to 3e-2 for ``N = 8 * 2**J``; with a circular boundary (``max_pad_factor=0``,
        ``N`` a power of 2) circular shifts change it by 1e-5 to 2e-4 (the rows' sampling),
        and multiples of ``2**J`` not at all.
        ``False``: unaveraged modulus coefficients ``|x * psi1|`` and ``|U1 * psi2|``, each at
        its own stride (order 0 stays ``x * phi_T``); use ``out_type="dict"`` unless
        ``oversampling`` makes every stride equal (``out_type="array"`` with rows of
        different lengths raises a ``ValueError`` when the transform is built for ``N``).
    oversampling : int >= 0
        Reduce every subsampling exponent by this much (finer time sampling).
    pad_mode : {"reflect", "zero"} or callable
        Boundary extension; a callable ``f(x, pad_left, pad_right)`` receives ``x`` of shape
        ``(batch, N)`` and returns the padded array.
    max_pad_factor : int >= 0 or None
        The padded length follows from the widest filter's measured decay but never exceeds
        the smallest fast FFT length (a 5-smooth multiple of ``2**(max(J, log2 T) + 1)``) at
        least ``N * 2**max_pad_factor``; for ``N`` a power of two that is
        ``N * 2**max_pad_factor``. None means no cap.
    analytic : bool
        Strictly analytic wavelets (zero negative frequencies). Only True is supported.
    out_type : {"array", "dict"}
        ``"array"``: shape ``(..., n_paths, N_out)`` with paths sorted by order, then ``n1``,
        then ``n2``, aligned with :meth:`meta`. ``"dict"``: keys ``()``, ``(n1,)``, ``(n1, n2)``,
        in :meth:`meta`'s order (for every library; a ``jax.jit`` of your own returns dicts
        with sorted keys, JAX's rule: look paths up by key there).
    paths_exclude : dict, optional
        ``{"n1": [...], "n2": [...]}``: wavelet indices (negative counts from the end) whose
        paths are not computed.
    min_path_energy : float in [0, 1)
        A second-order path ``(n1, n2)`` is computed when ``psi2`` passes at least this fraction
        of the spectral energy of the envelope ``|x * psi1|`` (see Notes). The default keeps
        more than 99% of the second-order energy of white noise; ``0.1`` computes about 60% of
        the second-order paths (174 of 288 at N=2**13, J=8, Q=8, where Kymatio's rule
        ``j2 > j1`` gives 150; 1.4-1.7 times faster) and keeps about 87%.
    r_psi : float or tuple of (float, float)
        Amplitude at which neighbouring wavelets cross (per order), in (0, 1).
    criterion_amplitude : float
        Relative amplitude defining filter supports (padding) and band edges (subsampling).
    normalize : {"energy", "amplitude"}
        ``"energy"``: each output row is scaled by ``sqrt(N / N_out)`` so that
        ``sum(S**2)`` estimates the energy it captures and is comparable with ``sum(x**2)``.
        ``"amplitude"``: plain local averages (``S0`` of a constant equals the constant).
    memory_budget_mb : float > 0 or None
        Batches are processed in chunks whose estimated peak working memory stays below this
        many MiB (one signal per chunk at least: a single long signal may need more, see
        :func:`plan_bytes_per_signal`). None (default): 32 MiB on a CPU (cache-sized chunks),
        half the free memory of an accelerator (few, large kernels); see
        :mod:`scatterwave._device`.
    cuda_graphs : bool
        PyTorch on CUDA: capture the forward pass of each input shape (with its backward
        pass where the input requires grad) in a CUDA graph on its second call and replay
        it afterwards (one launch instead of hundreds of small kernels; filters that
        require grad are not graphed; see :mod:`scatterwave._cuda_graph`). Ignored by the
        other libraries, which have no such graphs (JAX compiles the whole pass with
        ``jax.jit`` instead).
    check_input : bool
        Reject non-finite input (one reduction over ``x``; skipped inside ``jax.jit``,
        ``torch.compile`` and ``torch.func`` transforms such as ``vmap``).

    Notes
    -----
    Energy: with ``T >= 2**J`` (the default ``T = 2**J``) or ``average="global"``, and
    ``normalize="energy"``, ``||S x||**2 <= ||x||**2`` for every ``x`` when
    ``pad_mode="zero"``: ``{phi_T, psi}`` has a Littlewood-Paley sum at most 1 at both orders,
    zero padding keeps the energy, and cutting the outputs to the signal's window, sampling them
    at the low-pass's stride, or taking their mean over the window (Cauchy-Schwarz) only lose
    energy. The
    default ``pad_mode="reflect"`` analyses the reflected extension of ``x`` (up to twice its
    energy): for signals concentrated within a filter width of an end the ratio can exceed 1,
    the more so as ``2**J`` approaches ``N`` (impulses at an end: at most 1.015 with
    ``2**J <= N / 8``, 1.16 with ``2**J = N / 4``, 1.41 with ``2**J >= N / 2``; tested bounds
    1.10, 1.30, 1.60, with the default ``max_pad_factor=2`` or None). A smaller cap folds
    more of the reflection back onto the signal: impulses at an end reach 1.33 with
    ``max_pad_factor=1`` and 1.91 with 0 (zero padding stays non-expansive with any cap).
    ``T < 2**J`` overlaps the
    low-pass with the lowest wavelets, and ``average=False`` returns the envelopes of both
    orders: neither is bounded by 1. See ``tests/test_scattering1d_properties.py``.

    Second-order paths ``(n1, n2)`` are computed only when ``psi2`` passes at least
    ``min_path_energy`` (1%) of the spectral energy of the envelope ``|x * psi1|`` (Gaussian
    model of the envelope spectrum, :func:`scatterwave.core.plan.path_energy_overlap`) and
    ``psi2`` is centred below the envelope's Nyquist frequency.

    Examples
    --------
    >>> import numpy as np
    >>> from scatterwave import Scattering1D
    >>> S = Scattering1D(4096, J=6, Q=8)
    >>> Sx = S(np.random.default_rng(0).standard_normal((2, 4096)))
    >>> Sx.shape == (2, *S.output_shape)
    True
    """

    def __init__(
        self,
        N: int | None = None,
        J: int | tuple[int, int] | None = None,
        Q: int | tuple[int, int] = 8,
        T: int | None = None,
        *,
        max_order: Literal[1, 2] = 2,
        average: bool | Literal["global"] = True,
        oversampling: int = 0,
        pad_mode: PadMode = "reflect",
        max_pad_factor: int | None = 2,
        analytic: bool = True,
        out_type: Literal["array", "dict"] = "array",
        paths_exclude: dict[str, list[int]] | None = None,
        min_path_energy: float = 0.01,
        r_psi: float | tuple[float, float] = math.sqrt(0.5),
        criterion_amplitude: float = 1e-3,
        normalize: Literal["energy", "amplitude"] = "energy",
        memory_budget_mb: float | None = None,
        cuda_graphs: bool = True,
        check_input: bool = True,
    ) -> None:
        self._set_common(
            N,
            J,
            Q,
            T,
            average,
            criterion_amplitude=criterion_amplitude,
            memory_budget_mb=memory_budget_mb,
            cuda_graphs=cuda_graphs,
            check_input=check_input,
        )
        check_int("max_order", max_order)
        if max_order not in (1, 2):
            raise ValueError(f"max_order must be 1 or 2; got {max_order!r}")
        check_int("oversampling", oversampling, minimum=0)
        if not callable(pad_mode):
            check_choice("pad_mode", pad_mode, ("reflect", "zero"))
        check_int("max_pad_factor", max_pad_factor, minimum=0, allow_none=True)
        if not check_bool("analytic", analytic):
            raise NotImplementedError(
                "analytic=False is not supported: scatterwave's wavelets are strictly analytic "
                "(zero negative frequencies), which keeps the frame tight and the modulus exact"
            )
        check_choice("out_type", out_type, ("array", "dict"))
        check_choice("normalize", normalize, ("energy", "amplitude"))
        r1, r2 = check_r_psi(r_psi, 2)
        self.r_psi = (r1, r2)
        min_path_energy = check_real(
            "min_path_energy", min_path_energy, low=0.0, high=1.0, hint=" (default 0.01)"
        )
        check_mapping("paths_exclude", paths_exclude, ("n1", "n2"))
        self.max_order = max_order
        self.oversampling = oversampling
        self.pad_mode = pad_mode
        self.max_pad_factor = max_pad_factor
        self.analytic = analytic
        self.out_type = out_type
        self.paths_exclude = paths_exclude
        self.min_path_energy = min_path_energy
        self.normalize = normalize
        if N is not None:
            self.plan(N)

    # ------------------------------------------------------------------ building
    @property
    def _average_mode(self) -> str:
        # Global means are of the locally averaged (T = 2**J) rows; see _design.
        return {True: "local", False: "none", "global": "global"}[self.average]

    def _make_plan(self, N: int) -> tuple[TimeFilterbank, ScatteringPlan]:
        """Build the filterbank's metadata and the compiled plan for inputs of length ``N``.

        The plan holds every filter the forward pass needs. The returned filterbank keeps only
        per-filter metadata, ``N_pad`` and ``half_support``: its own filter copies (sparse
        windows, dense low-pass and Littlewood-Paley sums, about 290 MB at ``N = 2**22``,
        ``J = 8``) are dropped once the plan exists; :meth:`filterbank` rebuilds them.
        """
        fb = self._design(N)
        if fb.half_support * 2 + N > fb.N_pad:
            logger.info(
                "the widest filter (half-width %d samples) does not fully decay within the "
                "padded length %d for N=%d; raise max_pad_factor for fewer boundary effects",
                fb.half_support,
                fb.N_pad,
                N,
            )
        excluded = self._paths_exclude({"n1": len(fb.psi1), "n2": len(fb.psi2)})
        plan = build_plan(
            fb,
            max_order=self.max_order,
            average=self._average_mode,
            oversampling=self.oversampling,
            paths_exclude=excluded if self.paths_exclude else None,
            min_path_energy=self.min_path_energy,
            weighted_global=True,
        )
        if plan.average == "none" and self.out_type == "array":
            lengths = sorted({plan.out_length(int(k)) for k in plan.paths["k"]})
            if len(lengths) > 1:
                raise ValueError(
                    f"average=False with out_type='array' needs rows of one length, but with "
                    f"N={N}, J={self.J}, Q={self.Q} and oversampling={self.oversampling} they "
                    f"have lengths {lengths} (each row at its own stride); use "
                    "out_type='dict', or raise oversampling so that every stride is 1"
                )
        return _metadata_only(fb), plan

    def _design(self, N: int) -> TimeFilterbank:
        """Design the complete filterbank for length ``N`` (not cached, see :meth:`_make_plan`)."""
        T = self._averaging_scale(N)
        if self.average == "global":
            # The global mean of U * phi_J (not of U): the mean over the N output positions
            # of a row then never carries more energy than the row itself (Cauchy-Schwarz), and
            # {phi_J, psi} is non-expansive, so the energy claim holds for global means too. A
            # mean of U itself would count the slow variations of U across the window twice
            # (in the mean and in the lowest second-order wavelets): ratios up to 1.25.
            T = 2 ** self._J[0]
        return build_time_filterbank(
            N,
            self._J,
            self.Q,
            T,
            r_psi=self.r_psi,
            criterion_amplitude=self.criterion_amplitude,
            max_pad_factor=self.max_pad_factor,
            proportional_cap=True,
        )

    def _chunk(self, x: Any, N: int, caps: Capabilities | None = None) -> int:
        """Signals per chunk (the memory budget's), evened out over a NumPy batch.

        A batch of 128 series of ``N = 140`` at the default budget (109 signals per chunk)
        runs as two chunks of 64 instead of 109 and 19: 5-7 % faster (smaller work arrays,
        measured 2026-12-05 on a 2-core AMD EPYC). Never more per chunk than the budget's
        count; chunking changes no result.
        """
        chunk = super()._chunk(x, N, caps)
        if not isinstance(x, np.ndarray):
            return chunk
        B = math.prod(x.shape[:-1])
        return -(-B // -(-B // chunk))

    # ------------------------------------------------------------------ calling
    @no_autograph
    def __call__(self, x: Array) -> Array | dict[tuple, Array]:
        """Scattering coefficients of ``x``.

        Parameters
        ----------
        x : array, shape (..., N), float32 or float64
            Any array-API array (NumPy, torch, JAX, CuPy, ...); either byte order
            (big-endian NumPy input, ``>f8``, is read in native order).

        Returns
        -------
        array, shape (..., n_paths, N_out), or dict of tuple to array of shape (..., N_out)
            Same library, device and dtype as ``x``.
        """
        return super().__call__(native_byte_order(x))

    def _compute_chunk(
        self,
        x: Array,
        plan: ScatteringPlan,
        buffers: dict[str, Array],
        xp: Any,
        caps: Capabilities,
        ws: Workspace | None,
    ) -> list[tuple[np.ndarray, Array]]:
        """:func:`scatterwave.core.scattering1d.scattering1d` of one chunk (B, N)."""
        normalize_energy = self.normalize == "energy"
        return scattering1d(
            x,
            plan,
            buffers,
            xp,
            pad_mode=self.pad_mode,
            normalize_energy=normalize_energy,
            ws=ws,
            caps=caps,
        )

    def _assemble(
        self,
        pieces: list[Any],
        plan: ScatteringPlan,
        buffers: dict[str, Array],
        xp: Any,
        caps: Capabilities,
        lead: tuple[int, ...],
    ) -> Array | dict:
        """Join the chunks' row blocks: ``(*lead, n_paths, N_out)`` or a dict by path key."""
        blocks = [
            (rows, xp.concat([p[i][1] for p in pieces], axis=0) if len(pieces) > 1 else arr)
            for i, (rows, arr) in enumerate(pieces[0])
        ]
        if self.out_type == "dict":
            keys = _keys(plan)
            out = {}
            for rows, arr in blocks:
                for i, r in enumerate(rows):
                    out[keys[r]] = xp.reshape(arr[:, i, :], (*lead, arr.shape[-1]))
            return {k: out[k] for k in (keys[r] for r in plan.order())}
        S = blocks[0][1] if len(blocks) == 1 else xp.concat([arr for _, arr in blocks], axis=1)
        S = take(S, plan.output_order.take(buffers, xp), 1, xp)
        return xp.reshape(S, (*lead, S.shape[1], S.shape[2]))

    # ------------------------------------------------------------------ introspection
    def meta(self, N: int | None = None) -> dict[str, Any]:
        """Metadata aligned with the path axis of the output (or the dict's key order).

        Returns
        -------
        dict
            ``order`` (n_paths,), ``key`` (list of tuples), ``n``, ``j`` (n_paths, 2) int with
            -1 where absent, ``xi``, ``sigma`` (n_paths, 2) float with NaN where absent,
            ``is_cqt`` (n_paths, 2) bool, ``stride`` (n_paths,) samples between outputs
            (``N`` for global averaging), ``averaged`` (n_paths,) bool: the row is low-passed
            (locally or by the global mean); False for the envelopes of ``average=False``,
            whose order-2 rows re-decompose the order-1 rows (see
            :func:`scatterwave.toolkit.partition_pairs`).
        """
        plan = self.plan(self._resolve_N(N))
        perm = plan.order()
        p = plan.paths
        stride = 2 ** p["k"][perm]
        if self.average == "global":
            stride = np.full(len(perm), plan.N)
        keys = _keys(plan)
        return {
            "order": p["order"][perm],
            "key": [keys[r] for r in perm],
            "n": p["n"][perm],
            "j": p["j"][perm],
            "xi": p["xi"][perm],
            "sigma": p["sigma"][perm],
            "is_cqt": p["is_cqt"][perm],
            "stride": stride,
            "averaged": (p["order"][perm] == 0) | (plan.average != "none"),
        }

    @property
    def output_shape(self) -> tuple[int, int]:
        """``(n_paths, N_out)`` for the configured ``N``.

        Unaveraged outputs have one shape only where every row has one stride (an
        ``oversampling`` that brings every row to the same rate); otherwise a ``ValueError``.
        """
        plan = self.plan(self._resolve_N(None))
        if self.average == "global":
            return plan.n_paths, 1
        if plan.average == "none":
            lengths = sorted({plan.out_length(int(k)) for k in plan.paths["k"]})
            if len(lengths) > 1:
                raise ValueError(
                    f"average=False gives rows of lengths {lengths} (each at its own stride, "
                    "see meta()['stride']): no one output shape; raise oversampling so that "
                    "every stride is 1"
                )
            return plan.n_paths, lengths[0]
        return plan.n_paths, plan.out_length(plan.log2_stride or 0)

    def filterbank(self, N: int | None = None) -> dict[str, Any]:
        """Return the filters, dense on the padded DFT grid ``np.fft.fftfreq(N_pad)``.

        Returns
        -------
        dict
            ``psi1_f`` (n1, N_pad), ``psi2_f`` (n2, N_pad), ``phi_f`` (N_pad,) or None,
            ``psi1_meta`` / ``psi2_meta`` (dicts of per-filter arrays), ``N_pad``, ``lp_sum``.
        """
        fb = self._design(self._resolve_N(N))
        return {
            "psi1_f": fb.psi1.filters.dense(),
            "psi2_f": fb.psi2.filters.dense(),
            "phi_f": fb.phi_f,
            "psi1_meta": fb.psi1.meta(),
            "psi2_meta": fb.psi2.meta(),
            "N_pad": fb.N_pad,
            "lp_sum": fb.lp_sum,
        }


def _metadata_only(fb: TimeFilterbank) -> TimeFilterbank:
    """``fb`` without its filter values (see :meth:`Scattering1D._make_plan`)."""

    def strip(w: Any) -> Any:
        return dataclasses.replace(w, filters=BandFilters(w.filters.N, w.filters.lo, []))

    return dataclasses.replace(fb, psi1=strip(fb.psi1), psi2=strip(fb.psi2), phi_f=None, lp_sum={})


def _keys(plan: ScatteringPlan) -> list[tuple]:
    out = []
    for order, (n1, n2) in zip(plan.paths["order"], plan.paths["n"]):
        out.append(() if order == 0 else (int(n1),) if order == 1 else (int(n1), int(n2)))
    return out


def plan_bytes_per_signal(plan: ScatteringPlan, itemsize: int) -> int:
    """Estimated peak working memory per signal of one forward pass, in bytes.

    See :meth:`scatterwave.core.plan.ScatteringPlan.bytes_per_signal`.
    """
    return plan.bytes_per_signal(itemsize)
