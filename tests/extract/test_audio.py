"""Tests of scatterwave.extract.audio: input discovery, headers, windowed resampled reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from scatterwave.extract.audio import (
    AudioError,
    discover_inputs,
    probe,
    read_segment,
    resampled_length,
)

sf = pytest.importorskip("soundfile")


def test_discover_folders_recursive_and_lists(corpus: Path, tmp_path: Path) -> None:
    files = discover_inputs([corpus])
    names = [p.name for p in files]
    assert files == sorted(files) and all(p.is_absolute() for p in files)
    assert {"a.wav", "b.flac", "c.ogg", "d.aiff", "bad.wav", "empty.wav", "cut.flac"} == set(names)
    assert "notes.md" not in names  # folders only yield audio suffixes
    listing = tmp_path / "inputs.txt"
    listing.write_text(f"# comment\n\n{corpus / 'a.wav'}\nsub/b.flac\n")
    (tmp_path / "sub").symlink_to(corpus / "sub")
    listed = discover_inputs([listing, corpus / "a.wav"])  # duplicates collapse
    assert [p.name for p in listed] == ["a.wav", "b.flac"]
    # an explicitly named non-audio file is kept, to be reported as a failure later
    assert discover_inputs([corpus / "notes.md"]) == [(corpus / "notes.md").resolve()]


def test_discover_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no input"):
        discover_inputs([])
    with pytest.raises(FileNotFoundError, match=r"missing\.wav"):
        discover_inputs([tmp_path / "missing.wav"])
    listing = tmp_path / "l.lst"
    listing.write_text("nothere.flac\n")
    with pytest.raises(FileNotFoundError, match=r"nothere\.flac.*listed in"):
        discover_inputs([listing])


def test_probe(corpus: Path) -> None:
    info = probe(corpus / "sub" / "b.flac")
    assert (info.frames, info.sample_rate, info.channels) == (19845, 22050, 2)
    with pytest.raises(AudioError, match="cannot read audio header"):
        probe(corpus / "bad.wav")
    with pytest.raises(AudioError, match="no audio samples"):
        probe(corpus / "empty.wav")
    with pytest.raises(AudioError):
        probe(corpus / "notes.md")


@pytest.mark.parametrize(
    ("source_rate", "target_rate"), [(44100, 16000), (8000, 11025), (16000, 16000)]
)
def test_windowed_read_equals_whole_file_resampling(
    tmp_path: Path, source_rate: int, target_rate: int
) -> None:
    rng = np.random.default_rng(0)
    x = 0.2 * rng.standard_normal((source_rate * 2 + 13, 2))
    path = tmp_path / "x.wav"
    sf.write(path, x, source_rate, subtype="FLOAT")
    info = probe(path)
    data = sf.read(path, dtype="float64")[0]
    whole = (
        resample_poly(data[:, 1], target_rate, source_rate)
        if source_rate != target_rate
        else data[:, 1]
    )
    assert whole.shape[0] == resampled_length(info.frames, source_rate, target_rate)
    length = 3000
    for start in (0, 7, 2500, whole.shape[0] - 1000, whole.shape[0] + 5):
        seg = read_segment(info, start=start, length=length, target_rate=target_rate, channel=1)
        ref = np.zeros(length)
        piece = whole[start : start + length]
        ref[: piece.shape[0]] = piece
        assert seg.dtype == np.float32 and seg.shape == (length,)
        # float32 output: agreement to float32 rounding of values of order 1
        np.testing.assert_allclose(seg, ref, rtol=0, atol=2e-6)


def test_mono_mix_is_channel_mean(tmp_path: Path) -> None:
    x = np.stack([np.full(800, 0.5), np.full(800, -0.1)], axis=1)
    path = tmp_path / "s.wav"
    sf.write(path, x, 8000, subtype="FLOAT")
    seg = read_segment(probe(path), start=0, length=1000, target_rate=8000, channel=None)
    np.testing.assert_allclose(seg[:800], 0.2, atol=1e-7)  # float32 rounding of 0.2
    assert np.all(seg[800:] == 0)  # past the end: zero padding
    with pytest.raises(ValueError, match="channel 2 out of range"):
        read_segment(probe(path), start=0, length=10, target_rate=8000, channel=2)


def test_corrupt_data_raises_audio_error(corpus: Path) -> None:
    info = probe(corpus / "sub" / "cut.flac")  # header is fine
    with pytest.raises(AudioError, match=r"cannot decode|truncated"):
        read_segment(info, start=info.frames - 2000, length=1000, target_rate=16000, channel=None)
