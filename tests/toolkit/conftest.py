"""Shared fixtures of the toolkit tests: array backends and hand-made JTFS-like outputs."""

from __future__ import annotations

import numpy as np
import pytest

BACKENDS = ["numpy", "torch"]


def to_backend(a: np.ndarray, backend: str):
    """Convert a NumPy array to ``backend`` (NumPy or torch, CPU)."""
    if backend == "torch":
        torch = pytest.importorskip("torch")
        return torch.from_numpy(np.ascontiguousarray(a))
    return a


@pytest.fixture(params=BACKENDS)
def xb(request):
    """Converter from NumPy to the parametrised backend (NumPy or torch)."""
    return lambda a: to_backend(a, request.param)


PAIRS = {
    "S0": 1,
    "S1": 3,
    "phi_t * phi_f": 2,
    "psi_t * psi_f_up": 4,
    "psi_t * psi_f_dn": 4,
}


def make_jtfs_like(seed: int = 0, batch: int = 2, N_out: int = 8):
    """Dict output in the JTFS format with ``meta[field][pair]`` per-row fields.

    Spin-up/down pairs have rows ``n = (n2, n1_fr, n1)`` with two slices ``(0, 0)`` and
    ``(1, 0)`` of two rows each; the down pair is the up pair times 2 in slice (0, 0) and
    times 0.5 in slice (1, 0), so their energy ratios are 4 and 0.25.
    """
    rng = np.random.default_rng(seed)
    out, n, spin = {}, {}, {}
    for pair, rows in PAIRS.items():
        out[pair] = rng.standard_normal((batch, rows, N_out))
        n[pair] = np.stack([np.arange(rows) // 2, np.zeros(rows, int), np.arange(rows) % 2], 1)
        spin[pair] = np.full(rows, 1 if pair.endswith("up") else -1 if pair.endswith("dn") else 0)
    up = out["psi_t * psi_f_up"]
    out["psi_t * psi_f_dn"] = np.concatenate([2 * up[:, :2], 0.5 * up[:, 2:]], axis=1)
    return out, {"n": n, "spin": spin}


@pytest.fixture
def jtfs_like():
    """``(Sx, meta)`` from :func:`make_jtfs_like` with the default seed."""
    return make_jtfs_like()
