"""Gallery: every picture of :mod:`scatterwave.viz` for the built-in test signals.

``scatterwave demo`` (:mod:`scatterwave.commands.demo`) writes these pictures next to the
coefficients it computes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from scatterwave.viz._style import check_sample_rate, pyplot

__all__ = ["DEMO_SAMPLE_RATE", "demo_figures", "demo_signals", "write_demo_figures"]

#: Sampling rate (Hz) the demo assumes to label its pictures: the signals are synthesised
#: in cycles per sample, so any rate gives the same pictures up to the axis units.
DEMO_SAMPLE_RATE = 8000.0

logger = logging.getLogger(__name__)


def demo_signals(N: int) -> dict[str, np.ndarray]:
    """Return the built-in signals of the demo, in normalised frequency units.

    Parameters
    ----------
    N : int >= 256
        Number of samples.

    Returns
    -------
    dict of str to ndarray of shape (N,)
        ``"chirp_up"`` and ``"chirp_down"`` (exponential chirps, rising and falling),
        ``"mixture"`` (chirp + tone + click), ``"am_fm"`` (modulated tone), ``"fdts"`` and
        ``"fdts_shifted"`` (harmonic partials without and with a frequency-dependent delay).
    """
    from scatterwave.signals import am_fm_tone, chirp_sine_pulse, exp_chirp, fdts

    if isinstance(N, bool) or not isinstance(N, int) or N < 256:
        raise ValueError(f"N must be an int >= 256 for the demo signals; got {N!r}")
    up = exp_chirp(N, fmin=0.01, fmax=0.4)
    x0, x1 = fdts(N, f0=0.03, n_partials=5)
    return {
        "chirp_up": up,
        "chirp_down": exp_chirp(N, fmin=0.4, fmax=0.01),
        "mixture": chirp_sine_pulse(N),
        "am_fm": am_fm_tone(N, f_carrier=0.05, f_am=8.0 / N, fm_deviation=0.01, f_fm=4.0 / N),
        "fdts": x0,
        "fdts_shifted": x1,
    }


def demo_figures(
    *, sample_rate: float | None = DEMO_SAMPLE_RATE, N: int = 4096
) -> Iterator[tuple[str, Any]]:
    """Yield the demo's pictures, one at a time: ``(name, matplotlib Figure)``.

    The caller owns each figure (save it, then close it). The GIF is not among them (see
    :func:`write_demo_figures`).

    Parameters
    ----------
    sample_rate : float or None
        Sampling rate in Hz used to label the axes (default :data:`DEMO_SAMPLE_RATE`); None
        labels in samples and cycles/sample.
    N : int >= 512
        Signal length.

    Yields
    ------
    name : str
        File stem, e.g. ``"filterbank_order1"``.
    fig : matplotlib Figure
    """
    sample_rate = check_sample_rate(sample_rate)
    if isinstance(N, bool) or not isinstance(N, int) or N < 512:
        raise ValueError(f"N must be an int >= 512; got {N!r}")
    signals = demo_signals(N)
    yield from _scattering_figures(signals, sample_rate)
    yield from _jtfs_figures(signals, sample_rate)


def _fig(result: Any) -> Any:
    """Return the figure of a plot's result (a Figure, or Axes)."""
    return result if hasattr(result, "savefig") else result.figure


def _scattering_figures(
    signals: dict[str, np.ndarray], sample_rate: float | None
) -> Iterator[tuple[str, Any]]:
    """Filterbanks, scalograms and the energy profile of Scattering1D."""
    from scatterwave.scattering1d import Scattering1D
    from scatterwave.viz.energy import plot_energy_profile
    from scatterwave.viz.filterbank import plot_filterbank, plot_filterbank_heatmap
    from scatterwave.viz.scalogram import plot_scalogram

    fig = _fig
    N = len(signals["mixture"])
    S = Scattering1D(N, J=7, Q=8)
    yield "filterbank_order1", fig(plot_filterbank(S, sample_rate=sample_rate, log_freq=True))
    yield (
        "filterbank_order2",
        fig(plot_filterbank(S, order=2, sample_rate=sample_rate, log_freq=True)),
    )
    yield "filterbank_heatmap", fig(plot_filterbank_heatmap(S, sample_rate=sample_rate))
    for name in ("chirp_up", "mixture", "am_fm", "fdts_shifted"):
        yield (
            f"scalogram_{name}",
            fig(plot_scalogram(signals[name], scattering=S, sample_rate=sample_rate, scale="log")),
        )
    x = signals["mixture"]
    yield "scattering_energy_mixture", fig(plot_energy_profile(S(x), S.meta(), x=x))


def _jtfs_figures(
    signals: dict[str, np.ndarray], sample_rate: float | None
) -> Iterator[tuple[str, Any]]:
    """Frequential filters, joint wavelets and coefficients, energy and distances of JTFS."""
    from scatterwave.jtfs import TimeFrequencyScattering1D
    from scatterwave.viz.energy import plot_coeff_distance, plot_energy_profile
    from scatterwave.viz.filterbank import plot_filterbank_fr
    from scatterwave.viz.jtfs import plot_jtfs_2d
    from scatterwave.vocabulary import S0

    fig = _fig
    N = len(signals["mixture"])
    jtfs = TimeFrequencyScattering1D(N, J=7, Q=8, J_fr=3, Q_fr=1)
    meta = jtfs.meta()
    Q1 = 8
    chirps = jtfs(np.stack([signals["chirp_up"], signals["chirp_down"]]))
    yield "jtfs_filterbank_fr", fig(plot_filterbank_fr(jtfs, Q1=Q1))
    yield "jtfs_wavelets", fig(plot_jtfs_2d(meta, view="wavelets", sample_rate=sample_rate, Q1=Q1))
    for i, name in enumerate(("chirp_up", "chirp_down")):
        yield (
            f"jtfs_coefficients_{name}",
            fig(plot_jtfs_2d(meta, chirps, batch_index=i, sample_rate=sample_rate, Q1=Q1)),
        )
    up = {k: v[0] for k, v in chirps.items()}
    yield "jtfs_energy_chirp_up", fig(plot_energy_profile(up, meta, x=signals["chirp_up"]))
    # The FDTS pair differs only by frequency-dependent delays: with global time averaging,
    # time scattering (S1) barely separates it, the spinned joint pairs do. S0 (a local mean)
    # is about 0 for these zero-mean signals, so its relative distance means nothing.
    global_jtfs = TimeFrequencyScattering1D(
        N, J=7, Q=8, J_fr=3, Q_fr=1, average="global", out_exclude=(S0,)
    )
    pair = global_jtfs(np.stack([signals["fdts"], signals["fdts_shifted"]]))
    a, b = ({k: v[i] for k, v in pair.items()} for i in (0, 1))
    ax = plot_coeff_distance(a, b, global_jtfs.meta())
    ax.set_title(
        "FDTS pair (partials delayed by different amounts), global time averaging:\n"
        "relative distance per pair; S0 omitted (about 0 for zero-mean signals)",
        fontsize="medium",
    )
    yield "jtfs_distance_fdts", fig(ax)


def write_demo_figures(
    out_dir: str | Path,
    *,
    sample_rate: float | None = DEMO_SAMPLE_RATE,
    N: int = 4096,
    dpi: int = 100,
) -> list[Path]:
    """Write the pictures of filterbanks, scalograms, JTFS views and energies as PNG and GIF.

    Uses ``Scattering1D(N, J=7, Q=8)`` and ``TimeFrequencyScattering1D(N, J=7, Q=8, J_fr=3,
    Q_fr=1)`` on the signals of :func:`demo_signals` (see :func:`demo_figures`). Takes about
    10 s of CPU time.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write to (created if needed); existing files of the same names are replaced.
    sample_rate : float or None
        Sampling rate in Hz used to label the axes (default :data:`DEMO_SAMPLE_RATE`: the
        signals are synthesised in normalised frequency, so the pictures are the same up to
        units); None labels in samples and cycles/sample.
    N : int >= 512
        Signal length.
    dpi : int >= 20
        Resolution of the images.

    Returns
    -------
    paths : list of Path
        The files written, in order.
    """
    from scatterwave.jtfs import TimeFrequencyScattering1D
    from scatterwave.viz.animate import animate_jtfs_4d

    sample_rate = check_sample_rate(sample_rate)
    if isinstance(N, bool) or not isinstance(N, int) or N < 512:
        raise ValueError(f"N must be an int >= 512; got {N!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 20:
        raise ValueError(f"dpi must be an int >= 20; got {dpi!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plt = pyplot()
    written: list[Path] = []
    for name, fig in demo_figures(sample_rate=sample_rate, N=N):
        path = out / f"{name}.png"
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        written.append(path)
        logger.info("wrote %s", path)
    jtfs = TimeFrequencyScattering1D(N, J=7, Q=8, J_fr=3, Q_fr=1)
    up = {k: v[0] for k, v in jtfs(demo_signals(N)["chirp_up"][None]).items()}
    gif = animate_jtfs_4d(
        up, jtfs.meta(), out / "jtfs_4d_chirp_up.gif", sample_rate=sample_rate, Q1=8
    )
    written.append(gif)
    logger.info("wrote %s", gif)
    return written
