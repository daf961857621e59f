"""Classification and tagging metrics in NumPy (no scikit-learn needed)."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

__all__ = ["accuracy", "average_precision", "roc_auc", "tagging_metrics"]


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    """Fraction of items whose highest logit is the true class.

    Parameters
    ----------
    logits : ndarray, shape (n, n_classes)
    y : ndarray, shape (n,), int
    """
    return float(np.mean(np.argmax(logits, axis=1) == y))


def roc_auc(scores: np.ndarray, truth: np.ndarray) -> float:
    """Area under the ROC curve of one binary problem (Mann-Whitney U with tie correction).

    Parameters
    ----------
    scores : ndarray, shape (n,)
    truth : ndarray, shape (n,), 0/1

    Returns
    -------
    float
        NaN when only one class is present.
    """
    pos = truth > 0.5
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_precision(scores: np.ndarray, truth: np.ndarray) -> float:
    """Average precision (area under the precision-recall curve, step interpolation).

    Parameters
    ----------
    scores : ndarray, shape (n,)
    truth : ndarray, shape (n,), 0/1

    Returns
    -------
    float
        NaN when there is no positive item.
    """
    pos = truth > 0.5
    if not pos.any():
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    s, p = scores[order], pos[order]
    # Treat tied scores as one threshold: evaluate precision at the last item of each tie group.
    last = np.r_[s[1:] != s[:-1], True]
    tp = np.cumsum(p)[last]
    k = np.flatnonzero(last) + 1
    precision = tp / k
    recall_gain = np.diff(np.r_[0, tp]) / pos.sum()
    return float(np.sum(precision * recall_gain))


def tagging_metrics(scores: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Tag-wise (per column) and item-wise (per row) ROC-AUC and average precision.

    Parameters
    ----------
    scores : ndarray, shape (n_items, n_tags)
    truth : ndarray, shape (n_items, n_tags), 0/1

    Returns
    -------
    dict
        ``roc_auc`` and ``average_precision`` (tag-wise means over tags with both classes),
        ``item_roc_auc`` and ``item_average_precision`` (means over items).
    """
    cols = [(scores[:, j], truth[:, j]) for j in range(scores.shape[1])]
    rows = [(scores[i], truth[i]) for i in range(scores.shape[0])]

    def mean(values: list[float]) -> float:
        v = np.asarray(values, dtype=np.float64)
        return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")

    return {
        "roc_auc": mean([roc_auc(s, t) for s, t in cols]),
        "average_precision": mean([average_precision(s, t) for s, t in cols]),
        "item_roc_auc": mean([roc_auc(s, t) for s, t in rows]),
        "item_average_precision": mean([average_precision(s, t) for s, t in rows]),
    }
