"""The training loop: :func:`fit` and :func:`evaluate`.

Design
------
* Data order is a pure function of ``(seed, epoch)``, so a run resumed from a checkpoint written
  after step ``k`` of an epoch replays exactly the batches an uninterrupted run would have seen.
  Together with the saved optimizer, scheduler and RNG states this makes resumption bit-exact.
* ``batch_size`` is the global batch. Under DistributedDataParallel rank ``r`` takes items
  ``r, r + world_size, ...`` of every global batch and the per-rank loss is scaled so that the
  averaged gradient equals the single-process gradient of the same global batch.
* Model selection (best epoch, learning-rate plateau) uses the validation split only; the test
  split is evaluated once, with the selected weights, after training.
* ``precision`` other than float32 runs every forward pass under ``torch.autocast``
  (``_autocast``); the loss is taken in float32, and float16 scales it for the backward pass
  (``Session.scaler``), unscaling the gradients before clipping and stepping.

The run's set-up (data, model, optimiser, scheduler, resumption) and its checkpoints are in
:mod:`scatterwave.train._session`; this module holds the epochs.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from scatterwave.datasets import ArraySplit, DatasetSplits
from scatterwave.train._session import (
    ModelFactory,
    Session,
    checked_checkpoint,
    save_checkpoint,
    set_up,
)
from scatterwave.train.checkpoint import atomic_save, load_checkpoint
from scatterwave.train.config import Precision, TrainConfig
from scatterwave.train.distributed import DistContext, gather_rows, setup, teardown
from scatterwave.train.metrics import accuracy, tagging_metrics

__all__ = ["TrainResult", "epoch_batches", "evaluate", "fit"]

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """What :func:`fit` returns (also written to ``<out_dir>/metrics.json``).

    Attributes
    ----------
    out_dir : Path
    best_epoch : int
        1-based epoch whose weights were selected on the validation split (0 when training
        stopped before the first epoch ended and the last weights were used).
    val : dict
        Validation metrics of the selected weights.
    test : dict
        Test metrics of the selected weights (the only use of the test split).
    history : list of dict
        One entry per completed epoch.
    n_parameters : int
    steps : int
        Optimizer steps taken in total.
    stopped_early : bool
        True when ``max_steps`` ended training before ``epochs``.
    """

    out_dir: Path
    best_epoch: int
    val: dict[str, float]
    test: dict[str, float]
    history: list[dict[str, Any]] = field(default_factory=list)
    n_parameters: int = 0
    steps: int = 0
    stopped_early: bool = False


def epoch_batches(
    n: int, batch_size: int, *, seed: int, epoch: int, world_size: int = 1
) -> list[torch.Tensor]:
    """Global batches of one epoch: a seeded permutation of ``range(n)`` cut into chunks.

    Parameters
    ----------
    n : int
        Training-set size.
    batch_size : int
        Global batch size.
    seed, epoch : int
        The permutation depends on these only.
    world_size : int
        A last batch smaller than ``world_size`` is dropped (every process needs an item).

    Returns
    -------
    list of Tensor, each shape (<= batch_size,), int64
    """
    gen = torch.Generator().manual_seed(seed * 100_003 + epoch)
    perm = torch.randperm(n, generator=gen)
    batches = list(torch.split(perm, batch_size))
    if batches and len(batches[-1]) < world_size:
        batches.pop()
    return batches


def _autocast(precision: Precision, device: torch.device) -> torch.autocast:
    """Return the autocast context of ``precision`` on ``device`` (disabled for float32).

    Parameters
    ----------
    precision : {"float32", "bfloat16", "float16"}
    device : torch.device

    Returns
    -------
    torch.autocast
    """
    dtype = {"float32": None, "bfloat16": torch.bfloat16, "float16": torch.float16}[precision]
    return torch.autocast(device.type, dtype=dtype, enabled=dtype is not None)


def _task_loss(logits: torch.Tensor, y: torch.Tensor, task: str) -> torch.Tensor:
    """Sum (not average) the loss over the items of a batch."""
    if task == "multilabel":
        return F.binary_cross_entropy_with_logits(logits, y, reduction="sum") / y.shape[1]
    return F.cross_entropy(logits, y, reduction="sum")


@torch.no_grad()
def evaluate(
    model: nn.Module,
    split: ArraySplit,
    *,
    task: str = "multiclass",
    batch_size: int = 64,
    ctx: DistContext | None = None,
    precision: Precision = "float32",
) -> dict[str, float]:
    """Loss and metrics of ``model`` on one split (in eval mode; sharded over processes).

    Parameters
    ----------
    model : nn.Module
        Maps (B, C, T) to (B, n_classes) logits.
    split : ArraySplit
    task : {"multiclass", "multilabel"}
    batch_size : int
    ctx : DistContext, optional
        Process group; by default a single CPU process.
    precision : {"float32", "bfloat16", "float16"}
        Arithmetic of the forward passes (under ``torch.autocast``); the loss is float32.

    Returns
    -------
    dict
        ``loss`` and ``accuracy`` (multiclass) or the :func:`tagging_metrics` (multilabel).
    """
    ctx = ctx or DistContext()
    was_training = model.training
    model.eval()
    idx = torch.arange(ctx.rank, len(split), ctx.world_size)
    out = []
    for chunk in torch.split(idx, batch_size):
        xb = torch.from_numpy(split.x[chunk.numpy()]).to(ctx.device)
        with _autocast(precision, ctx.device):
            logits = model(xb)
        out.append(logits.float().cpu())
    model.train(was_training)
    n_out = out[0].shape[1] if out else 0
    local = torch.cat(out) if out else torch.zeros((0, n_out))
    logits = gather_rows(local.to(ctx.device), len(split), ctx).cpu()
    y = torch.from_numpy(split.y)
    loss = float(_task_loss(logits, y, task)) / len(split)
    if task == "multilabel":
        return {"loss": loss, **tagging_metrics(logits.numpy(), split.y)}
    return {"loss": loss, "accuracy": accuracy(logits.numpy(), split.y)}


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj


def _write_json(obj: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as f:
        json.dump(_json_safe(obj), f, indent=2)
    os.replace(tmp, path)


def _selection_score(val: dict[str, float], config: TrainConfig, task: str) -> float:
    """Higher is better."""
    if config.select_on == "loss":
        return -val["loss"]
    score = val["roc_auc"] if task == "multilabel" else val["accuracy"]
    return score if math.isfinite(score) else -math.inf


def _progress(config: TrainConfig, ctx: DistContext, total: int, initial: int, desc: str) -> Any:
    use_bar = config.progress == "bar" or (config.progress == "auto" and sys.stderr.isatty())
    if not (use_bar and ctx.is_main):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, leave=False, dynamic_ncols=True)


def fit(
    config: TrainConfig,
    *,
    data: DatasetSplits | None = None,
    model_factory: ModelFactory | None = None,
    resume: bool = False,
) -> TrainResult:
    """Train a model, select it on the validation split, evaluate it once on the test split.

    Works in a single process (CPU by default) and under ``torchrun`` / :func:`launch_local`
    with DistributedDataParallel (every process calls ``fit`` with the same arguments).

    Parameters
    ----------
    config : TrainConfig
    data : DatasetSplits, optional
        Data to train on; by default loaded with :func:`scatterwave.datasets.load` from
        ``config.dataset``.
    model_factory : callable, optional
        ``factory(n_classes, in_channels) -> nn.Module``; by default
        :func:`scatterwave.nn.models.build` with ``config.model`` and ``config.width_multiplier``,
        plus ``input_length`` (the signal length of ``data``) for the models with a fixed input
        length (the 1D-CNNs).
    resume : bool
        Continue from ``<out_dir>/checkpoint.pt`` if it exists (start afresh otherwise). Without
        it, an existing checkpoint is an error, so a run is never silently overwritten. The
        configuration may differ from the checkpoint's only in
        :data:`~scatterwave.train.config.RESUMABLE_FIELDS` (among them ``out_dir`` and
        ``data_root``, for a run or data set that moved); the data must be the run's own
        (shapes, labels and every item's RMS, kept in the checkpoint, are compared).

    Raises
    ------
    ValueError
        On a configuration that cannot run or resume, data other than the run's, or an
        empty train, validation or test split (refused before the first step).

    Returns
    -------
    TrainResult
    """
    ctx = setup(config.device)
    out = Path(config.out_dir)
    created = _missing_dirs(out)
    existing = {name for name in _RUN_FILES if (out / name).exists()}
    try:
        return _fit(config, ctx, data, model_factory, resume)
    except BaseException:
        if ctx.is_main:
            _remove_unresumable(out, created, existing)
        raise
    finally:
        teardown(ctx)


#: Files a run writes into ``out_dir``.
_RUN_FILES = ("config.json", "checkpoint.pt", "best.pt", "metrics.json")


def _missing_dirs(path: Path) -> list[Path]:
    """``path`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


def _remove_unresumable(out: Path, created: list[Path], existing: set[str]) -> None:
    """After a failure, undo what this run created, unless a checkpoint can resume it.

    Only the run files this run wrote (``existing``: those there before it) are removed,
    then the directories it created (``created``, deepest first), each only when empty:
    nothing written by anybody else is deleted.
    """
    if (out / "checkpoint.pt").is_file():
        logger.info("the run in %s can be resumed (--resume): its files are kept", out)
        return
    if not out.is_dir():
        return
    for name in _RUN_FILES:
        if name not in existing:
            (out / name).unlink(missing_ok=True)
        for stale in out.glob(f".{name}.*.tmp"):  # an atomic write cut short
            stale.unlink(missing_ok=True)
    for folder in created:
        try:
            folder.rmdir()
        except OSError:  # not empty, or already gone: leave it
            break


def _fit(
    config: TrainConfig,
    ctx: DistContext,
    data: DatasetSplits | None,
    model_factory: ModelFactory | None,
    resume: bool,
) -> TrainResult:
    """Run :func:`fit` once the process group is set up (see :func:`fit` for the arguments)."""
    saved = checked_checkpoint(config, ctx, resume)
    s = set_up(config, ctx, data, model_factory, saved)
    run = s.run
    x_train = torch.from_numpy(s.data.train.x)
    y_train = torch.from_numpy(s.data.train.y)
    stopped = False
    t_epoch = time.perf_counter()
    while run.epoch < config.epochs and not stopped:
        batches = epoch_batches(
            len(s.data.train), config.batch_size, seed=config.seed, epoch=run.epoch,
            world_size=ctx.world_size,
        )  # fmt: skip
        stopped = _train_epoch(s, x_train, y_train, batches)
        if run.step_in_epoch < len(batches):
            save_checkpoint(s)
            logger.info("stopped after %d steps (max_steps)", run.global_step)
            break
        _end_epoch(s, time.perf_counter() - t_epoch)
        t_epoch = time.perf_counter()
        save_checkpoint(s)
        stopped = stopped or (config.max_steps is not None and run.global_step >= config.max_steps)
    return _finish(s, stopped)


def _train_epoch(
    s: Session, x_train: torch.Tensor, y_train: torch.Tensor, batches: list[torch.Tensor]
) -> bool:
    """Train on the remaining ``batches`` of the current epoch.

    Parameters
    ----------
    s : Session
    x_train, y_train : torch.Tensor
        The whole training split (on the CPU).
    batches : list of torch.Tensor
        The epoch's global batches of item indices (:func:`epoch_batches`); training starts
        at ``s.run.step_in_epoch``.

    Returns
    -------
    bool
        True when ``max_steps`` was reached (the epoch may be left unfinished).
    """
    config, ctx, run = s.config, s.ctx, s.run
    bar = _progress(
        config, ctx, len(batches), run.step_in_epoch, f"epoch {run.epoch + 1}/{config.epochs}"
    )
    stopped = False
    s.train_model.train()
    while run.step_in_epoch < len(batches):
        if config.max_steps is not None and run.global_step >= config.max_steps:
            stopped = True  # checked before the step: a resumed run may already be there
            break
        batch = batches[run.step_in_epoch]
        mine = batch[ctx.rank :: ctx.world_size]
        xb, yb = x_train[mine].to(ctx.device), y_train[mine].to(ctx.device)
        task_sum = _train_step(s, xb, yb, len(batch))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{float(task_sum.detach()) / len(mine):.4f}")
        if config.checkpoint_every and run.global_step % config.checkpoint_every == 0:
            save_checkpoint(s)
    if bar is not None:
        bar.close()
    return stopped


def _train_step(s: Session, xb: torch.Tensor, yb: torch.Tensor, n_batch: int) -> torch.Tensor:
    """Take one optimiser step on this process's share of a global batch.

    Parameters
    ----------
    s : Session
    xb, yb : torch.Tensor
        This process's items of the batch and their targets, on ``s.ctx.device``.
    n_batch : int
        Size of the global batch (the loss is scaled to it).

    Returns
    -------
    torch.Tensor
        The summed task loss over ``xb``; the running sums of ``s.run`` are updated.
    """
    config, ctx, run = s.config, s.ctx, s.run
    with _autocast(config.precision, ctx.device):
        logits = s.train_model(xb)
    task_sum = _task_loss(logits.float(), yb, s.data.task)
    loss = task_sum * (ctx.world_size / n_batch)
    wl = torch.zeros((), device=ctx.device)
    if s.wavelet_loss is not None:
        wl = s.wavelet_loss(s.model)
        loss = loss + config.wavelet_loss_weight * wl
    s.opt.zero_grad(set_to_none=True)
    if s.scaler is None:
        loss.backward()
    else:
        s.scaler.scale(loss).backward()
        s.scaler.unscale_(s.opt)  # the clipping and the step see the true gradients
    if config.grad_clip is not None:
        nn.utils.clip_grad_norm_(s.model.parameters(), config.grad_clip)
    if s.scaler is None:
        s.opt.step()
    else:
        s.scaler.step(s.opt)  # skipped when a gradient overflowed
        s.scaler.update()
    run.step_in_epoch += 1
    run.global_step += 1
    run.sums["loss"] += float(task_sum.detach())
    run.sums["wavelet"] += float(wl.detach()) * len(xb)
    run.sums["items"] += len(xb)
    if s.data.task == "multiclass":
        run.sums["correct"] += float((logits.argmax(1) == yb).sum())
    return task_sum


def _end_epoch(s: Session, seconds: float) -> None:
    """Validate, step the scheduler, keep the best weights and log one history entry."""
    run, config, ctx, model, data, opt, sched, out = (
        s.run, s.config, s.ctx, s.model, s.data, s.opt, s.sched, s.out
    )  # fmt: skip
    n = _reduce_sums(run.sums, ctx)
    val = evaluate(
        model, data.val, task=data.task, batch_size=config.batch_size, ctx=ctx,
        precision=config.precision,
    )  # fmt: skip
    entry: dict[str, Any] = {
        "epoch": run.epoch + 1,
        "step": run.global_step,
        "lr": opt.param_groups[0]["lr"],
        "train_loss": n["loss"] / max(n["items"], 1),
        "train_wavelet_loss": n["wavelet"] / max(n["items"], 1),
        **{f"val_{k}": v for k, v in val.items()},
        "seconds": seconds,
    }
    if data.task == "multiclass":
        entry["train_accuracy"] = n["correct"] / max(n["items"], 1)
    if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
        sched.step(val["loss"])  # the task loss only, never the wavelet regulariser
    elif sched is not None:
        sched.step()
    score = _selection_score(val, config, data.task)
    if score > run.best_score or run.best_epoch == 0:
        run.best_score, run.best_epoch, run.best_val = score, run.epoch + 1, val
        if ctx.is_main:
            atomic_save({"model": model.state_dict(), "epoch": run.best_epoch}, out / "best.pt")
    run.history.append(entry)
    run.epoch += 1
    run.step_in_epoch = 0
    run.sums = dict.fromkeys(run.sums, 0.0)
    if ctx.is_main:
        _write_json({"config": config.to_dict(), "history": run.history}, out / "metrics.json")
        metric = "val_accuracy" if data.task == "multiclass" else "val_roc_auc"
        logger.info(
            "epoch %d/%d: train loss %.4f, val loss %.4f, %s %.4f (%.1f s)",
            entry["epoch"], config.epochs, entry["train_loss"], val["loss"], metric,
            entry[metric], seconds,
        )  # fmt: skip


def _reduce_sums(sums: dict[str, float], ctx: DistContext) -> dict[str, float]:
    if not ctx.distributed:
        return dict(sums)
    keys = sorted(sums)
    t = torch.tensor([sums[k] for k in keys], dtype=torch.float64, device=ctx.device)
    torch.distributed.all_reduce(t)
    return dict(zip(keys, t.tolist(), strict=True))


def _finish(s: Session, stopped: bool) -> TrainResult:
    """Load the selected weights and evaluate the test split once."""
    run, config, ctx, model, data, out, n_params = (
        s.run, s.config, s.ctx, s.model, s.data, s.out, s.n_params
    )  # fmt: skip
    ctx.barrier()
    if run.best_epoch > 0:
        best = load_checkpoint(out / "best.pt")
        model.load_state_dict(best["model"])
        val = run.best_val
    else:
        logger.warning("no epoch completed: evaluating the last weights")
        val = evaluate(
            model, data.val, task=data.task, batch_size=config.batch_size, ctx=ctx,
            precision=config.precision,
        )  # fmt: skip
    test = evaluate(
        model, data.test, task=data.task, batch_size=config.batch_size, ctx=ctx,
        precision=config.precision,
    )  # fmt: skip
    result = TrainResult(
        out_dir=out,
        best_epoch=run.best_epoch,
        val=val,
        test=test,
        history=list(run.history),
        n_parameters=n_params,
        steps=run.global_step,
        stopped_early=bool(stopped and run.epoch < config.epochs),
    )
    if ctx.is_main:
        summary = {
            "config": config.to_dict(),
            "data": data.summary(),
            "n_parameters": n_params,
            "history": run.history,
            "best_epoch": run.best_epoch,
            "val": val,
            "test": test,
            "steps": run.global_step,
            "stopped_early": result.stopped_early,
        }
        _write_json(summary, out / "metrics.json")
        logger.info("test: %s (weights of epoch %d)", test, run.best_epoch)
    return result
