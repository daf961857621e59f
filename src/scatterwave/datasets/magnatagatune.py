"""MagnaTagATune reader for a local copy in the data set's standard layout.

Layout (Law et al., ISMIR 2009, as distributed)::

    <root>/annotations_final.csv          tab-separated, quoted; columns clip_id, 188 tags, mp3_path
    <root>/mp3/<d>/<name>.mp3             d = one hex digit 0-9, a-f (mp3_path = "<d>/<name>.mp3")

(audio directly under ``<root>/<d>/`` is accepted too). Any format libsndfile decodes is read, so
MP3 needs libsndfile >= 1.1 (bundled with soundfile >= 0.12). The usual split by directory is
used: 0-b train, c validation, d-f test (12:1:3). The label space is the ``n_tags`` most frequent
tags of the *training* clips; clips without any of them are dropped. Each clip is cut into
``segments_per_clip`` non-overlapping segments (59,049 samples = 3^10 by default, the SampleCNN
input); the group id of a segment is its clip id, so per-clip scores can be aggregated. All
segments are held in memory: pass ``max_clips`` for a quick subset.
"""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path

import numpy as np

from scatterwave._validation import check_int
from scatterwave.datasets._audio import fit_length, read_mono
from scatterwave.datasets._base import ArraySplit, DatasetSplits

__all__ = ["load_magnatagatune"]

logger = logging.getLogger(__name__)

_ROLE_OF_DIR = {**{d: "train" for d in "0123456789ab"}, "c": "val", **{d: "test" for d in "def"}}


def _read_annotations(path: Path) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    if not path.is_file():
        raise FileNotFoundError(
            f"{str(path)!r} not found: root must be the MagnaTagATune directory holding "
            "annotations_final.csv and the mp3/ folders 0..f"
        )
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    if len(rows) < 2 or rows[0][0] != "clip_id" or rows[0][-1] != "mp3_path":
        raise ValueError(
            f"{str(path)!r} is not MagnaTagATune's annotations_final.csv (tab-separated, first "
            "column clip_id, last column mp3_path)"
        )
    header = rows[0]
    tags = header[1:-1]
    body = [r for r in rows[1:] if len(r) == len(header) and r[-1]]
    ids = np.asarray([int(r[0]) for r in body], dtype=np.int64)
    labels = np.asarray([[int(v) for v in r[1:-1]] for r in body], dtype=np.int8)
    paths = [r[-1] for r in body]
    return tags, labels, paths, ids


def load_magnatagatune(
    root: str | os.PathLike,
    *,
    n_tags: int = 50,
    sample_rate: int = 16000,
    segment_length: int = 59049,
    segments_per_clip: int = 1,
    max_clips: int | None = None,
) -> DatasetSplits:
    """Load MagnaTagATune segments for multi-label tagging.

    Parameters
    ----------
    root : path
        MagnaTagATune directory.
    n_tags : int
        Number of most frequent training tags kept (50 is the usual benchmark).
    sample_rate : int
        Target rate in Hz (the SampleCNN uses 22050; 16000 keeps more of each clip per segment).
    segment_length : int
        Samples per segment.
    segments_per_clip : int
        Consecutive non-overlapping segments taken from the start of each clip (zero-padded when
        the clip is shorter).
    max_clips : int, optional
        Keep only the first ``max_clips`` clips of each split (in file order).

    Returns
    -------
    DatasetSplits
        ``task="multilabel"``; signals (n, 1, segment_length), labels (n, n_tags) float32 0/1.
    """
    check_int("sample_rate", sample_rate, minimum=1)
    if n_tags < 1 or segment_length < 1 or segments_per_clip < 1:
        raise ValueError(
            f"n_tags, segment_length and segments_per_clip must be >= 1, got {n_tags}, "
            f"{segment_length}, {segments_per_clip}"
        )
    root = Path(root)
    tags, labels, paths, ids = _read_annotations(root / "annotations_final.csv")
    roles = []
    for p in paths:
        d = p.split("/", 1)[0].lower()
        if d not in _ROLE_OF_DIR:
            raise ValueError(f"mp3_path {p!r} does not start with a hex directory 0-f")
        roles.append(_ROLE_OF_DIR[d])
    roles_arr = np.asarray(roles)
    counts = labels[roles_arr == "train"].sum(axis=0)
    if n_tags > len(tags):
        raise ValueError(f"n_tags={n_tags} but the annotations have only {len(tags)} tags")
    top = np.sort(np.argsort(-counts, kind="stable")[:n_tags])
    labels = labels[:, top].astype(np.float32)
    audio_dir = root / "mp3" if (root / "mp3").is_dir() else root
    n_total = segment_length * segments_per_clip
    out = {}
    for role in ("train", "val", "test"):
        idx = np.flatnonzero((roles_arr == role) & (labels.sum(axis=1) > 0))
        if max_clips is not None:
            idx = idx[:max_clips]
        if len(idx) == 0:
            raise ValueError(f"no tagged clip in the {role} split (directories of that split)")
        x = np.empty((len(idx) * segments_per_clip, 1, segment_length), dtype=np.float32)
        for i, k in enumerate(idx):
            path = audio_dir / paths[k]
            if not path.is_file():
                raise FileNotFoundError(f"{str(path)!r} listed in annotations_final.csv is missing")
            clip = fit_length(read_mono(path, sample_rate), n_total, align="start")
            x[i * segments_per_clip : (i + 1) * segments_per_clip, 0] = clip.reshape(
                segments_per_clip, segment_length
            )
        y = np.repeat(labels[idx], segments_per_clip, axis=0)
        out[role] = ArraySplit(x, y, np.repeat(ids[idx], segments_per_clip))
        logger.info("MagnaTagATune %s: %d clips, %d segments", role, len(idx), len(x))
    return DatasetSplits(
        name="magnatagatune",
        train=out["train"],
        val=out["val"],
        test=out["test"],
        classes=[tags[i] for i in top],
        task="multilabel",
        sample_rate=float(sample_rate),
        info={"split": "directories 0-b train, c val, d-f test; top tags counted on train"},
    )
