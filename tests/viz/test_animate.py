"""Tests of scatterwave.viz.animate: the 4-D JTFS view as a GIF."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave.viz import animate_jtfs_4d

from ._helpers import N_OUT, make_fake_jtfs


def test_gif_has_one_frame_per_time_step(tmp_path):
    from PIL import Image

    Sx, meta = make_fake_jtfs()
    path = animate_jtfs_4d(Sx, meta, tmp_path / "sub" / "j.gif", max_frames=5, dpi=40)
    assert path == tmp_path / "sub" / "j.gif"
    assert path.stat().st_size > 0
    with Image.open(path) as im:
        assert im.format == "GIF"
        assert im.n_frames == 5
        assert im.size == (round(6.4 * 40), round(5.4 * 40))
        frames = []
        for k in (0, 4):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB"), dtype=int))
    # different times show different coefficients
    assert np.abs(frames[0] - frames[1]).sum() > 0


def test_gif_frames_capped_by_time_steps(tmp_path):
    from PIL import Image

    Sx, meta = make_fake_jtfs()
    short = {k: v[..., :3] for k, v in Sx.items()}
    path = animate_jtfs_4d(short, meta, tmp_path / "s.gif", max_frames=10, sample_rate=100.0)
    with Image.open(path) as im:
        assert im.n_frames == 3
    assert N_OUT > 3


def test_gif_bad_input(tmp_path):
    Sx, meta = make_fake_jtfs()
    with pytest.raises(ValueError, match=r"\.gif"):
        animate_jtfs_4d(Sx, meta, tmp_path / "a.png")
    with pytest.raises(ValueError, match="max_frames"):
        animate_jtfs_4d(Sx, meta, tmp_path / "a.gif", max_frames=1)
    with pytest.raises(ValueError, match="threshold"):
        animate_jtfs_4d(Sx, meta, tmp_path / "a.gif", threshold=1.0)
    one = {k: v[..., :1] for k, v in Sx.items()}
    with pytest.raises(ValueError, match="nothing to animate"):
        animate_jtfs_4d(one, meta, tmp_path / "a.gif")
    assert not (tmp_path / "a.gif").exists()


def test_gif_axes_have_ticks_units_and_a_colour_bar(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    closed = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig=None: (closed.append(fig), close(fig)))
    Sx, meta = make_fake_jtfs()
    animate_jtfs_4d(Sx, meta, tmp_path / "j.gif", max_frames=2, dpi=30, sample_rate=1000.0, Q1=4)
    (fig,) = closed
    scene, bar = fig.axes
    assert "|coefficient|" in bar.get_ylabel()
    assert scene.get_xlabel() == "xi2 (Hz)" and scene.get_ylabel() == "xi1_fr (c/oct)"
    assert scene.get_zlabel().startswith("xi1")
    assert "200" in [t.get_text() for t in scene.get_xticklabels()]  # 0.2 c/s at 1 kHz
    assert any(t.get_text() == "phi_F" for t in scene.get_yticklabels())
    assert len(scene.get_zticks()) >= 2
