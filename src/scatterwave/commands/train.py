"""``scatterwave train``: train a model on a data set (single process or under ``torchrun``).

Examples
--------
::

    scatterwave train --model w-m3 --dataset ucr:FordA --epochs 20 --out runs/fordA-wm3
    scatterwave train --model m3 --dataset gm-notes --option split=extrapolate --out runs/gm
    scatterwave train ... --resume                  # continue an interrupted run
    torchrun --nproc_per_node 4 -m scatterwave train --model w-m11 --dataset urbansound8k \\
        --data-root /data/UrbanSound8K --device cuda --out runs/us8k
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
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


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``train`` sub-command and its options."""
    from scatterwave.train.config import Optimizer, Scheduler, SelectOn, TrainConfig

    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    p = subparsers.add_parser(
        "train",
        help="train a Wavelet Network or baseline on a data set",
        description="Train a model with a train/validation/test split: selection on the "
        "validation split, one test evaluation at the end. Writes config.json, checkpoint.pt, "
        "best.pt and metrics.json to --out. Run under torchrun for multi-GPU/multi-node.",
    )
    p.add_argument("--model", required=True, help="model name, e.g. m3, w-m3, m5, w-m5")
    p.add_argument(
        "--dataset",
        required=True,
        help="ucr:<Name> (e.g. ucr:FordA), gm-notes, urbansound8k, magnatagatune or synthetic",
    )
    p.add_argument("--out", required=True, dest="out_dir", help="run directory")
    p.add_argument("--data-root", help="local data directory (UrbanSound8K, MTT) or .sf2 file")
    p.add_argument(
        "--option",
        action="append",
        type=_option,
        default=[],
        metavar="KEY=VALUE",
        help="data-set loader option (VALUE parsed as JSON when possible); repeatable",
    )
    p.add_argument("--width-multiplier", type=float, default=defaults["width_multiplier"])
    p.add_argument("--epochs", type=int, default=defaults["epochs"])
    p.add_argument("--batch-size", type=int, default=defaults["batch_size"], help="global")
    p.add_argument("--lr", type=float, default=defaults["lr"])
    p.add_argument("--optimizer", choices=get_args(Optimizer), default=defaults["optimizer"])
    p.add_argument("--momentum", type=float, default=defaults["momentum"], help="SGD only")
    p.add_argument("--weight-decay", type=float, default=defaults["weight_decay"])
    p.add_argument("--scheduler", choices=get_args(Scheduler), default=defaults["scheduler"])
    p.add_argument("--plateau-patience", type=int, default=defaults["plateau_patience"])
    p.add_argument("--plateau-factor", type=float, default=defaults["plateau_factor"])
    p.add_argument(
        "--wavelet-loss-weight",
        type=float,
        default=defaults["wavelet_loss_weight"],
        help="weight of the zero-mean (admissibility) kernel penalty; 0 = off",
    )
    p.add_argument("--grad-clip", type=float, default=None)
    p.add_argument("--select-on", choices=get_args(SelectOn), default=defaults["select_on"])
    p.add_argument("--seed", type=int, default=defaults["seed"])
    p.add_argument("--device", default=defaults["device"], help="auto, cpu, cuda or cuda:N")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps")
    p.add_argument("--checkpoint-every", type=int, default=defaults["checkpoint_every"])
    p.add_argument("--num-threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--progress", choices=("auto", "bar", "log"), default=defaults["progress"])
    p.add_argument("--resume", action="store_true", help="continue from --out/checkpoint.pt")
    return p


def run(args: argparse.Namespace) -> int:
    """Execute ``scatterwave train``; returns the exit code (0 on success, 2 on bad input)."""
    from scatterwave.train import TrainConfig, fit

    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {k: v for k, v in vars(args).items() if k in fields}
    values["dataset_options"] = dict(args.option)
    try:
        config = TrainConfig(**values)
        result = fit(config, resume=args.resume)
    except (ValueError, FileNotFoundError, FileExistsError) as exc:
        print(f"scatterwave train: error: {exc}", file=sys.stderr)
        return 2
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # under torchrun only the first process reports
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in result.test.items())
    print(
        f"{config.model} on {config.dataset}: test {metrics} "
        f"(weights of epoch {result.best_epoch}, {result.n_parameters} parameters); "
        f"details in {result.out_dir / 'metrics.json'}"
    )
    return 0
