"""4-D view of joint time-frequency scattering, animated over time into a GIF.

JTFS coefficients live on four axes: temporal modulation ``xi2``, frequential modulation
``xi1_fr`` (signed by spin), first-order frequency ``xi1`` and time. Each GIF frame is one time
step: a 3-D scatter of the joint slices' coefficients over ``(xi2, xi1_fr, n1)``, points sized
and coloured by magnitude. Rendered with matplotlib and written with Pillow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from scatterwave.viz._grid import JointGrid, joint_grid
from scatterwave.viz._style import (
    CMAP_MAGNITUDE,
    check_sample_rate,
    freq_unit,
    pyplot,
    time_unit,
)

__all__ = ["animate_jtfs_4d"]


def _points(grid: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Coordinates ``(col, row, n1)`` of every coefficient and the magnitudes over time."""
    coords, values = [], []
    lengths = {c.image.shape[1] for c in grid.cells.values()}
    n_time = min(lengths)
    for (row, col), cell in grid.cells.items():
        img = cell.image
        n1 = img.shape[0]
        # Resample each slice onto the common number of time steps (strides may differ).
        idx = np.minimum((np.arange(n_time) * img.shape[1]) // n_time, img.shape[1] - 1)
        for k in range(n1):
            coords.append((col, grid.n_rows - 1 - row, (n1 - 1 - k) / max(n1 - 1, 1)))
            values.append(img[k, idx])
    return np.asarray(coords, dtype=float), np.asarray(values, dtype=float), n_time


def animate_jtfs_4d(
    Sx: Mapping[str, Any],
    meta: Mapping[str, Any],
    path: str | Path,
    *,
    batch_index: int = 0,
    pairs: Sequence[str] | None = None,
    max_frames: int = 24,
    fps: float = 6.0,
    threshold: float = 0.05,
    sample_rate: float | None = None,
    Q1: int | None = None,
    dpi: int = 80,
) -> Path:
    """Write a GIF whose frames are the joint JTFS coefficients at successive times.

    Parameters
    ----------
    Sx : dict of str to array of shape (..., n_rows, N_out)
        JTFS output with ``out_type="dict"`` (any array library).
    meta : dict
        ``TimeFrequencyScattering1D.meta()``.
    path : str or Path
        Output file; must end with ``.gif``. Parent folders are created.
    batch_index : int
        Signal of the (flattened) batch to animate.
    pairs : sequence of str, optional
        Joint pairs to include (default every joint pair present).
    max_frames : int >= 2
        At most this many frames, evenly spaced over time.
    fps : float > 0
        Frames per second of the GIF.
    threshold : float in [0, 1)
        Points below ``threshold`` times the global maximum are not drawn.
    sample_rate : float, optional
        Sampling rate in Hz: time stamps in seconds and frequency ticks in Hz (else samples
        and cycles per sample).
    Q1 : int, optional
        First-order wavelets per octave: ``xi1_fr`` ticks in cycles per octave (else cycles
        per row of ``n1``).
    dpi : int
        Resolution of the frames.

    Returns
    -------
    path : Path
        The written GIF.
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    sample_rate = check_sample_rate(sample_rate)
    path = Path(path)
    _check_options(path, max_frames, fps, threshold)
    grid = joint_grid(meta, Sx, batch_index=batch_index, pairs=pairs)
    coords, values, n_time = _points(grid)
    if n_time < 2:
        raise ValueError(
            f"the coefficients have {n_time} time step(s): nothing to animate; use local "
            "averaging (average=True) rather than global"
        )
    frames = np.unique(np.linspace(0, n_time - 1, min(max_frames, n_time)).round().astype(int))
    vmax = float(values.max()) or 1.0
    stride = _time_stride(meta, grid)
    tscale, _ = time_unit(sample_rate)
    if Q1 is not None and (isinstance(Q1, bool) or not isinstance(Q1, int) or Q1 < 1):
        raise ValueError(f"Q1 must be a positive int (wavelets per octave) or None; got {Q1!r}")
    ticks = _ticks(grid, sample_rate, Q1)
    plt = pyplot()
    fig, ax = _figure(plt, dpi, threshold)

    clip = _Clip(grid, coords, values / vmax, frames, threshold, ticks, stride, tscale, sample_rate)
    draw = partial(clip.draw, ax)
    anim = FuncAnimation(fig, draw, frames=len(frames), blit=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    anim.save(path, writer=PillowWriter(fps=fps))  # type: ignore[arg-type]  # any fps > 0
    plt.close(fig)
    return path


@dataclass(frozen=True)
class _Clip:
    """What each frame of the animation draws."""

    grid: JointGrid
    coords: np.ndarray  # (n_points, 3)
    values: np.ndarray  # (n_points, n_time), divided by the clip's maximum
    frames: np.ndarray  # time index of each frame
    threshold: float
    ticks: list
    stride: float  # samples per output time step
    time_scale: float  # display units of time per sample
    sample_rate: float | None

    def draw(self, ax: Any, i: int) -> list:
        """Draw frame ``i`` on the 3-D Axes ``ax``."""
        ax.clear()
        v = self.values[:, self.frames[i]]
        keep = v >= self.threshold
        ax.scatter(
            self.coords[keep, 0],
            self.coords[keep, 1],
            self.coords[keep, 2],
            c=v[keep],
            s=4 + 60 * v[keep],
            cmap=CMAP_MAGNITUDE,
            vmin=0,
            vmax=1,
            depthshade=False,
        )
        ax.set_xlim(-0.5, self.grid.n_cols - 0.5)
        ax.set_ylim(-0.5, self.grid.n_rows - 0.5)
        ax.set_zlim(0, 1)
        for axis, (name, positions, labels) in zip("xyz", self.ticks):
            getattr(ax, f"set_{axis}ticks")(positions, labels, fontsize=6)
            getattr(ax, f"set_{axis}label")(name, fontsize="small", labelpad=8)
        t = self.frames[i] * self.stride * self.time_scale
        stamp = f"{t:.3g} s" if self.sample_rate else f"sample {t:.0f}"
        ax.set_title(f"JTFS at {stamp} (frame {i + 1}/{len(self.frames)})")
        return []


def _check_options(path: Path, max_frames: int, fps: float, threshold: float) -> None:
    if path.suffix.lower() != ".gif":
        raise ValueError(f"path must end with .gif; got {str(path)!r}")
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 2:
        raise ValueError(f"max_frames must be an int >= 2; got {max_frames!r}")
    if not fps > 0:
        raise ValueError(f"fps must be > 0; got {fps!r}")
    if not 0 <= threshold < 1:
        raise ValueError(f"threshold must be in [0, 1); got {threshold!r}")


def _figure(plt: Any, dpi: int, threshold: float) -> tuple[Any, Any]:
    """Create a figure with one 3-D Axes and the clip's colour bar."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    fig = plt.figure(figsize=(6.4, 5.4), dpi=dpi)
    ax = fig.add_subplot(projection="3d")
    bar = fig.colorbar(
        ScalarMappable(Normalize(0, 1), cmap=CMAP_MAGNITUDE), ax=ax, shrink=0.55, pad=0.12
    )
    bar.set_label(
        f"|coefficient| / largest of the clip (hidden below {threshold:g})", fontsize="small"
    )
    return fig, ax


def _ticks(grid: Any, sample_rate: float | None, Q1: int | None) -> list:
    """``(label, positions, tick labels)`` of the x (``xi2``), y (``xi1_fr``), z (``xi1``) axes."""
    fscale, _ = freq_unit(sample_rate)
    funit = "Hz" if sample_rate else "c/s"
    cols = list(range(grid.n_cols))[::2]
    xl = [
        "phi_T" if not np.isfinite(grid.col_xi2[c]) else _short(grid.col_xi2[c] * fscale)
        for c in cols
    ]
    # the scatter puts grid row r at height n_rows - 1 - r (spin up on the far side)
    rows = list(range(grid.n_rows))[::2]
    qunit = "c/oct" if Q1 else "c/row"
    yl = [
        "phi_F" if grid.row_xi_fr[r] == 0 else f"{grid.row_xi_fr[r] * (Q1 or 1):+.2g}" for r in rows
    ]
    ypos = [grid.n_rows - 1 - r for r in rows]
    xi1 = next((c.xi1 for c in grid.cells.values() if c.xi1 is not None), None)
    if xi1 is not None and len(xi1) > 1 and np.all(np.isfinite(xi1)):
        # height (n1 - 1 - k) / (n1 - 1): the lowest frequency (last row) at 0
        zpos = [0.0, 0.5, 1.0]
        picks = [len(xi1) - 1, (len(xi1) - 1) // 2, 0]
        zl = [_short(xi1[k] * fscale) for k in picks]
        zname = f"xi1 ({funit})"
    else:
        zpos, zl, zname = [0.0, 1.0], ["low", "high"], "xi1"
    return [(f"xi2 ({funit})", cols, xl), (f"xi1_fr ({qunit})", ypos, yl), (zname, zpos, zl)]


def _time_stride(meta: Mapping[str, Any], grid: Any) -> float:
    """Return the samples between output time steps, from the meta's ``stride`` if any."""
    from scatterwave.viz._style import pair_meta

    pair = next(iter(grid.cells.values())).pair
    stride = pair_meta(meta, pair).get("stride")
    if stride is None:
        return 1.0
    s = np.asarray(stride, dtype=float)
    return float(s.reshape(len(s), -1)[0, 0]) if s.size else 1.0


def _short(value: float) -> str:
    """Tick label: whole numbers from 100 up, three significant digits below."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
