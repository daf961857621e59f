"""Tests of scatterwave.vocabulary: pair names, the meta layouts and the one meta parser."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave import Scattering1D, TimeFrequencyScattering1D
from scatterwave import vocabulary as v


def test_pair_names_are_spelled_once():
    assert v.PAIRS[:2] == (v.S0, v.S1)
    assert v.JOINT_PAIRS == (
        v.PHI_T_PHI_F,
        v.PHI_T_PSI_F,
        v.PSI_T_PHI_F,
        v.PSI_T_PSI_F_UP,
        v.PSI_T_PSI_F_DN,
    )
    assert v.SPIN_PAIRS == v.JOINT_PAIRS[-2:]
    assert set(v.TIME_LOWPASS_PAIRS) == {p for p in v.JOINT_PAIRS if p.startswith("phi_t")}
    assert set(v.FREQUENTIAL_LOWPASS_PAIRS) == {p for p in v.JOINT_PAIRS if p.endswith("phi_f")}


def test_consumers_share_the_names_and_the_parser():
    from scatterwave.core import jtfs_plan
    from scatterwave.toolkit import _common
    from scatterwave.viz import _style

    assert jtfs_plan.PAIRS is v.PAIRS
    assert _style.JTFS_PAIRS is v.PAIRS
    assert _style.pair_meta is v.pair_meta
    assert _common.pair_meta is v.pair_meta
    assert _style.to_numpy is _common.to_numpy


@pytest.mark.parametrize(
    ("transform", "layout"),
    [
        (Scattering1D(256, 4, (4, 2)), v.SCATTERING1D_META),
        (TimeFrequencyScattering1D(256, 4, (4, 1), J_fr=2, Q_fr=1), v.JTFS_META),
    ],
)
def test_layouts_describe_meta(transform, layout):
    meta = transform.meta()
    assert list(meta) == list(layout.fields)
    n_rows = len(meta["n"])
    for name in ("n", "j", "xi", "sigma", "is_cqt"):
        assert np.shape(meta[name]) == (n_rows, len(layout.n_columns)), name
    stride = np.asarray(meta["stride"])
    assert stride.shape[1:] == (() if len(layout.stride_columns) == 1 else (2,))
    # the last n column is the innermost index: -1 marks a missing level
    assert np.all(np.asarray(meta["n"]) >= -1)


def test_jtfs_columns_mean_what_they_say():
    jtfs = TimeFrequencyScattering1D(256, 4, (4, 1), J_fr=2, Q_fr=1)
    meta = jtfs.meta()
    n = meta["n"]
    s1 = v.pair_meta(meta, v.S1)["n"]
    assert np.all(s1[:, v.JTFS_META.column("n2")] == -1)
    assert np.all(s1[:, v.JTFS_META.column("n1")] >= 0)
    joint = np.isin(meta["pair"], v.SPIN_PAIRS)
    assert np.all(n[joint, v.JTFS_META.column("n1_fr")] >= 0)
    with pytest.raises(ValueError, match="n columns"):
        v.JTFS_META.column("n3")


def test_scattering1d_columns_mean_what_they_say():
    meta = Scattering1D(256, 4, 4).meta()
    n, order = meta["n"], meta["order"]
    c1, c2 = v.SCATTERING1D_META.column("n1"), v.SCATTERING1D_META.column("n2")
    assert np.all(n[order == 1, c1] >= 0) and np.all(n[order == 1, c2] == -1)
    assert np.all(n[order == 2, c2] >= 0)


def test_pair_meta_reads_every_layout():
    flat = {
        "pair": np.array(["a", "b", "a"], dtype=object),
        "n": np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
        "key": [(0,), (1,), (2,)],
        "N": 7,
    }
    got = v.pair_meta(flat, "a")
    np.testing.assert_array_equal(got["n"], [[0, 1, 2], [6, 7, 8]])
    assert got["key"] == [(0,), (2,)]
    assert "N" not in got
    assert v.pair_meta({"a": {"n": 1}}, "a") == {"n": 1}
    assert v.pair_meta({"n": {"a": 1}}, "a") == {"n": 1}
    with pytest.raises(KeyError, match="no rows for pair 'c'"):
        v.pair_meta(flat, "c")
    with pytest.raises(KeyError, match="no entry"):
        v.pair_meta({"n": {"a": 1}}, "c")


def test_select_rows_and_row_labels():
    meta = Scattering1D(256, 4, 4).meta()
    labels = v.row_labels(meta)
    assert labels == [int(o) for o in meta["order"]]
    idx = [i for i, o in enumerate(labels) if o == 2]
    sub = v.select_rows(meta, idx)
    assert set(sub) == set(meta)
    assert np.all(sub["order"] == 2) and len(sub["key"]) == len(idx)
    assert sub["key"] == [meta["key"][i] for i in idx]
    jtfs_meta = TimeFrequencyScattering1D(256, 4, (4, 1), J_fr=2, Q_fr=1).meta()
    assert v.is_row_aligned(jtfs_meta) and not v.is_row_aligned(meta)
    assert v.row_labels(jtfs_meta) == list(jtfs_meta["pair"])
    with pytest.raises(ValueError, match='"pair" or "order"'):
        v.row_labels({"n": np.zeros((2, 2))})


def test_slice_labels_drop_the_innermost_column():
    n = np.array([[0, -1], [0, 3], [1, 4]])
    assert v.slice_labels(n) == [(0,), (0,), (1,)]
    assert v.slice_labels(np.array([5, 6])) == [(0,), (1,)]
    meta = TimeFrequencyScattering1D(256, 4, (4, 1), J_fr=2, Q_fr=1).meta()
    up = v.pair_meta(meta, v.PSI_T_PSI_F_UP)
    labels = v.slice_labels(up["n"])
    c2, cf = v.JTFS_META.column("n2"), v.JTFS_META.column("n1_fr")
    assert labels == [(int(r[c2]), int(r[cf])) for r in up["n"]]
