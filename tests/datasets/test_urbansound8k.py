"""UrbanSound8K reader on a tiny copy in the standard layout."""

import csv

import numpy as np
import pytest

from scatterwave.datasets import load, load_urbansound8k

soundfile = pytest.importorskip("soundfile")

CLASSES = {0: "air_conditioner", 3: "dog_bark", 9: "street_music"}


@pytest.fixture
def us8k(tmp_path):
    root = tmp_path / "UrbanSound8K"
    (root / "metadata").mkdir(parents=True)
    rows = []
    for fold in range(1, 11):
        (root / "audio" / f"fold{fold}").mkdir(parents=True)
        for k, (cid, name) in enumerate(CLASSES.items()):
            fname = f"{100 + fold}-{cid}-0-{k}.wav"
            # Clips of different lengths and rates, as in the real set (stereo for one class).
            n = 4000 + 1000 * k
            t = np.arange(n) / 8000
            x = 0.5 * np.sin(2 * np.pi * (200 + 100 * cid) * t)
            data = np.stack([x, x], axis=1) if cid == 3 else x
            soundfile.write(root / "audio" / f"fold{fold}" / fname, data, 8000)
            rows.append([fname, 100 + fold, 0.0, n / 8000, 1, fold, cid, name])
    with open(root / "metadata" / "UrbanSound8K.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["slice_file_name", "fsID", "start", "end", "salience", "fold", "classID", "class"]
        )
        w.writerows(rows)
    return root


def test_folds_classes_and_lengths(us8k):
    d = load_urbansound8k(us8k, sample_rate=4000, duration=1.5)
    assert (len(d.train), len(d.val), len(d.test)) == (24, 3, 3)
    assert d.classes == ["air_conditioner", "dog_bark", "street_music"]
    assert d.train.x.shape == (24, 1, 6000)
    np.testing.assert_array_equal(np.sort(d.test.y), [0, 1, 2])
    np.testing.assert_array_equal(d.test.groups, [110, 110, 110])
    assert d.sample_rate == 4000.0


def test_audio_is_resampled_mono_and_centred(us8k):
    d = load_urbansound8k(us8k, sample_rate=4000, duration=1.5)
    x = d.test.x[d.test.y == 0][0, 0]
    # A 4000-sample clip at 8 kHz is 2000 samples at 4 kHz, centred in 6000: 2000 zeros each side.
    assert np.all(x[:1999] == 0) and np.all(x[4001:] == 0)
    # Amplitude 0.5 sine survives resampling (polyphase filter ripple well under 5%).
    assert 0.45 < np.abs(x[2200:3800]).max() < 0.55


def test_bad_folds_and_layout(us8k, tmp_path):
    with pytest.raises(ValueError, match="disjoint"):
        load_urbansound8k(us8k, train_folds=(1, 2), val_folds=(2,))
    with pytest.raises(FileNotFoundError, match=r"metadata/UrbanSound8K\.csv"):
        load_urbansound8k(tmp_path / "missing")
    # checked before any file is read, naming the option (duration=0 gave empty signals,
    # -1 "negative dimensions are not allowed", sample_rate=0 "up and down must be >= 1")
    with pytest.raises(ValueError, match=r"duration must be in \(0.0, inf\) seconds; got 0.0"):
        load_urbansound8k(tmp_path / "missing", duration=0.0)
    with pytest.raises(ValueError, match="sample_rate must be >= 1, got 0"):
        load_urbansound8k(tmp_path / "missing", sample_rate=0)
    with pytest.raises(ValueError, match="less than one sample"):
        load_urbansound8k(tmp_path / "missing", duration=1e-6)
    with pytest.raises(ValueError, match="root="):
        load("urbansound8k")
    (us8k / "audio" / "fold10" / "110-0-0-0.wav").unlink()
    with pytest.raises(FileNotFoundError, match=r"110-0-0-0\.wav"):
        load_urbansound8k(us8k, sample_rate=4000, duration=1.0)
