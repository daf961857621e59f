"""Every picture of :mod:`scatterwave.viz` for the built-in test signals (``scatterwave demo``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scatterwave.viz._style import check_sample_rate, pyplot

__all__ = ["demo_signals", "write_demo_figures"]

logger = logging.getLogger(__name__)


def demo_signals(N: int) -> dict[str, np.ndarray]:
    """The built-in signals of the demo, in normalised frequency units.

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


def write_demo_figures(
    out_dir: str | Path,
    *,
    sample_rate: float | None = 8000.0,
    N: int = 4096,
    dpi: int = 100,
) -> list[Path]:
    """Write the pictures of filterbanks, scalograms, JTFS views and energies as PNG and GIF.

    Uses ``Scattering1D(N, J=7, Q=8)`` and ``TimeFrequencyScattering1D(N, J=7, Q=8, J_fr=3,
    Q_fr=1)`` on the signals of :func:`demo_signals`. Takes about 10 s of CPU time.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write to (created if needed); existing files of the same names are replaced.
    sample_rate : float or None
        Sampling rate in Hz used to label the axes (signals are synthesised in normalised
        frequency, so the pictures are the same up to units); None labels in samples and
        cycles/sample.
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
    from scatterwave.scattering1d import Scattering1D
    from scatterwave.viz.animate import animate_jtfs_4d
    from scatterwave.viz.energy import plot_coeff_distance, plot_energy_profile
    from scatterwave.viz.filterbank import (
        plot_filterbank,
        plot_filterbank_fr,
        plot_filterbank_heatmap,
    )
    from scatterwave.viz.jtfs import plot_jtfs_2d
    from scatterwave.viz.scalogram import plot_scalogram

    sample_rate = check_sample_rate(sample_rate)
    if isinstance(N, bool) or not isinstance(N, int) or N < 512:
        raise ValueError(f"N must be an int >= 512; got {N!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 20:
        raise ValueError(f"dpi must be an int >= 20; got {dpi!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plt = pyplot()
    written: list[Path] = []

    def png(name: str, draw: Callable[[], Any]) -> None:
        result = draw()
        fig = result if hasattr(result, "savefig") else result.figure
        path = out / f"{name}.png"
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        written.append(path)
        logger.info("wrote %s", path)

    signals = demo_signals(N)
    S = Scattering1D(N, J=7, Q=8)
    png("filterbank_order1", lambda: plot_filterbank(S, sample_rate=sample_rate, log_freq=True))
    png("filterbank_order2", lambda: plot_filterbank(S, order=2, sample_rate=sample_rate))
    png("filterbank_heatmap", lambda: plot_filterbank_heatmap(S, sample_rate=sample_rate))
    for name in ("chirp_up", "mixture", "am_fm", "fdts_shifted"):
        png(
            f"scalogram_{name}",
            lambda name=name: plot_scalogram(
                signals[name], scattering=S, sample_rate=sample_rate, scale="log"
            ),
        )
    x = signals["mixture"]
    png("scattering_energy_mixture", lambda: plot_energy_profile(S(x), S.meta(), x=x))

    jtfs = TimeFrequencyScattering1D(N, J=7, Q=8, J_fr=3, Q_fr=1)
    meta = jtfs.meta()
    Q1 = int(jtfs.Q[0]) if hasattr(jtfs, "Q") else None
    chirps = jtfs(np.stack([signals["chirp_up"], signals["chirp_down"]]))
    png("jtfs_filterbank_fr", lambda: plot_filterbank_fr(jtfs, Q1=Q1))
    png("jtfs_wavelets", lambda: plot_jtfs_2d(meta, view="wavelets", Q1=Q1))
    for i, name in enumerate(("chirp_up", "chirp_down")):
        png(
            f"jtfs_coefficients_{name}",
            lambda i=i: plot_jtfs_2d(meta, chirps, batch_index=i, sample_rate=sample_rate, Q1=Q1),
        )
    up = {k: v[0] for k, v in chirps.items()}
    png("jtfs_energy_chirp_up", lambda: plot_energy_profile(up, meta, x=signals["chirp_up"]))
    pair = jtfs(np.stack([signals["fdts"], signals["fdts_shifted"]]))
    a, b = ({k: v[i] for k, v in pair.items()} for i in (0, 1))
    png("jtfs_distance_fdts", lambda: plot_coeff_distance(a, b, meta))
    gif = animate_jtfs_4d(up, meta, out / "jtfs_4d_chirp_up.gif", sample_rate=sample_rate)
    written.append(gif)
    logger.info("wrote %s", gif)
    return written
