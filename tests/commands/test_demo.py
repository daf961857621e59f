"""``scatterwave demo`` writes coefficients, meta, a report and pictures."""

import json

import numpy as np

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


def test_demo_rejects_bad_sizes(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "-N", "1024", "--J", "11"]) == 2
    assert "too large" in capsys.readouterr().out


def test_cli_without_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out
