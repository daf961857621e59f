"""UCR loader on a tiny archive written in the UCR TSV format."""

import numpy as np
import pytest

from scatterwave.datasets import list_ucr, load, load_ucr
from scatterwave.datasets.ucr import read_ucr_tsv


def _write_set(root, name, train, test):
    d = root / name
    d.mkdir(parents=True)
    for split, (labels, x) in (("TRAIN", train), ("TEST", test)):
        rows = np.column_stack([labels, x])
        np.savetxt(d / f"{name}_{split}.tsv", rows, delimiter="\t", fmt="%.6g")


@pytest.fixture
def archive(tmp_path):
    rng = np.random.default_rng(0)
    labels_tr = np.repeat([-1.0, 1.0, 3.0], 10)
    labels_te = np.array([3.0, -1.0, 1.0, 1.0])
    x_tr = rng.standard_normal((30, 12)) + labels_tr[:, None]
    x_te = rng.standard_normal((4, 12))
    _write_set(tmp_path, "Toy", (labels_tr, x_tr), (labels_te, x_te))
    # A variable-length set: NaN padding on the right.
    x_var = rng.standard_normal((6, 8))
    x_var[0, 5:] = np.nan
    _write_set(tmp_path, "VarLen", (np.array([1.0, 2.0] * 3), x_var), (np.array([2.0]), x_var[:1]))
    return tmp_path


def test_list_and_shapes(archive):
    assert list_ucr(root=archive) == ["Toy", "VarLen"]
    d = load_ucr("Toy", root=archive, val_fraction=0.2, seed=1)
    assert d.train.x.shape == (24, 1, 12) and d.train.x.dtype == np.float32
    assert d.val.x.shape == (6, 1, 12)
    assert d.test.x.shape == (4, 1, 12)
    assert d.classes == ["-1", "1", "3"]
    # Labels map to 0..K-1 in sorted order of the original labels.
    np.testing.assert_array_equal(d.test.y, [2, 0, 1, 1])


def test_validation_split_is_stratified_disjoint_and_seeded(archive):
    d = load_ucr("Toy", root=archive, val_fraction=0.2, seed=3)
    # 10 per class in TRAIN, 20% held out per class.
    np.testing.assert_array_equal(np.bincount(d.val.y), [2, 2, 2])
    rows = {tuple(r) for r in d.train.x[:, 0]}
    assert not rows & {tuple(r) for r in d.val.x[:, 0]}
    again = load_ucr("Toy", root=archive, val_fraction=0.2, seed=3)
    np.testing.assert_array_equal(d.val.x, again.val.x)
    other = load_ucr("Toy", root=archive, val_fraction=0.2, seed=4)
    assert not np.array_equal(d.val.x, other.val.x)


def test_values_raw_or_zscored(archive):
    raw = np.genfromtxt(archive / "Toy" / "Toy_TEST.tsv", delimiter="\t")[:, 1:]
    d = load_ucr("Toy", root=archive)
    # Written with 6 significant digits, read back as float32.
    np.testing.assert_allclose(d.test.x[:, 0], raw, rtol=1e-6)
    z = load_ucr("Toy", root=archive, normalize="zscore")
    # float32 statistics of 12 values: 1e-5 is a few ulps of accumulated rounding.
    np.testing.assert_allclose(z.test.x.mean(axis=-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(z.test.x.std(axis=-1), 1.0, atol=1e-5)


def test_nan_padding_becomes_zero(archive):
    x, labels = read_ucr_tsv(archive / "VarLen" / "VarLen_TRAIN.tsv")
    assert np.isnan(x[0, 5:]).all() and labels.tolist() == [1, 2, 1, 2, 1, 2]
    d = load_ucr("VarLen", root=archive, val_fraction=0.34)
    assert np.isfinite(d.train.x).all() and np.isfinite(d.val.x).all()


def test_errors(archive):
    with pytest.raises(FileNotFoundError, match="'Nope' not found"):
        load_ucr("Nope", root=archive)
    with pytest.raises(ValueError, match="normalize"):
        load_ucr("Toy", root=archive, normalize="minmax")
    with pytest.raises(ValueError, match="ucr:<Name>"):
        load("ucr", root=str(archive))
    assert load("ucr:Toy", root=str(archive)).name == "ucr:Toy"
