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
    assert main(_argv(tmp_path / "c", "--option", "foo=1")) == 2
    assert "data set 'synthetic' has no option 'foo'" in capsys.readouterr().err
    assert main(_argv(tmp_path / "d", "--option", 'length="abc"')) == 2
    assert "option length='abc' of data set 'synthetic': expected an int" in capsys.readouterr().err
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


def _train_parser():
    from scatterwave.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices["train"]


def test_help_documents_every_option_and_its_default(capsys):
    import dataclasses

    from scatterwave.train import TrainConfig

    parser = _train_parser()
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    for action in parser._actions:
        if action.dest == "help":
            continue
        assert action.help, f"{action.option_strings} has no help text"
        field = fields.get(action.dest)
        if field is not None and field.default is not dataclasses.MISSING:
            shown = "unset" if field.default is None else str(field.default)
            assert f"(default: {shown})" in action.help, action.option_strings
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 10)" in text and "(default: plateau)" in text  # epochs, scheduler
    assert "--resume" in text and "checkpoint" in text


def test_progress_log_prints_epoch_lines_without_verbose(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "scatterwave", *_argv(tmp_path / "run")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "epoch 1/2: train loss" in proc.stderr and "epoch 2/2" in proc.stderr, proc.stderr


def test_resume_reads_the_configuration_from_the_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(_argv(out, "--max-steps", "3", "--lr", "0.002")) == 0
    capsys.readouterr()
    # only --out and --resume: every option comes from the checkpoint
    assert main(["train", "--out", str(out), "--resume", "--max-steps", "4"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 4 and metrics["config"]["lr"] == 0.002
    assert metrics["config"]["dataset_options"] == {"n_train": 32, "n_val": 16, "n_test": 16}
    capsys.readouterr()
    # an option that changes the computation: a clear error naming it and both values
    assert main(["train", "--out", str(out), "--resume", "--lr", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "lr: the run has 0.002, given 0.1" in err and "epochs" in err
    # the same value as the run's is accepted; epochs may change
    assert main(["train", "--out", str(out), "--resume", "--lr", "0.002", "--epochs", "3"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert [h["epoch"] for h in metrics["history"]] == [1, 2, 3]
    # a new run needs its model and data set
    assert main(["train", "--out", str(tmp_path / "new"), "--resume"]) == 2
    assert "--model and --dataset" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_a_failed_run_leaves_nothing_behind(tmp_path, capsys):
    out = tmp_path / "a" / "b" / "run"
    argv = ["train", "--model", "m3", "--dataset", "nope", "--out", str(out)]
    assert main(argv) == 2
    assert "unknown data set" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()  # the directories the run created are removed
    # a directory that existed keeps what it held
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    bad_model = ["train", "--model", "nope", "--dataset", "synthetic", "--out", str(kept)]
    assert main([*bad_model, "--option", "n_train=8"]) == 2
    assert sorted(p.name for p in kept.iterdir()) == ["notes.txt"]


def test_precision_option_reaches_the_run(tmp_path, capsys):
    out = tmp_path / "bf16"
    assert main(_argv(out, "--precision", "bfloat16", "--max-steps", "1")) == 0
    assert json.loads((out / "config.json").read_text())["precision"] == "bfloat16"
    with pytest.raises(SystemExit):
        main(_argv(tmp_path / "bad", "--precision", "fp16"))
    assert "invalid choice: 'fp16'" in capsys.readouterr().err


def test_resume_from_another_spelling_of_the_runs_folder(tmp_path, capsys, monkeypatch):
    # --out is required with --resume: another spelling of the path (or a moved folder) was
    # refused as a "different option" with the advice to drop it
    out = tmp_path / "runs" / "a"
    assert main(_argv(out, "--max-steps", "2")) == 0
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--out", "./runs/a", "--resume"]) == 0
    (tmp_path / "runs" / "a").rename(tmp_path / "runs" / "moved")
    assert main(["train", "--out", "runs/moved", "--resume", "--epochs", "3"]) == 0
    history = json.loads((tmp_path / "runs" / "moved" / "metrics.json").read_text())["history"]
    assert [h["epoch"] for h in history] == [1, 2, 3]


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (OSError(28, "No space left on device"), 3, "unexpected OSError: [Errno 28] No space"),
        (ModuleNotFoundError("rendering notes needs tinysoundfont"), 2, "needs tinysoundfont"),
        (TypeError("'NoneType' object is not subscriptable"), 3, "unexpected TypeError"),
    ],
)
def test_unexpected_errors_exit_with_their_own_code(tmp_path, capsys, monkeypatch, error, code,
                                                     message):  # fmt: skip
    import scatterwave.train

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(scatterwave.train, "fit", fail)
    assert main(_argv(tmp_path / "x")) == code
    assert message in capsys.readouterr().err
