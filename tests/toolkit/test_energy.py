"""Tests of scatterwave.toolkit.energy on NumPy and torch coefficients."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave.toolkit import coeff_energy, coeff_energy_ratios, energy, est_energy_conservation

# Sums of a few hundred float64 squares: relative round-off far below 1e-12.
RTOL = 1e-12


def _scattering_like(seed: int = 0):
    rng = np.random.default_rng(seed)
    Sx = rng.standard_normal((3, 6, 10))
    meta = {
        "order": np.array([0, 1, 1, 2, 2, 2]),
        "n": np.array([[-1, -1], [0, -1], [1, -1], [0, 0], [0, 1], [1, 0]]),
        "key": [(), (0,), (1,), (0, 0), (0, 1), (1, 0)],
    }
    return Sx, meta


def test_energy_matches_numpy(xb):
    x = np.random.default_rng(1).standard_normal((4, 32))
    e = energy(xb(x))
    np.testing.assert_allclose(np.asarray(e), (x**2).sum(-1), rtol=RTOL)
    e1 = energy(xb(x), axis=None, kind="l1")
    np.testing.assert_allclose(float(e1), np.abs(x).sum(), rtol=RTOL)


def test_energy_complex_and_bad_kind():
    z = np.array([3 + 4j, 0])
    assert float(energy(z)) == pytest.approx(25.0, rel=RTOL)
    with pytest.raises(ValueError, match='kind must be "l2" or "l1"'):
        energy(z, kind="l3")


def test_coeff_energy_per_order_and_slice(xb):
    Sx, meta = _scattering_like()
    e = coeff_energy(xb(Sx), meta)
    assert list(e) == [0, 1, 2]
    rows = (Sx**2).sum(axis=(0, 2))
    assert e[1].total == pytest.approx(rows[1:3].sum(), rel=RTOL)
    # order 2 slices: parent n1 = 0 (rows 3, 4) and n1 = 1 (row 5)
    assert e[2].slice_keys == [(0,), (1,)]
    np.testing.assert_allclose(e[2].slices, [rows[3] + rows[4], rows[5]], rtol=RTOL)
    e_rows = coeff_energy(xb(Sx), meta, slice_by="row")
    assert len(e_rows[2].slices) == 3


def test_coeff_energy_dict_by_path_key(xb):
    Sx, meta = _scattering_like()
    as_dict = {k: xb(Sx[:, i]) for i, k in enumerate(meta["key"])}
    e_arr = coeff_energy(Sx, meta)
    e_dict = coeff_energy(as_dict, meta)
    for order in (0, 1, 2):
        assert e_dict[order].total == pytest.approx(e_arr[order].total, rel=RTOL)


def test_coeff_energy_jtfs_dict(xb, jtfs_like):
    Sx, meta = jtfs_like
    e = coeff_energy({k: xb(v) for k, v in Sx.items()}, meta)
    assert list(e) == list(Sx)
    up = e["psi_t * psi_f_up"]
    assert up.slice_keys == [(0, 0), (1, 0)]
    np.testing.assert_allclose(up.slices.sum(), up.total, rtol=RTOL)
    # same values with meta[pair][field] layout
    meta_t = {p: {f: meta[f][p] for f in meta} for p in Sx}
    e2 = coeff_energy(Sx, meta_t)
    assert e2["S1"].total == pytest.approx(e["S1"].total, rel=RTOL)


def test_coeff_energy_ratios(xb, jtfs_like):
    Sx, meta = jtfs_like
    r = coeff_energy_ratios({k: xb(v) for k, v in Sx.items()}, meta)
    assert r.slice_keys == [(0, 0), (1, 0)]
    np.testing.assert_allclose(r.slices, [4.0, 0.25], rtol=RTOL)
    assert 0.25 < r.total < 4.0


def test_coeff_energy_ratios_missing_pair(jtfs_like):
    Sx, meta = jtfs_like
    del Sx["psi_t * psi_f_dn"]
    with pytest.raises(ValueError, match="not found in the coefficients"):
        coeff_energy_ratios(Sx, meta)


def test_coeff_energy_errors():
    Sx, meta = _scattering_like()
    with pytest.raises(ValueError, match='"pair" or "order"'):
        coeff_energy(Sx, {"n": meta["n"]})
    with pytest.raises(ValueError, match="do not match meta with 6 rows"):
        coeff_energy(Sx[:, :4], meta)
    with pytest.raises(ValueError, match="meta has no entry"):
        coeff_energy({"S9": Sx}, {"n": {}})


class _Identityish:
    """Transform keeping x as a single order-0 row plus a half-energy order-1 row."""

    def __call__(self, x):
        return np.stack([x, x / np.sqrt(2)], axis=-2)

    def meta(self):
        return {"order": np.array([0, 1])}


def test_est_energy_conservation_toy():
    x = np.random.default_rng(0).standard_normal(64)
    r = est_energy_conservation(x, _Identityish())
    assert r.per_pair[0] == pytest.approx(1.0, rel=RTOL)
    assert r.per_pair[1] == pytest.approx(0.5, rel=RTOL)
    assert r.total == pytest.approx(1.5, rel=RTOL)
    with pytest.raises(ValueError, match="zero energy"):
        est_energy_conservation(np.zeros(8), _Identityish())
    with pytest.raises(TypeError, match="provide meta"):
        est_energy_conservation(x, np.abs)


def test_est_energy_conservation_scattering(xb):
    from scatterwave import Scattering1D
    from scatterwave.signals import exp_chirp

    S = Scattering1D(1024, 6, Q=8)
    x = exp_chirp(1024)
    r = est_energy_conservation(xb(x), S)
    assert set(r.per_pair) == {0, 1, 2}
    # non-expansive frame: energy cannot grow; a chirp keeps most of it in orders 0-2
    assert 0.5 < r.total <= 1.0 + 1e-6
    assert r.per_pair[1] > r.per_pair[2]


def test_unaveraged_time_scattering_totals_orders_zero_and_one():
    """Without averaging, the order-2 envelopes re-decompose the order-1 envelopes, so the
    total is that of orders 0 and 1, which tile the spectrum: below 1 for white noise with
    zero padding (measured 2026-12-07: 0.932, where summing every order gave 1.09), and the
    energy picture titles that total and greys order 2. Averaged rows keep every order."""
    import matplotlib

    matplotlib.use("Agg")
    from scatterwave import Scattering1D
    from scatterwave.toolkit import is_averaged, partition_pairs
    from scatterwave.viz import plot_energy_profile

    x = np.random.default_rng(0).standard_normal(2048)
    S = Scattering1D(2048, J=6, Q=8, average=False, out_type="dict", pad_mode="zero")
    assert not is_averaged(S.meta())
    assert partition_pairs([0, 1, 2], averaged=False) == [0, 1]
    r = est_energy_conservation(x, S)
    assert r.total == pytest.approx(r.per_pair[0] + r.per_pair[1], rel=RTOL)
    assert 0.85 < r.total < 1.0
    assert sum(r.per_pair.values()) > 1.0  # why order 2 cannot count
    ax = plot_energy_profile(S(x), S.meta(), x=x)
    assert f"E_out / E_in = {r.total:.3f}" in ax.get_title()
    assert "order 2 (not in total)" in [t.get_text() for t in ax.get_xticklabels()]
    averaged = Scattering1D(2048, J=6, Q=8, pad_mode="zero")
    assert is_averaged(averaged.meta())
    r = est_energy_conservation(x, averaged)
    assert r.total == pytest.approx(sum(r.per_pair.values()), rel=RTOL)


def test_est_energy_conservation_of_jtfs_leaves_out_the_s1_its_pairs_decompose():
    """The JTFS total is ``S0`` and the joint pairs, as viz.plot_energy_profile titles it
    (it summed every pair, ``S1`` included: 1.62 against the picture's 0.864)."""
    import matplotlib

    matplotlib.use("Agg")
    from scatterwave.jtfs import TimeFrequencyScattering1D
    from scatterwave.toolkit import partition_pairs
    from scatterwave.viz import plot_energy_profile

    x = np.random.default_rng(0).standard_normal(1024)
    j = TimeFrequencyScattering1D(1024, J=6, Q=8, J_fr=3, Q_fr=1)
    r = est_energy_conservation(x, j)
    joint = [p for p in r.per_pair if p != "S1"]
    assert partition_pairs(list(r.per_pair)) == joint
    assert r.total == pytest.approx(sum(r.per_pair[p] for p in joint), rel=1e-12)
    assert 0.5 < r.total <= 1.0 + 1e-6  # non-expansive, as the energy tests of the JTFS
    title = plot_energy_profile(j(x), j.meta(), x=x).get_title()
    assert f"E_out / E_in = {r.total:.3f}" in title
    assert partition_pairs([0, 1, 2]) == [0, 1, 2]


@pytest.fixture(scope="module")
def jtfs():
    from scatterwave.jtfs import TimeFrequencyScattering1D

    return TimeFrequencyScattering1D(512, J=5, Q=8, J_fr=3, Q_fr=1)


def test_jtfs_spin_ratios_follow_chirp_direction(jtfs, xb):
    from scatterwave.signals import exp_chirp

    x = exp_chirp(512, fmin=0.02, fmax=0.4)
    meta = jtfs.meta()
    up = coeff_energy_ratios({k: xb(v) for k, v in jtfs(x).items()}, meta)
    down = coeff_energy_ratios(jtfs(np.ascontiguousarray(x[::-1])), meta)
    # a rising chirp puts its joint energy in spin +1 (up), a falling one in spin -1 (down)
    assert up.total < 0.2 and down.total > 5.0
    assert np.nanmedian(up.slices) < 1 < np.nanmedian(down.slices)
    e = coeff_energy(jtfs(x), meta)
    assert set(e) == {
        "S0",
        "S1",
        "phi_t * phi_f",
        "phi_t * psi_f",
        "psi_t * phi_f",
        "psi_t * psi_f_up",
        "psi_t * psi_f_dn",
    }


def test_jax_outputs(jtfs_like):
    jnp = pytest.importorskip("jax.numpy")
    Sx, meta = jtfs_like
    e_np = coeff_energy(Sx, meta)
    e_jx = coeff_energy({k: jnp.asarray(v) for k, v in Sx.items()}, meta)
    for pair in Sx:
        # float32 sums of a few dozen squares: relative error ~1e-6
        assert e_jx[pair].total == pytest.approx(e_np[pair].total, rel=1e-5)


def test_jtfs_dict_output_with_flat_meta(jtfs, xb):
    # dict output {pair: (B, rows, t)} with meta() row-aligned over the concatenated pairs
    x = np.random.default_rng(3).standard_normal((2, 512))
    Sx, meta = jtfs(x), jtfs.meta()
    pairs = np.asarray(meta["pair"])
    assert list(dict.fromkeys(pairs)) == list(Sx)
    e = coeff_energy({k: xb(v) for k, v in Sx.items()}, meta)
    assert list(e) == list(Sx)
    for pair, pe in e.items():
        want = (np.asarray(Sx[pair]) ** 2).sum(axis=(0, -1))
        np.testing.assert_allclose(pe.rows, want, rtol=RTOL)
        assert pe.total == pytest.approx(want.sum(), rel=RTOL)
        # slices: rows of equal meta["n"][:-1], in first-seen order
        parents = [tuple(int(v) for v in n[:-1]) for n in np.asarray(meta["n"])[pairs == pair]]
        assert pe.slice_keys == list(dict.fromkeys(parents))
        for key, value in zip(pe.slice_keys, pe.slices, strict=True):
            mask = np.asarray([p == key for p in parents])
            assert value == pytest.approx(want[mask].sum(), rel=RTOL)
    # the same coefficients as one (B, n_rows, t) array give the same energies and ratios
    cat = np.concatenate(list(Sx.values()), axis=-2)
    e_cat = coeff_energy(cat, meta)
    for pair in e:
        np.testing.assert_allclose(e[pair].rows, e_cat[pair].rows, rtol=RTOL)
    r, r_cat = coeff_energy_ratios(Sx, meta), coeff_energy_ratios(cat, meta)
    up, dn = e["psi_t * psi_f_up"].total, e["psi_t * psi_f_dn"].total
    assert r.total == pytest.approx(dn / up, rel=RTOL) == r_cat.total
    np.testing.assert_allclose(r.slices, r_cat.slices, rtol=RTOL)


def test_jtfs_out_3D_dict_with_flat_meta(xb):
    from scatterwave.jtfs import TimeFrequencyScattering1D

    kw = dict(J=5, Q=8, J_fr=3, Q_fr=1, average_fr=True)
    flat = TimeFrequencyScattering1D(512, **kw)
    nested = TimeFrequencyScattering1D(512, out_3D=True, **kw)
    x = np.random.default_rng(4).standard_normal((2, 512))
    S3 = nested(x)
    assert S3["psi_t * psi_f_up"].ndim == 4  # (B, n2, n1_fr, t): rows split over two axes
    e3 = coeff_energy({k: xb(v) for k, v in S3.items()}, nested.meta())
    e2 = coeff_energy(flat(x), flat.meta())
    assert list(e3) == list(e2)
    for pair in e2:
        np.testing.assert_allclose(e3[pair].rows, e2[pair].rows, rtol=1e-10)
        assert e3[pair].slice_keys == e2[pair].slice_keys


def test_jtfs_out_3D_array_tuple_equals_the_dict(xb):
    """``out_type="array", out_3D=True`` gives ``(S_time, S_joint)``: the energy functions
    read it as its meta lists the rows (they raised AttributeError: a tuple has no ndim)."""
    from scatterwave.jtfs import TimeFrequencyScattering1D
    from scatterwave.toolkit import coeff_distance

    kw = dict(J=5, Q=8, J_fr=3, Q_fr=1, average_fr=True, out_3D=True)
    arrays = TimeFrequencyScattering1D(512, out_type="array", **kw)
    dicts = TimeFrequencyScattering1D(512, **kw)
    x = np.random.default_rng(6).standard_normal((2, 512))
    S = tuple(xb(v) for v in arrays(x))
    e_tuple, e_dict = coeff_energy(S, arrays.meta()), coeff_energy(dicts(x), dicts.meta())
    assert list(e_tuple) == list(e_dict)
    for pair in e_dict:
        np.testing.assert_allclose(e_tuple[pair].rows, e_dict[pair].rows, rtol=1e-10)
    d = coeff_distance(S, tuple(1.1 * v for v in S), arrays.meta())
    assert all(v.total == pytest.approx(0.1) for v in d.values())
    with pytest.raises(ValueError, match=r"a JTFS out_3D output .S_time, S_joint.; got 3 items"):
        coeff_energy((*S, S[0]), arrays.meta())


def test_jtfs_dict_with_the_meta_of_another_transform(jtfs):
    from scatterwave.jtfs import TimeFrequencyScattering1D

    other = TimeFrequencyScattering1D(512, J=6, Q=8, J_fr=3, Q_fr=1)
    Sx = jtfs(np.random.default_rng(5).standard_normal(512))
    with pytest.raises(ValueError, match=r"pair 'S1' have shape \(\d+, \d+\) but meta"):
        coeff_energy(Sx, other.meta())
    with pytest.raises(ValueError, match="no row of the coefficient key 'extra'"):
        coeff_energy({**Sx, "extra": Sx["S1"]}, jtfs.meta())
