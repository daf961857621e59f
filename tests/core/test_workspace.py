"""The NumPy work arrays kept between calls (:mod:`scatterwave.core.workspace`)."""

from __future__ import annotations

import numpy as np

from scatterwave.core.workspace import Workspace


def test_same_request_same_memory() -> None:
    ws = Workspace()
    a = ws.get("U", (4, 3), np.float64)
    b = ws.get("U", (4, 3), np.float64)
    assert b.shape == (4, 3) and b.flags.c_contiguous
    assert np.shares_memory(a, b)


def test_roles_and_dtypes_are_separate() -> None:
    ws = Workspace()
    a = ws.get("U", (8,), np.float64)
    b = ws.get("V", (8,), np.float64)
    c = ws.get("U", (8,), np.complex128)
    assert not np.shares_memory(a, b)
    assert not np.shares_memory(a, c)


def test_shapes_of_one_role_overwrite_each_other() -> None:
    ws = Workspace()
    a = ws.get("U", (2, 6), np.float64)
    b = ws.get("U", (3, 4), np.float64)
    assert np.shares_memory(a, b)
    a[...] = 1.0
    b[...] = 2.0
    assert np.all(a == 2.0)


def test_growth_replaces_the_views_of_the_role() -> None:
    ws = Workspace()
    small = ws.get("U", (4,), np.float64)
    large = ws.get("U", (100,), np.float64)
    assert large.shape == (100,)
    again = ws.get("U", (4,), np.float64)
    # The small view now comes from the grown buffer, not the one it replaced.
    assert np.shares_memory(again, large)
    assert not np.shares_memory(again, small)
    assert ws.nbytes == 100 * 8


def test_list_shape_is_accepted() -> None:
    ws = Workspace()
    a = ws.get("U", [2, 3], np.float64)
    assert a.shape == (2, 3)
    assert np.shares_memory(a, ws.get("U", (2, 3), np.float64))
