"""Shared fixtures for the extraction tests: a tiny corpus of mixed formats and rates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

sf = pytest.importorskip("soundfile")
pytest.importorskip("zarr")

#: Small transform/segment settings shared by the tests (N = 0.25 s * 8 kHz = 2000).
SMALL = {"sample_rate": 8000, "segment": 0.25, "hop": 0.125, "J": 4, "Q": 4}


def _tone(rng: np.random.Generator, n: int, rate: int, channels: int) -> np.ndarray:
    t = np.arange(n) / rate
    sig = [
        0.3 * np.sin(2 * np.pi * (220.0 * (c + 1)) * t) + 0.05 * rng.standard_normal(n)
        for c in range(channels)
    ]
    out = np.stack(sig, axis=1)
    return out[:, 0] if channels == 1 else out


def count_done(store: Path) -> int:
    """Count the chunks a running job has committed, from the files of ``chunk_done``.

    The store writes each chunk file to a ``<name>.<uuid>.partial`` file first and renames
    it when complete, so only the plain chunk names (digits) are committed flags; counting
    the temporary files too would let a test kill the job one commit early.
    """
    folder = store / "chunk_done" / "c"
    if not folder.is_dir():
        return 0
    return sum(1 for entry in folder.iterdir() if entry.name.isdigit())


def make_corpus(root: Path, *, bad: bool = True) -> Path:
    """Write a corpus with WAV/FLAC/OGG/AIFF at 8, 16, 22.05 kHz, mono and stereo.

    With ``bad``, also a garbage ``.wav``, an empty ``.wav`` and a FLAC file cut in half
    (valid header, undecodable data).
    """
    rng = np.random.default_rng(1234)
    (root / "sub" / "deeper").mkdir(parents=True)
    sf.write(root / "a.wav", _tone(rng, 10400, 8000, 1), 8000, subtype="PCM_16")
    sf.write(root / "sub" / "b.flac", _tone(rng, 19845, 22050, 2), 22050)
    sf.write(root / "c.ogg", _tone(rng, 17600, 16000, 1), 16000)
    sf.write(root / "sub" / "deeper" / "d.aiff", _tone(rng, 4800, 16000, 2), 16000)
    (root / "notes.md").write_text("not audio, and not an audio suffix: ignored in folders")
    if bad:
        (root / "bad.wav").write_bytes(b"RIFF\x00\x00garbage that is not a wave file")
        sf.write(root / "empty.wav", np.zeros(0), 8000)
        full = root / "sub" / "full.flac"
        sf.write(full, _tone(rng, 32000, 16000, 1), 16000)
        data = full.read_bytes()
        (root / "sub" / "cut.flac").write_bytes(data[: len(data) // 3])
        full.unlink()
    return root


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus with good and bad files (read-only: tests must not modify it)."""
    return make_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def clean_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same good files, without any bad one."""
    return make_corpus(tmp_path_factory.mktemp("clean"), bad=False)
