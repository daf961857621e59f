"""TimeFrequencyScattering1D: outputs, shapes, meta, options and errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from scatterwave import TimeFrequencyScattering1D
from scatterwave.core.jtfs_plan import PAIRS
from scatterwave.filters.frequential import build_frequential_filterbank

N = 512
BASE = dict(J=5, Q=8, J_fr=3, Q_fr=1, F=4)


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((2, N))


def make(**kw) -> TimeFrequencyScattering1D:
    return TimeFrequencyScattering1D(N, **{**BASE, **kw})


def test_dict_output_has_every_pair_in_order(x):
    S = make()(x)
    assert list(S) == list(PAIRS)
    t = S["S0"].shape[-1]
    assert t == N // 2**5
    for v in S.values():
        assert v.shape[0] == 2 and v.shape[-1] == t and v.dtype == np.float64


def test_array_equals_dict_concatenation_and_meta_rows(x):
    S_dict = make()(x)
    S_arr = make(out_type="array", zero_rows="keep")(x)  # dicts keep the padding rows
    np.testing.assert_array_equal(S_arr, np.concatenate(list(S_dict.values()), axis=1))
    meta = make().meta()
    assert S_arr.shape[1] == len(meta["pair"])
    for pair, v in S_dict.items():
        assert np.sum(meta["pair"] == pair) == v.shape[1]


def _check_meta(jtfs: TimeFrequencyScattering1D, S: dict) -> None:
    """Meta of an unbatched, non-3D output agrees with it row by row."""
    meta = jtfs.meta()
    plan = jtfs.plan(N)
    n_rows = sum(v.shape[0] for v in S.values())
    for key in ("pair", "n", "j", "xi", "sigma", "spin", "stride", "is_cqt"):
        assert len(meta[key]) == n_rows, key
    for pair, v in S.items():
        sel = meta["pair"] == pair
        assert np.sum(sel) == v.shape[0]
        stride_t = np.unique(meta["stride"][sel, 0])
        assert len(stride_t) == 1
        assert v.shape[-1] == (1 if stride_t[0] == N else math.ceil(N / stride_t[0]))
        spins = set(meta["spin"][sel])
        assert spins == {"psi_t * psi_f_up": {1}, "psi_t * psi_f_dn": {-1}}.get(pair, {0})
        n = meta["n"][sel]
        if pair in ("S0", "S1", "phi_t * phi_f", "phi_t * psi_f"):
            assert np.all(n[:, 0] == -1)
        else:
            assert np.all(n[:, 0] >= 0) and np.all(meta["j"][sel, 0] >= 1)
        if pair in ("psi_t * psi_f_up", "psi_t * psi_f_dn", "phi_t * psi_f"):
            assert np.all(n[:, 1] >= 0)
            xi_fr = meta["xi"][sel, 1]
            assert np.all(np.sign(xi_fr) == (-1 if pair.endswith("dn") else 1))
        if pair in ("S0", "S1"):
            continue
        stride_f = meta["stride"][sel, 1]
        # each slice (n2, n1_fr) has ceil(N1 / stride_f) rows (1 for a global mean),
        # centred on consecutive multiples of the stride
        for key in {tuple(k) for k in n[:, :2]}:
            rows = np.all(n[:, :2] == key, axis=1)
            s = int(stride_f[rows][0])
            if s == plan.N1:
                assert rows.sum() == 1 and n[rows, 2][0] == -1
            else:
                assert rows.sum() == math.ceil(plan.N1 / s)
                np.testing.assert_array_equal(n[rows, 2], s * np.arange(rows.sum()))


GRID = list(
    itertools.product(
        [False, True],  # average_fr
        [True, False],  # aligned
        [4, "global"],  # F
        ["resample", "exclude"],
        [0, 1],  # oversampling_fr
    )
)


@pytest.mark.parametrize(("average_fr", "aligned", "F", "sampling", "os_fr"), GRID)
def test_meta_matches_output_over_a_grid(x, average_fr, aligned, F, sampling, os_fr):
    jtfs = make(
        average_fr=average_fr,
        aligned=aligned,
        F=F,
        sampling_filters_fr=sampling,
        oversampling_fr=os_fr,
    )
    S = jtfs(x[0])
    _check_meta(jtfs, S)
    meta = jtfs.meta()
    joint = np.isin(meta["pair"], PAIRS[2:])
    local = joint & (meta["stride"][:, 1] != jtfs.plan(N).N1)
    if aligned or average_fr:
        assert len(np.unique(meta["stride"][local, 1])) <= 1


def test_meta_global_time_average(x):
    jtfs = make(average="global")
    S = jtfs(x)
    assert all(v.shape[-1] == 1 for v in S.values())
    assert np.all(jtfs.meta()["stride"][:, 0] == N)
    # S0 is the energy-normalised mean of the signal
    np.testing.assert_allclose(S["S0"][:, 0, 0], x.mean(axis=-1) * np.sqrt(N), rtol=1e-12)
    S3 = make(average="global", average_fr=True, F="global", out_3D=True)(x)
    assert all(v.shape[-2:] == (1, 1) for k, v in S3.items() if k not in ("S0", "S1"))


@pytest.mark.parametrize(
    ("os_t", "os_fr", "aligned"), list(itertools.product([0, 1], [0, 2], [True, False]))
)
def test_out_3D_shapes_are_consistent(x, os_t, os_fr, aligned):
    jtfs = make(
        average_fr=True, out_3D=True, aligned=aligned, oversampling=os_t, oversampling_fr=os_fr
    )
    S = jtfs(x)
    shapes = {S[p].shape[-2:] for p in PAIRS[2:]}
    assert len(shapes) == 1
    n_freq, t = shapes.pop()
    assert t == math.ceil(N / 2 ** (5 - os_t))
    N1 = jtfs.plan(N).N1
    assert n_freq == math.ceil(N1 / 2 ** max(2 - os_fr, 0))
    S_time, S_joint = make(
        average_fr=True, out_3D=True, aligned=aligned, oversampling=os_t, oversampling_fr=os_fr,
        out_type="array",
    )(x)  # fmt: skip
    assert S_time.shape == (2, 1 + N1, t)
    assert S_joint.shape == (2, sum(S[p].shape[1] for p in PAIRS[2:]), n_freq, t)
    np.testing.assert_array_equal(S_joint[:, : S["phi_t * phi_f"].shape[1]], S["phi_t * phi_f"])


def test_exclude_equals_resample_where_both_exist(x):
    res, exc = make(sampling_filters_fr="resample"), make(sampling_filters_fr="exclude")
    S_res, S_exc = res(x), exc(x)
    m_res, m_exc = res.meta(), exc.meta()
    assert len(m_exc["pair"]) < len(m_res["pair"])  # the widest wavelet is dropped somewhere
    key = {(p, *n): i for i, (p, n) in enumerate(zip(m_res["pair"], map(tuple, m_res["n"])))}
    A = np.concatenate(list(S_res.values()), axis=1)
    B = np.concatenate(list(S_exc.values()), axis=1)
    idx = [key[(p, *n)] for p, n in zip(m_exc["pair"], map(tuple, m_exc["n"]))]
    np.testing.assert_array_equal(B, A[:, idx])


def test_out_exclude_removes_pairs_from_output_and_meta(x):
    excluded = ("S0", "phi_t * psi_f", "psi_t * psi_f_dn")
    jtfs = make(out_exclude=excluded)
    S = jtfs(x)
    assert set(S) == set(PAIRS) - set(excluded)
    assert not set(jtfs.meta()["pair"]) & set(excluded)
    full = make()(x)
    for k in S:
        # Excluding a spin drops rows from the joint stage's matrix product, which can change
        # BLAS blocking: equal up to float64 round-off (measured 9e-16 relative), not bitwise.
        np.testing.assert_allclose(S[k], full[k], rtol=1e-12, atol=1e-15 * np.abs(full[k]).max())
    with pytest.raises(ValueError, match="invalid coefficient name"):
        make(out_exclude=("psi_t * psi_f",))


def test_paths_exclude_drops_paths(x):
    full = make()
    meta_full = full.meta()
    jtfs = make(paths_exclude={"n2": [-1], "n1_fr": [0]})
    meta = jtfs.meta()
    last_n2 = meta_full["n"][:, 0].max()
    assert last_n2 not in meta["n"][:, 0]
    assert 0 not in meta["n"][:, 1]
    S = jtfs(x)
    assert sum(v.shape[1] for v in S.values()) == len(meta["pair"])
    with pytest.raises(ValueError, match="out of range"):
        make(paths_exclude={"n1_fr": [99]})
    with pytest.raises(ValueError, match="keys must be"):
        make(paths_exclude={"n1": [0]})


def test_pad_mode_fr_callable_matches_zero(x):
    def zero_pad(y, L):
        pad = np.zeros((*y.shape[:-1], L - y.shape[-1]), dtype=y.dtype)
        return np.concatenate([y, pad], axis=-1)

    # max_pad_factor_fr=0: both pad to the same length (a callable is otherwise given the
    # two-sided length of the reflect modes)
    a = make(pad_mode_fr="zero", max_pad_factor_fr=0)
    b = make(pad_mode_fr=zero_pad, max_pad_factor_fr=0)
    Sa, Sb = a(x), b(x)
    for k in Sa:  # identical computation up to float64 round-off
        np.testing.assert_allclose(Sb[k], Sa[k], rtol=1e-12, atol=1e-14)

    def bad(y, L):
        return y

    with pytest.raises(ValueError, match="pad_mode_fr callable returned shape"):
        make(pad_mode_fr=bad)(x)


def test_pad_mode_fr_callable_gets_frequency_last(x):
    """The documented call: y of shape (B, t, P, n) with n data rows, padded to (B, t, P, L)."""
    calls = []

    def zero_pad(y, L):
        calls.append((tuple(y.shape), L, np.iscomplexobj(y)))
        pad = np.zeros((*y.shape[:-1], L - y.shape[-1]), dtype=y.dtype)
        return np.concatenate([y, pad], axis=-1)

    jtfs = make(pad_mode_fr=zero_pad)
    jtfs(x)
    N1 = int(np.sum(jtfs.meta()["pair"] == "S1"))
    t = jtfs.output_shape["S1"][1]
    real = [c for c in calls if not c[2]]  # the phi_t pairs: S1 along frequency, real
    assert {shape[1:] for shape, _, _ in real} == {(t, 1, N1)}
    joint = [c for c in calls if c[2]]  # the psi_t pairs: Y2 (complex), fewer rows at most
    assert joint
    for shape, L, _ in joint:
        assert shape[1] <= x.shape[-1] and shape[-1] <= min(N1, L)


@pytest.mark.parametrize("mode", ["reflect", "conj-reflect"])
def test_pad_modes_fr_run_and_differ_from_zero(x, mode):
    S = make(pad_mode_fr=mode)(x)
    Z = make()(x)
    assert all(np.all(np.isfinite(v)) for v in S.values())
    np.testing.assert_array_equal(S["S1"], Z["S1"])
    assert not np.allclose(S["psi_t * psi_f_up"], Z["psi_t * psi_f_up"])


def test_frequential_filterbank_is_a_non_expansive_frame():
    for F in (2, 8, None):
        ffb = build_frequential_filterbank(
            60, 4, 2, F, r_psi_fr=math.sqrt(0.5), criterion_amplitude=1e-3, max_pad_factor_fr=2
        )
        assert ffb.lp_sum.max() <= 1 + 1e-12  # frame bound, float round-off only
        # on the wavelets' range the frame is near-tight
        f = np.abs(np.fft.fftfreq(ffb.L))
        band = (f >= ffb.xi.min()) & (f <= ffb.xi.max())
        assert ffb.lp_sum[band].min() > 0.5
        # spin down is the mirror of spin up; both zero-mean
        np.testing.assert_array_equal(ffb.psi_dn[:, 1:], ffb.psi_up[:, :0:-1])
        assert np.all(ffb.psi_up[:, 0] == 0)
        assert np.all(ffb.psi_up[:, ffb.L // 2 + 1 :] == 0)  # strictly analytic


def test_filterbank_and_repr():
    jtfs = make()
    fb = jtfs.filterbank()
    assert fb["psi_fr_up"].shape == fb["psi_fr_dn"].shape == (len(fb["psi_fr_meta"]["xi"]), fb["L"])
    assert fb["phi_fr"].shape == (fb["L"],)
    assert "TimeFrequencyScattering1D(N=512" in repr(jtfs)


def test_repr_shows_exactly_the_non_default_arguments():
    jtfs = TimeFrequencyScattering1D(4096, J=6, Q=8, F=4, average_fr=True, pad_mode_fr="reflect")
    expected = (
        "TimeFrequencyScattering1D(N=4096, J=6, Q=8, F=4, average_fr=True, pad_mode_fr='reflect')"
    )
    assert repr(jtfs) == expected
    assert (
        repr(eval(expected, {"TimeFrequencyScattering1D": TimeFrequencyScattering1D})) == expected
    )


def test_batch_shapes_and_consistency():
    rng = np.random.default_rng(3)
    xb = rng.standard_normal((2, 3, N))
    jtfs = make(out_type="array")
    S = jtfs(xb)
    assert S.shape[:2] == (2, 3)
    np.testing.assert_allclose(S[1, 2], jtfs(xb[1, 2]), rtol=1e-12, atol=1e-14)
    small = TimeFrequencyScattering1D(N, **BASE, out_type="array", memory_budget_mb=1e-3)
    np.testing.assert_allclose(small(xb), S, rtol=1e-12, atol=1e-14)  # chunked = whole


def test_N_none_builds_per_length():
    jtfs = TimeFrequencyScattering1D(None, **BASE)
    a = jtfs(np.ones(N))
    b = jtfs(np.ones(2 * N))
    assert a["S0"].shape[-1] * 2 == b["S0"].shape[-1]
    with pytest.raises(ValueError, match="pass N explicitly"):
        jtfs.meta()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(J=0), ValueError, "J must be >= 1"),
        (dict(J=10), ValueError, "too large"),
        (dict(J_fr=9), ValueError, "J_fr=9 exceeds"),
        (dict(F=1000), ValueError, "F=1000 exceeds"),
        (dict(F=2.5), TypeError, "F must be an integer"),
        (dict(average=False, oversampling=1), ValueError, "oversampling=1 has no effect"),
        (dict(average="local"), ValueError, "average must be"),
        (dict(out_3D=True), ValueError, "out_3D=True needs average_fr"),
        (dict(sampling_filters_fr="recalibrate"), NotImplementedError, "recalibrate"),
        (dict(sampling_filters_fr="nope"), ValueError, "sampling_filters_fr must be"),
        (dict(pad_mode_fr="symmetric"), ValueError, "pad_mode_fr must be"),
        (dict(out_type="list"), ValueError, "out_type must be"),
        (dict(r_psi=(0.5, 1.5)), ValueError, "r_psi"),
        (dict(average_fr="yes"), TypeError, "average_fr must be"),
        (dict(out_exclude=PAIRS), ValueError, "removes every pair"),
        (dict(T=4 * N), ValueError, "exceeds the input length"),
    ],
)
def test_bad_parameters_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        make(**kwargs)


def test_bad_input_raises_clear_errors():
    jtfs = make()
    with pytest.raises(ValueError, match="built for N=512"):
        jtfs(np.zeros(N + 1))
    with pytest.raises(TypeError, match="float32 or float64"):
        jtfs(np.zeros(N, dtype=np.int64))
    with pytest.raises(TypeError, match="complex input"):
        jtfs(np.zeros(N, dtype=np.complex128))
    bad = np.zeros(N)
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        jtfs(bad)


def test_zero_input_gives_zero_output():
    S = make(out_type="array")(np.zeros(N))
    assert np.all(S == 0)


@pytest.mark.parametrize(
    "kw",
    [dict(out_type="array"), dict(), dict(out_type="array", average_fr=True, out_3D=True)],
    ids=["array", "dict", "array-3D"],
)
def test_output_shape_matches_output(x, kw):
    jtfs = make(**kw)
    S = jtfs(x[0])
    shape = jtfs.output_shape
    if isinstance(S, dict):
        assert {k: v.shape for k, v in S.items()} == shape
    elif isinstance(S, tuple):
        assert tuple(s.shape for s in S) == shape
    else:
        assert S.shape == shape


def test_time_pad_mode_callable_matches_zero(x):
    def zero_pad(v, left, right):
        return np.concatenate([np.zeros((v.shape[0], left)), v, np.zeros((v.shape[0], right))], 1)

    a, b = make(pad_mode="zero")(x), make(pad_mode=zero_pad)(x)
    for k in a:  # same computation: float64 round-off only
        np.testing.assert_allclose(b[k], a[k], rtol=1e-12, atol=1e-14)


def test_big_endian_input_is_read_in_native_order():
    """Issue 16: ``>f8`` input was refused as 'x must be float32 or float64; got >f8'."""
    x = np.random.default_rng(3).standard_normal(512)
    jtfs = TimeFrequencyScattering1D(512, J=4, Q=8, J_fr=2, Q_fr=1, out_type="array")
    np.testing.assert_array_equal(jtfs(x.astype(">f8")), jtfs(x))


def test_second_order_scale_of_its_own():
    """``J=(8, 5)`` in JTFS: the pairs that see only first-order envelopes (``S0``, ``S1``,
    ``phi_t`` pairs) equal those of ``J=8``; every ``psi_t`` pair uses a second-order wavelet
    of bandwidth at least ``SIGMA0 / 2**5``."""
    from scatterwave.filters.design import SIGMA0

    x = np.random.default_rng(1).standard_normal(2048)
    kw = dict(Q=(8, 1), J_fr=3, Q_fr=1, F=4, average_fr=True)
    pair = TimeFrequencyScattering1D(2048, J=(8, 5), **kw)
    Sp, Ss = pair(x), TimeFrequencyScattering1D(2048, J=8, **kw)(x)
    for name in ("S0", "S1", "phi_t * phi_f", "phi_t * psi_f"):
        np.testing.assert_allclose(Sp[name], Ss[name], rtol=1e-12, atol=1e-15)
    meta = pair.meta()
    joint = np.isin(meta["pair"], ["psi_t * phi_f", "psi_t * psi_f_up", "psi_t * psi_f_dn"])
    assert meta["sigma"][joint, 0].min() >= SIGMA0 / 2**5 * (1 - 1e-12)
    assert 0 < len(Sp["psi_t * psi_f_up"]) < len(Ss["psi_t * psi_f_up"])
