"""``scatterwave demo`` writes coefficients, meta, a report and pictures."""

import json

import numpy as np
import pytest

from scatterwave.cli import main


def test_demo_writes_its_files(tmp_path, capsys):
    code = main(["demo", "--out", str(tmp_path), "-N", "1024", "--J", "5", "--no-figures"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Scattering1D" in printed and "energy" in printed
    data = np.load(tmp_path / "scattering1d.npz")
    assert data["coefficients"].shape[0] == len(data["names"]) == 6
    assert data["coefficients"].shape[1] == data["meta_order"].shape[0]
    report = json.loads((tmp_path / "report.json").read_text())
    # the configuration is written field by field, every parameter named (not a repr)
    assert report["scattering1d"]["config"] == {
        "N": 1024,
        "J": 5,
        "Q": [8, 1],
        "T": None,
        "average": True,
        "max_order": 2,
    }
    assert report["jtfs"]["config"]["J_fr"] == 3 and report["sample_rate_assumed_hz"] == 8000
    ratios = report["scattering1d"]["energy_ratio"].values()
    assert all(0.5 < r <= 1.0 for r in ratios)  # non-expansive, most energy kept
    assert (tmp_path / "jtfs.npz").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["-N", "1024", "--J", "11"], "too large"),
        (["--J", "0"], "--J and --Q must be >= 1, got --J 0"),
        (["--Q", "-1"], "--J and --Q must be >= 1, got --J 7 --Q -1"),
        # accepted by the demo's own checks, rejected by the transforms: their message
        (["-N", "256", "--J", "1"], "no second-order path: with J=1"),
    ],
)
def test_demo_rejects_bad_sizes(tmp_path, capsys, options, message):
    assert main(["demo", "--out", str(tmp_path), "--no-figures", *options]) == 2
    assert message in capsys.readouterr().out


def test_demo_reports_an_output_folder_it_cannot_create(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    for out in (tmp_path / "afile", tmp_path / "afile" / "below"):
        assert main(["demo", "--out", str(out), "-N", "256", "--no-figures"]) == 2
        assert f"cannot create the output folder --out '{out}'" in capsys.readouterr().out


def test_cli_without_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out
