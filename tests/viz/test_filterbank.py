"""Tests of scatterwave.viz.filterbank: time and frequential filterbank pictures."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave import Scattering1D
from scatterwave.viz import plot_filterbank, plot_filterbank_fr, plot_filterbank_heatmap

from ._helpers import expected_size, n_distinct_colours, saved_png_size


@pytest.fixture(scope="module")
def scattering():
    return Scattering1D(1024, J=5, Q=4)


def test_plot_filterbank_draws_every_wavelet_and_lp_sum(scattering, tmp_path):
    ax = plot_filterbank(scattering)
    n1 = scattering.filterbank()["psi1_f"].shape[0]
    # one line per wavelet, a legend proxy for them, phi_T and the Littlewood-Paley sum
    assert len(ax.lines) == n1 + 3
    lp = ax.lines[-1].get_ydata()
    # the label says exactly what is drawn: squared moduli, halved, plus the low-pass phi_J
    label = ax.lines[-1].get_label()
    assert r"A(f) = |\hat\phi_J(f)|^2 + \frac{1}{2}\sum_n|\hat\psi_n(f)|^2" in label
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == r"$|\hat\psi_{n1}(f)|$" and label in legend
    assert ax.get_xlabel() == "frequency (cycles/sample)"
    # energy normalisation: the LP sum never exceeds 1 (float64 rounding only)
    assert lp.max() <= 1 + 1e-12
    assert ax.get_xlim() == (0.0, 0.5)
    size = saved_png_size(ax.figure, tmp_path / "fb.png")
    assert size == expected_size(ax.figure)
    assert n_distinct_colours(tmp_path / "fb.png") > 20


def test_plot_filterbank_sample_rate_and_log_axis(scattering):
    ax = plot_filterbank(scattering, order=2, sample_rate=8000.0, log_freq=True, lp_sum=False)
    assert ax.get_xscale() == "log"
    assert ax.get_xlim()[1] == pytest.approx(4000.0)
    assert "Hz" in ax.get_xlabel()
    n2 = scattering.filterbank()["psi2_f"].shape[0]
    assert len(ax.lines) == n2 + 2


def test_plot_filterbank_honours_ax_and_accepts_dict(scattering):
    import matplotlib.pyplot as plt

    _, axes = plt.subplots(1, 2)
    out = plot_filterbank(scattering.filterbank(), ax=axes[1])
    assert out is axes[1]
    assert len(axes[0].lines) == 0


def test_plot_filterbank_rejects_bad_input(scattering):
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        plot_filterbank(scattering, order=3)
    with pytest.raises(TypeError, match="filterbank"):
        plot_filterbank(np.zeros(4))
    with pytest.raises(ValueError, match="sample_rate"):
        plot_filterbank(scattering, sample_rate=-1.0)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot_filterbank(scattering, ax="left")


def test_heatmap_parts_and_ax(scattering, tmp_path):
    import matplotlib.pyplot as plt

    fig = plot_filterbank_heatmap(scattering, sample_rate=1000.0)
    images = [a.images[0].get_array() for a in fig.axes if a.images]
    assert len(images) == 3
    n1 = scattering.filterbank()["psi1_f"].shape[0]
    assert all(im.shape[0] == n1 for im in images)
    # modulus panel: every row normalised to a unit peak (float64 rounding only)
    np.testing.assert_allclose(np.max(images[2], axis=1), 1.0, rtol=1e-12)
    assert "(s)" in fig.axes[0].get_xlabel()
    assert saved_png_size(fig, tmp_path / "hm.png") == expected_size(fig)

    fig2, axes = plt.subplots(1, 1)
    out = plot_filterbank_heatmap(scattering, parts=["modulus"], ax=[axes])
    assert out is fig2
    with pytest.raises(ValueError, match="parts"):
        plot_filterbank_heatmap(scattering, parts=["phase"])
    with pytest.raises(ValueError, match="must hold 2 Axes"):
        plot_filterbank_heatmap(scattering, parts=["real", "imag"], ax=[axes])


def _toy_fr_bank(L: int = 64):
    f = np.fft.fftfreq(L)
    up = np.stack([np.exp(-0.5 * ((f - xi) / (xi / 3)) ** 2) for xi in (0.25, 0.125)])
    dn = up[:, (-np.arange(L)) % L]
    phi = np.exp(-0.5 * (f / 0.03) ** 2)
    return up, dn, phi


def test_frequential_filterbank_from_arrays_and_dict(tmp_path):
    up, dn, phi = _toy_fr_bank()
    ax = plot_filterbank_fr(np.concatenate([up, dn]), phi, Q1=8)
    assert len(ax.lines) == 4 + 2 + 2  # wavelets, phi, LP sum, two legend proxies
    colours = [ln.get_color() for ln in ax.lines[:4]]
    assert colours == ["tab:red", "tab:red", "tab:blue", "tab:blue"]
    assert ax.get_xlim() == pytest.approx((-4.0, 4.0))
    assert "periodic" in ax.get_xlabel()
    ax2 = plot_filterbank_fr({"psi_fr_up": up, "psi_fr_dn": dn, "phi_fr": phi})
    np.testing.assert_allclose(ax2.lines[5].get_ydata(), ax.lines[5].get_ydata())
    assert saved_png_size(ax.figure, tmp_path / "fr.png") == expected_size(ax.figure)
    with pytest.raises(ValueError, match="shape"):
        plot_filterbank_fr(up[0])
    with pytest.raises(KeyError, match="psi_fr_dn"):
        plot_filterbank_fr({"psi_fr_up": up})


def test_frequential_filterbank_of_jtfs():
    from scatterwave.jtfs import TimeFrequencyScattering1D

    jtfs = TimeFrequencyScattering1D(512, J=4, Q=4, J_fr=2, Q_fr=1)
    bank = jtfs.filterbank()
    ax = plot_filterbank_fr(jtfs, Q1=4)
    n_fr = bank["psi_fr_up"].shape[0] + bank["psi_fr_dn"].shape[0]
    red = sum(ln.get_color() == "tab:red" for ln in ax.lines[:n_fr])
    # both spins are drawn, in equal numbers
    assert red == n_fr // 2
    # the axis is periodic: a wavelet near +Q1/2 is cut at the edge, never drawn again
    # near -Q1/2 (where it would look like a stray filter of the other spin)
    for line in ax.lines[:n_fr]:
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        peak = x[np.argmax(y)]
        far = y[np.abs(x - peak) > 0.5 * 4]
        assert far.size == 0  # nothing drawn more than half a period from the peak
        opposite = y[x * np.sign(peak) < -0.45 * 4]
        assert opposite.size == 0 or opposite.max() < 0.05
