"""Scattering1D plan: how rows are grouped (the coefficients themselves are tested elsewhere)."""

import dataclasses
import math

import numpy as np
import pytest

from scatterwave import Scattering1D
from scatterwave.core.buffers import Slice
from scatterwave.core.plan import (
    GROUP_MIN_ROWS,
    GROUP_SAMPLES,
    Collect,
    FirstOrder,
    SecondOrder,
    ZerothOrder,
    build_plan,
    second_order_pairs,
)
from scatterwave.filters.bank import build_time_filterbank


def plan_slices(obj):
    """Every Slice reachable from a plan's records (dataclasses, lists)."""
    if isinstance(obj, Slice):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from plan_slices(item)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from plan_slices(getattr(obj, f.name))


@pytest.mark.parametrize(("N", "J"), [(2**13, 8), (2**16, 8), (2**12, 4)])
def test_second_order_groups_are_bounded_and_cover_every_pair_once(N, J):
    r = math.sqrt(0.5)
    fb = build_time_filterbank(
        N, J, (8, 1), 2**J, r_psi=(r, r), criterion_amplitude=1e-3, max_pad_factor=2
    )
    plan = build_plan(fb, max_order=2, average="local", oversampling=0)
    for g in plan.groups2:
        # At most GROUP_SAMPLES samples per signal, unless that leaves fewer than the minimum.
        assert len(g.rows) * g.M <= max(GROUP_SAMPLES, GROUP_MIN_ROWS * g.M)
    rows = np.concatenate([g.rows for g in plan.groups2])
    assert len(np.unique(rows)) == len(rows)
    computed = {tuple(plan.paths["n"][r]) for r in rows}
    n1, n2 = np.nonzero(second_order_pairs(fb, None))
    assert computed == set(zip(n1.tolist(), n2.tolist()))
    # Groups of every (input row, filter) pair skip the gather; their layout is input-major.
    for g in plan.groups1 + plan.groups2:
        if g.broadcast is not None:
            assert len(g.rows) % g.broadcast.n_rows_in == 0
    assert any(g.broadcast is not None for g in plan.groups2)
    # The large N=2**16 groups were split (the bound is not vacuous there).
    if N == 2**16:
        assert len(plan.groups2) > len({(g.parent, g.k_out) for g in plan.groups2})


def test_groups_share_one_stored_copy_of_identical_filter_windows():
    from scatterwave.core.buffers import band_windows

    r = math.sqrt(0.5)
    fb = build_time_filterbank(
        2**13, 8, (8, 1), 2**8, r_psi=(r, r), criterion_amplitude=1e-3, max_pad_factor=2
    )
    plan = build_plan(fb, max_order=2, average="local", oversampling=0)
    buf = plan.buffers["psi2_f"]
    for g in plan.groups2:
        n2 = np.unique(plan.paths["n"][g.rows, 1])
        parent = plan.groups1[g.parent]
        _, values, _ = band_windows(fb.psi2.filters, n2, g.k_in, g.block, parent.M // 2)
        stored = g.filters.take(plan.buffers, np)
        np.testing.assert_array_equal(stored, values / 2 ** (g.k_out - g.k_in))
    # Stored once: fewer distinct windows than groups, and the buffer holds only those.
    distinct = {g.filters for g in plan.groups2}
    assert len(distinct) < len(plan.groups2)
    assert buf.size == sum(s.size for s in distinct)


@pytest.mark.parametrize(
    ("sigma1", "xi2", "sigma2"),
    [
        (0.05, 0.1, 0.03),
        (1e-4, 2e-4, 1e-4),
        (3e-5, 0.01, 0.004),  # narrower than the old grid's step
        (0.02, 0.0, 0.01),
        (0.1, 0.3, 0.2),
    ],
)
def test_path_energy_overlap_matches_numerical_integral(sigma1, xi2, sigma2):
    from scipy.integrate import quad

    from scatterwave.core.plan import path_energy_overlap

    def envelope(f):
        return math.exp(-0.5 * (f / sigma1) ** 2)

    def passed(f):
        return math.exp(-(((f - xi2) / sigma2) ** 2)) * envelope(f)

    # The integrand lives within ~10 sigma1 of 0: integrate there, then the (negligible) rest.
    edge = 12 * sigma1
    num = quad(passed, 0, edge, limit=200)[0] + quad(passed, edge, edge + 1.0, limit=200)[0]
    expected = num / (sigma1 * math.sqrt(math.pi / 2))
    # Evaluated beside a high wavelet, as in a plan (the old grid spanned up to the highest one)
    got = path_energy_overlap(np.array([sigma1]), np.array([xi2, 0.4]), np.array([sigma2, 0.05]))
    got = got[0, 0]
    # quad's own accuracy is about 1e-10 relative on these smooth Gaussian integrands
    assert got == pytest.approx(expected, rel=1e-8, abs=1e-12)


S1D_CASES = [
    dict(J=6, Q=8),
    dict(J=6, Q=(4, 2), average=False, out_type="dict"),
    dict(J=5, Q=4, average="global"),
]


@pytest.mark.parametrize("options", S1D_CASES)
def test_scattering1d_steps_slices_lie_in_their_buffers(options):
    plan = Scattering1D(1024, **options).plan(1024)
    slices = [*plan_slices(plan.steps), plan.output_order]
    assert slices
    for s in slices:
        assert 0 <= s.offset and s.stop <= plan.buffers[s.buffer].size, s


@pytest.mark.parametrize("options", S1D_CASES)
def test_scattering1d_steps_produce_every_row_once_in_row_order(options):
    S = Scattering1D(1024, **options)
    plan = S.plan(1024)
    kinds = [type(step) for step in plan.steps]
    assert kinds[0] is ZerothOrder
    assert (kinds[-1] is Collect) == (plan.average == "local")
    # The core returns S0, every first-order group, then every second-order group: their
    # rows, in that order, are the row ids (the meta's row order).
    rows = [plan.steps[0].rows]
    rows += [s.group.rows for s in plan.steps if isinstance(s, FirstOrder)]
    rows += [s.group.rows for s in plan.steps if isinstance(s, SecondOrder)]
    np.testing.assert_array_equal(np.concatenate(rows), np.arange(plan.n_paths))
    # Every second-order step follows its parent's first-order step.
    parent = -1
    for step in plan.steps:
        if isinstance(step, FirstOrder):
            parent = next(i for i, g in enumerate(plan.groups1) if g is step.group)
        if isinstance(step, SecondOrder):
            assert step.group.parent == parent
    x = np.random.default_rng(0).standard_normal(1024)
    out = S(x)
    n_out = len(out) if isinstance(out, dict) else out.shape[-2]
    assert n_out == plan.n_paths == len(S.meta()["order"])
