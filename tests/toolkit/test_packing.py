"""pack_coeffs_jtfs: shapes, ordering, zero-padding and energy in = energy out."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave import TimeFrequencyScattering1D
from scatterwave.toolkit.packing import pack_coeffs_jtfs

N = 512
JOINT = ("phi_t * phi_f", "phi_t * psi_f", "psi_t * phi_f", "psi_t * psi_f_up", "psi_t * psi_f_dn")


@pytest.fixture(scope="module")
def setup():
    jtfs = TimeFrequencyScattering1D(
        N, J=5, Q=8, J_fr=3, Q_fr=1, F=4, average_fr=True, sampling_filters_fr="exclude"
    )
    x = np.random.default_rng(0).standard_normal((2, N))
    return jtfs, jtfs(x), jtfs.meta()


def joint_energy(S: dict) -> np.ndarray:
    return sum(np.sum(S[p] ** 2, axis=(-2, -1)) for p in JOINT)


def packed_energy(out) -> np.ndarray:
    parts = out if isinstance(out, tuple) else (out,)
    return sum(np.sum(p**2, axis=tuple(range(1, p.ndim))) for p in parts)


@pytest.mark.parametrize("structure", [1, 2, 3, 4])
@pytest.mark.parametrize("separate_lowpass", [False, True])
def test_energy_in_equals_energy_out(setup, structure, separate_lowpass):
    _, S, meta = setup
    if structure == 4 and separate_lowpass:
        with pytest.raises(ValueError, match="structure 4"):
            pack_coeffs_jtfs(S, meta, structure=4, separate_lowpass=True)
        return
    out = pack_coeffs_jtfs(S, meta, structure=structure, separate_lowpass=separate_lowpass)
    # duplicated pairs are scaled by 1/sqrt(2) per copy: float64 round-off only
    np.testing.assert_allclose(packed_energy(out), joint_energy(S), rtol=1e-12)


def test_shapes_and_batch_dims(setup):
    _jtfs, S, meta = setup
    n2 = len({v for v in meta["n"][:, 0] if v >= 0}) + 1
    K = len({v for v in meta["n"][:, 1] if v >= 0})
    t = S["S0"].shape[-1]
    joint = np.isin(meta["pair"], JOINT)
    R = int(np.max(meta["n"][joint, 2] // meta["stride"][joint, 1])) + 1  # rows per slice
    out1 = pack_coeffs_jtfs(S, meta, structure=1)
    assert out1.shape == (2, 2 * K + 1, n2, R, t)
    out2 = pack_coeffs_jtfs(S, meta, structure=2)
    np.testing.assert_array_equal(out2, np.swapaxes(out1, 1, 2))
    up, dn, phi = pack_coeffs_jtfs(S, meta, structure=3)
    assert up.shape == dn.shape == (2, n2, K, R, t) and phi.shape == (2, n2, 1, R, t)
    up4, _dn4 = pack_coeffs_jtfs(S, meta, structure=4)
    assert up4.shape == (2, n2, K + 1, R, t)
    np.testing.assert_array_equal(up4[:, :, 1:], up)
    np.testing.assert_allclose(up4[:, :, :1] * np.sqrt(2), phi, rtol=1e-15)
    # unbatched input keeps no batch axis
    single = {k: v[0] for k, v in S.items()}
    np.testing.assert_array_equal(pack_coeffs_jtfs(single, meta, structure=1), out1[0])


def test_ordering_by_increasing_frequency(setup):
    _, S, meta = setup
    out = pack_coeffs_jtfs(S, meta, structure=1)
    K = (out.shape[1] - 1) // 2
    n2_sorted = sorted({v for v in meta["n"][:, 0] if v >= 0}, reverse=True)
    n_fr_sorted = sorted({v for v in meta["n"][:, 1] if v >= 0}, reverse=True)
    # a spin-up slice: highest n2 (lowest frequency) is at n2 index 1, n1 reversed
    pair = meta["pair"]
    n2, n1_fr = n2_sorted[0], n_fr_sorted[-1]  # lowest-frequency psi2, highest-xi psi_fr
    rows = (pair == "psi_t * psi_f_up") & (meta["n"][:, 0] == n2) & (meta["n"][:, 1] == n1_fr)
    block = np.concatenate([S[p] for p in dict.fromkeys(pair)], axis=1)[:, rows]
    np.testing.assert_array_equal(out[:, 2 * K, 1, -block.shape[1] :], block[:, ::-1])
    # its spin-down mirror sits at the signed-frequency mirror position 0
    rows = (pair == "psi_t * psi_f_dn") & (meta["n"][:, 0] == n2) & (meta["n"][:, 1] == n1_fr)
    block = np.concatenate([S[p] for p in dict.fromkeys(pair)], axis=1)[:, rows]
    np.testing.assert_array_equal(out[:, 0, 1, -block.shape[1] :], block[:, ::-1])
    # phi_t * phi_f: phi_t row (index 0), phi_f column (index K)
    np.testing.assert_array_equal(out[:, K, 0], S["phi_t * phi_f"][:, ::-1])


def test_missing_slices_are_zero(setup):
    _jtfs, S, meta = setup
    resample = TimeFrequencyScattering1D(
        N, J=5, Q=8, J_fr=3, Q_fr=1, F=4, average_fr=True, sampling_filters_fr="resample"
    )
    n_exc = len(meta["pair"])
    assert n_exc < len(resample.meta()["pair"])  # "exclude" dropped slices
    out = pack_coeffs_jtfs(S, meta, structure=1)
    x = np.random.default_rng(0).standard_normal((2, N))
    full = pack_coeffs_jtfs(resample(x), resample.meta(), structure=1)
    assert out.shape == full.shape
    missing = np.all(out == 0, axis=(0, 3, 4)) & np.any(full != 0, axis=(0, 3, 4))
    assert missing.any()
    np.testing.assert_array_equal(out[:, ~missing], full[:, ~missing])


def test_array_and_3d_inputs_and_other_libraries(setup):
    torch = pytest.importorskip("torch")
    _, S, meta = setup
    ref = pack_coeffs_jtfs(S, meta, structure=2)
    arr = TimeFrequencyScattering1D(
        N, J=5, Q=8, J_fr=3, Q_fr=1, F=4, average_fr=True, sampling_filters_fr="exclude",
        out_type="array",
    )  # fmt: skip
    x = np.random.default_rng(0).standard_normal((2, N))
    # The compact array (rows that are zero for every input left out) packs with its own meta
    # into the same structure: the left-out rows are zeros there.
    np.testing.assert_array_equal(pack_coeffs_jtfs(arr(x), arr.meta(), structure=2), ref)
    tup = TimeFrequencyScattering1D(
        N, J=5, Q=8, J_fr=3, Q_fr=1, F=4, average_fr=True, sampling_filters_fr="exclude",
        out_type="array", out_3D=True,
    )  # fmt: skip
    np.testing.assert_array_equal(pack_coeffs_jtfs(tup(x), meta, structure=2), ref)
    out_t = pack_coeffs_jtfs({k: torch.from_numpy(v) for k, v in S.items()}, meta, structure=2)
    assert isinstance(out_t, torch.Tensor)
    np.testing.assert_array_equal(out_t.numpy(), ref)


@pytest.mark.parametrize("batch", [(2,), ()])
def test_out_3d_dict_packs_as_the_out_3d_array(batch):
    """The dict of ``out_3D`` holds the joint pairs as (..., n_slices, n_freq, t); a pair of one
    slice (``phi_t * phi_f``) has as many rows in its last two axes as meta lists, which until
    2026-12-07 was read as a 2-D block and failed the concatenation."""
    kw = dict(J=5, Q=(8, 1), J_fr=3, Q_fr=1, out_3D=True, average_fr=True)
    d = TimeFrequencyScattering1D(N, **kw)
    a = TimeFrequencyScattering1D(N, **kw, out_type="array")
    x = np.random.default_rng(1).standard_normal((*batch, N))
    assert d(x)["phi_t * phi_f"].shape[-3] == 1
    for structure in (1, 2, 3, 4):
        got = pack_coeffs_jtfs(d(x), d.meta(), structure=structure)
        want = pack_coeffs_jtfs(a(x), a.meta(), structure=structure)
        got, want = (v if isinstance(v, tuple) else (v,) for v in (got, want))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


def test_bad_arguments(setup):
    _, S, meta = setup
    with pytest.raises(ValueError, match="structure must be"):
        pack_coeffs_jtfs(S, meta, structure=5)
    with pytest.raises(ValueError, match="rows but meta describes"):
        pack_coeffs_jtfs(np.zeros((3, 5)), meta)
