"""MagnaTagATune reader on a tiny copy in the standard layout (real MP3 files)."""

import csv

import numpy as np
import pytest

from scatterwave.datasets import load_magnatagatune

soundfile = pytest.importorskip("soundfile")
if "MP3" not in soundfile.available_formats():  # libsndfile < 1.1
    pytest.skip("this libsndfile cannot write MP3", allow_module_level=True)

TAGS = ["guitar", "classical", "slow", "techno", "rare"]


@pytest.fixture
def mtt(tmp_path):
    root = tmp_path / "magnatagatune"
    rows = []
    for i, d in enumerate("0123456789abcdef"):
        (root / "mp3" / d).mkdir(parents=True)
        path = f"{d}/artist-album-{i:02d}-track-0-29.mp3"
        t = np.arange(8000) / 8000
        soundfile.write(root / "mp3" / path, 0.3 * np.sin(2 * np.pi * 440 * t), 8000, format="MP3")
        tags = [int(i % 2 == 0), int(i % 3 == 0), 1, int(i % 2 == 1), int(i == 13)]
        if i == 5:
            tags = [0, 0, 0, 0, 0]  # an untagged clip: dropped
        rows.append([str(1000 + i), *map(str, tags), path])
    with open(root / "annotations_final.csv", "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_ALL)
        w.writerow(["clip_id", *TAGS, "mp3_path"])
        w.writerows(rows)
    return root


def test_directory_split_top_tags_and_segments(mtt):
    d = load_magnatagatune(
        mtt, n_tags=4, sample_rate=8000, segment_length=3000, segments_per_clip=2
    )
    assert d.task == "multilabel"
    # "rare" only tags a test clip (13 = 'd'): never among the top tags counted on train.
    assert d.classes == ["guitar", "classical", "slow", "techno"]
    # Directories 0-b train (12 clips, one untagged dropped), c val, d-f test; 2 segments each.
    assert (len(d.train), len(d.val), len(d.test)) == (22, 2, 6)
    assert d.train.x.shape == (22, 1, 3000) and d.train.y.shape == (22, 4)
    np.testing.assert_array_equal(d.val.groups, [1012, 1012])
    np.testing.assert_array_equal(d.val.y[0], [1, 1, 1, 0])
    # MP3 decoding keeps the 0.3 amplitude within codec error.
    assert 0.25 < np.abs(d.train.x[0, 0, 1000:]).max() < 0.35


def test_padding_and_errors(mtt, tmp_path):
    d = load_magnatagatune(
        mtt, n_tags=2, sample_rate=8000, segment_length=5000, segments_per_clip=2
    )
    # Clips are 1 s = 8000 samples: the second segment ends in 2000 padded zeros.
    assert np.all(d.test.x[1, 0, 3100:] == 0)
    with pytest.raises(ValueError, match="sample_rate must be >= 1, got 0"):
        load_magnatagatune(tmp_path, sample_rate=0)
    with pytest.raises(ValueError, match="n_tags=9"):
        load_magnatagatune(mtt, n_tags=9)
    with pytest.raises(FileNotFoundError, match=r"annotations_final\.csv"):
        load_magnatagatune(tmp_path)
