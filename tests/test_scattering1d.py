"""Scattering1D on NumPy: accuracy, signal invariants, energy, shapes, meta and errors."""

import numpy as np
import pytest

from _reference import reference_scattering
from scatterwave import Scattering1D

#: Relative L2 error of the fast transform against the full-rate cascade, per order. The only
#: approximation is early subsampling of the envelopes |x * psi1| (their spectral tail above
#: the chosen Nyquist frequency, see tests/filters/test_bank.py) and of |U1 * psi2|.
REFERENCE_RTOL = {0: 1e-5, 1: 1e-3, 2: 4e-3}


@pytest.mark.parametrize(
    ("N", "J", "Q", "T"),
    [
        (2048, 6, 8, None),
        (4096, 8, (8, 2), None),
        (2048, 5, 1, None),
        (2048, 6, 8, 16),
        (1000, 6, 8, 32),
    ],
)
def test_matches_full_rate_reference(rng, N, J, Q, T):
    S = Scattering1D(N, J, Q, T)
    x = rng.standard_normal((2, N))
    fast, slow = S(x), reference_scattering(S, x)
    order = S.meta()["order"]
    for o, rtol in REFERENCE_RTOL.items():
        rows = order == o
        err = np.linalg.norm(fast[:, rows] - slow[:, rows]) / np.linalg.norm(slow[:, rows])
        assert err < rtol, (o, err)


def test_oversampling_reduces_the_subsampling_error(rng):
    x = rng.standard_normal((1, 2048))
    errors = []
    for ov in (0, 1, 2):
        S = Scattering1D(2048, 6, 8, oversampling=ov)
        a = S(x)
        b = reference_scattering(S, x)
        errors.append(np.linalg.norm(a - b) / np.linalg.norm(b))
    assert errors[1] < errors[0] / 2 and errors[2] < errors[1] / 2


def test_zero_in_zero_out():
    S = Scattering1D(1024, 5)
    assert np.abs(S(np.zeros(1024))).max() == 0.0


def test_constant_has_no_higher_order_energy():
    S = Scattering1D(1024, 5, pad_mode="reflect")
    Sx = S(np.full(1024, 3.0))
    order = S.meta()["order"]
    # The wavelets have zero mean and reflect padding keeps the signal constant.
    assert np.abs(Sx[order >= 1]).max() < 1e-10 * np.abs(Sx[order == 0]).max()


def test_amplitude_normalisation_averages():
    S = Scattering1D(1024, 5, normalize="amplitude")
    Sx = S(np.full(1024, 3.0))
    np.testing.assert_allclose(Sx[0], 3.0, rtol=1e-6)  # phi_T has unit DC gain


@pytest.mark.parametrize("Q", [1, 8, 16])
def test_pure_tone_lands_in_the_right_wavelet(Q):
    N = 4096
    S = Scattering1D(N, 8, Q)
    meta = S.meta()
    first = np.flatnonzero(meta["order"] == 1)
    for f0 in (0.3, 0.07, 0.011):
        x = np.cos(2 * np.pi * f0 * np.arange(N))
        energy = (S(x)[first] ** 2).sum(axis=-1)
        best = first[np.argmax(energy)]
        xi = meta["xi"][best, 0]
        # The best wavelet is centred within one bandwidth of the tone.
        assert abs(xi - f0) <= 2 * meta["sigma"][best, 0], (f0, xi)


def test_time_shift_invariance_grows_with_T():
    N, shift = 4096, 64
    t = np.arange(N)
    x = sum(
        np.cos(2 * np.pi * f * t) * np.exp(-0.5 * ((t - N / 2) / 100) ** 2)
        for f in (0.05, 0.13, 0.21)
    )
    x_shift = np.roll(x, shift)

    def distance(T):
        S = Scattering1D(N, 5, 8, T)
        a, b = S(x), S(x_shift)
        return np.linalg.norm(a - b) / np.linalg.norm(a)

    d = {T: distance(T) for T in (16, 128, 512, 2048)}
    assert d[2048] < 0.02  # T = 32 x shift: nearly invariant
    assert d[16] > 0.3  # T = shift / 4: not invariant
    assert d[2048] < d[512] < d[128] < d[16]


#: ||S x||^2 / ||x||^2 for averaged second-order scattering (T = 2**J) of wide-band signals;
#: below 1 by the energy scattered to orders > 2 and excluded paths; never above 1.
ENERGY_BAND_AVERAGED = (0.80, 1.0)
#: Order-1 frame {phi_J, psi1} without averaging: bounded by the Littlewood-Paley sum.
ENERGY_BAND_FRAME = (0.85, 1.0)


@pytest.mark.parametrize(("J", "Q"), [(6, 8), (8, 8), (6, 1), (8, 16)])
def test_energy_conservation_averaged(rng, J, Q):
    N = 2**13
    S = Scattering1D(N, J, Q)
    x = rng.standard_normal((4, N))
    ratio = (S(x) ** 2).sum(axis=(1, 2)) / (x**2).sum(axis=1)
    assert np.all((ratio > ENERGY_BAND_AVERAGED[0]) & (ratio < ENERGY_BAND_AVERAGED[1])), ratio


@pytest.mark.parametrize("Q", [1, 8])
def test_energy_of_unaveraged_first_order_frame(rng, Q):
    N, J = 2**12, 6
    S = Scattering1D(N, J, Q, max_order=1, average=False, out_type="dict")
    x = rng.standard_normal((3, N))
    out = S(x)
    energy = sum((v**2).sum(axis=-1) for v in out.values())
    ratio = energy / (x**2).sum(axis=-1)
    assert np.all((ratio > ENERGY_BAND_FRAME[0]) & (ratio <= ENERGY_BAND_FRAME[1])), ratio


def test_non_expansive_on_structured_signals(rng):
    N = 4096
    S = Scattering1D(N, 8, 8)
    t = np.arange(N)
    signals = [
        np.cos(2 * np.pi * 0.49 * t),  # near Nyquist
        np.cos(2 * np.pi * 0.001 * t),  # near DC
        (t == N // 2).astype(float),  # impulse
        np.sign(np.sin(2 * np.pi * t / 300)),  # square wave
        rng.standard_normal(N).cumsum(),  # brown noise
    ]
    for x in signals:
        # Boundary extension can add a little energy; nothing else may.
        assert (S(x) ** 2).sum() <= (x**2).sum() * (1 + 1e-2)


def test_second_order_paths_capture_the_second_order_energy(rng):
    """The energy criterion keeps > 99% of the energy of every envelope-resolvable path, and
    raising ``min_path_energy`` trades paths for energy monotonically."""
    N = 2**13
    x = rng.standard_normal((2, N))

    def second_order(threshold):
        out = Scattering1D(N, 8, 8, average=False, out_type="dict", min_path_energy=threshold)(x)
        return {k: (v**2).sum() for k, v in out.items() if len(k) == 2}

    every = second_order(0.0)
    e_all = sum(every.values())
    counts, fractions = [], []
    for threshold in (0.01, 0.03, 0.1):
        kept = second_order(threshold)
        assert set(kept) <= set(every)
        counts.append(len(kept))
        fractions.append(sum(kept.values()) / e_all)
    assert counts[0] < len(every) and counts[0] > counts[1] > counts[2]
    assert fractions[0] > 0.99 and fractions[0] > fractions[1] > fractions[2] > 0.8


@pytest.mark.parametrize("lead", [(), (3,), (2, 3)])
def test_leading_dimensions_and_batch_consistency(rng, lead):
    S = Scattering1D(512, 4, 4)
    x = rng.standard_normal((*lead, 512))
    out = S(x)
    assert out.shape == (*lead, *S.output_shape)
    flat = x.reshape(-1, 512)
    for i in range(flat.shape[0]):
        np.testing.assert_allclose(out.reshape(-1, *S.output_shape)[i], S(flat[i]), rtol=1e-12)


def test_memory_budget_chunks_give_identical_results(rng):
    x = rng.standard_normal((5, 2048))
    a = Scattering1D(2048, 6)(x)
    b = Scattering1D(2048, 6, memory_budget_mb=1e-3)(x)  # one signal per chunk
    np.testing.assert_array_equal(a, b)


def test_dict_output_matches_array_and_meta(rng):
    x = rng.standard_normal((2, 1024))
    arr = Scattering1D(1024, 5, 8)(x)
    d = Scattering1D(1024, 5, 8, out_type="dict")(x)
    meta = Scattering1D(1024, 5, 8).meta()
    assert list(d) == meta["key"]
    for i, key in enumerate(meta["key"]):
        np.testing.assert_array_equal(d[key], arr[:, i])


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(T=8),
        dict(oversampling=2),
        dict(max_order=1),
        dict(Q=(4, 2)),
        dict(average="global"),
        dict(average=False, out_type="dict"),
        dict(J=3, Q=1),
    ],
)
def test_meta_is_aligned_with_the_output(rng, kwargs):
    kwargs = {"J": 5, **kwargs}
    J = kwargs.pop("J")
    S = Scattering1D(1024, J, **kwargs)
    meta = S.meta()
    out = S(rng.standard_normal(1024))
    n_paths = len(out) if isinstance(out, dict) else out.shape[0]
    assert all(len(meta[k]) == n_paths for k in ("order", "key", "n", "j", "xi", "sigma", "stride"))
    rows = out.values() if isinstance(out, dict) else out
    for row, stride in zip(rows, meta["stride"]):
        assert row.shape[-1] == (1 if kwargs.get("average") == "global" else -(-1024 // stride))
    order = meta["order"]
    assert np.all(np.diff(order) >= 0)
    assert np.all(np.isnan(meta["xi"][order == 0]))
    assert np.all(np.isnan(meta["xi"][order == 1, 1])) and not np.any(
        np.isnan(meta["xi"][order == 1, 0])
    )
    second = order == 2
    # psi2 analyses the envelope |x * psi1|: centred below that envelope's Nyquist frequency.
    assert np.all(meta["xi"][second, 1] < 0.5 / 2.0 ** meta["j"][second, 0])


def test_any_input_length_when_N_is_none(rng):
    S = Scattering1D(J=5)  # N omitted
    for N in (600, 1024, 1500):
        x = rng.standard_normal(N)
        out = S(x)
        assert out.shape == (S.meta(N)["order"].size, -(-N // 32))
        np.testing.assert_allclose(out, Scattering1D(N, 5)(x), rtol=1e-12)


def test_pad_modes_differ_only_near_the_borders(rng):
    x = rng.standard_normal(4096)
    a = Scattering1D(4096, 6, pad_mode="reflect")(x)
    b = Scattering1D(4096, 6, pad_mode="zero")(x)
    c = Scattering1D(4096, 6, pad_mode=lambda v, l, r: np.pad(v, ((0, 0), (l, r)), mode="reflect"))(
        x
    )
    np.testing.assert_array_equal(a, c)
    middle = slice(16, -16)
    assert np.abs(a[:, middle] - b[:, middle]).max() < 1e-2 * np.abs(a).max()
    assert np.abs(a - b).max() > 1e-3 * np.abs(a).max()


def test_paths_exclude_removes_paths():
    S = Scattering1D(1024, 5, 8)
    Sx = Scattering1D(1024, 5, 8, paths_exclude={"n1": [0, -1], "n2": [1]})
    meta, meta_x = S.meta(), Sx.meta()
    n1_last = S.filterbank()["psi1_f"].shape[0] - 1
    assert not np.any(np.isin(meta_x["n"][:, 0], [0, n1_last]))
    assert not np.any(meta_x["n"][meta_x["order"] == 2, 1] == 1)
    assert len(meta_x["order"]) < len(meta["order"])


def test_float32_close_to_float64(rng):
    x = rng.standard_normal((2, 2048))
    S = Scattering1D(2048, 6)
    a, b = S(x), S(x.astype(np.float32))
    assert b.dtype == np.float32
    np.testing.assert_allclose(b, a, rtol=0, atol=2e-5 * np.abs(a).max())


def test_repr_shows_non_defaults():
    assert repr(Scattering1D(1024, 5)) == "Scattering1D(N=1024, J=5)"
    assert "T=16" in repr(Scattering1D(1024, 5, T=16))


#: One non-default value for every argument of Scattering1D except N and J.
NON_DEFAULTS = {
    "Q": 4,
    "T": 16,
    "max_order": 1,
    "average": "global",
    "oversampling": 1,
    "pad_mode": "zero",
    "max_pad_factor": 1,
    "out_type": "dict",
    "paths_exclude": {"n1": [0]},
    "min_path_energy": 0.1,
    "r_psi": 0.6,
    "criterion_amplitude": 1e-4,
    "normalize": "amplitude",
    "memory_budget_mb": 8.0,
    "cuda_graphs": False,
    "check_input": False,
}


@pytest.mark.parametrize("name", sorted(NON_DEFAULTS))
def test_repr_shows_every_argument_that_differs_from_its_default(name):
    """Issue 16: the repr omitted Q (when given as a pair) and four other arguments."""
    import inspect

    signature = inspect.signature(Scattering1D.__init__).parameters
    # every argument is covered (analytic has no other accepted value)
    assert set(NON_DEFAULTS) == set(signature) - {"self", "N", "J", "analytic"}
    value = NON_DEFAULTS[name]
    S = Scattering1D(1024, 5, **{name: value})
    assert repr(S) == f"Scattering1D(N=1024, J=5, {name}={value!r})"
    rebuilt = eval(repr(S), {"Scattering1D": Scattering1D})
    assert repr(rebuilt) == repr(S)


def test_repr_of_the_issue_example():
    assert repr(Scattering1D(4096, J=6, Q=16)) == "Scattering1D(N=4096, J=6, Q=16)"
    assert repr(Scattering1D(4096, J=6, Q=(8, 2))) == "Scattering1D(N=4096, J=6, Q=(8, 2))"
    assert repr(Scattering1D(J=6)) == "Scattering1D(N=None, J=6)"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(N=1024, J=11), ValueError, "too large for inputs of length N=1024"),
        (dict(N=1024, J=0), ValueError, "J must be >= 1"),
        (dict(N=1024, J=5.0), TypeError, "J must be an integer"),
        (dict(N=1024, J=5, Q=0), ValueError, "Q must be >= 1"),
        (dict(N=1024, J=5, Q=(8, 1, 1)), ValueError, "pair"),
        (dict(N=1024, J=5, T=2048), ValueError, "T=2048 exceeds the input length"),
        (dict(N=1024, J=5, T=0), ValueError, "T must be >= 1"),
        (dict(N=1024, J=5, max_order=3), ValueError, "max_order must be 1 or 2"),
        (dict(N=1024, J=5, average="yes"), ValueError, "average must be"),
        (dict(N=1024, J=5, pad_mode="wrap"), ValueError, "pad_mode must be one of"),
        (dict(N=1024, J=5, out_type="list"), ValueError, "out_type must be one of"),
        (dict(N=1024, J=5, analytic=False), NotImplementedError, "analytic=False"),
        (dict(N=1024, J=5, r_psi=1.5), ValueError, "r_psi"),
        (dict(N=1024, J=5, oversampling=-1), ValueError, "oversampling must be >= 0"),
        (dict(N=1024, J=5, paths_exclude={"n3": [1]}), ValueError, "paths_exclude keys"),
        (dict(N=1024, J=5, paths_exclude={"n1": [99]}), ValueError, "out of range"),
        (dict(N=1024, J=5, normalize="l2"), ValueError, "normalize must be one of"),
        (dict(N=1024, J=5, min_path_energy=1.5), ValueError, "min_path_energy must be in"),
    ],
)
def test_bad_parameters_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        Scattering1D(kwargs.pop("N"), kwargs.pop("J"), **kwargs)


def test_bad_inputs_raise_clear_errors():
    S = Scattering1D(1024, 5)
    with pytest.raises(ValueError, match="built for N=1024"):
        S(np.zeros(1000))
    with pytest.raises(TypeError, match="float32 or float64"):
        S(np.zeros(1024, dtype=np.int64))
    with pytest.raises(TypeError, match="complex input"):
        S(np.zeros(1024, dtype=complex))
    with pytest.raises(ValueError, match="NaN or infinite"):
        S(np.full(1024, np.nan))
    with pytest.raises(ValueError, match="empty batch"):
        S(np.zeros((0, 1024)))
    # rejected where it is built (N given), not at the first call
    with pytest.raises(ValueError, match=r"out_type='array' needs rows of one length.*N=1024"):
        Scattering1D(1024, 5, average=False)
    lazy = Scattering1D(None, 5, average=False)  # N unknown: rejected when it is
    with pytest.raises(ValueError, match="rows of one length"):
        lazy(np.zeros(1024))
    assert Scattering1D(1024, 5, average=False, oversampling=5)(np.zeros(1024)).shape[-1] == 1024
    with pytest.raises(ValueError, match="pass N explicitly"):
        Scattering1D(None, 5).meta()
    with pytest.raises(TypeError, match=r"J .* is required"):
        Scattering1D(1024)


def test_filterbank_exposes_dense_filters_and_meta():
    fb = Scattering1D(1024, 5, 8).filterbank()
    n1 = fb["psi1_f"].shape[0]
    assert fb["psi1_f"].shape == (n1, fb["N_pad"])
    assert set(fb["psi1_meta"]) >= {"xi", "sigma", "j", "is_cqt", "support", "bandwidth"}
    assert fb["phi_f"][0] == pytest.approx(1.0)
    assert fb["N_pad"] % 2**6 == 0  # every subsampling level divides the padded length


@pytest.mark.parametrize("dtype", [">f8", ">f4"])
def test_big_endian_input_is_read_in_native_order(dtype):
    """Issue 16: ``>f8`` input was refused as 'x must be float32 or float64; got >f8'."""
    x = np.random.default_rng(3).standard_normal((2, 512))
    native = x.astype(dtype.replace(">", "="))
    S = Scattering1D(512, J=4, Q=4)
    out = S(x.astype(dtype))
    assert out.dtype == native.dtype
    np.testing.assert_array_equal(out, S(native))


def test_lists_and_half_precision_are_refused_with_the_conversion_to_make():
    S = Scattering1D(512, J=4, Q=4)
    with pytest.raises(TypeError, match=r"x of type list is not an array .*np\.asarray"):
        S([0.0] * 512)
    with pytest.raises(TypeError, match=r"got float16\. Half precision .* x\.astype"):
        S(np.zeros((1, 512), dtype=np.float16))
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"got torch\.bfloat16\. .*x\.float\(\)"):
        S(torch.zeros(1, 512, dtype=torch.bfloat16))


def test_built_transform_holds_little_more_than_its_plan():
    """Issue 16: building for 2**22 samples kept +0.91 GB, of which 0.29 GB were the
    filterbank's own copies of filters already compiled into the plan (now rebuilt on demand by
    ``filterbank()``). Margin: 10 % plus 2 MB for metadata, caches and the interpreter."""
    import tracemalloc

    N = 2**18
    tracemalloc.start()
    try:
        S = Scattering1D(N, J=8)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    plan = S.plan(N)
    plan_bytes = sum(b.nbytes for b in plan.buffers.values())
    assert held <= 1.1 * plan_bytes + 2e6, (held / 1e6, plan_bytes / 1e6)
    fb = S.filterbank()  # still complete
    assert fb["psi1_f"].shape == (len(fb["psi1_meta"]["xi"]), fb["N_pad"])
    assert fb["phi_f"] is not None and fb["lp_sum"]["psi1"].size > 0


def test_second_order_scale_of_its_own():
    """``J=(8, 5)``: ``S0`` and ``S1`` are those of ``J=8`` exactly (same first-order wavelets
    and low-pass); the second order keeps only wavelets of ``J=5``'s bank (bandwidth at
    least ``SIGMA0 / 2**5``), so fewer paths; ``J=(8, 8)`` is ``J=8``."""
    from scatterwave.filters.design import SIGMA0

    x = np.random.default_rng(0).standard_normal((2, 4096))
    pair, single = Scattering1D(4096, J=(8, 5), Q=(8, 1)), Scattering1D(4096, J=8, Q=(8, 1))
    mp, ms = pair.meta(), single.meta()
    Sp, Ss = pair(x), single(x)
    np.testing.assert_array_equal(Sp[:, mp["order"] < 2], Ss[:, ms["order"] < 2])
    second = mp["order"] == 2
    assert 0 < second.sum() < (ms["order"] == 2).sum()
    assert mp["sigma"][second, 1].min() >= SIGMA0 / 2**5 * (1 - 1e-12)
    assert pair.J == (8, 5) and Scattering1D(4096, J=(8, 8)).J == 8
    np.testing.assert_array_equal(Scattering1D(4096, J=(8, 8), Q=(8, 1))(x), Ss)


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(average="global"),
        dict(T=64, oversampling=2),
        dict(average=False, oversampling=4),  # every row at stride 1: one array
        dict(average=False, oversampling=4, max_order=1, Q=1),
    ],
)
def test_output_shape_is_the_shape_of_the_output(kw):
    S = Scattering1D(256, **{"J": 4, "Q": 4, **kw})
    assert S(np.zeros((3, 256))).shape == (3, *S.output_shape)


def test_output_shape_of_rows_at_several_strides_is_an_error():
    S = Scattering1D(256, 4, 4, average=False, out_type="dict")
    with pytest.raises(ValueError, match=r"rows of lengths \[16, .*raise oversampling"):
        S.output_shape
