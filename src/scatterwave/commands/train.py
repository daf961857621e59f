r"""``scatterwave train``: train a model on a data set (single process or under ``torchrun``).

Examples
--------
::

    scatterwave train --model w-m3 --dataset ucr:FordA --epochs 20 --out runs/fordA-wm3
    scatterwave train --model m3 --dataset gm-notes --option split=extrapolate --out runs/gm
    scatterwave train --out runs/fordA-wm3 --resume  # continue: options come from the run
    torchrun --nproc_per_node 4 -m scatterwave train --model w-m11 --dataset urbansound8k \
        --data-root /data/UrbanSound8K --device cuda --out runs/us8k
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

__all__ = ["add_parser", "run"]

logger = logging.getLogger(__name__)


def _option(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(
            f"expected KEY=VALUE with a Python identifier as KEY, got {text!r} "
            "(e.g. --option split=extrapolate or --option pitch_range=[48,72])"
        )
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


#: Help text of each option (the default, from TrainConfig, is appended).
_HELP: dict[str, str] = {
    "model": "model name, e.g. m3, w-m3, m5, w-m5, 1dcnn (required for a new run)",
    "dataset": "ucr:<Name> (e.g. ucr:FordA), gm-notes, urbansound8k, magnatagatune or "
    "synthetic (required for a new run)",
    "data_root": "local data directory (UrbanSound8K, MTT) or .sf2 file",
    "dataset_options": "data-set loader option (VALUE parsed as JSON when possible); repeatable",
    "width_multiplier": "channel-width factor of the model",
    "epochs": "passes over the training split",
    "batch_size": "global batch size (split over the processes under torchrun)",
    "lr": "initial learning rate",
    "optimizer": "optimizer (sgd: Nesterov momentum --momentum)",
    "momentum": "SGD momentum (sgd only)",
    "weight_decay": "L2 penalty (decoupled for adamw)",
    "scheduler": "learning-rate schedule: plateau (multiply by --plateau-factor after "
    "--plateau-patience epochs without a lower validation loss), cosine (to 0 over --epochs) "
    "or none",
    "plateau_patience": "epochs without improvement before the rate drops (plateau only)",
    "plateau_factor": "factor applied to the rate on a plateau (plateau only)",
    "wavelet_loss_weight": "weight of the zero-mean (admissibility) penalty on the B-spline "
    "kernels of W-Nets (other models refuse it); 0 = off",
    "grad_clip": "clip the global gradient norm to this value; unset: no clipping",
    "precision": "arithmetic of the forward passes: float32, or mixed precision (autocast) in "
    "bfloat16 or float16 (with loss scaling); parameters and optimiser state stay float32",
    "select_on": "select the weights on the validation metric or the validation loss",
    "seed": "seeds the initialisation, the data order, dropout and any data split",
    "device": "auto (CUDA when available), cpu, cuda or cuda:N",
    "max_steps": "stop after this many optimizer steps in all (a checkpoint is written); "
    "unset: no limit",
    "checkpoint_every": "also checkpoint every this many steps (0: at the end of each epoch)",
    "num_threads": "torch CPU threads; unset: torch's default",
    "progress": "progress display: a bar on a terminal (auto), a bar, or log lines "
    "(auto without a terminal: log lines)",
}

_EPILOG = (
    "With --resume, the run's configuration is read from OUT/checkpoint.pt: give only --out "
    "--resume, and the options to change. Options that do not change the computation "
    "(--epochs, --max-steps, --device, --num-threads, --progress, --checkpoint-every, and "
    "--out and --data-root when the run or its data moved) may differ; any other option given "
    "must equal the run's value. A new --data-root must hold the run's own data (checked); a "
    "new --epochs with --scheduler cosine continues on the curve of the new horizon. "
    "--max-steps N stops the run once it has taken N optimizer steps in all, those before the "
    "resumption included (none more if it already has); it is not carried over: a resumed run "
    "without it goes to the end."
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``train`` sub-command and its options.

    Configuration options default to "not given" (``argparse.SUPPRESS``), so that
    :func:`run` knows which ones the user gave: a new run fills the rest from
    :class:`~scatterwave.train.TrainConfig`'s defaults, a resumed run from its checkpoint.
    The defaults are shown in ``--help``.
    """
    from scatterwave.train.config import Progress, TrainConfig

    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    sup = argparse.SUPPRESS

    def helptext(name: str) -> str:
        default = defaults.get(name, dataclasses.MISSING)
        if default is dataclasses.MISSING or name in ("model", "dataset"):
            return _HELP[name]
        shown = "unset" if default is None else default
        return f"{_HELP[name]} (default: {shown})"

    p = subparsers.add_parser(
        "train",
        help="train a Wavelet Network or baseline on a data set",
        description="Train a model with a train/validation/test split: selection on the "
        "validation split, one test evaluation at the end. Writes config.json, checkpoint.pt, "
        "best.pt and metrics.json to --out. Run under torchrun for multi-GPU/multi-node.",
        epilog=_EPILOG,
    )

    def option(name: str, **kwargs: Any) -> None:
        """Add ``--name`` (dashes for underscores), not given by default, with its help."""
        flag = "--" + name.replace("_", "-")
        p.add_argument(flag, default=sup, help=helptext(name), **kwargs)

    option("model")
    option("dataset")
    p.add_argument(
        "--out", required=True, dest="out_dir", metavar="DIR", help="run directory (required)"
    )
    option("data_root", metavar="PATH")
    p.add_argument(
        "--option",
        action="append",
        type=_option,
        dest="dataset_options",
        default=sup,
        metavar="KEY=VALUE",
        help=helptext("dataset_options"),
    )
    option("width_multiplier", type=float, metavar="X")
    _add_optimisation_options(option)
    option("seed", type=int, metavar="N")
    option("device")
    option("max_steps", type=int, metavar="N")
    option("checkpoint_every", type=int, metavar="N")
    option("num_threads", type=int, metavar="N")
    option("progress", choices=get_args(Progress))
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its checkpoint, with its configuration (see below)",
    )
    return p


def _add_optimisation_options(option: Callable[..., None]) -> None:
    """Add the options of the optimisation: epochs, optimiser, schedule, selection."""
    from scatterwave.train.config import Optimizer, Precision, Scheduler, SelectOn

    option("epochs", type=int, metavar="N")
    option("batch_size", type=int, metavar="N")
    option("lr", type=float, metavar="X")
    option("optimizer", choices=get_args(Optimizer))
    option("momentum", type=float, metavar="X")
    option("weight_decay", type=float, metavar="X")
    option("scheduler", choices=get_args(Scheduler))
    option("plateau_patience", type=int, metavar="N")
    option("plateau_factor", type=float, metavar="X")
    option("wavelet_loss_weight", type=float, metavar="X")
    option("grad_clip", type=float, metavar="X")
    option("precision", choices=get_args(Precision))
    option("select_on", choices=get_args(SelectOn))


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """Return the configuration options present on the command line."""
    from scatterwave.train.config import TrainConfig

    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {k: v for k, v in vars(args).items() if k in fields}
    if "dataset_options" in values:
        values["dataset_options"] = dict(values["dataset_options"])
    return values


def _config(args: argparse.Namespace) -> Any:
    """Return the run's configuration: options given, then the checkpoint's or defaults."""
    from scatterwave.train.config import TrainConfig

    given = _given(args)
    checkpoint = Path(args.out_dir) / "checkpoint.pt"
    if args.resume and checkpoint.is_file():
        from scatterwave.train.checkpoint import load_checkpoint

        saved = load_checkpoint(checkpoint)["config"]
        return TrainConfig.resumed(saved, given)
    missing = [f"--{name}" for name in ("model", "dataset") if name not in given]
    if missing:
        where = f"there is no {str(checkpoint)!r} to resume; " if args.resume else ""
        raise ValueError(
            f"{where}a new run needs {' and '.join(missing)} (e.g. --model m3 --dataset ucr:FordA)"
        )
    return TrainConfig(**given)


@contextlib.contextmanager
def _log_progress(config: Any) -> Iterator[None]:
    """Show the epoch log lines when the progress display is made of log lines.

    Without ``-v`` the command line logs warnings only; ``--progress log`` (or ``auto``
    without a terminal) would then print nothing, so the trainer's logger is lowered to
    INFO within the block (and restored after it).
    """
    log_lines = config.progress == "log" or (config.progress == "auto" and not sys.stderr.isatty())
    train_logger = logging.getLogger("scatterwave.train")
    level = train_logger.level
    if log_lines and train_logger.getEffectiveLevel() > logging.INFO:
        train_logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        train_logger.setLevel(level)


def run(args: argparse.Namespace) -> int:
    """Execute ``scatterwave train``; returns the exit code.

    0 on success, 2 on bad input (or a missing optional package), 3 when the run stopped on
    an unexpected error (its last checkpoint is kept).
    """
    from scatterwave.train import fit

    try:
        config = _config(args)
        with _log_progress(config):
            result = fit(config, resume=args.resume)
    except (ValueError, FileNotFoundError, FileExistsError) as exc:
        print(f"scatterwave train: error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        print(f"scatterwave train: error: missing optional package: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a full disk, a defect: exit 3, never a success or bad input
        logging.getLogger(__name__).debug("the run stopped on", exc_info=True)
        print(
            f"scatterwave train: error: the run stopped on an unexpected {type(exc).__name__}: "
            f"{exc} (traceback with -vv). The last checkpoint, if one was written, is kept: fix "
            "the cause and continue with --out OUT --resume",
            file=sys.stderr,
        )
        return 3
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # under torchrun only the first process reports
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in result.test.items())
    print(
        f"{config.model} on {config.dataset}: test {metrics} "
        f"(weights of epoch {result.best_epoch}, {result.n_parameters} parameters); "
        f"details in {result.out_dir / 'metrics.json'}"
    )
    return 0
