"""Scattering1D reproduces its stored, seeded reference outputs (tests/data/README.md)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from scatterwave import Scattering1D

DATA = Path(__file__).parent / "data"
# Import the generator's configuration table so the two cannot drift apart.
spec = importlib.util.spec_from_file_location("make_reference", DATA / "make_reference.py")
make_reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_reference)


@pytest.mark.parametrize("stem", sorted(make_reference.CONFIGS))
def test_reproduces_reference(stem):
    ref = np.load(DATA / f"{stem}.npz")
    kw = dict(make_reference.CONFIGS[stem])
    S = Scattering1D(kw.pop("N"), kw.pop("J"), **kw)
    out = S(ref["x"])
    np.testing.assert_array_equal(S.meta()["order"], ref["order"])
    # float64 FFT round-off only (different FFT libraries or thread counts).
    np.testing.assert_allclose(out, ref["Sx"], rtol=0, atol=1e-10 * np.abs(ref["Sx"]).max())
