"""TimeFrequencyScattering1D(zero_rows=...): the rows that are zero for every input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _fuzz import examples
from scatterwave import TimeFrequencyScattering1D

N = 1024


@settings(max_examples=examples(12), deadline=None)
@given(
    J=st.integers(5, 7),
    Q1=st.sampled_from([6, 8, 12]),
    J_fr=st.integers(1, 3),
    Q_fr=st.integers(1, 2),
    average_fr=st.booleans(),
    aligned=st.booleans(),
)
def test_dropped_rows_are_exactly_the_always_zero_rows(J, Q1, J_fr, Q_fr, average_fr, aligned):
    kw = dict(J=J, Q=(Q1, 1), J_fr=J_fr, Q_fr=Q_fr, average_fr=average_fr, aligned=aligned)
    try:
        keep = TimeFrequencyScattering1D(N, out_type="array", zero_rows="keep", **kw)
    except ValueError:  # a configuration the constructor rejects with a message
        return
    drop = TimeFrequencyScattering1D(N, out_type="array", **kw)  # the default for arrays
    x = np.random.default_rng(J + Q1).standard_normal((3, N))
    K, D = keep(x), drop(x)
    zero = ~np.any(K != 0, axis=(0, -1))  # zero for three random signals
    np.testing.assert_array_equal(D, K[:, ~zero])
    assert np.all(np.any(D != 0, axis=(0, -1)))  # no row of the compact form is always zero
    meta_k, meta_d = keep.meta(), drop.meta()
    assert drop.output_shape == D.shape[1:] and len(meta_d["pair"]) == D.shape[1]
    for name in meta_k:
        np.testing.assert_array_equal(meta_d[name], meta_k[name][~zero])


def test_defaults_and_choices():
    kw = dict(J=6, Q=8, J_fr=3, Q_fr=1, average_fr=True)
    full = TimeFrequencyScattering1D(N, out_type="array", zero_rows="keep", **kw).output_shape
    compact = TimeFrequencyScattering1D(N, out_type="array", **kw).output_shape
    assert compact[0] < full[0]
    # dicts and out_3D keep the rows (aligned slices) unless told otherwise
    d_keep = TimeFrequencyScattering1D(N, **kw).output_shape
    d_drop = TimeFrequencyScattering1D(N, zero_rows="drop", **kw).output_shape
    assert sum(s[0] for s in d_keep.values()) == full[0]
    assert sum(s[0] for s in d_drop.values()) == compact[0]
    TimeFrequencyScattering1D(N, out_type="array", out_3D=True, **kw)
    with pytest.raises(ValueError, match="out_3D"):
        TimeFrequencyScattering1D(N, out_type="array", out_3D=True, zero_rows="drop", **kw)
    with pytest.raises(ValueError, match="zero_rows"):
        TimeFrequencyScattering1D(N, out_type="array", zero_rows="compact", **kw)


@pytest.mark.parametrize("average_fr", [False, True])
def test_dict_output_without_the_zero_rows(average_fr):
    """``out_type="dict", zero_rows="drop"``: each pair holds its rows of the compact array,
    in the order of :meth:`meta` (this combination used to fail in the final reshape)."""
    kw = dict(J=6, Q=8, J_fr=3, Q_fr=1, average_fr=average_fr, zero_rows="drop")
    as_dict = TimeFrequencyScattering1D(N, **kw)
    as_array = TimeFrequencyScattering1D(N, out_type="array", **kw)
    x = np.random.default_rng(1).standard_normal((2, N))
    D, A = as_dict(x), as_array(x)
    pair = as_array.meta()["pair"]
    assert list(D) == list(dict.fromkeys(pair))
    for p, block in D.items():
        np.testing.assert_array_equal(block, A[:, pair == p])
    assert {p: v.shape[1:] for p, v in D.items()} == as_dict.output_shape
