"""TimeFrequencyScattering1D(average=False): no time low-pass, every row at the input's rate."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave import Scattering1D, TimeFrequencyScattering1D
from scatterwave.vocabulary import PAIRS

N = 1024
KW = dict(J=6, Q=(8, 2), J_fr=3, Q_fr=2, F=4)


def s1d_orders(S: dict) -> tuple[np.ndarray, np.ndarray]:
    """Order 0 (B, 1, t) and order 1 (B, n1, t) of a Scattering1D dict output."""
    return S[()][:, None, :], np.stack([S[k] for k in S if len(k) == 1], axis=1)


@pytest.mark.parametrize("pad_mode", ["reflect", "zero"])
@pytest.mark.parametrize("normalize", ["energy", "amplitude"])
@pytest.mark.parametrize("edge_averaging", ["padded", "data"])
@pytest.mark.parametrize("length", [N, 257])
def test_s0_s1_are_scattering1d_unaveraged(pad_mode, normalize, edge_averaging, length):
    """``S0`` and ``S1`` are Scattering1D(average=False)'s orders 0 (``x * phi_T``) and 1
    (``|x * psi1|``) at stride 1 (Scattering1D with every subsampling removed), to float64
    round-off; with ``edge_averaging="data"`` ``S0`` is the weighted mean of the unpadded
    samples (Scattering1D's ``S0`` of the zero-padded input over its value for a constant one,
    as with averaging), ``S1`` is unchanged. With
    ``"energy"`` the time factor ``sqrt(N / N_out)`` is 1: ``sum(S1**2)`` is the energy of the
    envelopes on the ``N`` unpadded samples. ``length`` 257: the same padded length as
    Scattering1D's when ``N`` is not a power of two (until 2026-12-07 ``S1`` differed there by
    3e-3 to 6.5e-3)."""
    N = length
    x = np.random.default_rng(3).standard_normal((2, N))
    common = dict(J=6, Q=(8, 2), T=128, pad_mode=pad_mode, normalize=normalize)
    jtfs = TimeFrequencyScattering1D(
        N, J_fr=3, Q_fr=2, F=4, average=False, edge_averaging=edge_averaging, **common
    )
    S = jtfs(x)
    s1d = Scattering1D(N, average=False, oversampling=20, out_type="dict", **common)
    s0, s1 = s1d_orders(s1d(x))
    assert S["S0"].shape == s0.shape == (2, 1, N) and S["S1"].shape == s1.shape
    np.testing.assert_allclose(S["S1"], s1, rtol=0, atol=1e-13 * np.abs(s1).max())
    if edge_averaging == "padded":
        np.testing.assert_allclose(S["S0"], s0, rtol=0, atol=1e-13 * np.abs(s0).max())
    else:  # the low-pass of the zero-padded input over its share on the data (as averaged)
        zero = Scattering1D(
            N, average=False, oversampling=20, out_type="dict", **common | {"pad_mode": "zero"}
        )
        share = s1d_orders(zero(np.ones((1, N))))[0][0, 0]
        s0_zero = s1d_orders(zero(x))[0]
        np.testing.assert_allclose(
            S["S0"], s0_zero / share, rtol=1e-10, atol=1e-13 * np.abs(s0).max()
        )


def test_every_row_is_at_the_input_rate_and_meta_follows():
    """Every pair has ``N`` samples; ``meta()`` gives time stride 1 and the same rows as the
    averaged transform (the frequency axis is unchanged); ``output_shape`` agrees."""
    x = np.random.default_rng(0).standard_normal(N)
    for extra in (dict(), dict(average_fr=True), dict(average_fr=True, out_3D=True)):
        jtfs = TimeFrequencyScattering1D(N, average=False, **KW, **extra)
        S = jtfs(x)
        meta = jtfs.meta()
        assert set(S) == set(PAIRS)
        assert all(v.shape[-1] == N for v in S.values())
        assert np.all(meta["stride"][:, 0] == 1)
        averaged = TimeFrequencyScattering1D(N, **KW, **extra).meta()
        np.testing.assert_array_equal(meta["n"], averaged["n"])
        np.testing.assert_array_equal(meta["stride"][:, 1], averaged["stride"][:, 1])
        assert {p: v.shape for p, v in S.items()} == jtfs.output_shape
    arr = TimeFrequencyScattering1D(N, average=False, out_type="array", **KW)
    A = arr(x)
    assert A.shape == arr.output_shape == (len(arr.meta()["pair"]), N)


def test_array_dict_out_exclude_and_zero_rows_agree():
    """The array rows are the dict's rows in ``meta()`` order; ``out_exclude`` leaves the other
    pairs unchanged; ``zero_rows="drop"`` removes exactly the rows that are zero."""
    x = np.random.default_rng(1).standard_normal((2, N))
    D = TimeFrequencyScattering1D(N, average=False, **KW)(x)
    keep = TimeFrequencyScattering1D(N, average=False, out_type="array", zero_rows="keep", **KW)
    A = keep(x)
    pair = keep.meta()["pair"]
    for p in PAIRS:
        np.testing.assert_array_equal(A[:, pair == p], D[p])
    drop = TimeFrequencyScattering1D(N, average=False, out_type="array", **KW)
    zero = np.all(A == 0, axis=(0, 2))
    np.testing.assert_array_equal(drop(x), A[:, ~zero])
    excluded = ("phi_t * psi_f", "psi_t * psi_f_dn")
    E = TimeFrequencyScattering1D(N, average=False, out_exclude=excluded, **KW)(x)
    assert set(E) == set(PAIRS) - set(excluded)
    for p in E:  # up without dn is no longer computed as a conjugate pair: round-off
        np.testing.assert_allclose(E[p], D[p], rtol=1e-12, atol=1e-14 * np.abs(D[p]).max())


def test_average_false_rejects_oversampling_and_keeps_T_for_S0():
    """``oversampling`` has no effect without time averaging (every stride is 1): rejected by
    name. ``T`` sets ``S0``'s low-pass, as in Scattering1D(average=False)."""
    with pytest.raises(ValueError, match=r"oversampling=1 has no effect with average=False"):
        TimeFrequencyScattering1D(N, average=False, oversampling=1, **KW)
    x = np.random.default_rng(2).standard_normal(N)
    S32 = TimeFrequencyScattering1D(N, average=False, T=32, **KW)(x)
    S256 = TimeFrequencyScattering1D(N, average=False, T=256, **KW)(x)
    assert not np.allclose(S32["S0"], S256["S0"])
    np.testing.assert_array_equal(S32["S1"], S256["S1"])
    # phi_T is the phi_t pairs' time low-pass; the psi_t pairs have none
    assert not np.allclose(S32["phi_t * phi_f"], S256["phi_t * phi_f"])
    np.testing.assert_array_equal(S32["psi_t * psi_f_up"], S256["psi_t * psi_f_up"])


def test_shift_equivariance_in_the_interior():
    """Without time averaging the coefficients follow a circular shift of a signal that is
    zero near its ends (zero padding): no stride, no time low-pass, so equivariance is exact up
    to the filters' truncation (``criterion_amplitude``). The low-passes of ``S0`` and of the
    *phi_t* pairs are plain here (``edge_averaging="padded"``): normalised at the boundary,
    their gain would vary along time."""
    rng = np.random.default_rng(4)
    x = np.zeros(N)
    x[384:640] = rng.standard_normal(256)
    jtfs = TimeFrequencyScattering1D(
        N, average=False, pad_mode="zero", out_type="array", edge_averaging="padded", **KW
    )
    a, b = jtfs(x), jtfs(np.roll(x, 37))
    scale = np.abs(a).max()
    # the ends stay clear of the supports of the second-order wavelets (2**J = 64 samples)
    np.testing.assert_allclose(
        np.roll(a, 37, axis=-1)[:, 100:-100], b[:, 100:-100], rtol=0, atol=1e-4 * scale
    )


@pytest.mark.parametrize("pad_mode_fr", ["zero", "conj-reflect"])  # dense and FFT paths
def test_torch_agrees_with_numpy_and_gradients_flow(pad_mode_fr):
    """The NumPy and PyTorch cores agree (float64 to 1e-10 of the largest value, float32 to
    1e-5) on both frequential paths, and a float64 ``gradcheck`` passes on a tiny
    configuration."""
    torch = pytest.importorskip("torch")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # two shared cores: oversubscription is many times slower
    try:
        n = 256
        jtfs = TimeFrequencyScattering1D(
            n, J=4, Q=8, J_fr=3, Q_fr=1, F=4, average=False, average_fr=True,
            pad_mode_fr=pad_mode_fr, out_type="array",
        )  # fmt: skip
        x = np.random.default_rng(0).standard_normal((2, n))
        ref = jtfs(x)
        scale = np.abs(ref).max()
        out = jtfs(torch.from_numpy(x))
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-10 * scale)
        out32 = jtfs(torch.from_numpy(x.astype(np.float32)))
        np.testing.assert_allclose(out32.numpy(), ref, rtol=1e-5, atol=1e-5 * scale)

        tiny = TimeFrequencyScattering1D(
            64, J=3, Q=4, J_fr=2, Q_fr=1, F=2, average=False, out_type="array",
            pad_mode_fr=pad_mode_fr,
        )  # fmt: skip
        rng = np.random.default_rng(1)
        weights = torch.from_numpy(rng.standard_normal(tiny.output_shape))
        v = torch.from_numpy(rng.standard_normal(64)).requires_grad_(True)
        assert torch.autograd.gradcheck(
            lambda u: (tiny(u) * weights).sum(), (v,), eps=1e-6, atol=1e-6, rtol=1e-4
        )
    finally:
        torch.set_num_threads(previous)
