"""2-D views of joint time-frequency scattering on the (xi2, xi1_fr) plane.

Each cell of the plane is one joint slice (see :mod:`scatterwave.viz._grid` for the layout):
either its coefficients, an image over (first-order frequency ``n1``, time), or the real part of
its joint wavelet ``psi2(t) psi_fr(log-frequency)``. The upper half holds one spin, the lower
half the other: a rising chirp lights up one half and a falling chirp the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from scatterwave.viz._grid import JointGrid, joint_grid
from scatterwave.viz._style import (
    CMAP_MAGNITUDE,
    CMAP_SIGNED,
    check_sample_rate,
    freq_unit,
    get_axes_grid,
    time_unit,
)
from scatterwave.vocabulary import JOINT_PAIRS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["joint_wavelet", "jtfs_grid_shape", "plot_jtfs_2d"]

View = Literal["coefficients", "wavelets"]


def joint_wavelet(
    xi2: float,
    sigma2: float,
    xi_fr: float,
    sigma_fr: float,
    *,
    n_time: int = 256,
    n_freq: int = 64,
) -> np.ndarray:
    r"""Complex joint wavelet :math:`\psi_2(t)\,\psi_{fr}(\lambda)` on a centred grid.

    Both factors are Morlet wavelets designed like scatterwave's filters (Fourier-domain Gabor
    minus a Gaussian so that the mean is zero). A NaN ``xi`` stands for the low-pass of the
    same ``sigma`` along that axis; a negative ``xi_fr`` is the mirror (other spin).

    Parameters
    ----------
    xi2, sigma2 : float
        Temporal centre frequency and bandwidth, cycles per sample.
    xi_fr, sigma_fr : float
        Frequential centre quefrency (signed) and bandwidth, cycles per row of ``n1``.
    n_time, n_freq : int
        Grid sizes (time samples and log-frequency rows).

    Returns
    -------
    ndarray of complex128, shape (n_freq, n_time)
        Rows follow ``n1`` (row 0 at the top is the highest frequency, as in the coefficient
        slices), the time axis is centred on 0.
    """
    from scatterwave.filters.morlet import gauss_f, morlet_f

    def factor(n: int, xi: float, sigma: float) -> np.ndarray:
        if not np.isfinite(sigma) or sigma <= 0:
            raise ValueError(f"sigma must be a finite positive bandwidth; got {sigma}")
        if not np.isfinite(xi) or xi == 0:
            h_f = gauss_f(n, sigma).astype(complex)
        else:
            h_f = morlet_f(n, abs(xi), sigma).astype(complex)
            if xi < 0:
                h_f = np.roll(h_f[::-1], 1)  # psi(-f): the mirror spin
        return np.fft.fftshift(np.fft.ifft(h_f))

    return np.outer(factor(n_freq, xi_fr, sigma_fr), factor(n_time, xi2, sigma2))


def _label_grid(
    axes: np.ndarray, grid: JointGrid, sample_rate: float | None, Q1: int | None
) -> None:
    """Column headers (``xi2``) on top, row labels (``xi1_fr``) on the right."""
    fscale, funit = freq_unit(sample_rate)
    funit = "Hz" if sample_rate else "c/s"
    for col, xi2 in enumerate(grid.col_xi2):
        head = r"$\phi_T$" if not np.isfinite(xi2) else f"$\\xi_2$={xi2 * fscale:.3g} {funit}"
        axes[0, col].set_title(head, fontsize="x-small")
    qunit = "c/oct" if Q1 else "c/row"
    for row, xf in enumerate(grid.row_xi_fr):
        text = r"$\phi_F$" if xf == 0 else f"$\\xi_{{fr}}$={xf * (Q1 or 1):+.2g} {qunit}"
        last = axes[row, -1]
        last.yaxis.set_label_position("right")
        last.set_ylabel(text, fontsize="x-small", rotation=0, ha="left", va="center")


def _panel_axes(
    axes: np.ndarray,
    extents: dict[tuple[int, int], tuple[float, float, float, float]],
    labels: tuple[str, str],
    yticks: dict[tuple[int, int], tuple[list[float], list[str]]] | None = None,
) -> None:
    """Give every panel its axes: ticks on all, tick labels on the outer panels.

    When every panel has the same extent, only the left column shows the y tick labels and
    the bottom row the x tick labels (the panels share their axes); otherwise every panel
    shows its own.
    """
    shared = len(set(extents.values())) <= 1
    n_rows = axes.shape[0]
    for (row, col), a in np.ndenumerate(axes):
        extent = extents.get((row, col))
        if extent is None:
            a.set_xticks([])
            a.set_yticks([])
            continue
        x0, x1, y0, y1 = extent
        a.set_xticks([x0, 0.5 * (x0 + x1)] if x0 >= 0 else [0.5 * x0, 0.0, 0.5 * x1])
        a.xaxis.set_major_formatter("{x:.3g}")
        if yticks is not None and (row, col) in yticks:
            a.set_yticks(*yticks[row, col])
        else:
            a.set_yticks([y0, 0.5 * (y0 + y1), y1])
            a.yaxis.set_major_formatter("{x:.3g}")
        a.tick_params(labelsize=5, length=2, pad=1)
        bottom = row == n_rows - 1 or (row + 1, col) not in extents
        a.tick_params(labelbottom=not shared or bottom, labelleft=not shared or col == 0)
    first = min(extents)
    corner = axes[n_rows - 1, 0] if (n_rows - 1, 0) in extents else axes[first]
    corner.set_xlabel(labels[0], fontsize="x-small")
    corner.set_ylabel(labels[1], fontsize="x-small")


def plot_jtfs_2d(
    meta: Mapping[str, Any],
    Sx: Mapping[str, Any] | None = None,
    *,
    view: View = "coefficients",
    batch_index: int = 0,
    pairs: Sequence[str] | None = None,
    norm: Literal["shared", "per_slice"] = "shared",
    sample_rate: float | None = None,
    Q1: int | None = None,
    ax: Any = None,
) -> Figure:
    """Joint slices (or joint wavelets) of JTFS laid out on the (xi2, xi1_fr) plane.

    Columns are temporal wavelets ``psi2`` from the highest ``xi2`` (left) to the lowest, then
    the temporal low-pass ``phi_T``; rows are frequential wavelets of one spin
    (``"psi_t * psi_f_up"``, top, highest ``|xi1_fr|`` first), the frequential low-pass
    ``phi_F`` (middle) and the other spin (``"psi_t * psi_f_dn"``, bottom). Empty cells are
    slices that the configuration does not compute.

    Parameters
    ----------
    meta : dict
        ``TimeFrequencyScattering1D.meta()``: per pair, ``n`` with columns ``(n2, n1_fr, n1)``
        and ``xi``, ``sigma`` with the same columns.
    Sx : dict of str to array of shape (..., n_rows, N_out), optional
        JTFS output with ``out_type="dict"``; required for ``view="coefficients"``. With
        ``view="wavelets"`` only its pair names are used (the wavelets of those pairs).
    view : {"coefficients", "wavelets"}
        Draw the slices ``|coefficients|`` over ``(n1, t)`` (high frequencies on top), or the
        real part of each cell's joint wavelet (common scale in every cell, so wide wavelets
        look wide). Call twice for both pictures.
    batch_index : int
        Signal of the (flattened) batch to draw.
    pairs : sequence of str, optional
        Restrict to these pairs (default: every joint pair present).
    norm : {"shared", "per_slice"}
        One colour scale for all coefficient cells (compares energies), or one per cell
        (shows structure inside weak slices).
    sample_rate : float, optional
        Sampling rate in Hz: column headers and frequency axes in Hz, time axes in seconds
        (else cycles per sample and samples).
    Q1 : int, optional
        First-order wavelets per octave: ``xi1_fr`` is then labelled in cycles per octave.
    ax : array of matplotlib Axes, optional
        A grid of Axes of the plane's shape (see :func:`jtfs_grid_shape`); new figure if None.

    Returns
    -------
    fig : matplotlib Figure
    """
    sample_rate = check_sample_rate(sample_rate)
    if view not in ("coefficients", "wavelets"):
        raise ValueError(f'view must be "coefficients" or "wavelets"; got {view!r}')
    if norm not in ("shared", "per_slice"):
        raise ValueError(f'norm must be "shared" or "per_slice"; got {norm!r}')
    if view == "coefficients" and Sx is None:
        raise ValueError('view="coefficients" needs the coefficients: pass Sx=jtfs(x)')
    if view == "wavelets" and Sx is not None and pairs is None:
        pairs = [p for p in Sx if p in JOINT_PAIRS]  # the wavelets of the output's pairs
    grid = joint_grid(
        meta, Sx if view == "coefficients" else None, batch_index=batch_index, pairs=pairs
    )
    size = (min(1.3 * grid.n_cols + 2.2, 16.0), min(0.9 * grid.n_rows + 1.6, 16.0))
    axes = get_axes_grid(ax, (grid.n_rows, grid.n_cols), figsize=size, tight=True)
    if ax is None:
        axes[0, 0].figure.subplots_adjust(
            left=0.09, right=0.9, bottom=0.1, top=0.92, wspace=0.08, hspace=0.12
        )
    if view == "coefficients":
        mappable, bar_label = _draw_coefficients(axes, grid, norm, sample_rate)
    else:
        mappable, bar_label = _draw_wavelets(axes, grid, sample_rate, Q1)
    for a in axes.flat:
        a.set_facecolor("0.92")
    _label_grid(axes, grid, sample_rate, Q1)
    fig = _colour_bar(axes, mappable, bar_label)
    what = "joint slices |coefficients| (n1 x time)" if view == "coefficients" else "joint wavelets"
    fig.suptitle(f"JTFS {what} on the (xi2, xi1_fr) plane", fontsize="small")
    return fig


def _colour_bar(axes: np.ndarray, mappable: Any, label: str) -> Any:
    """Draw one horizontal colour bar under every panel of the plane; returns the figure."""
    fig = axes[0, 0].figure
    bar = fig.colorbar(
        mappable,
        ax=list(axes.flat),
        orientation="horizontal",
        fraction=0.015,
        pad=0.04,
        aspect=60,
        shrink=0.5,
    )
    bar.set_label(label, fontsize="x-small")
    bar.ax.tick_params(labelsize="x-small")
    return fig


def _draw_coefficients(
    axes: np.ndarray, grid: JointGrid, norm: str, sample_rate: float | None
) -> tuple[Any, str]:
    """Draw each cell's ``|coefficients|``; returns the colour bar's mappable and label."""
    fscale, _ = freq_unit(sample_rate)
    tscale, tlabel = time_unit(sample_rate)
    extents: dict[tuple[int, int], tuple[float, float, float, float]] = {}
    yticks: dict[tuple[int, int], tuple[list[float], list[str]]] = {}
    mappable: Any = None
    images = [c.image for c in grid.cells.values() if c.image is not None]
    vmax = max((float(i.max()) for i in images), default=1.0) or 1.0
    for (row, col), cell in grid.cells.items():
        img = cell.image
        if img is None:  # every cell has an image when coefficients are drawn
            continue
        top = vmax if norm == "shared" else (float(img.max()) or 1.0)
        n1, n_t = img.shape
        extent = (0.0, n_t * cell.stride * tscale, n1 - 0.5, -0.5)
        mappable = axes[row, col].imshow(
            img,
            aspect="auto",
            cmap=CMAP_MAGNITUDE,
            vmin=0,
            vmax=top,
            interpolation="nearest",
            extent=extent,
        )
        extents[row, col] = (extent[0], extent[1], extent[2], extent[3])
        if cell.xi1 is not None and np.all(np.isfinite(cell.xi1)):
            ticks = [0, n1 // 2, n1 - 1]
            yticks[row, col] = (
                [float(t) for t in ticks],
                [_number(cell.xi1[t] * fscale) for t in ticks],
            )
    ylabel = r"$\xi_1$ (" + ("Hz" if sample_rate else "c/s") + ")"
    if not yticks:
        ylabel = "row n1 (0: highest frequency)"
    _panel_axes(axes, extents, (tlabel, ylabel), yticks or None)
    bar_label = "|coefficient| (one scale for every panel)"
    if norm == "per_slice":
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        mappable = ScalarMappable(Normalize(0, 1), cmap=CMAP_MAGNITUDE)
        bar_label = "|coefficient| / largest |coefficient| of its panel"
    return mappable, bar_label


def _draw_wavelets(
    axes: np.ndarray, grid: JointGrid, sample_rate: float | None, Q1: int | None
) -> tuple[Any, str]:
    """Draw each cell's joint wavelet (real part); returns the colour bar's mappable and label."""
    tscale, tlabel = time_unit(sample_rate)
    extents: dict[tuple[int, int], tuple[float, float, float, float]] = {}
    mappable: Any = None
    n_time, n_freq, sigma_t, sigma_f = _wavelet_window(grid)
    waves = {
        rc: joint_wavelet(
            c.xi[0],
            c.sigma[0] if _ok(c.sigma[0]) else sigma_t,
            c.xi[1],
            c.sigma[1] if _ok(c.sigma[1]) else sigma_f,
            n_time=n_time,
            n_freq=n_freq,
        )
        for rc, c in grid.cells.items()
    }
    # time centred on 0; log-frequency in octaves (rows / Q1) or rows, 0 at the centre
    per_octave = float(Q1 or 1)
    extent = (
        -0.5 * n_time * tscale,
        0.5 * n_time * tscale,
        -0.5 * n_freq / per_octave,
        0.5 * n_freq / per_octave,
    )
    for (row, col), w in waves.items():
        w = w.real / (np.abs(w).max() or 1.0)
        mappable = axes[row, col].imshow(
            w,
            aspect="auto",
            cmap=CMAP_SIGNED,
            vmin=-1,
            vmax=1,
            interpolation="antialiased",
            extent=extent,
        )
        extents[row, col] = extent
    ylabel = "log-frequency (octaves)" if Q1 else "log-frequency (rows of n1)"
    _panel_axes(axes, extents, (tlabel.replace("time", "time lag"), ylabel))
    bar_label = "real part of the joint wavelet / its largest modulus"
    return mappable, bar_label


def jtfs_grid_shape(meta: Mapping[str, Any], *, pairs: Sequence[str] | None = None) -> tuple:
    """``(n_rows, n_cols)`` of the plane drawn by :func:`plot_jtfs_2d`, to pre-create Axes.

    Parameters
    ----------
    meta : dict
        ``TimeFrequencyScattering1D.meta()``.
    pairs : sequence of str, optional
        Restrict to these pairs.

    Returns
    -------
    shape : tuple of (int, int)
    """
    grid = joint_grid(meta, None, pairs=pairs)
    return grid.n_rows, grid.n_cols


def _number(value: float) -> str:
    """Short tick label: whole numbers from 100 up, three significant digits below."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _ok(sigma: float) -> bool:
    return bool(np.isfinite(sigma) and sigma > 0)


def _wavelet_window(grid: JointGrid) -> tuple[int, int, float, float]:
    """Grid sizes holding the widest wavelets (``~ 8 std`` in time), and fallback bandwidths.

    A cell whose meta has no bandwidth (a low-pass recorded without one) is drawn with the
    narrowest bandwidth of its axis, i.e. as wide as the widest wavelet.
    """
    out = []
    for axis, (lo, hi) in ((0, (6, 10)), (1, (4, 7))):
        sig = [c.sigma[axis] for c in grid.cells.values() if _ok(c.sigma[axis])]
        narrow = min(sig) if sig else 0.1 / 2 ** (hi - 3)
        width = 8.0 / (2 * np.pi * narrow)
        out.append((int(2 ** np.clip(np.ceil(np.log2(width)), lo, hi)), narrow))
    (n_time, sigma_t), (n_freq, sigma_f) = out
    return n_time, n_freq, sigma_t, sigma_f
