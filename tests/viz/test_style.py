"""Tests of scatterwave.viz._style and of the lazy matplotlib import."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from scatterwave.viz._style import pair_meta


def test_import_does_not_import_matplotlib():
    code = (
        "import sys, scatterwave, scatterwave.viz, scatterwave.viz.gallery, scatterwave.viz.demo; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_pair_meta_layouts_agree():
    flat = {
        "pair": np.array(["a", "b", "a"], dtype=object),
        "n": np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
        "key": [(0,), (1,), (2,)],
    }
    got = pair_meta(flat, "a")
    np.testing.assert_array_equal(got["n"], [[0, 1, 2], [6, 7, 8]])
    assert got["key"] == [(0,), (2,)]
    assert pair_meta({"a": {"n": 1}}, "a") == {"n": 1}
    assert pair_meta({"n": {"a": 1}}, "a") == {"n": 1}
    with pytest.raises(KeyError, match="no rows for pair 'c'"):
        pair_meta(flat, "c")
    with pytest.raises(KeyError, match="no entry"):
        pair_meta({"n": {"a": 1}}, "c")
