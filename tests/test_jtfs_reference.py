"""The JTFS joint stage agrees with a slow, full-rate computation from the definitions
(tests/_jtfs_reference.py) in every padding mode."""

import numpy as np
import pytest

from _jtfs_reference import SPINS, reference_spinned
from scatterwave import TimeFrequencyScattering1D
from scatterwave.core import jtfs_joint

STRIDE_1 = dict(sampling_filters_fr="resample", oversampling_fr=8)
CASES = [(t, f, STRIDE_1) for t in ("zero", "reflect") for f in ("zero", "reflect", "conj-reflect")]
CASES += [("zero", "zero", {}), ("reflect", "conj-reflect", {})]


@pytest.mark.parametrize("one_wavelet_per_group", [False, True])
@pytest.mark.parametrize("pad_mode, pad_mode_fr, frequency", CASES)
def test_spinned_pairs_equal_the_full_rate_reference(
    pad_mode, pad_mode_fr, frequency, one_wavelet_per_group, monkeypatch
):
    """A batch of two noise signals of a length that is not a power of two (N=300, J=6,
    Q=(6, 2), J_fr=3, Q_fr=2: second-order wavelets that see 1 to all 35 first-order rows),
    without time or frequential averaging; with every frequential wavelet at stride 1 on every
    slice's axis, or with the defaults (``"exclude"``, frequency subsampling). The fast joint
    stage (subsampled band-passes, grouped FFTs or dense operators, gathered padding) must
    agree with the reference to float64 round-off: measured 6e-16 to 1e-15 relative to the
    largest coefficient, tolerance 1e-12. Without the reference's Nyquist-bin rule the top
    rows differ by 2.5 %, so the comparison is sharp. ``one_wavelet_per_group``: the joint
    stage's memory cap split to one second-order wavelet per group (long signals are split so),
    which must change nothing."""
    if one_wavelet_per_group:
        monkeypatch.setattr(jtfs_joint, "JOINT_MAX_BYTES", 1)
    N = 300
    x = np.random.default_rng(3).standard_normal((2, N))
    jtfs = TimeFrequencyScattering1D(
        N, J=6, Q=(6, 2), J_fr=3, Q_fr=2, F=4, average=False, average_fr=False,
        normalize="amplitude", pad_mode=pad_mode, pad_mode_fr=pad_mode_fr, **frequency,
    )  # fmt: skip
    if one_wavelet_per_group:
        assert all(len(jg.n2) == 1 for jg in jtfs.plan(N).joint)
    S, ref = jtfs(x), reference_spinned(jtfs, x)
    for pair in SPINS:
        assert S[pair].shape == ref[pair].shape
        scale = np.abs(ref[pair]).max()
        np.testing.assert_allclose(S[pair], ref[pair], rtol=0, atol=1e-12 * scale, err_msg=pair)
