"""The synthetic waveform task and the data-set registry."""

import numpy as np
import pytest

from scatterwave.datasets import available, load, make_waveforms, stratified_holdout


def test_waveforms_shapes_balance_and_seed():
    d = make_waveforms(n_train=40, n_val=8, n_test=12, length=128, n_classes=4, seed=5)
    assert d.train.x.shape == (40, 1, 128) and d.test.x.shape == (12, 1, 128)
    np.testing.assert_array_equal(np.bincount(d.train.y), [10, 10, 10, 10])
    np.testing.assert_array_equal(
        d.train.x, make_waveforms(n_train=40, n_val=8, n_test=12, length=128, seed=5).train.x
    )
    assert not np.array_equal(d.train.x, make_waveforms(n_train=40, length=128, seed=6).train.x)
    assert d.summary()["n_val"] == 8


def test_registry():
    assert "synthetic" in available()
    assert load("synthetic", seed=1, n_train=8).train.x.shape[0] == 8
    with pytest.raises(ValueError, match="unknown data set 'foo'"):
        load("foo")
    with pytest.raises(ValueError, match="n_classes"):
        make_waveforms(n_classes=7)


def test_stratified_holdout():
    y = np.repeat([0, 1, 2], [10, 3, 2])
    keep, out = stratified_holdout(y, fraction=0.2, seed=0)
    assert np.intersect1d(keep, out).size == 0 and len(keep) + len(out) == 15
    # Each class keeps at least one item on each side.
    assert set(y[out].tolist()) == {0, 1, 2} and set(y[keep].tolist()) == {0, 1, 2}
    with pytest.raises(ValueError, match="fraction"):
        stratified_holdout(y, fraction=1.5, seed=0)
