"""Tests of scatterwave.viz.scalogram."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave import Scattering1D, TimeFrequencyScattering1D
from scatterwave.viz import plot_scalogram, scalogram

from ._helpers import expected_size, saved_png_size


def test_scalogram_peaks_at_the_tone_frequency():
    N = 1024
    f0 = 0.1
    x = np.cos(2 * np.pi * f0 * np.arange(N))
    S = Scattering1D(N, J=5, Q=8, max_order=1)
    U1, xi = scalogram(x, S)
    assert U1.shape == (len(xi), N)
    energy = (U1[:, 200:-200] ** 2).sum(axis=1)
    # the strongest row is the wavelet centred nearest the tone (within a 1/Q octave)
    assert abs(np.log2(xi[np.argmax(energy)] / f0)) <= 1 / 8


def test_scalogram_accepts_transforms_built_without_N():
    x = np.random.default_rng(0).standard_normal(512)
    U_a, _ = scalogram(x, Scattering1D(None, J=4, Q=4))
    U_b, _ = scalogram(x, Scattering1D(512, J=4, Q=4))
    # same filters, same computation: identical up to float64 rounding
    np.testing.assert_allclose(U_a, U_b, rtol=1e-12, atol=1e-12)


def test_scalogram_of_a_jtfs_is_that_of_its_first_order():
    """The JTFS's first order is a Scattering1D filterbank of the same J and Q and padding
    (the JTFS pads with zeros by default); its ``filterbank()`` carries the same
    ``psi1_meta`` (it had none: a bare KeyError)."""
    x = np.random.default_rng(0).standard_normal(512)
    jtfs = TimeFrequencyScattering1D(512, J=5, Q=8, J_fr=2, Q_fr=1)
    U_j, xi_j = scalogram(x, jtfs)
    U_s, xi_s = scalogram(x, Scattering1D(512, J=5, Q=8, pad_mode="zero"))
    np.testing.assert_array_equal(xi_j, xi_s)
    np.testing.assert_allclose(U_j, U_s, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("N", [1000, 1024])
@pytest.mark.parametrize("pad_mode", ["zero", "reflect"])
def test_scalogram_is_the_transforms_unaveraged_first_order(N, pad_mode):
    """The rows are Scattering1D's ``|x * psi1|`` at stride 1 with the transform's own padding,
    within its band-limited filters (relative 2e-3 of the largest value; measured 2026-12-07:
    at most 1.4e-3). Until that date the signal was always reflect-padded: 0.41 with
    ``pad_mode="zero"`` at N=1024, 0.64 at N=1000."""
    t = np.arange(N)
    x = np.cos(2 * np.pi * (0.02 * t + 0.2 * t**2 / N)) * np.hanning(N) + (t > N // 3)
    U1, _ = scalogram(x, Scattering1D(N, 6, Q=8, pad_mode=pad_mode))
    unaveraged = Scattering1D(
        N, 6, Q=8, pad_mode=pad_mode, average=False, max_order=1, oversampling=20, out_type="dict"
    )
    S = unaveraged(x)
    meta = unaveraged.meta()
    rows = np.stack([S[tuple(k)] for k, o in zip(meta["key"], meta["order"]) if o == 1])
    np.testing.assert_allclose(U1, rows, rtol=0, atol=2e-3 * rows.max())


def test_plot_scalogram_units_scales_and_ax(tmp_path):
    import matplotlib.pyplot as plt

    N = 1024
    x = np.cos(2 * np.pi * 0.05 * np.arange(N) ** 1.2 / N**0.2)
    ax = plot_scalogram(x, J=5, sample_rate=2000.0, scale="log")
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "time (s)"
    assert ax.get_xlim()[1] == pytest.approx((N - 1) / 2000.0, rel=0.01)
    data = ax.collections[0].get_array()
    assert data.max() == pytest.approx(0.0, abs=1e-9)  # dB relative to the maximum
    assert data.min() >= -60.0 - 1e-9  # floor at -60 dB (eps = 1e-3)
    assert saved_png_size(ax.figure, tmp_path / "sc.png") == expected_size(ax.figure)

    _, axes = plt.subplots(2, 1)
    assert plot_scalogram(x, J=5, ax=axes[1]) is axes[1]
    assert not axes[0].collections


def test_scalogram_rejects_bad_input():
    S = Scattering1D(256, J=3, Q=4)
    with pytest.raises(ValueError, match="one signal"):
        scalogram(np.zeros((2, 256)), S)
    with pytest.raises(ValueError, match="NaN"):
        scalogram(np.full(256, np.nan), S)
    with pytest.raises(TypeError, match="Scattering1D"):
        scalogram(np.zeros(256), object())
    with pytest.raises(ValueError, match="built for N=256"):
        scalogram(np.zeros(200), S)
    with pytest.raises(ValueError, match="scale"):
        plot_scalogram(np.zeros(256), scale="db")
    with pytest.raises(ValueError, match="too short"):
        plot_scalogram(np.zeros(8))


@pytest.mark.parametrize("f0", [0.013, 0.11, 0.37, 0.45])
def test_edge_effects_stay_inside_the_hatched_cone(f0):
    from scatterwave.viz.scalogram import cone_of_influence

    # a tone cut mid-cycle: reflect padding puts a kink at each end (broadband stripe);
    # the same samples inside a 3x longer tone show what the signal alone gives
    N = 1024
    S = Scattering1D(N, J=6, Q=8, max_order=1)
    psi_f = S.filterbank()["psi1_f"]
    N_pad = psi_f.shape[-1]
    left = (N_pad - N) // 2
    long = np.sin(2 * np.pi * f0 * np.arange(N_pad) + 0.7)
    U, _ = scalogram(long[left : left + N], S)
    # the same filters on the true continuation of the tone instead of its reflection
    U_true = np.abs(np.fft.ifft(np.fft.fft(long)[None, :] * psi_f, axis=-1))[:, left : left + N]
    width = cone_of_influence(S.filterbank()["psi1_meta"]["sigma"])
    t = np.arange(N)
    inside = (t[None, :] < width[:, None]) | (t[None, :] > N - 1 - width[:, None])
    error = np.abs(U - U_true) / U_true.max()
    # the padding changes up to a quarter of the picture's maximum inside the cone, and
    # less than 5 % (-26 dB) outside it (measured: <= 3.1 % for tones up to 0.45 c/s)
    assert error[inside].max() > 0.25
    assert error[~inside].max() < 0.05


def test_plot_scalogram_marks_the_edge_effects():
    N = 1024
    x = np.sin(2 * np.pi * 0.1 * np.arange(N) + 0.3)
    ax = plot_scalogram(x, J=5, sample_rate=1000.0, scale="log")
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched) == 2  # both ends
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["edge effects (padding)"]
