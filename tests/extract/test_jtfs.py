"""The JTFS path of the pipeline (``transform="jtfs"``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scatterwave import TimeFrequencyScattering1D
from scatterwave.extract import ExtractConfig, extract, open_features

zarr = pytest.importorskip("zarr")


def test_jtfs_extraction(clean_corpus: Path, tmp_path: Path) -> None:
    # small JTFS: N = 0.128 s * 8 kHz = 1024 samples
    opts = {"sample_rate": 8000, "segment": 0.128, "J": 3, "Q": 2, "J_fr": 1}
    cfg = ExtractConfig(transform="jtfs", **opts, batch_size=8, workers=1)
    out = tmp_path / "jtfs.zarr"
    result = extract([clean_corpus], out, cfg)
    jtfs = TimeFrequencyScattering1D(1024, J=3, Q=2, J_fr=1, out_type="array")
    g = zarr.open_group(str(out), mode="r")
    rows = jtfs(np.zeros((1, 1024), dtype=np.float32)).shape[1:]
    assert g["coefficients"].shape == (result.n_items, *rows)
    assert g.attrs["transform"] == "TimeFrequencyScattering1D"
    for name, value in jtfs.meta().items():
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            np.testing.assert_array_equal(np.asarray(g[f"path_{name}"][:]), value)
    pairs = [str(p) for p in jtfs.meta()["pair"]]
    assert list(g["path_pair"][:]) == pairs  # an array like the other path columns
    assert "path_pair" not in g.attrs
    assert np.all(np.isfinite(g["coefficients"][:]))
    ds = open_features(out)
    assert ds["path_pair"].dims == ("path",) and list(ds["path_pair"].values) == pairs
    s1 = ds.coefficients.isel(path=(ds.path_pair == "S1").values)
    assert s1.sizes["path"] == pairs.count("S1") > 0
