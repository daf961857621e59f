"""Tests of ``scatterwave extract`` (scatterwave.commands.extract), in-process and as a
subprocess killed with SIGKILL and resumed."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from scatterwave.cli import main
from scatterwave.extract.compute import CannotStart
from scatterwave.extract.pool import WorkerDied

from .conftest import count_done, make_corpus

zarr = pytest.importorskip("zarr")
sf = pytest.importorskip("soundfile")

SRC = Path(__file__).resolve().parents[2] / "src"
OPTS = ["--sample-rate", "8000", "--segment", "0.25", "--hop", "0.125", "--J", "4", "--Q", "4"]


def test_cli_happy_path_and_exit_codes(
    corpus: Path, clean_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "clean.zarr"
    assert main(["extract", str(clean_corpus), "-o", str(out), *OPTS, "--workers", "1"]) == 0
    g = zarr.open_group(str(out), mode="r")
    assert g.attrs["complete"] is True and g.attrs["failures"] == []
    assert g.attrs["config"]["hop"] == 0.125
    # some inputs fail: the store is complete, the failures are listed, the exit code says so
    bad_out = tmp_path / "bad.zarr"
    with caplog.at_level(logging.WARNING):
        code = main(["extract", str(corpus), "-o", str(bad_out), *OPTS, "--workers", "1"])
    assert code == 1
    assert "bad.wav" in caplog.text and "cut.flac" in caplog.text
    assert len(zarr.open_group(str(bad_out), mode="r").attrs["failures"]) == 3
    # output exists without --resume: refused before any work (exit 2)
    caplog.clear()
    assert main(["extract", str(clean_corpus), "-o", str(out), *OPTS]) == 2
    assert "--resume" in caplog.text
    # no input files / an input that does not exist
    empty = tmp_path / "nothing_here"
    empty.mkdir()
    assert main(["extract", str(empty / "x.wav"), "-o", str(tmp_path / "n.zarr")]) == 2
    assert not (tmp_path / "n.zarr").exists()


def test_cli_rejects_bad_sample_rate(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["extract", "x.wav", "-o", str(tmp_path / "o.zarr"), "--sample-rate", "16k"])
    assert exc.value.code == 2
    assert "expected a positive integer, got '16k'" in capsys.readouterr().err


def test_cli_config_file_and_override(clean_corpus: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "job.json"
    cfg.write_text(
        json.dumps(
            {
                "sample-rate": 8000,
                "segment": 0.5,
                "J": 3,
                "Q": [4, 1],
                "batch_size": 5,
                "workers": 1,
            }
        )
    )
    out = tmp_path / "cfg.zarr"
    args = ["extract", str(clean_corpus), "-o", str(out), "--config", str(cfg), "--J", "4"]
    assert main(args) == 0
    g = zarr.open_group(str(out), mode="r")
    assert g.attrs["config"]["J"] == 4 and g.attrs["config"]["Q"] == [4, 1]
    assert g.attrs["n_samples"] == 4000 and g["coefficients"].chunks[0] == 5


def test_cli_second_order_scale_pair_and_resume(clean_corpus: Path, tmp_path: Path) -> None:
    """``--J 4,3``: the store holds ``Scattering1D(J=(4, 3))`` rows, records ``J`` as
    ``[4, 3]``, and a resume with the same pair is accepted (a pair and its JSON list are the
    same configuration) and rewrites nothing."""
    from scatterwave import Scattering1D

    out = tmp_path / "pair.zarr"
    opts = [*OPTS[:-4], "--J", "4,3", "--Q", "4", "--workers", "1"]
    assert main(["extract", str(clean_corpus), "-o", str(out), *opts]) == 0
    g = zarr.open_group(str(out), mode="r")
    assert g.attrs["config"]["J"] == [4, 3]
    before = np.asarray(g["coefficients"][:])
    n_paths = Scattering1D(g.attrs["n_samples"], J=(4, 3), Q=4).output_shape[0]
    assert before.shape[1] == n_paths < Scattering1D(g.attrs["n_samples"], J=4, Q=4).output_shape[0]
    assert main(["extract", str(clean_corpus), "-o", str(out), *opts, "--resume"]) == 0
    np.testing.assert_array_equal(np.asarray(zarr.open_group(str(out))["coefficients"][:]), before)


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus", bad=False)
    rng = np.random.default_rng(7)
    sf.write(corpus / "long.wav", 0.1 * rng.standard_normal(8000 * 30), 8000, subtype="FLOAT")
    args = [str(corpus), *OPTS, "--batch-size", "2", "--workers", "1"]
    out = tmp_path / "killed.zarr"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "scatterwave", "extract", *args, "-o", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while count_done(out) < 4 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        stderr = proc.stderr.read().decode() if proc.stderr is not None else ""
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, f"the job ended before the kill: {stderr}"
    g = zarr.open_group(str(out), mode="r")
    done_before = int(np.sum(g["chunk_done"][:]))
    assert 4 <= done_before < g["chunk_done"].shape[0] and g.attrs["complete"] is False
    # resume finishes the job without recomputing the committed chunks
    assert main(["extract", *args, "-o", str(out), "--resume"]) == 0
    ref = tmp_path / "ref.zarr"
    assert main(["extract", *args, "-o", str(ref)]) == 0
    a, b = zarr.open_group(str(out), mode="r"), zarr.open_group(str(ref), mode="r")
    assert a.attrs["complete"] is True and bool(np.all(a["chunk_done"][:]))
    ca, cb = np.asarray(a["coefficients"][:]), np.asarray(b["coefficients"][:])
    assert ca.shape == cb.shape and not np.isnan(ca).any()  # no holes
    np.testing.assert_array_equal(ca, cb)  # no duplicates or shifted items: equal arrays
    for name in ("file_index", "start_sample", "ok"):
        np.testing.assert_array_equal(a[name][:], b[name][:])


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        # the docs reserve exit 1 for "complete, some inputs failed": a crash must not say so
        (OSError(28, "No space left on device"), 3, "unexpected OSError: [Errno 28] No space"),
        (ModuleNotFoundError("No module named 'zarr'", name="zarr"), 2, "pip install"),
        # errors of a defect or a failing machine in the middle of a job (exited 2)
        (TypeError("'NoneType' object is not subscriptable"), 3, "unexpected TypeError"),
        (RuntimeError("CUDA out of memory"), 3, "unexpected RuntimeError: CUDA out of memory"),
        # the documented "could not start" ones
        (CannotStart("device 'cuda' requested but torch sees no CUDA device"), 2, "no CUDA"),
        (WorkerDied("chunk 3 ended its worker twice"), 2, "ended its worker twice"),
    ],
)
def test_unexpected_errors_exit_with_their_own_code(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    code: int,
    message: str,
) -> None:
    import scatterwave.extract.runner as runner

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(runner, "extract", fail)
    with caplog.at_level(logging.ERROR):
        assert main(["extract", str(tmp_path), "-o", str(tmp_path / "o.zarr"), *OPTS]) == code
    assert message in caplog.text


def test_command_line_scheduler_replaces_the_config_files_workers(tmp_path: Path) -> None:
    from scatterwave.cli import build_parser
    from scatterwave.commands.extract import _config_from_args

    cfg = tmp_path / "job.json"
    cfg.write_text(json.dumps({"workers": 4, "J": 3}))
    argv = ["extract", "x", "-o", "o.zarr", "--config", str(cfg)]
    args = build_parser().parse_args([*argv, "--scheduler", "tcp://h:1"])
    config = _config_from_args(args)
    assert (config.scheduler, config.workers, config.J) == ("tcp://h:1", None, 3)
    cfg.write_text(json.dumps({"scheduler": "tcp://h:1"}))
    config = _config_from_args(build_parser().parse_args([*argv, "--workers", "2"]))
    assert (config.scheduler, config.workers) == (None, 2)


def test_verbose_before_and_after_the_command_add_up() -> None:
    from scatterwave.cli import build_parser, log_level

    parser = build_parser()
    job = ["extract", "x", "-o", "o"]
    cases = [
        (job, logging.WARNING),
        ([*job, "-v"], logging.INFO),
        (["-v", *job], logging.INFO),
        (["-v", *job, "-v"], logging.DEBUG),
        ([*job, "-vv"], logging.DEBUG),
    ]
    for argv, level in cases:
        assert log_level(parser.parse_args(argv)) == level, argv
