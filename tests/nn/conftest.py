"""Shared fixtures of the ``scatterwave.nn`` tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _single_torch_thread():
    """Run each test on one intra-op thread, then restore the previous setting.

    The tensors here are small: on a shared 2-core machine, torch's thread pool spends more
    time waiting for busy cores than computing (measured: 75 s vs 8 s for the model tests).
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
