"""Tests of scatterwave.viz.jtfs: the (xi2, xi1_fr) plane of joint slices and wavelets."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave.viz import joint_wavelet, jtfs_grid_shape, plot_jtfs_2d

from ._helpers import N1, N_OUT, XI2, XI_FR, expected_size, make_fake_jtfs, saved_png_size

# 2 spins x 2 frequential wavelets + phi_F rows; 3 temporal wavelets + phi_T columns
ROWS, COLS = 2 * len(XI_FR) + 1, len(XI2) + 1


def _panels(fig, n_rows=ROWS):
    """The grid's Axes (the figure's last Axes is the colour bar)."""
    panels = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    return np.asarray(panels).reshape(n_rows, -1)


def _cell(fig, row, col):
    return _panels(fig)[row, col]


@pytest.mark.parametrize("layout", ["flat", "per_pair"])
def test_coefficient_plane_layout(layout, tmp_path):
    Sx, meta = make_fake_jtfs(layout=layout)
    assert jtfs_grid_shape(meta) == (ROWS, COLS)
    fig = plot_jtfs_2d(meta, Sx, batch_index=1)
    assert len(fig.axes) == ROWS * COLS + 1  # the panels and one colour bar
    bars = [a for a in fig.axes if a.get_label() == "<colorbar>"]
    assert len(bars) == 1 and "|coefficient|" in bars[0].get_xlabel()
    # every panel has axes: ticks on all, labelled time / frequency at the bottom-left
    panels = _panels(fig)
    assert all(len(a.get_xticks()) >= 2 and len(a.get_yticks()) >= 2 for a in fig.axes if a.images)
    assert "time" in panels[-1, 0].get_xlabel() and "xi_1" in panels[-1, 0].get_ylabel()
    # top-left: spin up, highest |xi_fr| (n1_fr = 0), highest xi2 (n2 = 0), signal 1
    up = Sx["psi_t * psi_f_up"][1][:N1]
    np.testing.assert_array_equal(_cell(fig, 0, 0).images[0].get_array(), up)
    # bottom-left: spin down, highest |xi_fr| (mirror order), n2 = 0
    dn = Sx["psi_t * psi_f_dn"][1][:N1]
    np.testing.assert_array_equal(_cell(fig, ROWS - 1, 0).images[0].get_array(), dn)
    # middle row, last column: the joint low-pass
    mid = _cell(fig, len(XI_FR), COLS - 1).images[0].get_array()
    np.testing.assert_array_equal(mid, Sx["phi_t * phi_f"][1])
    # the spin-down half of the phi_T column is empty (phi_t * psi_f has one spin)
    assert not _cell(fig, ROWS - 1, COLS - 1).images
    # shared colour scale: one vmax for every cell
    assert len({a.images[0].get_clim() for a in panels.flat if a.images}) == 1
    assert saved_png_size(fig, tmp_path / "j.png") == expected_size(fig)
    assert all(a.images[0].get_array().shape == (N1, N_OUT) for a in panels.flat if a.images)


def test_wavelet_plane_and_labels():
    _, meta = make_fake_jtfs()
    fig = plot_jtfs_2d(meta, view="wavelets", sample_rate=1000.0, Q1=4)
    axes = _panels(fig)
    assert axes[0, 0].get_title().endswith("Hz")
    assert "200" in axes[0, 0].get_title()  # xi2 = 0.2 cycles/sample at 1 kHz
    assert "+1 c/oct" in axes[0, -1].get_ylabel()  # xi_fr = 0.25 cycles/row x Q1 = 4
    # axes in physical units and a colour bar for the signed wavelets
    assert axes[-1, 0].get_xlabel() == "time lag (s)"
    assert "octaves" in axes[-1, 0].get_ylabel()
    (bar,) = [a for a in fig.axes if a.get_label() == "<colorbar>"]
    assert "real part" in bar.get_xlabel()
    # spins are mirror images: the up and down wavelets of the same |xi_fr| are flipped
    # along the log-frequency axis (real parts equal after flipping rows, up to rounding)
    w_up = axes[0, 0].images[0].get_array()
    w_dn = axes[ROWS - 1, 0].images[0].get_array()
    assert not np.allclose(w_up, w_dn)
    np.testing.assert_allclose(w_up[1:][::-1], w_dn[1:], atol=1e-12)


def test_wavelet_plane_follows_the_pairs_of_sx():
    Sx, meta = make_fake_jtfs()
    no_down = {k: v for k, v in Sx.items() if not k.endswith("_dn")}
    fig = plot_jtfs_2d(meta, no_down, view="wavelets")
    # without the spin-down pair the plane loses its lower half: spin-up rows and phi_F only
    shape = (len(XI_FR) + 1, COLS)
    assert jtfs_grid_shape(meta, pairs=[p for p in no_down if p.startswith("p")]) == shape
    assert len(fig.axes) == shape[0] * shape[1] + 1
    assert all(a.images for a in _panels(fig, shape[0]).flat)


def test_joint_wavelet_is_the_outer_product_of_morlets():
    w = joint_wavelet(0.1, 0.02, 0.25, 0.05, n_time=128, n_freq=32)
    assert w.shape == (32, 128)
    spectrum = np.abs(np.fft.fft2(np.fft.ifftshift(w)))
    k_f, k_t = np.unravel_index(np.argmax(spectrum), spectrum.shape)
    # the 2-D spectrum peaks at (xi_fr, xi2) within one bin of each grid
    assert abs(k_t / 128 - 0.1) <= 1 / 128
    assert abs(k_f / 32 - 0.25) <= 1 / 32
    low = joint_wavelet(np.nan, 0.02, np.nan, 0.05, n_time=128, n_freq=32)
    assert np.all(np.abs(low.imag) < 1e-12 * np.abs(low).max())  # Gaussians: real
    with pytest.raises(ValueError, match="sigma"):
        joint_wavelet(0.1, np.nan, 0.25, 0.05)


def test_plane_with_real_jtfs_separates_spins():
    from scatterwave.jtfs import TimeFrequencyScattering1D
    from scatterwave.signals import exp_chirp

    N = 1024
    jtfs = TimeFrequencyScattering1D(N, J=5, Q=8, J_fr=2, Q_fr=1)
    x = np.stack([exp_chirp(N, fmin=0.02, fmax=0.4), exp_chirp(N, fmin=0.4, fmax=0.02)])
    Sx, meta = jtfs(x), jtfs.meta()
    n_rows, _ = jtfs_grid_shape(meta)
    half = n_rows // 2
    for i, rising in ((0, True), (1, False)):
        fig = plot_jtfs_2d(meta, Sx, batch_index=i, Q1=8)
        axes = _panels(fig, n_rows)[:, :-1]  # psi_t columns
        e = [sum(float((a.images[0].get_array() ** 2).sum()) for a in r if a.images) for r in axes]
        top, bottom = sum(e[:half]), sum(e[half + 1 :])
        # the rising chirp lights the upper (spin up) half, the falling one the lower half;
        # a factor 3 is far below the ratio the transform achieves but above any ambiguity
        assert (top > 3 * bottom) if rising else (bottom > 3 * top)


@pytest.mark.parametrize("batch", [False, True])
def test_plane_of_out_3d_equals_plane_of_the_flat_output(batch):
    """``out_3D=True`` gives (slices, rows, time) per pair, its meta the rows slice by slice:
    the same cells as the 2-D output of the same transform (it raised "rows but meta")."""
    from scatterwave.jtfs import TimeFrequencyScattering1D

    N = 512
    x = np.random.default_rng(0).standard_normal((2, N) if batch else N)
    kw = dict(J=5, Q=8, J_fr=2, Q_fr=1, average_fr=True)
    flat, cube = (TimeFrequencyScattering1D(N, **kw, out_3D=o) for o in (False, True))
    images = []
    for jtfs in (flat, cube):
        fig = plot_jtfs_2d(jtfs.meta(), jtfs(x), batch_index=-1)
        images.append([a.images[0].get_array() for a in fig.axes if a.images])
    assert len(images[0]) == len(images[1]) > 0
    for a, b in zip(*images, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(a).max())


def test_plane_bad_input():
    Sx, meta = make_fake_jtfs()
    with pytest.raises(ValueError, match="needs the coefficients"):
        plot_jtfs_2d(meta)
    with pytest.raises(ValueError, match="view"):
        plot_jtfs_2d(meta, Sx, view="both")
    with pytest.raises(ValueError, match="no joint pair"):
        plot_jtfs_2d(meta, Sx, pairs=["S0", "S1"])
    with pytest.raises(ValueError, match="rows but meta"):
        plot_jtfs_2d(meta, {**Sx, "psi_t * phi_f": Sx["psi_t * phi_f"][:, :3]})
    with pytest.raises(IndexError, match="batch_index"):
        plot_jtfs_2d(meta, Sx, batch_index=5)
    with pytest.raises(ValueError, match="must hold"):
        plot_jtfs_2d(meta, Sx, ax=[None])


def test_plane_honours_ax():
    import matplotlib.pyplot as plt

    Sx, meta = make_fake_jtfs()
    fig, axes = plt.subplots(*jtfs_grid_shape(meta))
    assert plot_jtfs_2d(meta, Sx, norm="per_slice", ax=axes) is fig
    # per-slice colour scales: each cell's vmax is its own maximum
    cell = axes[0, 0].images[0]
    assert cell.get_clim()[1] == pytest.approx(cell.get_array().max())
