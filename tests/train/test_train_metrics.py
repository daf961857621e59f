"""Metrics against hand-computed values and scikit-learn."""

import numpy as np
import pytest

from scatterwave.train import accuracy, average_precision, roc_auc, tagging_metrics


def test_hand_computed():
    assert accuracy(np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), np.array([0, 1, 1])) == 2 / 3
    # Positives score 0.9 and 0.4, negatives 0.5 and 0.1: 3 of 4 pairs ordered correctly.
    s, t = np.array([0.9, 0.5, 0.4, 0.1]), np.array([1, 0, 1, 0])
    assert roc_auc(s, t) == 0.75
    # Ranked: +, -, +, -: precision 1 at recall 0.5, 2/3 at recall 1.
    assert average_precision(s, t) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert np.isnan(roc_auc(s, np.zeros(4)))


def test_against_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    truth = (rng.random((60, 5)) < 0.3).astype(float)
    scores = np.round(truth + rng.standard_normal((60, 5)), 1)  # rounding creates ties
    m = tagging_metrics(scores, truth)
    # Same definitions: agreement to float64 rounding.
    assert m["roc_auc"] == pytest.approx(
        sk.roc_auc_score(truth, scores, average="macro"), abs=1e-12
    )
    assert m["average_precision"] == pytest.approx(
        sk.average_precision_score(truth, scores, average="macro"), abs=1e-12
    )
