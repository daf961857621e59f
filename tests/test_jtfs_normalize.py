"""TimeFrequencyScattering1D(normalize=...): the meanings of Scattering1D's option."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from _fuzz import examples
from scatterwave import Scattering1D, TimeFrequencyScattering1D

N = 1024


def s1d_rows(S: dict) -> tuple[np.ndarray, np.ndarray]:
    """S0 (B, 1, t) and S1 (B, n1, t) of a Scattering1D dict output."""
    return S[()][:, None, :], np.stack([S[k] for k in S if len(k) == 1], axis=1)


@settings(max_examples=examples(10), deadline=None)
@given(
    J=st.integers(4, 7),
    Q1=st.sampled_from([6, 8, 12]),
    log2_T=st.one_of(st.none(), st.integers(3, 9)),
    normalize=st.sampled_from(["energy", "amplitude"]),
    N=st.sampled_from([N, 1025, 1100]),
)
def test_s0_s1_are_scattering1d_normalised_at_the_edges(J, Q1, log2_T, normalize, N):
    """A deliberate difference (docs/jtfs.md, "Averaging at the padding boundary"): the JTFS
    time low-pass is a weighted mean of the unpadded samples. With zero padding in both
    transforms, JTFS's ``S0`` is Scattering1D's divided by Scattering1D's ``S0`` of a constant
    one (the low-pass's share on the signal), and both ``S0`` and ``S1`` equal Scattering1D's
    wherever that share is 1 (the low-pass does not reach the padding), at lengths that are
    not powers of two too (3e-4 apart there until 2026-12-07: other padded lengths)."""
    T = None if log2_T is None else 2**log2_T
    x = np.random.default_rng(J * 100 + Q1).standard_normal((2, N))
    kw = dict(J=J, Q=(Q1, 1), T=T, normalize=normalize, average=True, pad_mode="zero")
    try:
        jtfs = TimeFrequencyScattering1D(N, J_fr=2, Q_fr=1, F=2, **kw)
    except ValueError:  # a configuration the constructor rejects with a message
        return
    S = jtfs(x)
    s1d = Scattering1D(N, out_type="dict", **{**kw, "normalize": "amplitude"})
    s0, s1 = s1d_rows(s1d(x))
    share = s1d_rows(s1d(np.ones((1, N))))[0][0, 0]  # (t,): 1 inside, about 1/2 at the ends
    factor = np.sqrt(N / share.shape[-1]) if normalize == "energy" else 1.0
    np.testing.assert_allclose(S["S0"], s0 / share * factor, rtol=1e-10, atol=1e-12)
    interior = np.abs(share - 1) < 1e-6  # phi_T is truncated at 4e-6 of its peak
    # 8 or more outputs of T leave an interior at N=1024 (not always at 1025 or 1100: 9 outputs)
    assert interior.any() or T is None or T >= 2 ** int(np.log2(N)) // 8
    scale = np.max(np.abs(s1))
    np.testing.assert_allclose(
        S["S1"][..., interior], s1[..., interior] * factor, atol=1e-5 * scale
    )


@pytest.mark.parametrize("average_fr", [True, False])
def test_amplitude_is_energy_without_its_factors(average_fr):
    """Every row of ``"amplitude"`` is the ``"energy"`` row divided by a positive constant
    that depends on the row only (time and frequency energy factors), and ``S0`` of a
    constant signal is that constant."""
    kw = dict(J=6, Q=(8, 1), J_fr=3, Q_fr=1, F=4, average_fr=average_fr, out_type="array")
    energy = TimeFrequencyScattering1D(N, **kw)
    amplitude = TimeFrequencyScattering1D(N, normalize="amplitude", **kw)
    rng = np.random.default_rng(5)
    ratios = []
    for _ in range(2):
        x = rng.standard_normal(N)
        E, A = energy(x), amplitude(x)
        live = np.any(A != 0, axis=-1)
        np.testing.assert_array_equal(E[~live], 0.0)  # rows that are zero in both
        peak = np.argmax(np.abs(A[live]), axis=-1)
        rows = np.flatnonzero(live)
        ratio = E[rows, peak] / A[rows, peak]
        # One positive factor per row: rows are scaled, not reshaped.
        assert np.all(ratio > 0)
        np.testing.assert_allclose(E[live], A[live] * ratio[:, None], rtol=1e-9, atol=0)
        ratios.append(ratio)
    np.testing.assert_allclose(ratios[0], ratios[1], rtol=1e-9)
    # S0 and S1 rows carry the time factor sqrt(N / N_out) only.
    pair = energy.meta()["pair"]
    first = np.flatnonzero(np.isin(pair, ["S0", "S1"]))
    t = E.shape[-1]
    np.testing.assert_allclose(ratios[0][: len(first)], np.sqrt(N / t), rtol=1e-12)
    # Joint rows also lose the frequency factor sqrt(n_in / R_out) (> 1 where subsampled).
    assert np.max(ratios[0][len(first) :]) > 1.2 * np.sqrt(N / t)
    # With either time padding, S0 of a constant is that constant up to the edges (the
    # low-pass is normalised at the padding boundary).
    for pad_mode in ("zero", "reflect"):
        const = TimeFrequencyScattering1D(N, normalize="amplitude", pad_mode=pad_mode, **kw)
        np.testing.assert_allclose(const(np.full(N, 3.0))[0], 3.0, rtol=1e-9)


def test_normalize_is_checked():
    with pytest.raises(ValueError, match="normalize"):
        TimeFrequencyScattering1D(N, J=6, Q=8, J_fr=3, normalize="l1")


@settings(max_examples=examples(15), deadline=None)
@given(
    J=st.integers(4, 7),
    Q1=st.sampled_from([6, 8, 12]),
    log2_T=st.one_of(st.none(), st.integers(3, 9)),
    normalize=st.sampled_from(["energy", "amplitude"]),
    pad_mode=st.sampled_from(["zero", "reflect"]),
    N=st.sampled_from([N, 257, 1000, 1025, 1500]),
    max_pad_factor=st.sampled_from([2, 0, 1, None]),
)
def test_padded_edge_averaging_gives_scattering1d_s0_s1_exactly(
    J, Q1, log2_T, normalize, pad_mode, N, max_pad_factor
):
    """``edge_averaging="padded"``: plain low-passes, so S0 and S1 are Scattering1D's bit for
    bit (same J, Q, T, padding, ``max_pad_factor`` and normalize; local averaging), at any
    length: until 2026-12-07 the JTFS capped its padded length at the next power of two
    above ``N * 2**max_pad_factor`` and Scattering1D at the next fast FFT length, so for ``N``
    not a power of two the two differed (1e-3 to 1e-2 relative with the default cap, up to
    0.47 with ``max_pad_factor=0``)."""
    T = None if log2_T is None else 2**log2_T
    assume(T is None or T <= N)
    x = np.random.default_rng(J * 100 + Q1).standard_normal((2, N))
    kw = dict(J=J, Q=(Q1, 1), T=T, normalize=normalize, pad_mode=pad_mode)
    kw["max_pad_factor"] = max_pad_factor
    jtfs = TimeFrequencyScattering1D(N, J_fr=2, Q_fr=1, F=2, edge_averaging="padded", **kw)
    S = jtfs(x)
    s0, s1 = s1d_rows(Scattering1D(N, out_type="dict", **kw)(x))
    np.testing.assert_array_equal(S["S0"], s0)
    np.testing.assert_array_equal(S["S1"], s1)


def test_edge_averaging_changes_only_the_edges():
    """S0 and S1 of the two choices agree far from the ends of the time axis and differ near
    them; the joint pairs differ too (frequency edges); a wrong value is refused with the
    argument's name."""
    kw = dict(J=6, Q=(8, 1), J_fr=3, Q_fr=1, F=4, average_fr=True)
    x = np.random.default_rng(3).standard_normal(N)
    data = TimeFrequencyScattering1D(N, **kw)(x)
    padded = TimeFrequencyScattering1D(N, edge_averaging="padded", **kw)(x)
    assert data.keys() == padded.keys()
    for pair in ("S0", "S1"):
        t = data[pair].shape[-1]
        # 16 outputs at stride 64; phi_T's tails reach about 5 outputs beyond each end, where
        # the two differ by up to 46 % of the largest value; at the centre by < 1e-5 of it.
        interior = slice(t // 2 - 2, t // 2 + 2)
        scale = np.abs(data[pair]).max()
        np.testing.assert_allclose(
            data[pair][..., interior], padded[pair][..., interior], atol=1e-4 * scale
        )
        assert np.abs(data[pair][..., 0] - padded[pair][..., 0]).max() > 1e-3 * scale
    joint = "psi_t * psi_f_up"
    assert np.abs(data[joint] - padded[joint]).max() > 1e-3 * np.abs(data[joint]).max()
    with pytest.raises(ValueError, match="edge_averaging"):
        TimeFrequencyScattering1D(N, edge_averaging="mirror", **kw)


@pytest.mark.parametrize("F", [4, 32])
@pytest.mark.parametrize("pad_mode_fr", ["zero", "conj-reflect"])
def test_aligned_changes_only_which_rows_are_returned(F, pad_mode_fr):
    """``aligned`` only chooses the frequential sampling: every row that both settings return
    (same pair and ``n`` in :meth:`meta`) must have the same values (``normalize="amplitude"``,
    which has no stride-dependent energy factor). ``phi_F`` of ``psi_t * phi_f`` is
    normalised at the ends of the axis (docs/jtfs.md, "Averaging at the padding boundary")
    whether or not it is computed together with wavelets of the same frequential exponent;
    before 2026-12-06 it was not when it shared their group (``aligned=True``): relative
    difference up to 2.9 at ``F=32``."""
    N = 300
    x = np.random.default_rng(11).standard_normal((2, N))
    kw = dict(J=6, Q=(6, 2), J_fr=3, Q_fr=2, F=F, average=False, average_fr=False)
    kw.update(normalize="amplitude", pad_mode_fr=pad_mode_fr, sampling_filters_fr="resample")
    runs = []
    for aligned in (True, False):
        jtfs = TimeFrequencyScattering1D(N, aligned=aligned, out_type="array", **kw)
        meta = jtfs.meta()
        keys = [(p, *map(int, n)) for p, n in zip(meta["pair"], meta["n"])]
        runs.append(dict(zip(keys, jtfs(x).transpose(1, 0, 2))))
    common = sorted(set(runs[0]) & set(runs[1]))
    assert any(k[0] == "psi_t * phi_f" for k in common)
    a = np.stack([runs[0][k] for k in common])
    b = np.stack([runs[1][k] for k in common])
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12 * np.abs(a).max())
