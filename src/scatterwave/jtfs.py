"""TimeFrequencyScattering1D: joint time-frequency scattering of any array library's signals."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from scatterwave._jtfs_args import check_jtfs_args
from scatterwave._transform import ArrayAPITransform, no_autograph
from scatterwave._validation import check_r_psi
from scatterwave.core.capabilities import Capabilities
from scatterwave.core.jtfs import jtfs
from scatterwave.core.jtfs_build import build_jtfs_plan
from scatterwave.core.jtfs_dense import complex_operators
from scatterwave.core.jtfs_plan import JTFSPlan
from scatterwave.core.ops import native_byte_order, take
from scatterwave.core.workspace import Workspace
from scatterwave.filters.bank import TimeFilterbank, build_time_filterbank
from scatterwave.filters.frequential import (
    FrequentialFilterbank,
    build_frequential_filterbank,
    default_J_fr,
    frequential_padded_length,
)
from scatterwave.vocabulary import JOINT_PAIRS, PAIRS, Pair

logger = logging.getLogger(__name__)

Array = Any
PadMode = Literal["reflect", "zero"] | Callable[[Any, int, int], Any]
PadModeFr = (
    Literal["zero", "reflect", "conj-reflect", "conj-reflect-zero"] | Callable[[Any, int], Any]
)


class TimeFrequencyScattering1D(
    ArrayAPITransform[tuple[TimeFilterbank, FrequentialFilterbank], JTFSPlan]
):
    r"""Joint time-frequency scattering (JTFS) of 1-D signals.

    The scalogram ``U1(t, n1) = |x * psi1_{n1}|(t)`` (row ``n1 = 0`` is the highest
    frequency) is filtered jointly along time by second-order wavelets ``psi2`` and along
    frequency (the ``n1`` axis) by frequential wavelets ``psi_fr`` of both spins, before a
    single modulus and low-pass filtering by ``phi_T`` (time) and optionally ``phi_F``
    (frequency). Outputs, named by pair:

    ============================  ==========================================================
    ``"S0"``                      ``x * phi_T``
    ``"S1"``                      ``U1 * phi_T`` (time scattering, first order)
    ``"phi_t * phi_f"``           ``S1 *_fr phi_F``
    ``"phi_t * psi_f"``           ``|S1 *_fr psi_fr|`` (one spin; times ``sqrt 2`` for both)
    ``"psi_t * phi_f"``           ``|U1 * psi2 *_fr phi_F| * phi_T``
    ``"psi_t * psi_f_up"``        ``|U1 * psi2 *_fr psi_fr_up| * phi_T`` (spin +1)
    ``"psi_t * psi_f_dn"``        ``|U1 * psi2 *_fr psi_fr_dn| * phi_T`` (spin -1)
    ============================  ==========================================================

    followed, for the ``psi_f`` pairs with ``average_fr=True``, by ``phi_F`` along frequency.
    With ``average=False``, ``S1`` is ``U1`` and the ``psi_t`` pairs are the moduli
    ``|U1 * psi2 *_fr psi_fr|`` themselves; ``S0`` and the ``phi_t`` pairs keep ``phi_T``
    (at stride 1, like every row).

    **Spin convention.** ``psi_fr_up`` is the strictly analytic frequential Morlet applied along
    ``n1`` in increasing order (decreasing frequency); ``psi_fr_dn(f) = psi_fr_up(-f)``. With
    analytic time wavelets, the joint wavelet ``psi2(t) psi_fr_up(n1)`` has wavefronts along
    which ``n1`` decreases as ``t`` grows: it matches **rising** chirps (frequency increasing
    with time). Spin +1 (``_up``) = rising, spin -1 (``_dn``) = falling.

    Devices: CPU, CUDA (whatever the input's library supports). Differentiable: yes (torch,
    JAX, TensorFlow). Libraries: NumPy, PyTorch, JAX, CuPy, array-api-strict; TensorFlow
    tensors (eager, ``tf.function``, XLA) through :mod:`scatterwave.core.tf_namespace`; Keras
    layers in :mod:`scatterwave.keras`.

    Parameters
    ----------
    N : int or None
        Input length (None: built per input length on first use).
    J : int >= 1 or tuple of (int, int)
        Maximum log2 time scale of the wavelets; ``2**J <= N``. A pair ``(J1, J2)``,
        ``J2 <= J1``, stops the second-order wavelets at scale ``2**J2`` (``T`` still
        defaults to ``2**J1``): the longest ``psi_t`` no longer straddles a whole boundary
        region, which keeps spin under reflect padding (see ``docs/jtfs.md``), but the
        envelope variations between ``2**-J1`` and ``2**-J2`` (relative) frequencies then
        reach no coefficient.
    Q : int or tuple of (int, int)
        Wavelets per octave at orders 1 and 2 (an int ``Q`` means ``(Q, 1)``).
    J_fr : int, optional
        Maximum log2 scale of the frequential wavelets, in rows; at most
        ``ceil(log2 N1)`` (``N1``: number of first-order wavelets). Default
        ``min(max(ceil(log2 N1) - 2, 3), ceil(log2 N1))``.
    Q_fr : int >= 1
        Frequential wavelets per octave.
    T : int, optional
        Time averaging scale, ``1 <= T <= N``; default ``2**J``. With ``average=False``, the
        scale of the low-pass of ``S0`` (as in Scattering1D) and of the ``phi_t`` pairs.
    F : int or "global", optional
        Width of the frequential low-pass in rows, ``1 <= F <= N1``; default
        ``min(Q[0], N1)`` (one octave, or the whole axis when it is shorter than an octave, so
        that the default always builds). ``"global"``: mean over the rows that carry data
        (the limit of the local averages as ``F`` grows, see Notes). Always used by the
        ``phi_f`` pairs; used for the ``psi_f`` pairs when ``average_fr`` is True.
    average : {True, "global", False}
        Local time averaging by ``phi_T`` or a global time mean over the ``N`` unpadded
        samples (length-1 outputs; the limit of the local averages as ``T`` grows).
        ``False``: no time averaging of ``S1`` and the ``psi_t`` pairs (``S0`` and the
        ``phi_t`` pairs keep ``phi_T``); every row is returned at the input's rate (``N``
        samples, time stride 1), so every pair stays a regular array and every ``out_type``
        and ``out_3D`` work. ``S0`` and ``S1`` are then Scattering1D(average=False)'s orders 0
        (``x * phi_T``) and 1 (``|x * psi1|``) without subsampling (``S0`` exactly so with
        ``edge_averaging="padded"``); frequential averaging (``average_fr``, ``phi_F`` of the
        ``phi_f`` pairs) is still applied.
    average_fr : bool
        Low-pass the ``psi_f`` pairs along frequency by ``phi_F`` (or the global mean).
    out_type : {"dict", "array"}
        ``"dict"``: pair -> array ``(..., n_rows, t)`` (or ``(..., n_slices, n_freq, t)`` for
        joint pairs with ``out_3D``), pairs in :meth:`meta`'s order (a ``jax.jit`` of your own
        returns dicts with sorted keys, JAX's rule). ``"array"``: every row concatenated along
        one axis, ``(..., n_rows, t)``; with ``out_3D``, a tuple ``(S_time (..., 1 + N1, t),
        S_joint (..., n_slices, n_freq, t))``. Rows follow :meth:`meta`.
    aligned : bool
        With ``average_fr=False``, give every joint slice the same frequential stride (the
        finest any slice needs) so that row ``i`` is the same ``n1`` in every slice. With
        ``average_fr=True`` all slices share the stride of ``phi_F`` either way.
    out_3D : bool
        Return joint slices as 3-D ``(n_slices, n_freq, t)`` arrays; requires ``average_fr``.
    zero_rows : {"keep", "drop"} or None
        Joint slices of second-order wavelets that see fewer first-order rows than others are
        padded with rows that are zero for every input (about a third of the joint rows),
        so that every slice has the same number of rows and row ``i`` is the same ``n1``.
        ``"keep"``: keep them (alignment; ``out_3D`` needs them). ``"drop"``: leave them out
        (compact features). They are never computed either way; :meth:`meta` and
        :attr:`output_shape` follow the choice. Default: ``"drop"`` for ``out_type="array"``
        without ``out_3D``, else ``"keep"``.
    sampling_filters_fr : {"exclude", "resample"}
        ``"resample"``: every second-order path uses all frequential wavelets. ``"exclude"``
        (default): drop, per ``n2``, frequential wavelets wider than ``2**ceil(log2 N_fr)``
        rows, where ``N_fr`` is the number of first-order rows that ``psi2_{n2}`` sees (such a
        wavelet wraps around that short axis and responds to both spins alike).
    edge_averaging : {"data", "padded"}
        ``"data"`` (default): every low-pass, along time and along frequency, is a weighted
        mean of the samples (rows) that carry data, so no energy is averaged into the
        padding and local averages tend to the global mean as ``T`` (``F``) grows (see
        ``docs/jtfs.md``). ``"padded"``: plain low-passes of the padded axes, as
        Scattering1D (and WaveSpin); ``S0`` and ``S1`` then equal Scattering1D's exactly.
        Their limit as ``T`` (``F``) grows is not the global mean: zero padding dilutes them
        (on WaveSpin's global-averaging signal, ``T = N - 1`` and ``F = 31`` of 37 rows keep
        1/13 to 1/2 of the energy of ``average="global"`` and ``F="global"``, per pair).
    pad_mode : {"zero", "reflect"} or callable
        Time padding. Default ``"zero"``: a reflected chirp runs the other way, so reflect
        padding leaks energy into the wrong spin (spin ratios of 30 to 70 instead of more
        than 300; see ``docs/jtfs.md``). With ``"reflect"``, ``U1 * psi2`` is conjugated on
        the reflected samples, which corrects the padded samples far from the edges only.
    pad_mode_fr : {"zero", "reflect", "conj-reflect", "conj-reflect-zero"} or callable
        Frequency-axis padding beyond the last row. ``"conj-reflect"`` reflects the rows a
        group of second-order wavelets sees and conjugates the reflections of ``U1 * psi2``;
        ``"conj-reflect-zero"`` (WaveSpin's default layout) first extends each second-order
        wavelet's rows with zeros to the complete first-order axis (the rows it does not
        see are lower frequencies, where its response is about zero) and then reflects,
        from the end of that extended axis and, circularly before row 0, from row 1. A
        callable is called as ``f(y, L)`` with **frequency last**: ``y`` of shape
        ``(B, t, P, n)``, the ``n`` first-order rows that carry data (``n = N1`` for the
        phi_t pairs, where ``y`` is real and ``P = 1``; for the psi_t pairs ``y`` is
        complex, ``P`` second-order wavelets, and ``n`` can be less than ``N1``: the rows
        those wavelets see), and must return ``(B, t, P, L)``, the last axis padded to
        ``L`` rows (rows ``0 .. n - 1`` unchanged; the axis is circular, so the last
        positions precede row 0).
    max_pad_factor, max_pad_factor_fr : int >= 0 or None
        Caps of the padded lengths: along time, Scattering1D's (the smallest FFT-friendly
        length of at least ``N * 2**max_pad_factor``); along frequency,
        ``2**(ceil(log2 N1) + max_pad_factor_fr)``. None: no cap.
    oversampling, oversampling_fr : int >= 0
        Reduce every time / frequency subsampling exponent by this much (``oversampling``
        must be 0 with ``average=False``, whose time strides are all 1).
    out_exclude : sequence of str, optional
        Pairs not returned (and, for the phi_t and joint pairs, not computed).
    paths_exclude : dict, optional
        ``{"n2": [...], "n1_fr": [...]}``: second-order or frequential wavelet indices
        (negative counts from the end) that are not computed.
    r_psi : float or tuple of 3 floats
        Crossing amplitude of neighbouring wavelets (order 1, order 2, frequential).
    criterion_amplitude : float
        Amplitude defining supports (padding) and band edges (subsampling).
    normalize : {"energy", "amplitude"}
        As for :class:`~scatterwave.Scattering1D`. ``"energy"``: every row is scaled by
        ``sqrt(N / N_out)`` along time and ``sqrt(n_in / R_valid)`` along frequency (see
        Notes), so that squared norms compare with ``||x||**2``. ``"amplitude"``: plain local
        averages along both axes (``S0`` of a constant equals the constant, up to the edges).
        ``S0`` and ``S1`` equal those of ``Scattering1D`` with the same ``J``, ``Q``, ``T`` and
        ``normalize`` except within ``phi_T``'s reach of the ends (exactly with
        ``edge_averaging="padded"``). With ``average=False`` the time factor is 1: squared
        norms are the energies of the unaveraged moduli on the ``N`` unpadded samples.
    memory_budget_mb : float > 0 or None
        Batches are processed in chunks whose estimated working memory stays below this many
        MiB. None (default): 32 MiB on a CPU, half the free memory of an accelerator (see
        :mod:`scatterwave._device`).
    cuda_graphs : bool
        PyTorch on CUDA: replay each input shape's forward pass (and backward pass where
        the input requires grad) from a CUDA graph after its first call (see
        :mod:`scatterwave._cuda_graph`).
    check_input : bool
        Reject non-finite input (skipped inside ``jax.jit``, ``torch.compile`` and
        ``torch.func`` transforms such as ``vmap``).

    Notes
    -----
    Averages: every low-pass is a weighted mean of the samples that carry data, not diluted
    into the padding, tending to the global mean as ``T`` (``F``) grows (``docs/jtfs.md``).

    Energy: every row is scaled by ``sqrt(N / N_out)`` and ``sqrt(n_in / R_valid)`` (``n_in``
    first-order rows carry data on the row's frequency axis, ``R_valid`` output rows come from
    them), so the sum of squares of ``S0`` and the four phi_t / psi_t families except ``S1``
    (which they decompose) estimates ``||x||**2`` (see ``docs/jtfs.md`` for the measured
    band).

    Computation: with ``pad_mode_fr`` ``"zero"`` or ``"reflect"`` the frequential filtering of
    the joint stage (padding, filters, subsampling, unpadding) is applied as precomputed
    matrices to the unpadded first-order rows, one matrix product per group of frequential
    filters; they take a few MB to about 70 MB (float64, ``Q=16``, ``J=10``, ``J_fr=5``,
    ``Q_fr=2``). The conjugating modes, callables and configurations whose matrices would
    exceed 256 MB use FFTs along frequency instead (same coefficients).

    Examples
    --------
    >>> import numpy as np
    >>> from scatterwave import TimeFrequencyScattering1D
    >>> jtfs = TimeFrequencyScattering1D(2048, J=6, Q=8, J_fr=3, Q_fr=1, out_type="array")
    >>> Sx = jtfs(np.random.default_rng(0).standard_normal(2048))
    >>> Sx.shape[0] == len(jtfs.meta()["pair"])
    True
    """

    def __init__(
        self,
        N: int | None = None,
        J: int | tuple[int, int] | None = None,
        Q: int | tuple[int, int] = (16, 1),
        J_fr: int | None = None,
        Q_fr: int = 2,
        T: int | None = None,
        F: int | Literal["global"] | None = None,
        *,
        average: bool | Literal["global"] = True,
        average_fr: bool = False,
        out_type: Literal["dict", "array"] = "dict",
        aligned: bool = True,
        out_3D: bool = False,
        zero_rows: Literal["keep", "drop"] | None = None,
        sampling_filters_fr: Literal["resample", "exclude"] = "exclude",
        edge_averaging: Literal["data", "padded"] = "data",
        pad_mode: PadMode = "zero",
        pad_mode_fr: PadModeFr = "zero",
        max_pad_factor: int | None = 2,
        max_pad_factor_fr: int | None = 2,
        oversampling: int = 0,
        oversampling_fr: int = 0,
        out_exclude: tuple[Pair, ...] | list[Pair] | None = None,
        paths_exclude: dict[str, list[int]] | None = None,
        r_psi: float | tuple[float, float, float] = math.sqrt(0.5),
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
        args = check_jtfs_args(
            self.average,
            dict(
                J_fr=J_fr, Q_fr=Q_fr, F=F, average_fr=average_fr, aligned=aligned,
                out_3D=out_3D, out_type=out_type, normalize=normalize, zero_rows=zero_rows,
                sampling_filters_fr=sampling_filters_fr, edge_averaging=edge_averaging,
                pad_mode=pad_mode, pad_mode_fr=pad_mode_fr, max_pad_factor=max_pad_factor,
                max_pad_factor_fr=max_pad_factor_fr, oversampling=oversampling,
                oversampling_fr=oversampling_fr, out_exclude=out_exclude,
                paths_exclude=paths_exclude,
            ),
        )  # fmt: skip
        average_fr, aligned, out_3D = args["average_fr"], args["aligned"], args["out_3D"]
        r1, r2, r_fr = check_r_psi(r_psi, 3)
        self.r_psi = (r1, r2, r_fr)
        self.J_fr, self.Q_fr, self.F = J_fr, Q_fr, F
        self.average_fr = average_fr
        self.out_type, self.aligned, self.out_3D = out_type, aligned, out_3D
        self.zero_rows = zero_rows
        self.sampling_filters_fr, self.edge_averaging = sampling_filters_fr, edge_averaging
        self.pad_mode, self.pad_mode_fr = pad_mode, pad_mode_fr
        self.max_pad_factor, self.max_pad_factor_fr = max_pad_factor, max_pad_factor_fr
        self.oversampling, self.oversampling_fr = oversampling, oversampling_fr
        self.out_exclude: tuple[str, ...] = args["out_exclude"]
        self.paths_exclude = paths_exclude
        self.normalize = normalize
        self._layouts: dict[int, tuple[list[str], dict[str, tuple[int, int]]]] = {}
        if N is not None:
            self.plan(N)

    # ------------------------------------------------------------------ building
    def _make_plan(self, N: int) -> tuple[tuple[TimeFilterbank, FrequentialFilterbank], JTFSPlan]:
        """Build the time and frequential filterbanks and the compiled plan for length ``N``."""
        T = self._averaging_scale(N)
        fb = build_time_filterbank(
            N,
            self._J,
            self.Q,
            T,
            r_psi=(self.r_psi[0], self.r_psi[1]),
            criterion_amplitude=self.criterion_amplitude,
            max_pad_factor=self.max_pad_factor,
            proportional_cap=True,  # Scattering1D's padded length, so S0 and S1 can equal its
        )
        N1 = len(fb.psi1)
        if N1 < 2:
            raise ValueError(
                f"J={self.J}, Q={self.Q} gives {N1} first-order wavelet(s); JTFS needs at least "
                "2 rows along frequency: increase J or Q[0]"
            )
        top = math.ceil(math.log2(N1))
        J_fr = default_J_fr(N1) if self.J_fr is None else self.J_fr
        if J_fr > top:
            raise ValueError(
                f"J_fr={J_fr} exceeds ceil(log2 N1)={top} for N1={N1} first-order wavelets "
                f"(J={self.J}, Q={self.Q}); use J_fr <= {top}"
            )
        F = min(self.Q[0], N1) if self.F is None else self.F
        if F != "global" and F > N1:
            raise ValueError(
                f"F={F} exceeds the number of first-order rows N1={N1}; use F <= {N1} or "
                "F='global' for a mean over all rows"
            )
        ffb = build_frequential_filterbank(
            N1,
            J_fr,
            self.Q_fr,
            None if F == "global" else F,
            r_psi_fr=self.r_psi[2],
            criterion_amplitude=self.criterion_amplitude,
            max_pad_factor_fr=self.max_pad_factor_fr,
            two_sided=self.pad_mode_fr != "zero",
        )
        paths = self._paths_exclude({"n2": len(fb.psi2), "n1_fr": len(ffb)})
        plan = build_jtfs_plan(
            fb,
            ffb,
            average={True: "local", False: "none", "global": "global"}[self.average],
            average_fr=self.average_fr,
            aligned=self.aligned,
            oversampling=self.oversampling,
            oversampling_fr=self.oversampling_fr,
            sampling_filters_fr=self.sampling_filters_fr,
            pad_mode=None if callable(self.pad_mode) else self.pad_mode,
            pad_mode_fr=None if callable(self.pad_mode_fr) else self.pad_mode_fr,
            out_exclude=self.out_exclude,
            paths_exclude=paths,
            criterion_amplitude=self.criterion_amplitude,
            edges=self.edge_averaging == "data",
            normalize_energy=self.normalize == "energy",
            axis_length=lambda n: frequential_padded_length(
                n,
                J_fr,
                None if F == "global" else F,
                criterion_amplitude=self.criterion_amplitude,
                max_pad_factor_fr=self.max_pad_factor_fr,
                two_sided=self.pad_mode_fr != "zero",
            ),
        )
        if not plan.joint and not set(JOINT_PAIRS[2:]) <= set(self.out_exclude):
            raise ValueError(
                f"no second-order path: with J={self.J}, Q={self.Q} no second-order wavelet "
                "sees any first-order envelope; increase J"
            )
        # Output layout as Python objects, computed once here: read from NumPy arrays inside
        # compute, it would split a torch.compile graph (arrays are traced as tensors).
        pair = plan.rows["pair"][self._kept_rows(plan)]
        names: list[str] = [p for p in PAIRS if p in set(pair)]
        lost = [p for p in PAIRS if p not in names and p not in self.out_exclude]
        if lost and (self.sampling_filters_fr != "exclude" or any("psi_f" not in p for p in lost)):
            raise ValueError(f"with these arguments {lost} have no rows: out_exclude them")
        if lost:
            raise ValueError(
                f"with N={N}, J={self.J}, Q={self.Q} and sampling_filters_fr="
                f"{self.sampling_filters_fr!r}, no frequential wavelet fits the frequency axis of "
                "any second-order path (too few first-order rows below each second-order "
                f"wavelet), so {lost} would be empty: increase J or Q (more first-order rows), "
                "use sampling_filters_fr='resample' (wavelets wider than the axis, zero-padded), "
                "or leave those pairs out with out_exclude"
            )
        bounds = {p: (int(np.argmax(pair == p)), int(np.sum(pair == p))) for p in names}
        self._layouts[N] = (names, bounds)
        return (fb, ffb), plan

    # ------------------------------------------------------------------ calling
    @no_autograph
    def __call__(self, x: Array) -> Array | tuple[Array, Array] | dict[str, Array]:
        """JTFS coefficients of ``x``.

        Parameters
        ----------
        x : array, shape (..., N), float32 or float64
            Any array-API array; either byte order (big-endian NumPy input, ``>f8``, is
            read in native order).

        Returns
        -------
        dict of str to array, array of shape (..., n_rows, t), or tuple of arrays
            See ``out_type`` and ``out_3D``; same library, device and dtype as ``x``.
        """
        return super().__call__(native_byte_order(x))

    def _convert_buffers(
        self, plan: JTFSPlan, xp: Any, like: Array, caps: Capabilities
    ) -> dict[str, Array]:
        """Convert ``plan.buffers`` for ``like``; NumPy also gets complex dense ``fr_op``."""
        out = super()._convert_buffers(plan, xp, like, caps)
        if plan.dense_fr and caps.library == "numpy":  # NumPy multiplies complex matrices
            out["fr_op"] = complex_operators(plan, single=like.dtype == xp.float32)
        return out

    def _compute_chunk(
        self,
        x: Array,
        plan: JTFSPlan,
        buffers: dict[str, Array],
        xp: Any,
        caps: Capabilities,
        ws: Workspace | None,
    ) -> Array:
        """:func:`scatterwave.core.jtfs.jtfs` of one chunk (B, N): its rows joined, (B, n, t)."""
        blocks = jtfs(
            x,
            plan,
            buffers,
            xp,
            pad_mode=self.pad_mode,
            pad_mode_fr=self.pad_mode_fr,
            normalize_energy=self.normalize == "energy",
            padding=not self._drop_zero_rows,
            ws=ws,
            caps=caps,
        )
        return xp.concat(blocks, axis=1)

    def _assemble(
        self,
        pieces: list[Any],
        plan: JTFSPlan,
        buffers: dict[str, Array],
        xp: Any,
        caps: Capabilities,
        lead: tuple[int, ...],
    ) -> Any:
        """Join the chunks, keep the output rows and shape them as ``out_type`` asks."""
        N = plan.first.N
        S = xp.concat(pieces, axis=0) if len(pieces) > 1 else pieces[0]
        # with dropped padding rows: the kept rows' positions among the rows computed
        rows = plan.out_rows_compact if self._drop_zero_rows else plan.out_rows
        S = take(S, rows.take(buffers, xp), 1, xp)
        t = S.shape[-1]
        if self.out_type == "array" and not self.out_3D:
            return xp.reshape(S, (*lead, S.shape[1], t))
        names, bounds = self._layouts[N]
        if self.out_type == "array":
            n_time = sum(bounds[p][1] for p in ("S0", "S1") if p in bounds)
            R = self._rows_per_slice(plan)
            S_time = xp.reshape(S[:, :n_time, :], (*lead, n_time, t))
            joint = S[:, n_time:, :]
            S_joint = xp.reshape(joint, (*lead, joint.shape[1] // R, R, t))
            return S_time, S_joint
        out: dict[str, Any] = {}
        for p in names:
            start, count = bounds[p]
            block = S[:, start : start + count, :]
            if self.out_3D and p in JOINT_PAIRS:
                R = self._rows_per_slice(plan)
                out[p] = xp.reshape(block, (*lead, count // R, R, t))
            else:
                out[p] = xp.reshape(block, (*lead, count, t))
        return out

    @property
    def _drop_zero_rows(self) -> bool:
        if self.zero_rows is not None:
            return self.zero_rows == "drop"
        return self.out_type == "array" and not self.out_3D

    def _kept_rows(self, plan: JTFSPlan) -> np.ndarray:
        """Return the indices of the output rows in the computed rows."""
        return plan.returned_rows(self._drop_zero_rows)

    @staticmethod
    def _rows_per_slice(plan: JTFSPlan) -> int:
        groups = plan.first_freq + [g for jg in plan.joint for g in jg.freq]
        return max(g.rows for g in groups) if groups else 1

    # ------------------------------------------------------------------ introspection
    def meta(self, N: int | None = None) -> dict[str, Any]:
        """Return the metadata of every output row, in output order.

        The order is ``out_type="array"``'s row order; for dicts, the rows of each pair in
        turn; with ``out_3D``, slice-major.

        Returns
        -------
        dict
            ``pair`` (n_rows,) object array of pair names; ``n`` (n_rows, 3) int
            ``(n2, n1_fr, n1)`` with -1 where absent (``n1`` is the first-order row at the
            centre of the output row); ``j``, ``xi``, ``sigma``, ``is_cqt`` (n_rows, 3) for
            ``(psi2, psi_fr, psi1)`` (frequential ``xi`` signed by spin; NaN / -1 where
            absent); ``spin`` (n_rows,) in {-1, 0, +1}; ``stride`` (n_rows, 2) int: time
            stride in samples (``N`` for a global mean, 1 with ``average=False``) and
            frequency stride in rows (``N1`` for a global mean, 0 for ``S0``).
        """
        plan = self.plan(self._resolve_N(N))
        kept = self._kept_rows(plan)
        return {k: v[kept] for k, v in plan.rows.items()}

    @property
    def output_shape(self) -> Any:
        """Shape of one signal's output for the configured ``N``.

        ``(n_rows, t)`` for ``out_type="array"``; ``((1 + N1, t), (n_slices, n_freq, t))`` with
        ``out_3D``; for ``out_type="dict"``, a dict of pair to shape.
        """
        plan = self.plan(self._resolve_N(None))
        first = plan.first
        t = 1 if plan.log2_stride is None else -(-first.N // 2**plan.log2_stride)
        pair = plan.rows["pair"][self._kept_rows(plan)]
        R = self._rows_per_slice(plan)
        shapes = {}
        for p in PAIRS:
            count = int(np.sum(pair == p))
            if count:
                is_3d = self.out_3D and p in JOINT_PAIRS
                shapes[p] = (count // R, R, t) if is_3d else (count, t)
        if self.out_type == "dict":
            return shapes
        if not self.out_3D:
            return (len(pair), t)
        n_time = sum(shapes[p][0] for p in ("S0", "S1") if p in shapes)
        n_slices = sum(shapes[p][0] for p in JOINT_PAIRS if p in shapes)
        return (n_time, t), (n_slices, R, t)

    def filterbank(self, N: int | None = None) -> dict[str, Any]:
        """Time and frequential filters, dense on their padded DFT grids.

        Returns
        -------
        dict
            ``psi1_f``, ``psi2_f`` (n, N_pad), ``phi_f`` (N_pad,), ``psi1_meta`` /
            ``psi2_meta`` (dicts of per-filter arrays), ``N_pad``, ``lp_sum``, as
            :meth:`Scattering1D.filterbank <scatterwave.Scattering1D.filterbank>`;
            ``psi_fr_up``, ``psi_fr_dn`` (n_fr, L), ``phi_fr`` (L,) or None, ``L``,
            ``lp_sum_fr`` (L,), ``psi_fr_meta`` (dict of xi, sigma, j, is_cqt, support, gain).
        """
        fb, ffb = self._filters(self._resolve_N(N))
        return {
            "psi1_f": fb.psi1.filters.dense(),
            "psi2_f": fb.psi2.filters.dense(),
            "phi_f": fb.phi_f,
            "psi1_meta": fb.psi1.meta(),
            "psi2_meta": fb.psi2.meta(),
            "N_pad": fb.N_pad,
            "lp_sum": fb.lp_sum,
            "psi_fr_up": ffb.psi_up,
            "psi_fr_dn": ffb.psi_dn,
            "phi_fr": ffb.phi,
            "L": ffb.L,
            "lp_sum_fr": ffb.lp_sum,
            "psi_fr_meta": {
                k: getattr(ffb, k) for k in ("xi", "sigma", "j", "is_cqt", "support", "gain")
            },
        }
