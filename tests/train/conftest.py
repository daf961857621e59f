"""Shared fixtures of the training tests."""

import pytest

from scatterwave.datasets import make_waveforms
from scatterwave.train import TrainConfig


@pytest.fixture(scope="module")
def data():
    """Four-class synthetic waveforms: 96 / 48 / 48 items of 128 samples (6 steps of 16)."""
    return make_waveforms(n_train=96, n_val=48, n_test=48, length=128, seed=0)


@pytest.fixture
def make_config(tmp_path):
    """``make_config(name="run", **options)``: a short run of the tiny model in ``tmp_path``."""

    def make(name="run", **kw):
        base = dict(model="tiny", dataset="synthetic", out_dir=str(tmp_path / name), epochs=3,
                    batch_size=16, lr=3e-3, progress="log", scheduler="none")  # fmt: skip
        return TrainConfig(**{**base, **kw})

    return make
