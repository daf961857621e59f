"""Scattering1D plan: how rows are grouped (the coefficients themselves are tested elsewhere)."""

import math

import numpy as np
import pytest

from scatterwave.core.plan import GROUP_MIN_ROWS, GROUP_SAMPLES, build_plan, second_order_pairs
from scatterwave.filters.bank import build_time_filterbank


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
            _, n_in, _ = g.broadcast
            assert len(g.rows) % n_in == 0
    assert any(g.broadcast is not None for g in plan.groups2)
    # The large N=2**16 groups were split (the bound is not vacuous there).
    if N == 2**16:
        assert len(plan.groups2) > len({(g.parent, g.k_out) for g in plan.groups2})


def test_groups_share_one_stored_copy_of_identical_filter_windows():
    from scatterwave.core.plan import _band_windows

    r = math.sqrt(0.5)
    fb = build_time_filterbank(
        2**13, 8, (8, 1), 2**8, r_psi=(r, r), criterion_amplitude=1e-3, max_pad_factor=2
    )
    plan = build_plan(fb, max_order=2, average="local", oversampling=0)
    buf = plan.buffers["psi2_f"]
    for g in plan.groups2:
        n2 = np.unique(plan.paths["n"][g.rows, 1])
        parent = plan.groups1[g.parent]
        _, values, _ = _band_windows(fb.psi2.filters, n2, g.k_in, g.block, parent.M // 2)
        off, n, width = g.filt
        stored = buf[off : off + n * width].reshape(n, width)
        np.testing.assert_array_equal(stored, values / 2 ** (g.k_out - g.k_in))
    # Stored once: fewer distinct windows than groups, and the buffer holds only those.
    distinct = {g.filt for g in plan.groups2}
    assert len(distinct) < len(plan.groups2)
    assert buf.size == sum(n * width for _, n, width in distinct)
