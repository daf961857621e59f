"""Pictures of filterbanks: frequency responses with their Littlewood-Paley sum, time heatmaps.

Filters are read from :meth:`scatterwave.Scattering1D.filterbank` (time wavelets) or given as
arrays sampled on ``np.fft.fftfreq(N_pad)`` (frequential wavelets of JTFS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from scatterwave.toolkit.lp import compute_lp_sum
from scatterwave.viz._style import (
    CMAP_MAGNITUDE,
    CMAP_SIGNED,
    check_sample_rate,
    freq_unit,
    get_axes,
    get_axes_grid,
    time_unit,
    to_numpy,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_filterbank", "plot_filterbank_fr", "plot_filterbank_heatmap"]

Part = Literal["real", "imag", "modulus"]
_PARTS: tuple[Part, ...] = ("real", "imag", "modulus")


def _bank(scattering: Any, N: int | None) -> Mapping[str, Any]:
    if isinstance(scattering, Mapping):
        bank = scattering
    elif hasattr(scattering, "filterbank"):
        bank = scattering.filterbank(N)
    else:
        raise TypeError(
            "scattering must be a Scattering1D (or any object with a filterbank() method) or the "
            f"dict its filterbank() returns; got {type(scattering).__name__}"
        )
    for key in ("psi1_f", "psi2_f", "phi_f", "psi1_meta", "psi2_meta"):
        if key not in bank:
            raise KeyError(f"the filterbank dict lacks {key!r}; got keys {sorted(bank)}")
    return bank


def _order_key(order: int) -> str:
    if order not in (1, 2) or isinstance(order, bool):
        raise ValueError(f"order must be 1 or 2 (first- or second-order wavelets); got {order!r}")
    return f"psi{order}"


def plot_filterbank(
    scattering: Any,
    *,
    order: Literal[1, 2] = 1,
    N: int | None = None,
    lp_sum: bool = True,
    show_phi: bool = True,
    sample_rate: float | None = None,
    log_freq: bool = False,
    ax: Any = None,
) -> Axes:
    r"""Frequency responses of one order's wavelets, the low-pass, and the Littlewood-Paley sum.

    The Littlewood-Paley sum drawn is the frame function of scatterwave's analytic filterbank,
    :math:`A(f) = |\hat\phi_J(f)|^2 + \tfrac12 \sum_n |\hat\psi_n(f)|^2` for :math:`f \ge 0`
    (real inputs; see :mod:`scatterwave.filters.littlewood_paley`): the energy of ``x * psi`` and
    ``x * phi_J`` is within ``[min A, max A]`` times the energy of ``x``. Energy normalisation
    makes ``A`` touch 1 and never exceed it.

    Parameters
    ----------
    scattering : Scattering1D or dict
        The transform, or the dict returned by its ``filterbank()``.
    order : {1, 2}
        First- or second-order wavelets.
    N : int, optional
        Input length, for transforms built with ``N=None``.
    lp_sum : bool
        Draw the Littlewood-Paley sum (dashed black).
    show_phi : bool
        Draw the averaging low-pass ``phi_T`` (grey), when the transform has one.
    sample_rate : float, optional
        Sampling rate in Hz: the frequency axis is then in Hz instead of cycles/sample.
    log_freq : bool
        Logarithmic frequency axis (wavelets of constant Q then have equal widths).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    sample_rate = check_sample_rate(sample_rate)
    bank = _bank(scattering, N)
    key = _order_key(order)
    psi_f = to_numpy(bank[f"{key}_f"])
    N_pad = psi_f.shape[-1]
    half = N_pad // 2 + 1
    f = np.arange(half) / N_pad
    scale, label = freq_unit(sample_rate)
    ax = get_axes(ax)
    cmap = _cmap()
    n = psi_f.shape[0]
    for i in range(n):
        ax.plot(f * scale, np.abs(psi_f[i, :half]), color=cmap(i / max(n - 1, 1)), lw=1)
    ax.plot([], [], color=cmap(0.5), lw=1, label=rf"$|\hat\psi_{{n{order}}}(f)|$")
    if show_phi and bank["phi_f"] is not None:
        phi = np.abs(to_numpy(bank["phi_f"])[:half])
        ax.plot(f * scale, phi, color="0.5", lw=1.5, label=r"$\hat\phi_T$")
    if lp_sum:
        lp, lp_label = _lp_curve(bank, key, psi_f[:, :half])
        ax.plot(f * scale, lp, "k--", lw=1.2, label=lp_label)
    if log_freq:
        xi = np.asarray(bank[f"{key}_meta"]["xi"], dtype=float)
        ax.set_xscale("log")
        ax.set_xlim(0.5 * xi.min() * scale, 0.5 * scale)
    else:
        ax.set_xlim(0, 0.5 * scale)
    ax.set_xlabel(label)
    ax.set_ylabel("magnitude")
    ax.set_title(f"order-{order} filterbank: {n} wavelets")
    # below the axes: inside, the legend would hide the filters
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, fontsize="small")
    return ax


def _lp_curve(bank: Mapping[str, Any], key: str, psi_half: np.ndarray) -> tuple[np.ndarray, str]:
    """Littlewood-Paley sum on the positive bins and its label: the bank's, else the wavelets'."""
    lp = bank.get("lp_sum", {}).get(key) if isinstance(bank.get("lp_sum"), Mapping) else None
    # The label states exactly what is drawn: a sum of *squared* moduli, halved (analytic
    # wavelets, real input), so a wavelet of peak modulus above 1 does not exceed it.
    terms = r"\frac{1}{2}\sum_n|\hat\psi_n(f)|^2"
    if lp is None:
        return 0.5 * np.sum(np.abs(psi_half) ** 2, axis=0), f"Littlewood-Paley sum $A(f) = {terms}$"
    return to_numpy(lp), f"Littlewood-Paley sum $A(f) = |\\hat\\phi_J(f)|^2 + {terms}$"


def plot_filterbank_heatmap(
    scattering: Any,
    *,
    order: Literal[1, 2] = 1,
    parts: Sequence[Part] = _PARTS,
    N: int | None = None,
    sample_rate: float | None = None,
    ax: Any = None,
) -> Figure:
    """Heatmaps of every wavelet in time: real part, imaginary part and modulus.

    Each row is one wavelet (row 0 = highest centre frequency), normalised to a peak modulus
    of 1 so that narrow and wide wavelets are equally visible; the time axis is centred on 0
    and cropped to the widest wavelet's support.

    Parameters
    ----------
    scattering : Scattering1D or dict
        The transform, or the dict returned by its ``filterbank()``.
    order : {1, 2}
        First- or second-order wavelets.
    parts : sequence of {"real", "imag", "modulus"}
        Panels to draw, left to right.
    N : int, optional
        Input length, for transforms built with ``N=None``.
    sample_rate : float, optional
        Sampling rate in Hz: the time axis is then in seconds.
    ax : sequence of matplotlib Axes, optional
        One Axes per part; a new figure when None.

    Returns
    -------
    fig : matplotlib Figure
    """
    sample_rate = check_sample_rate(sample_rate)
    parts = tuple(parts)
    if not parts or any(p not in _PARTS for p in parts):
        raise ValueError(f"parts must be a non-empty sequence of {_PARTS}; got {parts!r}")
    bank = _bank(scattering, N)
    key = _order_key(order)
    psi_f = to_numpy(bank[f"{key}_f"])
    N_pad = psi_f.shape[-1]
    psi_t = np.fft.fftshift(np.fft.ifft(psi_f, axis=-1), axes=-1)
    psi_t = psi_t / np.abs(psi_t).max(axis=-1, keepdims=True)
    support = np.asarray(bank[f"{key}_meta"].get("support", [N_pad]), dtype=float)
    half = int(min(N_pad // 2, max(8, np.ceil(0.6 * support.max()))))
    c = N_pad // 2
    psi_t = psi_t[:, c - half : c + half + 1]
    tscale, tlabel = time_unit(sample_rate)
    extent = (-half * tscale, half * tscale, psi_t.shape[0] - 0.5, -0.5)
    axes = get_axes_grid(
        None if ax is None else list(np.ravel(np.asarray(ax, dtype=object))),
        (1, len(parts)),
        figsize=(3.6 * len(parts), 4.0),
    )[0]
    for a, part in zip(axes, parts):
        data = {"real": psi_t.real, "imag": psi_t.imag, "modulus": np.abs(psi_t)}[part]
        signed = part != "modulus"
        im = a.imshow(
            data,
            aspect="auto",
            extent=extent,
            cmap=CMAP_SIGNED if signed else CMAP_MAGNITUDE,
            vmin=-1 if signed else 0,
            vmax=1,
            interpolation="nearest",
        )
        a.set_title(f"{part} part" if signed else "modulus")
        a.set_xlabel(tlabel)
        a.figure.colorbar(im, ax=a, fraction=0.05)
    axes[0].set_ylabel(f"wavelet index n{order} (0 = highest frequency)")
    return axes[0].figure


def _fr_filters(filters: Any, phi_fr_f: Any, N: int | None) -> tuple:
    """(psi (n_fr, L), phi (L,) or None, lp (L,) or None) from a JTFS, its dict, or arrays."""
    if hasattr(filters, "filterbank") and not isinstance(filters, Mapping):
        filters = filters.filterbank(N)
    if isinstance(filters, Mapping):
        for key in ("psi_fr_up", "psi_fr_dn"):
            if key not in filters:
                raise KeyError(f"the filterbank dict lacks {key!r}; got keys {sorted(filters)}")
        psi = np.concatenate([to_numpy(filters["psi_fr_up"]), to_numpy(filters["psi_fr_dn"])])
        phi = filters.get("phi_fr")
        lp = filters.get("lp_sum_fr")
        return psi, None if phi is None else to_numpy(phi), None if lp is None else to_numpy(lp)
    psi = to_numpy(filters)
    return psi, None if phi_fr_f is None else to_numpy(phi_fr_f), None


def plot_filterbank_fr(
    filters: Any,
    phi_fr_f: Any = None,
    *,
    Q1: int | None = None,
    lp_sum: bool = True,
    N: int | None = None,
    ax: Any = None,
) -> Axes:
    """Frequential filterbank of joint time-frequency scattering, both spins, with its LP sum.

    The frequential wavelets act along the first-order (log-frequency) axis ``n1``; their
    frequency is a *quefrency*, in cycles per row (or cycles per octave given ``Q1``). The two
    spins are mirror images about 0 (red: positive, blue: negative centre quefrency); the
    Littlewood-Paley sum ``|phi_fr|**2 + sum |psi_fr|**2`` (no folding: the input along ``n1``
    is complex) should be close to 1 everywhere. The quefrency axis is periodic (period
    ``Q1`` cycles/octave): each wavelet is drawn over the period centred on its peak, so
    wavelets near the edges are cut there rather than wrapped to the other side.

    Parameters
    ----------
    filters : TimeFrequencyScattering1D, dict, or array of shape (n_fr, L)
        The transform, the dict returned by its ``filterbank()`` (keys ``psi_fr_up``,
        ``psi_fr_dn``, ``phi_fr``, ``lp_sum_fr``), or frequential wavelets sampled on
        ``np.fft.fftfreq(L)`` (any array library).
    phi_fr_f : array, shape (L,), optional
        Frequential low-pass, when ``filters`` is an array.
    Q1 : int, optional
        First-order wavelets per octave: the axis is then in cycles per octave.
    lp_sum : bool
        Draw the Littlewood-Paley sum (dashed black).
    N : int, optional
        Input length, for transforms built with ``N=None``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    psi, phi, lp = _fr_filters(filters, phi_fr_f, N)
    if psi.ndim != 2:
        raise ValueError(f"the frequential wavelets must have shape (n_fr, L); got {psi.shape}")
    L = psi.shape[-1]
    if phi is not None and phi.shape != (L,):
        raise ValueError(f"phi_fr_f must have shape ({L},) to match the wavelets; got {phi.shape}")
    if Q1 is not None and (isinstance(Q1, bool) or not isinstance(Q1, int) or Q1 < 1):
        raise ValueError(f"Q1 must be a positive int (wavelets per octave) or None; got {Q1!r}")
    grid = np.fft.fftfreq(L)
    f = np.fft.fftshift(grid) * (Q1 or 1)
    shift = np.fft.fftshift
    ax = get_axes(ax)
    for p in psi:
        # The axis is periodic (period 1 cycle/row). Each wavelet is drawn over the period
        # centred on its peak, so the part that wraps past +-1/2 is cut at the edge instead
        # of reappearing on the far side as a stray filter.
        c = grid[np.argmax(np.abs(p))]
        offset = (grid - c + 0.5) % 1.0 - 0.5
        order = np.argsort(offset)
        x = (c + offset[order]) * (Q1 or 1)
        ax.plot(x, np.abs(p)[order], color="tab:red" if c > 0 else "tab:blue", lw=1)
    if phi is not None:
        ax.plot(f, shift(np.abs(phi)), color="0.4", lw=1.5, label=r"$\hat\phi_F$")
    if lp_sum:
        if lp is None:
            lp = compute_lp_sum(psi, phi, for_real_inputs=False)
        ax.plot(f, shift(lp), "k--", lw=1.2, label="Littlewood-Paley sum")
    ax.plot([], [], color="tab:red", label=r"$\xi_{fr} > 0$")
    ax.plot([], [], color="tab:blue", label=r"$\xi_{fr} < 0$")
    ax.set_xlim(-0.5 * (Q1 or 1), 0.5 * (Q1 or 1))
    ax.set_xlabel(
        ("quefrency (cycles/octave" if Q1 else "quefrency (cycles/row of n1")
        + f"; periodic, period {Q1 or 1})"
    )
    ax.set_ylabel("magnitude")
    ax.set_title(f"frequential filterbank: {psi.shape[0]} wavelets")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=4, fontsize="small")
    return ax


def _cmap() -> Any:
    from matplotlib import colormaps

    return colormaps["viridis"]
