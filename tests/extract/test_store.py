"""Tests of scatterwave.extract.store: atomic creation, commits and resume checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scatterwave.extract import ExtractConfig, FeatureStore, extract
from scatterwave.extract.audio import discover_inputs
from scatterwave.extract.compute import ChunkResult, TransformSpec, make_transform
from scatterwave.extract.plan import plan_extraction

from .conftest import SMALL

zarr = pytest.importorskip("zarr")


@pytest.fixture
def skeleton(clean_corpus: Path, tmp_path: Path) -> FeatureStore:
    cfg = ExtractConfig(**SMALL, batch_size=4)
    plan = plan_extraction(discover_inputs([clean_corpus]), cfg)
    spec = TransformSpec("scattering", {"J": 4, "Q": 4, "T": None}, plan.n_samples, "cpu")
    out = tmp_path / "s.zarr"
    # a staging folder left by a run killed while creating the store is replaced
    (tmp_path / "s.zarr.incomplete").mkdir()
    (tmp_path / "s.zarr.incomplete" / "junk").write_text("partial")
    store = FeatureStore.create(out, plan=plan, config=cfg, transform=make_transform(spec))
    assert not (tmp_path / "s.zarr.incomplete").exists()
    return store


def test_skeleton_and_commit(skeleton: FeatureStore) -> None:
    assert skeleton.pending_chunks() == list(range(skeleton.n_chunks))
    task = skeleton.task(1)
    assert task.first == 4 and len(task.rows) == 4 and task.n_samples == 2000
    shape = skeleton.group["coefficients"].shape[1:]
    with pytest.raises(ValueError, match="holds 3 items, expected 4"):
        skeleton.commit(ChunkResult(1, np.zeros((3, *shape), np.float32), np.ones(3, bool)))
    data = np.full((4, *shape), 2.0, dtype=np.float32)
    ok = np.array([True, False, True, True])
    skeleton.commit(ChunkResult(1, data, ok, {"/x.flac": (5, "cannot decode audio: boom")}))
    assert 1 not in skeleton.pending_chunks()
    assert np.all(skeleton.group["coefficients"][4:8] == 2.0)
    assert skeleton.group["ok"][:8].tolist() == [False] * 4 + ok.tolist()
    # the same file failing again later keeps the row of its first failing item
    skeleton.commit(ChunkResult(1, data, ok, {"/x.flac": (7, "later reason")}))
    rows = [f for f in skeleton.failures if f["path"] == "/x.flac"]
    assert rows == [
        {"path": "/x.flac", "reason": "cannot decode audio: boom", "stage": "decode", "item": 5}
    ]
    with pytest.raises(RuntimeError, match="not done"):
        skeleton.finalize()


def test_create_refuses_existing_and_resume_checks(skeleton: FeatureStore, tmp_path: Path) -> None:
    with pytest.raises(FileExistsError, match="--resume"):
        FeatureStore.create(skeleton.path, plan=None, config=ExtractConfig(), transform=None)
    other = tmp_path / "other.zarr"
    zarr.open_group(str(other), mode="w").attrs["format"] = "something-else"
    with pytest.raises(ValueError, match="not a scatterwave feature store"):
        FeatureStore.open_resume(other, config=ExtractConfig(), inputs=[])
    a_file = tmp_path / "file.zarr"
    a_file.write_text("x")  # zarr raised FileExistsError: "[Errno 17] File exists"
    with pytest.raises(ValueError, match="is a file, not a scatterwave feature store"):
        FeatureStore.open_resume(a_file, config=ExtractConfig(), inputs=[])


def test_resume_without_output_starts_fresh(clean_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "fresh.zarr"
    result = extract([clean_corpus], out, ExtractConfig(**SMALL, workers=1), resume=True)
    assert result.computed_chunks == result.n_chunks and out.exists()
