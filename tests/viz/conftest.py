"""Fixtures of tests/viz: the Agg backend, a hand-built JTFS-shaped output, closing figures."""

from __future__ import annotations

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from ._helpers import make_fake_jtfs  # noqa: E402


@pytest.fixture
def fake_jtfs() -> tuple[dict, dict]:
    return make_fake_jtfs()


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")
