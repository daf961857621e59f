"""Tests of scatterwave.viz.gallery: the pictures of ``scatterwave demo``."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave.viz.gallery import demo_signals, write_demo_figures


def test_write_demo_figures_writes_every_picture(tmp_path):
    from PIL import Image

    paths = write_demo_figures(tmp_path / "out", sample_rate=4000.0, N=512, dpi=30)
    names = [p.name for p in paths]
    assert len(names) == len(set(names)) >= 15
    assert {"filterbank_order1.png", "jtfs_wavelets.png", "jtfs_4d_chirp_up.gif"} <= set(names)
    for p in paths:
        assert p.parent == tmp_path / "out"
        assert p.stat().st_size > 0
        with Image.open(p) as im:
            assert im.format == ("GIF" if p.suffix == ".gif" else "PNG")
            assert min(im.size) >= 60
            if p.suffix == ".gif":
                assert im.n_frames > 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(names)


def test_demo_signals_and_options(tmp_path):
    sig = demo_signals(512)
    assert set(sig) >= {"chirp_up", "chirp_down", "fdts", "fdts_shifted"}
    assert all(v.shape == (512,) and np.all(np.isfinite(v)) for v in sig.values())
    with pytest.raises(ValueError, match="N must be"):
        demo_signals(100)
    with pytest.raises(ValueError, match="N must be"):
        write_demo_figures(tmp_path, N=100)
    with pytest.raises(ValueError, match="dpi"):
        write_demo_figures(tmp_path, dpi=5)
    with pytest.raises(ValueError, match="sample_rate"):
        write_demo_figures(tmp_path, sample_rate=0.0)


def test_demo_pictures_say_what_they_show():
    import matplotlib.pyplot as plt

    from scatterwave.viz.gallery import demo_figures

    figs = dict(demo_figures(N=512))
    try:
        fb1, fb2 = figs["filterbank_order1"].axes[0], figs["filterbank_order2"].axes[0]
        assert fb1.get_xscale() == fb2.get_xscale() == "log"
        assert all("Hz" in a.get_xlabel() for a in (fb1, fb2))
        assert r"\frac{1}{2}\sum_n|\hat\psi_n(f)|^2" in fb1.lines[-1].get_label()
        for name in ("scalogram_chirp_up", "scalogram_mixture"):
            ax = figs[name].axes[0]
            assert sum(bool(c.get_hatch()) for c in ax.collections) == 2
            assert ax.get_legend() is not None
        # JTFS grids: units in Hz like the coefficients, axes on the panels, a colour bar
        for name in ("jtfs_wavelets", "jtfs_coefficients_chirp_up"):
            fig = figs[name]
            assert fig.axes[0].get_title().endswith("Hz")
            assert sum(a.get_label() == "<colorbar>" for a in fig.axes) == 1
            assert any("(s)" in a.get_xlabel() for a in fig.axes)
        energy = figs["jtfs_energy_chirp_up"].axes[0]
        ticks = [t.get_text() for t in energy.get_xticklabels()]
        assert "S1 (not in total)" in ticks and "not counted" in energy.get_title()
        dist = figs["jtfs_distance_fdts"].axes[0]
        ticks = [t.get_text() for t in dist.get_xticklabels()]
        assert "S0" not in ticks and "psi_t * psi_f_up" in ticks
        heights = dict(zip(ticks, (p.get_height() for p in dist.patches)))
        # what separates the pair: the joint pairs, not S1 (global time averaging); at this
        # test's N=512 the ratio is about 3, at the demo's N=4096 about 700
        assert heights["psi_t * psi_f_up"] > 2 * heights["S1"]
        fr = figs["jtfs_filterbank_fr"].axes[0]
        assert fr.get_xlim() == (-4.0, 4.0) and "periodic" in fr.get_xlabel()
    finally:
        for fig in figs.values():
            plt.close(fig)


def test_the_first_module_name_gives_the_same_objects():
    from scatterwave.viz import demo, gallery

    for name in demo.__all__:
        assert getattr(demo, name) is getattr(gallery, name)
