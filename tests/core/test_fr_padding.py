"""Layouts of the padded frequency axes (:func:`scatterwave.core.jtfs_plan.row_source`), in
particular ``"conj-reflect-zero"`` (:func:`~scatterwave.core.jtfs_plan.zero_reflect_source`).

The expected layouts are written out by hand from the definition (docs/jtfs.md): rows
``0 .. n - 1`` extended with zeros to the complete axis of ``n_axis`` rows; of the ``L - n``
padding positions, ``max((L - n) // 2, zeros)`` follow the data (zeros, then the extended
axis reflected from its end) and the rest precede row 0 circularly (reflected from row 1);
reflections do not repeat the edge row, and odd passes are conjugated.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scatterwave.core.jtfs_plan import row_source, zero_reflect_source


def test_hand_written_layout_with_zeros_and_one_bounce() -> None:
    # 3 data rows of an axis of 5, padded to 16: right = max(13 // 2, 2) = 6, left = 7
    src, conj = zero_reflect_source(3, 5, 16)
    # data, zeros (rows 3, 4 of the extended axis), reflection 3 2 1 0 (rows 3 is a zero),
    # then circularly before row 0: the reflection 1 2 3 4 | 3 2 1, written backwards
    expected = [0, 1, 2, -1, -1, -1, 2, 1, 0, 1, 2, -1, -1, -1, 2, 1]
    assert src.tolist() == expected
    # after the zeros, rows 3 2 1 0 of the extended axis: the first pass, conjugated
    assert conj[5:9].all() and not conj[:5].any()
    # left side, from position 15 backwards: 1 2 3 4 first pass (conj), then 3 2 1 second
    assert conj[12:].all() and not conj[9:12].any()


def test_a_slice_of_the_whole_axis_is_reflected_with_the_same_split() -> None:
    """Without missing rows it is reflection: the same source rows as ``"reflect"`` up to
    which side takes the odd row (``floor`` after the data here, ``ceil`` for "reflect")."""
    src, conj = zero_reflect_source(8, 8, 16)
    ref, _ = row_source(8, 16, "reflect")
    assert sorted(src[8:].tolist()) == sorted(ref[8:].tolist())
    assert src[8:12].tolist() == [6, 5, 4, 3] and src[12:].tolist() == [4, 3, 2, 1]
    assert conj[8:].all()
    odd, _ = zero_reflect_source(8, 8, 15)
    assert odd[8:11].tolist() == [6, 5, 4]  # floor(7 / 2) = 3 rows after the data


@given(n=st.integers(1, 40), extra=st.integers(0, 60), L_extra=st.integers(0, 200))
def test_layout_properties(n: int, extra: int, L_extra: int) -> None:
    n_axis, L = n + extra, n + L_extra
    src, conj = zero_reflect_source(n, n_axis, L)
    assert src.shape == conj.shape == (L,)
    assert src[:n].tolist() == list(range(n)) and not conj[:n].any()
    zeros = min(extra, L - n)
    assert (src[n : n + zeros] == -1).all()  # the missing rows are zeros, right after the data
    assert src.min() >= -1 and src.max() < n  # nothing from outside the data
    # the first pass after the zeros mirrors the extended axis from its end, conjugated
    m, right = n + zeros, max((L - n) // 2, zeros)
    for i in range(min(right - zeros, m - 1)):
        mirrored = m - 2 - i
        assert src[m + i] == (mirrored if mirrored < n else -1) and conj[m + i]
    # and the first pass before row 0 (circularly, the last positions) mirrors it from row 1
    for k in range(1, min(L - n - right, m - 1) + 1):
        assert src[L - k] == (k if k < n else -1) and conj[L - k]


@pytest.mark.parametrize("mode", ["zero", "reflect", "conj-reflect"])
def test_the_other_modes_ignore_the_complete_axis(mode: str) -> None:
    a, fa = row_source(5, 16, mode)
    b, fb = row_source(5, 16, mode, 40)
    assert a.tolist() == b.tolist() and fa.tolist() == fb.tolist()
