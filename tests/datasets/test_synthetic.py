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


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("synthetic", {"foo": 1}, "data set 'synthetic' has no option 'foo'; its options: length"),
        ("synthetic", {"length": "abc"}, "option length='abc' .* expected an int .default 256"),
        ("synthetic", {"length": 64.0}, "expected an int"),
        ("synthetic", {"n_train": True}, "expected an int"),
        ("synthetic", {"noise": "loud"}, "noise='loud' .* expected a number"),
        ("gm-notes", {"programs": 3}, "programs=3 .* expected a list"),
        ("gm-notes", {"soundfont": "x.sf2"}, "has no option 'soundfont'"),  # that is root
        ("ucr:FordA", {"normalize": 1}, "normalize=1 .* expected a string"),
    ],
)
def test_load_rejects_unknown_or_mistyped_options(name, options, message):
    """Options reach the loader only when it takes them, with a value of the right kind
    (``scatterwave train --option KEY=VALUE`` passes them on as they are parsed)."""
    with pytest.raises(ValueError, match=message):
        load(name, **options)


def test_load_accepts_options_of_the_right_kind():
    d = load("synthetic", n_train=8, n_val=4, n_test=4, length=64, noise=1)  # an int for a float
    assert d.train.x.shape == (8, 1, 64)


def test_stratified_holdout():
    y = np.repeat([0, 1, 2], [10, 3, 2])
    keep, out = stratified_holdout(y, fraction=0.2, seed=0)
    assert np.intersect1d(keep, out).size == 0 and len(keep) + len(out) == 15
    # Each class keeps at least one item on each side.
    assert set(y[out].tolist()) == {0, 1, 2} and set(y[keep].tolist()) == {0, 1, 2}
    with pytest.raises(ValueError, match="fraction"):
        stratified_holdout(y, fraction=1.5, seed=0)
