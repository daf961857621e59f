"""Tests of scatterwave.sklearn.ScatteringTransformer."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from scatterwave import Scattering1D
from scatterwave.signals import am_fm_tone
from scatterwave.sklearn import ScatteringTransformer
from scatterwave.toolkit import normalize


@parametrize_with_checks([ScatteringTransformer(Q=1, max_order=1)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _two_classes(n_per_class=12, N=256, seed=0):
    """Noisy tones at 0.05 vs 0.2 cycles/sample with random phases (via time shifts)."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for label, fc in enumerate((0.05, 0.2)):
        for _ in range(n_per_class):
            x = am_fm_tone(N + 64, f_carrier=fc, f_am=0.01, am_depth=0.3)
            s = int(rng.integers(0, 64))
            X.append(x[s : s + N] + 0.3 * rng.standard_normal(N))
            y.append(label)
    return np.asarray(X), np.asarray(y)


def test_matches_scattering1d_and_normalization():
    X, _ = _two_classes(4)
    st = ScatteringTransformer(J=4, Q=4, log_normalize=False).fit(X)
    Sx = np.asarray(Scattering1D(256, 4, Q=4)(X))
    # same transform, mean over time: identical up to float64 round-off
    np.testing.assert_allclose(st.transform(X), Sx.mean(-1), rtol=1e-12)
    assert st.n_features_out_ == Sx.shape[1] and st.J_ == 4
    sn = ScatteringTransformer(J=4, Q=4, pooling="flatten").fit(X)
    np.testing.assert_allclose(
        sn.transform(X), normalize(Sx).reshape(len(X), -1), rtol=1e-10, atol=1e-12
    )
    names = sn.get_feature_names_out()
    assert len(names) == sn.n_features_out_ and names[0] == "S0_t0"
    assert ScatteringTransformer().fit(X).J_ == 5  # auto: floor(log2 256) - 3


def test_pipeline_clone_and_pickle():
    X, y = _two_classes()
    pipe = make_pipeline(ScatteringTransformer(J=4, Q=4), LogisticRegression(max_iter=500))
    # two tones an octave apart: scattering features separate them perfectly
    assert cross_val_score(pipe, X, y, cv=3).mean() == 1.0
    st = ScatteringTransformer(J=3, Q=2, scattering_kwargs={"pad_mode": "zero"})
    c = clone(st)
    assert c.get_params() == st.get_params() and c is not st
    fitted = st.fit(X)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.transform(X[:3]), fitted.transform(X[:3]))


def test_set_params_take_effect_at_the_next_fit():
    """Every option, pooling included, is fixed by fit (pooling used to apply at once: a
    fitted downstream estimator then got features of another width than n_features_out_)."""
    X, _ = _two_classes()
    st = ScatteringTransformer(J=3, Q=2).fit(X)
    width = st.transform(X[:2]).shape[1]
    st.set_params(pooling="flatten", J=2)
    assert st.transform(X[:2]).shape[1] == width == st.n_features_out_
    assert len(st.get_feature_names_out()) == width
    st.fit(X)
    assert st.pooling_ == "flatten" and st.J_ == 2
    assert st.transform(X[:2]).shape[1] == st.n_features_out_ > width


def test_errors():
    X, _ = _two_classes(2)
    with pytest.raises(ValueError, match="pooling must be"):
        ScatteringTransformer(pooling="max").fit(X)
    with pytest.raises(ValueError, match=r"scattering_kwargs must not set \['J'\]"):
        ScatteringTransformer(scattering_kwargs={"J": 3}).fit(X)
    with pytest.raises(
        ValueError, match=r'J must be a positive integer, a pair \(J1, J2\) or "auto"'
    ):
        ScatteringTransformer(J=2.5).fit(X)
    with pytest.raises(ValueError, match=r"J=\(2, 3\) has a second-order scale J2=3"):
        ScatteringTransformer(J=(2, 3)).fit(X)
    pair = ScatteringTransformer(J=(3, 2)).fit(X)  # second-order scale of its own
    assert pair.J_ == (3, 2) and pair.scattering_.J == (3, 2)
    assert pair.n_features_out_ < ScatteringTransformer(J=3).fit(X).n_features_out_
    st = ScatteringTransformer(J=3).fit(X)
    with pytest.raises(ValueError, match="features"):
        st.transform(X[:, :100])
    with pytest.raises(ValueError, match="input_features has 2 names"):
        st.get_feature_names_out(["a", "b"])
