"""Tests of scatterwave.extract.runner: the whole job, in-process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scatterwave.extract import ExtractConfig, extract, open_features
from scatterwave.extract.audio import probe, read_segment

from .conftest import SMALL

zarr = pytest.importorskip("zarr")


class _StopAfter:
    """A progress sink that interrupts the job after ``n`` committed chunks."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.calls = 0

    def start(self, total: int, done: int) -> None:
        self.total, self.done = total, done

    def update(self, n_items: int) -> None:
        self.calls += 1
        if self.calls >= self.n:
            raise KeyboardInterrupt

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def full_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("full") / "features.zarr"
    result = extract([corpus], out, ExtractConfig(**SMALL, batch_size=4, workers=1))
    return out, result


def test_happy_path_contents(full_run) -> None:
    from scatterwave import Scattering1D

    out, result = full_run
    g = zarr.open_group(str(out), mode="r")
    coeffs = np.asarray(g["coefficients"][:])
    S = Scattering1D(2000, J=4, Q=4)
    assert coeffs.shape == (result.n_items, *S.output_shape)
    assert g["coefficients"].chunks[0] == 4
    assert result.computed_chunks == result.n_chunks == -(-result.n_items // 4)
    assert g.attrs["complete"] is True
    assert np.all(g["chunk_done"][:])
    # every item of a readable file is finite; items of the cut FLAC that cannot be decoded
    # are NaN and flagged, those before the cut are kept
    ok = np.asarray(g["ok"][:])
    sources = [s["path"] for s in g.attrs["sources"]]
    fidx = np.asarray(g["file_index"][:])
    cut = np.array([sources[i].endswith("cut.flac") for i in fidx])
    assert np.all(ok[~cut]) and not np.all(ok[cut]) and np.any(ok[cut])
    assert np.all(np.isfinite(coeffs[ok])) and np.all(np.isnan(coeffs[~ok]))
    # items equal the bare transform of the resampled segment (same float32 batch math)
    infos = [probe(p) for p in sources]
    starts = np.asarray(g["start_sample"][:])
    for i in (0, 7, result.n_items - 1):
        if not ok[i]:
            continue
        x = read_segment(
            infos[fidx[i]], start=int(starts[i]), length=2000, target_rate=8000, channel=None
        )
        ref = np.asarray(S(x[None]), dtype=np.float32)[0]
        # batched vs single-item float32 FFTs may differ in the last bits
        np.testing.assert_allclose(coeffs[i], ref, rtol=1e-4, atol=1e-6 * np.abs(ref).max())


def test_metadata_matches_transform(full_run) -> None:
    from scatterwave import Scattering1D

    out, _ = full_run
    g = zarr.open_group(str(out), mode="r")
    meta = Scattering1D(2000, J=4, Q=4).meta()
    for name, value in meta.items():
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            np.testing.assert_array_equal(np.asarray(g[f"path_{name}"][:]), value)
    assert [tuple(k) for k in g.attrs["path_keys"]] == [tuple(k) for k in meta["key"]]
    cfg = g.attrs["config"]
    assert cfg["J"] == 4 and cfg["segment"] == 0.25 and g.attrs["sample_rate"] == 8000
    assert g.attrs["scatterwave_version"]
    assert g.attrs["transform"] == "Scattering1D"
    # per-item rows: start and duration in seconds, padded tails marked
    start = np.asarray(g["start"][:])
    duration = np.asarray(g["duration"][:])
    padded = np.asarray(g["padded"][:])
    assert np.all(duration <= 0.25 + 1e-12) and np.array_equal(padded, duration < 0.25 - 1e-12)
    assert padded.any() and np.all(start >= 0)
    rates = set(np.asarray(g["source_sample_rate"][:]).tolist())
    assert rates == {8000, 16000, 22050}


def test_failures_table(full_run) -> None:
    out, result = full_run
    reasons = {Path(f["path"]).name: f["reason"] for f in result.failures}
    assert set(reasons) == {"bad.wav", "empty.wav", "cut.flac"}
    assert "no audio samples" in reasons["empty.wav"]
    assert "decode" in reasons["cut.flac"] or "truncated" in reasons["cut.flac"]
    stages = {Path(f["path"]).name: f["stage"] for f in result.failures}
    assert stages == {"bad.wav": "header", "empty.wav": "header", "cut.flac": "decode"}
    assert not result.ok
    g = zarr.open_group(str(out), mode="r")
    assert g.attrs["failures"] == result.failures


def test_open_with_xarray(full_run) -> None:
    pytest.importorskip("xarray")
    out, result = full_run
    ds = open_features(out)
    assert ds["coefficients"].dims == ("item", "path", "time")
    assert ds.sizes["item"] == result.n_items
    assert str(ds["source"].values[0]).endswith("a.wav")
    first = ds["coefficients"].isel(item=0).values
    g = zarr.open_group(str(out), mode="r")
    np.testing.assert_array_equal(first, g["coefficients"][0])
    assert ds["path_order"].dims == ("path",)
    assert ds["computed"].values.all()


def test_interrupt_and_resume_equals_uninterrupted(full_run, corpus: Path, tmp_path: Path) -> None:
    ref_out, ref = full_run
    out = tmp_path / "resumed.zarr"
    cfg = ExtractConfig(**SMALL, batch_size=4, workers=1)
    with pytest.raises(KeyboardInterrupt):
        extract([corpus], out, cfg, progress=_StopAfter(3))
    g = zarr.open_group(str(out), mode="r")
    assert int(np.sum(g["chunk_done"][:])) == 3 and g.attrs["complete"] is False
    with pytest.raises(FileExistsError, match="--resume"):
        extract([corpus], out, cfg)
    result = extract([corpus], out, cfg, resume=True)
    assert result.computed_chunks == ref.n_chunks - 3
    a = zarr.open_group(str(out), mode="r")
    b = zarr.open_group(str(ref_out), mode="r")
    np.testing.assert_array_equal(a["coefficients"][:], b["coefficients"][:])
    np.testing.assert_array_equal(a["ok"][:], b["ok"][:])
    assert a.attrs["failures"] == b.attrs["failures"]
    # resuming a complete store computes nothing
    assert extract([corpus], out, cfg, resume=True).computed_chunks == 0


def test_resume_rejects_other_options_or_inputs(full_run, corpus: Path) -> None:
    out, _ = full_run
    with pytest.raises(ValueError, match=r"options differ.*J: store has 4, now 5"):
        extract([corpus], out, ExtractConfig(**{**SMALL, "J": 5}, batch_size=4), resume=True)
    with pytest.raises(ValueError, match="input files differ"):
        extract([corpus / "a.wav"], out, ExtractConfig(**SMALL, batch_size=4), resume=True)


def test_resume_names_the_inputs_that_differ(full_run, corpus: Path) -> None:
    out, _ = full_run
    with pytest.raises(ValueError, match=r"0 added, \d+ missing; first: missing .*b\.flac"):
        extract([corpus / "a.wav"], out, ExtractConfig(**SMALL, batch_size=4), resume=True)


def _interrupted_copy(clean_corpus: Path, tmp_path: Path) -> tuple[Path, Path, ExtractConfig]:
    """A copy of the corpus and a job on it interrupted after its first chunk.

    ``a.wav`` (10,400 frames at 8 kHz) is also read by chunks still pending.
    """
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(clean_corpus, corpus)
    out = tmp_path / "o.zarr"
    cfg = ExtractConfig(**SMALL, batch_size=4, workers=1)
    with pytest.raises(KeyboardInterrupt):
        extract([corpus], out, cfg, progress=_StopAfter(1))
    return corpus, out, cfg


def test_resume_refuses_an_input_replaced_by_another_rate(clean_corpus: Path, tmp_path: Path):
    """A file replaced between the interrupted run and its resumption (here: the same number
    of frames at another rate) was read with the recorded header, so its audio was resampled
    from the wrong rate without a word."""
    import soundfile as sf

    corpus, out, cfg = _interrupted_copy(clean_corpus, tmp_path)
    target = corpus / "a.wav"
    info = probe(target)
    sf.write(target, sf.read(target)[0], 16000)
    with pytest.raises(ValueError, match=rf"changed since the interrupted run \({target}: "
                       rf"recorded {info.frames} frames at {info.sample_rate} Hz"):  # fmt: skip
        extract([corpus], out, cfg, resume=True)


def test_resume_refuses_a_resized_input_and_warns_of_a_modified_one(
    clean_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Same header, other content: a WAV's size changes with its subtype (16 to 24 bits),
    and a file rewritten with other samples of the same subtype keeps its size and header:
    only its modification time tells, named in a warning."""
    import logging
    import os

    import soundfile as sf

    corpus, out, cfg = _interrupted_copy(clean_corpus, tmp_path)
    target = corpus / "a.wav"
    data, rate = sf.read(target)
    sf.write(target, data, rate, subtype="PCM_24")
    with pytest.raises(ValueError, match=r"a\.wav: recorded \d+ bytes, now \d+"):
        extract([corpus], out, cfg, resume=True)
    sf.write(target, -data, rate, subtype="PCM_16")  # the original size and header
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with caplog.at_level(logging.WARNING, logger="scatterwave.extract.store"):
        extract([corpus], out, cfg, resume=True)
    assert "1 input file(s) that chunks still to compute read were modified" in caplog.text
    assert "a.wav" in caplog.text


def test_open_features_refuses_an_unfinished_store_unless_asked(corpus: Path, tmp_path: Path):
    pytest.importorskip("xarray")
    out = tmp_path / "part.zarr"
    with pytest.raises(KeyboardInterrupt):
        extract([corpus], out, ExtractConfig(**SMALL, batch_size=4, workers=1),
                progress=_StopAfter(2))  # fmt: skip
    with pytest.raises(ValueError, match=r"unfinished extraction \(2 of \d+ chunks done\)"):
        open_features(out)
    ds = open_features(out, allow_incomplete=True)
    computed = ds["computed"].values
    assert computed[:8].all() and not computed[8:].any()
    assert not ds["ok"].values[8:].any()  # not computed: ok False, told apart by computed


def test_fail_fast(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        extract([tmp_path / "nothing"], tmp_path / "o.zarr", ExtractConfig(**SMALL))
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(ValueError, match="no audio files found"):
        extract([tmp_path / "empty_dir"], tmp_path / "o.zarr", ExtractConfig(**SMALL))
    with pytest.raises(ValueError, match="none of the"):
        extract([corpus / "bad.wav"], tmp_path / "o.zarr", ExtractConfig(**SMALL))
    assert not (tmp_path / "o.zarr").exists()


def test_cuda_unavailable_is_a_clear_error(corpus: Path, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present; the error path cannot be exercised")
    with pytest.raises(RuntimeError, match="torch sees no CUDA device"):
        extract([corpus], tmp_path / "o.zarr", ExtractConfig(**SMALL, device="cuda"))


def test_cuda_matches_cpu(full_run, corpus: Path, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    ref_out, _ = full_run
    out = tmp_path / "gpu.zarr"
    extract([corpus], out, ExtractConfig(**SMALL, batch_size=4, device="cuda"))
    a = np.asarray(zarr.open_group(str(out), mode="r")["coefficients"][:])
    b = np.asarray(zarr.open_group(str(ref_out), mode="r")["coefficients"][:])
    # float32 cuFFT vs pocketfft: agreement to a few float32 ulps of the largest coefficient
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * np.nanmax(np.abs(b)))


def test_folders_take_every_libsndfile_format_and_report_skipped(tmp_path: Path) -> None:
    sf = pytest.importorskip("soundfile")
    if "MP3" not in sf.available_formats():
        pytest.skip("this libsndfile reads no MP3")
    from scatterwave.extract.audio import audio_extensions, scan_inputs

    assert {".mp3", ".wav", ".flac", ".ogg"} <= audio_extensions()
    folder = tmp_path / "in"
    folder.mkdir()
    t = np.arange(4000) / 8000
    sf.write(folder / "speech.mp3", 0.3 * np.sin(2 * np.pi * 440 * t), 8000)
    sf.write(folder / "tone.wav", 0.3 * np.sin(2 * np.pi * 220 * t), 8000)
    (folder / "README.md").write_text("not audio")
    (folder / "labels.csv").write_text("a,b\n")
    scan = scan_inputs([folder])
    assert [p.name for p in scan.files] == ["speech.mp3", "tone.wav"]
    assert [p.name for p in scan.skipped] == ["README.md", "labels.csv"]
    out = tmp_path / "f.zarr"
    result = extract([folder], out, ExtractConfig(**SMALL, workers=1))
    assert result.ok and result.n_items > 0
    assert [Path(p).name for p in result.skipped] == ["README.md", "labels.csv"]
    g = zarr.open_group(str(out), mode="r")
    assert [Path(p).name for p in g.attrs["skipped"]] == ["README.md", "labels.csv"]
    assert {Path(s["path"]).name for s in g.attrs["sources"]} == {"speech.mp3", "tone.wav"}


def test_truncated_wav_is_reported_and_its_frames_kept(tmp_path: Path) -> None:
    sf = pytest.importorskip("soundfile")
    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(3)
    full = tmp_path / "full.wav"
    sf.write(full, 0.1 * rng.standard_normal(13399), 8000, subtype="PCM_16")
    data = full.read_bytes()
    # keep the 44-byte header (which still says 13,399 frames) and 1,478 frames of 2 bytes
    (folder / "cut.wav").write_bytes(data[: 44 + 2 * 1478])
    sf.write(folder / "whole.wav", 0.1 * rng.standard_normal(4000), 8000, subtype="PCM_16")
    info = probe(folder / "cut.wav")
    assert (info.frames, info.declared_frames) == (1478, 13399)
    assert probe(folder / "whole.wav").declared_frames is None
    out = tmp_path / "t.zarr"
    result = extract([folder], out, ExtractConfig(**SMALL, workers=1))
    assert not result.ok
    (row,) = result.failures
    assert Path(row["path"]).name == "cut.wav" and row["stage"] == "truncated"
    assert "13399" in row["reason"] and "1478" in row["reason"]
    g = zarr.open_group(str(out), mode="r")
    assert g.attrs["failures"] == result.failures
    names = [Path(s["path"]).name for s in g.attrs["sources"]]
    cut = names.index("cut.wav")
    items = np.flatnonzero(g["file_index"][:] == cut)
    assert items.size == 1 and bool(g["ok"][int(items[0])])  # the 1,478 frames are kept
    assert int(g["n_valid"][int(items[0])]) == 1478


def test_automatic_batch_size_is_recorded_and_resumed(corpus: Path, tmp_path: Path) -> None:
    """batch_size=None: 32 on CPU, recorded in the store; resuming without it takes the stored
    value (a resumed run must chunk the store as the interrupted one did)."""
    out = tmp_path / "auto.zarr"
    cfg = ExtractConfig(**SMALL, workers=1)
    assert cfg.batch_size is None
    with pytest.raises(KeyboardInterrupt):
        extract([corpus], out, cfg, progress=_StopAfter(1))
    g = zarr.open_group(str(out), mode="r")
    assert g.attrs["config"]["batch_size"] == 32
    assert extract([corpus], out, cfg, resume=True).n_items == g["coefficients"].shape[0]
    with pytest.raises(ValueError, match="batch_size: store has 32, now 4"):
        extract([corpus], out, ExtractConfig(**SMALL, batch_size=4), resume=True)


def test_automatic_cuda_batch_fills_the_device_budget(monkeypatch) -> None:
    from scatterwave import Scattering1D
    from scatterwave.extract import runner

    S = Scattering1D(16000, 6, 8)
    per_signal = S.plan(16000).bytes_per_signal(4)
    assert runner.auto_batch_size(S, 16000, "cpu") == runner.CPU_BATCH
    monkeypatch.setattr(runner, "_cuda_budget_bytes", lambda: 500 * per_signal)
    assert runner.auto_batch_size(S, 16000, "cuda") == 500
    monkeypatch.setattr(runner, "_cuda_budget_bytes", lambda: 10**15)
    assert runner.auto_batch_size(S, 16000, "cuda") == runner.CUDA_BATCH_RANGE[1]
    # host memory bounds it for long segments (one float32 batch within HOST_BATCH_BYTES)
    S_long = Scattering1D(2**20, 6, 8)
    assert runner.auto_batch_size(S_long, 2**20, "cuda") == runner.HOST_BATCH_BYTES // 2**22
    monkeypatch.setattr(runner, "_cuda_budget_bytes", lambda: per_signal)
    assert runner.auto_batch_size(S, 16000, "cuda") == runner.CUDA_BATCH_RANGE[0]


def test_one_path_is_one_input(clean_corpus: Path, tmp_path: Path) -> None:
    """A single path (str or Path) is one input, not a sequence of one-letter paths."""
    config = ExtractConfig(**SMALL, workers=1)
    a = extract(str(clean_corpus), tmp_path / "a.zarr", config)
    b = extract([clean_corpus], tmp_path / "b.zarr", config)
    assert a.n_items == b.n_items > 0


_UNGUARDED = """
import sys
from scatterwave.extract import ExtractConfig, extract
extract([sys.argv[1]], sys.argv[2], ExtractConfig(sample_rate=8000, segment=0.25, J=4, Q=4,
        workers=2))
"""


@pytest.mark.slow
def test_an_unguarded_script_gets_the_fix_from_its_workers(clean_corpus: Path, tmp_path: Path):
    """docs/extract.md: worker processes import the main script ("spawn"); a script that
    calls extract() without ``if __name__ == "__main__":`` made each worker start the job
    again (a FileExistsError in each, then WorkerDied). Each worker now stops with the fix."""
    import subprocess
    import sys

    script = tmp_path / "job.py"
    script.write_text(_UNGUARDED)
    proc = subprocess.run(
        [sys.executable, str(script), str(clean_corpus), str(tmp_path / "f.zarr")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "must be guarded, as in docs/extract.md: put it under `if __name__ ==" in proc.stderr
    assert "its own error, if any, is on the standard error stream above" in proc.stderr
