"""The extraction plan: a deterministic, sorted list of fixed-length segments.

The plan is computed once, before any transform runs, from the file headers alone. Item
``i`` of the output store is row ``i`` of the plan: (source file, channel, first sample,
number of valid samples). Files are sorted by path, channels ascending, segments by start,
so the same inputs and options always give the same plan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scatterwave.extract.audio import AudioError, AudioInfo, probe, resampled_length
from scatterwave.extract.config import ExtractConfig

__all__ = ["Plan", "plan_extraction", "segment_starts"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """Segments to compute, one row per output item.

    Attributes
    ----------
    inputs : list of str
        Every input file found (sorted), including those that failed.
    sources : list of AudioInfo
        The usable files, in order; ``file_index`` points into this list.
    failures : list of dict
        ``{"path", "reason", "stage": "header"}`` for inputs rejected while reading headers,
        and ``{"path", "reason", "stage": "truncated"}`` for files shorter than their header
        says: those are kept as sources with the frames they hold.
    sample_rate : int
        Rate of every segment in Hz.
    n_samples : int
        Segment length ``N`` in samples (the transform's input length).
    hop : int
        Samples between consecutive segment starts of one file (``n_samples`` when files
        are not segmented).
    file_index : ndarray, shape (n_items,), int32
    channel : ndarray, shape (n_items,), int16
        Channel read, ``-1`` for the mono mix of all channels.
    start : ndarray, shape (n_items,), int64
        First sample at ``sample_rate``.
    n_valid : ndarray, shape (n_items,), int64
        Samples that come from the file; the rest, up to ``n_samples``, is zero padding.
    """

    inputs: list[str]
    sources: list[AudioInfo]
    failures: list[dict[str, str]]
    sample_rate: int
    n_samples: int
    hop: int
    file_index: np.ndarray
    channel: np.ndarray
    start: np.ndarray
    n_valid: np.ndarray

    @property
    def n_items(self) -> int:
        """Number of segments."""
        return int(self.file_index.shape[0])


def segment_starts(total: int, length: int, hop: int) -> np.ndarray:
    """Return the starts of the segments covering ``total`` samples with windows of ``length``.

    The first segment starts at 0; segments follow every ``hop`` samples until one reaches
    the end of the signal (its tail is then zero-padded), and none starts at or past the end
    (with ``hop > length`` the samples between segments are skipped). A signal no longer than
    ``length`` gives one segment.

    Returns
    -------
    starts : ndarray, shape (n_segments,), int64
    """
    if total <= 0:
        raise ValueError(f"total={total}: expected a positive number of samples")
    if total <= length:
        count = 1
    else:  # up to the first segment that reaches the end, and only starts inside the signal
        count = min(1 + -(-(total - length) // hop), -(-total // hop))
    return np.arange(count, dtype=np.int64) * hop


def plan_extraction(files: list[Path], config: ExtractConfig) -> Plan:
    """Read the headers of ``files`` and lay out every segment.

    Parameters
    ----------
    files : list of pathlib.Path
        Sorted input files (see :func:`~scatterwave.extract.audio.discover_inputs`).
    config : ExtractConfig
        The job's options (sample rate, segment, hop, channels).

    Returns
    -------
    plan : Plan

    Raises
    ------
    ValueError
        If no file is usable audio, or the inputs have different sample rates and no
        ``sample_rate`` was given.
    """
    sources, failures = _probe_all(files)
    rate = config.sample_rate
    if rate is None:
        rates = sorted({s.sample_rate for s in sources})
        if len(rates) > 1:
            raise ValueError(
                f"the inputs have different sample rates {rates} Hz; pass --sample-rate "
                "(sample_rate in a config file) to resample them all to one rate"
            )
        rate = rates[0]
    totals = [resampled_length(s.frames, s.sample_rate, rate) for s in sources]
    if config.segment is None:
        length = max(totals)
        hop = length
    else:
        length = config.samples(config.segment, rate)
        hop = config.samples(config.hop if config.hop is not None else config.segment, rate)
    columns: dict[str, list[np.ndarray]] = {"file": [], "channel": [], "start": [], "valid": []}
    for index, (source, total) in enumerate(zip(sources, totals)):
        starts = segment_starts(total, length, hop)
        valid = np.minimum(total - starts, length)
        channels = [-1] if config.channels == "mix" else list(range(source.channels))
        for ch in channels:
            columns["file"].append(np.full(starts.shape, index, dtype=np.int32))
            columns["channel"].append(np.full(starts.shape, ch, dtype=np.int16))
            columns["start"].append(starts)
            columns["valid"].append(valid.astype(np.int64))
    plan = Plan(
        inputs=[str(p) for p in files],
        sources=sources,
        failures=failures,
        sample_rate=int(rate),
        n_samples=int(length),
        hop=int(hop),
        file_index=np.concatenate(columns["file"]),
        channel=np.concatenate(columns["channel"]),
        start=np.concatenate(columns["start"]),
        n_valid=np.concatenate(columns["valid"]),
    )
    logger.info(
        "plan: %d item(s) of %d samples at %d Hz from %d file(s), %d rejected",
        plan.n_items,
        plan.n_samples,
        plan.sample_rate,
        len(sources),
        len(failures),
    )
    return plan


def _probe_all(files: list[Path]) -> tuple[list[AudioInfo], list[dict[str, str]]]:
    """Read every header: the usable sources, and a record of each file skipped or truncated."""
    sources: list[AudioInfo] = []
    failures: list[dict[str, str]] = []
    for path in files:
        try:
            info = probe(path)
        except AudioError as exc:
            logger.warning("skipping %s: %s", path, exc)
            failures.append({"path": str(path), "reason": str(exc), "stage": "header"})
            continue
        sources.append(info)
        if info.declared_frames is not None:
            reason = (
                f"truncated file: its header declares about {info.declared_frames} frames, "
                f"{info.frames} are present; the items of those {info.frames} are kept"
            )
            logger.warning("%s: %s", path, reason)
            failures.append({"path": str(path), "reason": reason, "stage": "truncated"})
    if not sources:
        details = "; ".join(f"{f['path']}: {f['reason']}" for f in failures[:5])
        raise ValueError(f"none of the {len(files)} input file(s) is usable audio ({details})")
    return sources, failures


#: The former name of :func:`plan_extraction`, kept importable (``scatterwave.core.plan`` has
#: its own ``build_plan``, the transform's plan; this one lays out an extraction job).
build_plan = plan_extraction
