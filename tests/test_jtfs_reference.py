"""The JTFS joint stage agrees with a slow, full-rate computation from the definitions
(tests/_jtfs_reference.py) in every padding mode."""

import numpy as np
import pytest

from _jtfs_reference import SPINS, reference_spinned
from scatterwave import TimeFrequencyScattering1D

STRIDE_1 = dict(sampling_filters_fr="resample", oversampling_fr=8)
CASES = [(t, f, STRIDE_1) for t in ("zero", "reflect") for f in ("zero", "reflect", "conj-reflect")]
CASES += [("zero", "zero", {}), ("reflect", "conj-reflect", {})]


@pytest.mark.parametrize("pad_mode, pad_mode_fr, frequency", CASES)
def test_spinned_pairs_equal_the_full_rate_reference(pad_mode, pad_mode_fr, frequency):
    """A batch of two noise signals of a length that is not a power of two (N=362, WaveSpin's
    energy configuration: J=7, Q=(8, 3), J_fr=3, Q_fr=4, r_psi=0.9), without time or
    frequential averaging; with every frequential wavelet at stride 1 on every slice's axis, or
    with the defaults (``"exclude"``, frequency subsampling). The fast joint stage
    (subsampled band-passes, grouped FFTs or dense operators, gathered padding) must agree with
    the reference to float64 round-off: measured 1e-15 relative to the largest coefficient,
    tolerance 1e-12."""
    N = 362
    x = np.random.default_rng(3).standard_normal((2, N))
    jtfs = TimeFrequencyScattering1D(
        N, J=7, Q=(8, 3), J_fr=3, Q_fr=4, F=8, T=128, r_psi=0.9, average=False,
        average_fr=False, normalize="amplitude", pad_mode=pad_mode, pad_mode_fr=pad_mode_fr,
        **frequency,
    )  # fmt: skip
    S, ref = jtfs(x), reference_spinned(jtfs, x)
    for pair in SPINS:
        assert S[pair].shape == ref[pair].shape
        scale = np.abs(ref[pair]).max()
        np.testing.assert_allclose(S[pair], ref[pair], rtol=0, atol=1e-12 * scale, err_msg=pair)
