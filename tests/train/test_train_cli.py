"""``scatterwave train`` through the CLI entry point."""

import json

import pytest

from scatterwave.cli import main


def _argv(out, *extra):
    return ["train", "--model", "m3", "--width-multiplier", "0.125", "--dataset", "synthetic",
            "--option", "n_train=32", "--option", "n_val=16", "--option", "n_test=16",
            "--epochs", "2", "--batch-size", "16", "--out", str(out), "--progress", "log",
            *extra]  # fmt: skip


def test_train_writes_metrics_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(_argv(out, "--max-steps", "3")) == 0
    first = json.loads((out / "metrics.json").read_text())
    assert first["stopped_early"] is True and first["steps"] == 3
    assert first["config"]["dataset_options"] == {"n_train": 32, "n_val": 16, "n_test": 16}
    assert "test loss" in capsys.readouterr().out
    # Without --resume an existing run is never overwritten.
    assert main(_argv(out)) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(_argv(out, "--resume")) == 0
    final = json.loads((out / "metrics.json").read_text())
    assert final["steps"] == 4 and not final["stopped_early"]
    assert [h["epoch"] for h in final["history"]] == [1, 2]
    assert 0.0 <= final["test"]["accuracy"] <= 1.0


def test_bad_input_gives_clear_errors(tmp_path, capsys):
    assert main(_argv(tmp_path / "a", "--lr", "-1")) == 2
    assert "lr must be > 0" in capsys.readouterr().err
    assert main(["train", "--model", "m3", "--dataset", "nope", "--out", str(tmp_path / "b")]) == 2
    assert "unknown data set 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(
            [
                "train",
                "--model",
                "m3",
                "--dataset",
                "synthetic",
                "--out",
                "x",
                "--option",
                "novalue",
            ]
        )
    assert "KEY=VALUE" in capsys.readouterr().err


def test_train_fixed_length_model_from_the_cli(tmp_path, capsys):
    argv = ["train", "--model", "1dcnn", "--width-multiplier", "0.1", "--dataset", "synthetic",
            "--option", "n_train=8", "--option", "n_val=4", "--option", "n_test=4",
            "--option", "length=7000", "--epochs", "1", "--batch-size", "4",
            "--out", str(tmp_path / "run"), "--progress", "log"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["data"]["length"] == 7000 and metrics["best_epoch"] == 1
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0
