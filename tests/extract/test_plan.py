"""Tests of scatterwave.extract.plan: deterministic segmentation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scatterwave.extract.audio import discover_inputs
from scatterwave.extract.config import ExtractConfig
from scatterwave.extract.plan import plan_extraction, segment_starts


def test_segment_starts() -> None:
    assert segment_starts(10, 4, 2).tolist() == [0, 2, 4, 6]  # last covers 6..10 exactly
    assert segment_starts(11, 4, 2).tolist() == [0, 2, 4, 6, 8]  # tail 8..11 padded
    assert segment_starts(3, 4, 2).tolist() == [0]
    assert segment_starts(12, 4, 4).tolist() == [0, 4, 8]
    # hop longer than the segment: gaps between segments, and no segment past the end
    # (10 and 4000 started at or after the end, with negative valid lengths)
    assert segment_starts(10, 4, 5).tolist() == [0, 5]  # 5..9 reaches the end
    assert segment_starts(10, 2, 5).tolist() == [0, 5]  # 5..7: the last start inside
    assert segment_starts(10, 4, 10).tolist() == [0]
    assert segment_starts(4000, 800, 8000).tolist() == [0]
    for total, length, hop in [(10, 4, 7), (97, 5, 13), (64, 8, 8), (100, 3, 50)]:
        starts = segment_starts(total, length, hop)
        assert np.all(starts < total) and np.all(np.diff(starts) == hop)
        # the last one reaches the end, or the next would start past it; none before did
        assert starts[-1] + max(length, hop) >= total
        assert len(starts) == 1 or starts[-2] + length < total
    with pytest.raises(ValueError, match="positive"):
        segment_starts(0, 4, 2)


def test_plan_layout(corpus: Path) -> None:
    files = discover_inputs([corpus])
    plan = plan_extraction(files, ExtractConfig(sample_rate=8000, segment=0.25, hop=0.125))
    assert plan.n_samples == 2000 and plan.hop == 1000 and plan.sample_rate == 8000
    assert {Path(f["path"]).name for f in plan.failures} == {"bad.wav", "empty.wav"}
    names = [Path(s.path).name for s in plan.sources]
    assert names == ["a.wav", "c.ogg", "b.flac", "cut.flac", "d.aiff"]  # sorted by full path
    # a.wav: 10400 samples at 8 kHz -> starts 0, 1000, ..., 9000 (9000+2000 > 10400)
    a = plan.file_index == 0
    assert plan.start[a].tolist() == list(range(0, 9001, 1000))
    assert plan.n_valid[a][-1] == 1400 and np.all(plan.n_valid[a][:-1] == 2000)
    assert np.all(plan.channel == -1)
    # items are sorted by (file, channel, start) and every start is inside its file
    order = np.lexsort((plan.start, plan.channel, plan.file_index))
    assert np.array_equal(order, np.arange(plan.n_items))
    assert np.all(plan.n_valid > 0) and np.all(plan.n_valid <= plan.n_samples)


def test_plan_channels_each_and_whole_files(clean_corpus: Path) -> None:
    files = discover_inputs([clean_corpus])
    each = plan_extraction(files, ExtractConfig(sample_rate=8000, segment=0.25, channels="each"))
    mix = plan_extraction(files, ExtractConfig(sample_rate=8000, segment=0.25))
    stereo = [i for i, s in enumerate(mix.sources) if s.channels == 2]
    extra = sum(int(np.sum(mix.file_index == i)) for i in stereo)
    assert each.n_items == mix.n_items + extra
    assert set(each.channel[each.file_index == stereo[0]].tolist()) == {0, 1}
    whole = plan_extraction(files, ExtractConfig(sample_rate=8000))
    assert whole.n_items == len(files)
    # whole-file items are as long as the longest input (a.wav: 1.3 s -> 10400 samples)
    assert whole.n_samples == 10400 and sorted(whole.n_valid.tolist()) == [2400, 7200, 8800, 10400]


def test_plan_errors(corpus: Path) -> None:
    with pytest.raises(ValueError, match=r"different sample rates \[8000, 16000, 22050\]"):
        plan_extraction(discover_inputs([corpus]), ExtractConfig(segment=0.25))
    with pytest.raises(ValueError, match="none of the 2 input file"):
        plan_extraction([corpus / "bad.wav", corpus / "empty.wav"], ExtractConfig())
