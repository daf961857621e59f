"""Tests of scatterwave.viz.demo: the pictures of ``scatterwave demo``."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave.viz.demo import demo_signals, write_demo_figures


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
