"""Shared fixtures: a seeded random generator, array libraries, JAX in float64."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

if importlib.util.find_spec("jax") is not None:
    import jax

    # float64 agreement tests need JAX's 64-bit mode; it must be set before any JAX array exists.
    jax.config.update("jax_enable_x64", True)


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator with a fixed seed, so every test sees the same 'random' signals."""
    return np.random.default_rng(1234)
