"""Tests of scatterwave.viz.energy: energy profiles and distances per pair."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave import Scattering1D
from scatterwave.viz import plot_coeff_distance, plot_energy_profile

from ._helpers import expected_size, make_fake_jtfs, saved_png_size


@pytest.mark.parametrize("layout", ["flat", "per_pair"])
def test_energy_profile_per_pair_of_jtfs(layout, tmp_path):
    Sx, meta = make_fake_jtfs(layout=layout)
    ax = plot_energy_profile(Sx, meta)
    heights = np.array([p.get_height() for p in ax.patches])
    expected = [float(np.sum(Sx[p] ** 2)) for p in Sx]
    # bar heights are the pair energies (sum over batch, rows and time); float64 rounding
    np.testing.assert_allclose(heights, expected, rtol=1e-12)
    # S1 is split by the joint pairs: its bar is drawn, but marked as not in the total
    labels = [p if p != "S1" else "S1 (not in total)" for p in Sx]
    assert [t.get_text() for t in ax.get_xticklabels()] == labels
    hatched = [p.get_hatch() for p in ax.patches]
    assert hatched == [("//" if p == "S1" else None) for p in Sx]
    assert ax.get_yscale() == "log"
    assert saved_png_size(ax.figure, tmp_path / "e.png") == expected_size(ax.figure)
    x = np.ones(64)
    title = plot_energy_profile(Sx, meta, x=x).get_title()
    assert "S1 (grey bar) not counted" in title


def test_energy_profile_relative_to_input_and_per_slice():
    x = np.random.default_rng(1).standard_normal(1024)
    S = Scattering1D(1024, J=5, Q=4)
    Sx = S(x)
    ax = plot_energy_profile(Sx, S.meta(), x=x)
    ratio = float(np.sum(Sx**2) / np.sum(x**2))
    assert f"{ratio:.3f}" in ax.get_title()
    # energy normalisation: the transform is non-expansive
    assert 0 < ratio <= 1
    assert sum(p.get_height() for p in ax.patches) == pytest.approx(ratio, rel=1e-9)
    ax2 = plot_energy_profile(Sx, S.meta(), per="slice", pairs=[1, 2])
    assert [ln.get_label() for ln in ax2.lines] == ["order 1", "order 2"]


def test_coeff_distance_bars_and_slices(tmp_path):
    Sx, meta = make_fake_jtfs()
    Sy = {k: v * 1.5 for k, v in Sx.items()}
    ax = plot_coeff_distance(Sx, Sy, meta)
    heights = np.array([p.get_height() for p in ax.patches])
    # scaling by 1.5 moves every pair by exactly 0.5 of its norm; float64 rounding
    np.testing.assert_allclose(heights, 0.5, rtol=1e-12)
    ax2 = plot_coeff_distance(Sx, Sy, meta, per="slice", pairs=["psi_t * psi_f_up"])
    np.testing.assert_allclose(ax2.lines[0].get_ydata(), 0.5, rtol=1e-12)
    assert saved_png_size(ax2.figure, tmp_path / "d.png") == expected_size(ax2.figure)


def test_energy_bad_options():
    Sx, meta = make_fake_jtfs()
    with pytest.raises(ValueError, match="per must be"):
        plot_energy_profile(Sx, meta, per="row")
    with pytest.raises(ValueError, match="not found"):
        plot_energy_profile(Sx, meta, pairs=["psi_t * psi_f"])
    with pytest.raises(ValueError, match="zero norm"):
        plot_energy_profile(Sx, meta, x=np.zeros(8))
