"""General-MIDI notes: pitch-disjoint splits, and rendering when tinysoundfont is installed."""

import numpy as np
import pytest

from scatterwave.datasets.gm_notes import (
    _pitch_roles,
    default_soundfont,
    load_gm_notes,
    render_notes,
)


@pytest.mark.parametrize("split", ["interleaved", "extrapolate"])
def test_pitch_roles_partition_the_pitches(split):
    pitches = np.arange(48, 85)
    roles = _pitch_roles(pitches, split)
    together = np.concatenate(list(roles.values()))
    assert sorted(together.tolist()) == pitches.tolist()
    assert len(set(together.tolist())) == len(together)
    if split == "extrapolate":
        assert roles["train"].max() < roles["val"].min() <= roles["val"].max() < roles["test"].min()
    else:
        # Every held-out pitch is one semitone from a training pitch.
        for p in np.concatenate([roles["val"], roles["test"]]):
            assert {p - 1, p + 1} & set(roles["train"].tolist())


def test_pitch_roles_errors():
    with pytest.raises(ValueError, match="at least 4"):
        _pitch_roles(np.array([60, 61, 62]), "interleaved")
    with pytest.raises(ValueError, match="split must be"):
        _pitch_roles(np.arange(10), "random")


def test_render_and_load():
    pytest.importorskip("tinysoundfont")
    try:
        default_soundfont()  # shipped inside the pretty_midi wheel
    except FileNotFoundError:
        pytest.skip("the default SoundFont (pretty_midi wheel) is not installed")
    x, meta = render_notes([0, 40], [60, 72], [100], sample_rate=4000, duration=0.25)
    assert x.shape == (4, 1000) and x.dtype == np.float32
    np.testing.assert_array_equal(meta["program"], [0, 0, 40, 40])
    np.testing.assert_array_equal(meta["pitch"], [60, 72, 60, 72])
    assert np.all(meta["rms"] > 1e-3)
    # The octave-up note of the same instrument has its spectral centroid higher.
    f = np.abs(np.fft.rfft(x, axis=1))
    centroid = (f * np.arange(f.shape[1])).sum(1) / f.sum(1)
    assert centroid[1] > centroid[0] and centroid[3] > centroid[2]
    d = load_gm_notes(programs=(0, 40), pitch_range=(60, 67), velocities=(100,), duration=0.25)
    pitches = [set(s.groups.tolist()) for s in (d.train, d.val, d.test)]
    assert not (pitches[0] & pitches[1] or pitches[0] & pitches[2] or pitches[1] & pitches[2])
    assert d.classes == ["piano", "violin"] and d.length == 2000


def test_render_errors():
    with pytest.raises((ValueError, ModuleNotFoundError)):
        render_notes([0], [200], [100])
    with pytest.raises(ValueError, match="duration must be in"):
        render_notes([0], [60], [100], duration=-1.0)
    with pytest.raises(ValueError, match="pitch_range"):
        load_gm_notes(pitch_range=(80, 60))
