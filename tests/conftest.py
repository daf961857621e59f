"""Shared fixtures: a seeded random generator, array libraries, JAX in float64."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

if importlib.util.find_spec("jax") is not None:
    import jax

    # float64 agreement tests need JAX's 64-bit mode; it must be set before any JAX array exists.
    jax.config.update("jax_enable_x64", True)


if importlib.util.find_spec("torch") is not None:
    import torch

    # One intra-op thread: the tests use small arrays, for which thread start-up and
    # oversubscription (pytest, JAX and torch sharing 2 cores) cost more than they gain.
    torch.set_num_threads(1)


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator with a fixed seed, so every test sees the same 'random' signals."""
    return np.random.default_rng(1234)
