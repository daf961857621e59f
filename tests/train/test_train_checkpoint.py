"""Atomic checkpoint writes and RNG state capture."""

import random

import numpy as np
import pytest
import torch

from scatterwave.train import atomic_save, load_checkpoint
from scatterwave.train.checkpoint import get_rng_state, set_rng_state


def test_atomic_save_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "ckpt.pt"
    atomic_save({"a": torch.ones(3)}, path)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        atomic_save({"a": Unpicklable()}, path)
    assert torch.equal(load_checkpoint(path)["a"], torch.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]  # no temporary left behind
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")


def test_rng_state_round_trip():
    state = get_rng_state()
    first = (random.random(), np.random.rand(), torch.rand(2))  # noqa: NPY002
    set_rng_state(state)
    again = (random.random(), np.random.rand(), torch.rand(2))  # noqa: NPY002
    assert first[:2] == again[:2] and torch.equal(first[2], again[2])
