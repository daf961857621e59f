"""The state one call of :func:`scatterwave.train.fit` trains with, and how it is built.

:func:`checked_checkpoint` prepares the output folder and loads the checkpoint to resume from,
:func:`set_up` builds the data, model, optimiser and scheduler into a :class:`Session` (restoring
the checkpoint), and :func:`save_checkpoint` writes it back. The epochs themselves are in
:mod:`scatterwave.train.loop`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from scatterwave.datasets import DatasetSplits
from scatterwave.train.checkpoint import atomic_save, get_rng_state, load_checkpoint, set_rng_state
from scatterwave.train.config import RESUMABLE_FIELDS, TrainConfig
from scatterwave.train.distributed import DistContext

__all__ = [
    "ModelFactory",
    "RunState",
    "Scheduler",
    "Session",
    "build_model",
    "checked_checkpoint",
    "make_optimizer",
    "make_scheduler",
    "save_checkpoint",
    "seed_all",
    "set_up",
]

# the training loop's logger: set-up and resume messages belong to the loop
logger = logging.getLogger("scatterwave.train.loop")

#: ``factory(n_classes, in_channels) -> nn.Module``
ModelFactory = Callable[[int, int], nn.Module]
Scheduler = torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau


class RunState:
    """Mutable state of one training run (what a checkpoint holds besides the modules)."""

    def __init__(self) -> None:
        self.epoch = 0  # epochs completed
        self.step_in_epoch = 0  # batches done in the current epoch
        self.global_step = 0
        self.sums = {"loss": 0.0, "wavelet": 0.0, "correct": 0.0, "items": 0.0}
        self.history: list[dict[str, Any]] = []
        self.best_score = -math.inf
        self.best_epoch = 0
        self.best_val: dict[str, float] = {}

    def state(self) -> dict[str, Any]:
        """Return the state as a dict, for the checkpoint."""
        return dict(vars(self))

    def load(self, state: dict[str, Any]) -> None:
        """Restore a state returned by :meth:`state`."""
        vars(self).update(state)


@dataclass
class Session:
    """What one call of :func:`~scatterwave.train.fit` trains with, built by :func:`set_up`."""

    config: TrainConfig
    ctx: DistContext
    data: DatasetSplits
    out: Path
    model: nn.Module
    #: ``model``, or its DistributedDataParallel wrapper under several processes
    train_model: nn.Module
    opt: torch.optim.Optimizer
    sched: Scheduler | None
    #: the wavelet regulariser when ``config.wavelet_loss_weight > 0``, else None
    wavelet_loss: Callable[[nn.Module], torch.Tensor] | None
    run: RunState
    n_params: int
    #: the loss scaler of ``precision="float16"``, else None
    scaler: torch.amp.GradScaler | None = None
    #: :func:`data_signature` of ``data``, kept in the checkpoint
    data_signature: dict[str, Any] | None = None


def checked_checkpoint(
    config: TrainConfig, ctx: DistContext, resume: bool
) -> dict[str, Any] | None:
    """Prepare ``out_dir`` and load the checkpoint to resume from, if any.

    Parameters
    ----------
    config : TrainConfig
    ctx : DistContext
    resume : bool
        Whether an existing checkpoint may be continued.

    Returns
    -------
    dict or None
        The checkpoint of the interrupted run, or None for a new run.

    Raises
    ------
    FileExistsError
        If a checkpoint exists and ``resume`` is False.
    ValueError
        If the checkpoint's configuration differs from ``config`` in an option that cannot
        change, or the batch is smaller than the number of processes.
    """
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)
    out = Path(config.out_dir)
    ckpt_path = out / "checkpoint.pt"
    if ctx.is_main:
        out.mkdir(parents=True, exist_ok=True)
    ctx.barrier()
    saved = None
    if ckpt_path.is_file():
        if not resume:
            raise FileExistsError(
                f"{str(ckpt_path)!r} exists: pass resume=True (CLI: --resume) to continue that "
                "run, or choose another out_dir"
            )
        saved = load_checkpoint(ckpt_path)
        diff = config.differences(TrainConfig.from_dict(saved["config"]))
        if diff:
            raise ValueError(
                f"cannot resume {str(ckpt_path)!r}: the configuration differs in {diff} "
                f"(new, saved); only {', '.join(sorted(RESUMABLE_FIELDS))} may change"
            )
    elif resume:
        logger.info("no checkpoint in %s: starting a new run", out)
    if config.batch_size < ctx.world_size:
        raise ValueError(
            f"batch_size={config.batch_size} is smaller than the {ctx.world_size} processes"
        )
    return saved


def set_up(
    config: TrainConfig,
    ctx: DistContext,
    data: DatasetSplits | None,
    model_factory: ModelFactory | None,
    saved: dict[str, Any] | None,
) -> Session:
    """Load the data, build the model and optimiser, and restore ``saved`` if given.

    Parameters
    ----------
    config : TrainConfig
    ctx : DistContext
    data : DatasetSplits or None
        Data to train on (None: loaded from ``config.dataset``).
    model_factory : callable or None
        See :func:`fit`.
    saved : dict or None
        Checkpoint of the interrupted run to continue (None: a new run).

    Returns
    -------
    Session
        Everything the epochs need; the global RNGs are seeded for training.
    """
    out = Path(config.out_dir)
    seed_all(config.seed)
    if data is None:
        from scatterwave.datasets import load

        data = load(
            config.dataset, root=config.data_root, seed=config.seed, **config.dataset_options
        )
    _check_splits(data)
    signature = data_signature(data)
    if saved is not None and saved.get("data") is not None:
        mismatch = signature_mismatch(saved["data"], signature)
        if mismatch:
            raise ValueError(
                f"cannot resume {str(out / 'checkpoint.pt')!r}: the data of {config.dataset!r} "
                f"(data_root {config.data_root!r}) are not the run's: {mismatch}; resume with "
                "the data the run was trained on"
            )
    model = build_model(config, data, model_factory).to(ctx.device)
    n_params = sum(p.numel() for p in model.parameters())
    train_model: nn.Module = model
    if ctx.distributed:
        ids = [ctx.device.index] if ctx.device.type == "cuda" else None
        train_model = nn.parallel.DistributedDataParallel(model, device_ids=ids)
    opt = make_optimizer(config, model.parameters())
    sched = make_scheduler(config, opt)
    wavelet_loss: Callable[[nn.Module], torch.Tensor] | None = None
    if config.wavelet_loss_weight > 0:
        from scatterwave.nn.regularizers import wavelet_layers, wavelet_loss

        if not wavelet_layers(model):
            raise ValueError(
                f"wavelet_loss_weight={config.wavelet_loss_weight} penalises the B-spline "
                f"(wavelet) kernels of the W-Nets, and model {config.model!r} has none: the "
                "option would do nothing; leave it at 0, or train a W-Net (e.g. 'w-m5')"
            )
    run = RunState()
    scaler = torch.amp.GradScaler(ctx.device.type) if config.precision == "float16" else None
    # Dropout and other stochastic layers draw from a per-rank stream.
    seed_all(config.seed * 1_000 + 7 + ctx.rank)
    if saved is not None:
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        if sched is not None:
            sched.load_state_dict(saved["scheduler"])
            _cosine_horizon(sched, config.epochs)
        run.load(saved["run"])
        if scaler is not None and saved.get("scaler") is not None:
            scaler.load_state_dict(saved["scaler"])
        set_rng_state(saved["rng"][ctx.rank])
        logger.info("resumed at epoch %d, step %d", run.epoch, run.global_step)
    if ctx.is_main:
        config.save(out / "config.json")
        logger.info(
            "training %s (%d parameters) on %s: %s", config.model, n_params, data.name,
            data.summary(),
        )  # fmt: skip
    return Session(
        config, ctx, data, out, model, train_model, opt, sched, wavelet_loss, run, n_params,
        scaler, signature,
    )  # fmt: skip


def _check_splits(data: DatasetSplits) -> None:
    """Refuse empty splits before any training (an empty one failed after the first epoch)."""
    empty = [name for name in ("train", "val", "test") if len(getattr(data, name)) == 0]
    if empty:
        sizes = {name: len(getattr(data, name)) for name in ("train", "val", "test")}
        raise ValueError(
            f"the {' and '.join(empty)} split(s) of {data.name!r} are empty {sizes}: training "
            "selects on the validation split and reports the test split. A validation split "
            "held out of the training data needs classes of at least two items; pass your own "
            "splits with fit(data=DatasetSplits(...)) otherwise"
        )


def data_signature(data: DatasetSplits) -> dict[str, Any]:
    """Summarise the data for the checkpoint: shapes, labels and every item's RMS, per split.

    Exact hashes of the signals would refuse the same data decoded or resampled on another
    machine with other round-off; RMS values compared to a relative ``1e-5`` do not, and
    tell other data, other items or another order apart.
    """
    signature: dict[str, Any] = {"classes": list(data.classes), "task": data.task}
    for name in ("train", "val", "test"):
        split = getattr(data, name)
        signature[name] = {
            "shape": list(np.shape(split.x)),
            # as float64: the same labels in another integer or float dtype are the same
            "labels": hashlib.sha256(np.asarray(split.y, dtype=np.float64).tobytes()).hexdigest(),
            "rms": _item_rms(split.x),
        }
    return signature


def _item_rms(x: np.ndarray, block: int = 256) -> list[float]:
    """RMS of every item of ``x`` ``(n, ...)`` in float64, a block of items at a time.

    Blocks keep the float64 copy small: a data set of a few GB in float32 would need twice
    its size at once.
    """
    n = len(x)
    if n == 0 or x[0].size == 0:
        return []
    out = []
    for start in range(0, n, block):
        part = np.asarray(x[start : start + block], dtype=np.float64).reshape(-1, x[0].size)
        out.append(np.sqrt(np.mean(part**2, axis=1)))
    return np.concatenate(out).tolist()


def signature_mismatch(saved: dict[str, Any], current: dict[str, Any]) -> str | None:
    """Describe how ``current`` differs from the ``saved`` :func:`data_signature` (None: same)."""
    for key in ("classes", "task"):
        if saved[key] != current[key]:
            return f"{key} {current[key]!r}, the run's {saved[key]!r}"
    for name in ("train", "val", "test"):
        a, b = saved[name], current[name]
        if a["shape"] != b["shape"]:
            return f"{name} split of shape {tuple(b['shape'])}, the run's {tuple(a['shape'])}"
        if a["labels"] != b["labels"]:
            return f"other labels in the {name} split"
        rms_a, rms_b = np.asarray(a["rms"]), np.asarray(b["rms"])
        finite = rms_a[np.isfinite(rms_a)]
        tol = 1e-5 * max(float(np.abs(finite).max(initial=0.0)), 1e-300)
        with np.errstate(invalid="ignore"):  # inf - inf
            same = (np.abs(rms_a - rms_b) <= tol) | (rms_a == rms_b)
        same |= np.isnan(rms_a) & np.isnan(rms_b)  # an item holding NaN in both
        if not same.all():
            item = int(np.flatnonzero(~same)[0])
            return f"other signals in the {name} split (item {item} first)"
    return None


def _cosine_horizon(sched: Scheduler, epochs: int) -> None:
    """Continue a restored cosine schedule on the curve of ``epochs`` (a resumption may raise it).

    The restored state keeps the interrupted run's horizon; its rate is set to the closed
    form at the current epoch for the new one, from which the scheduler's recursive steps
    follow the new curve.
    """
    if not isinstance(sched, torch.optim.lr_scheduler.CosineAnnealingLR) or sched.T_max == epochs:
        return
    sched.T_max = epochs
    done = sched.last_epoch
    for group, base in zip(sched.optimizer.param_groups, sched.base_lrs, strict=True):
        eta = sched.eta_min
        group["lr"] = eta + (base - eta) * (1 + math.cos(math.pi * done / epochs)) / 2
    sched._last_lr = [group["lr"] for group in sched.optimizer.param_groups]


def save_checkpoint(s: Session) -> None:
    """Write ``checkpoint.pt`` (modules, optimiser, scheduler, loss scaler, run state, RNGs)."""
    rng: list[Any] = [get_rng_state()]
    if s.ctx.distributed:
        rng = [None] * s.ctx.world_size
        torch.distributed.all_gather_object(rng, get_rng_state())
    if s.ctx.is_main:
        state = {
            "model": s.model.state_dict(),
            "optimizer": s.opt.state_dict(),
            "scheduler": None if s.sched is None else s.sched.state_dict(),
            "scaler": None if s.scaler is None else s.scaler.state_dict(),
            "run": s.run.state(),
            "rng": rng,
            "config": s.config.to_dict(),
            "data": s.data_signature,
        }
        atomic_save(state, s.out / "checkpoint.pt")
    s.ctx.barrier()


def build_model(
    config: TrainConfig, data: DatasetSplits, factory: ModelFactory | None
) -> nn.Module:
    """Build the model with ``factory``, or by name from ``config.model``."""
    if factory is not None:
        return factory(data.n_classes, data.in_channels)
    try:
        from scatterwave.nn.models import accepted_options, build
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "building a model by name needs scatterwave.nn.models (and torch)", name=exc.name
        ) from exc
    options: dict[str, Any] = {"width_multiplier": config.width_multiplier}
    if "input_length" in accepted_options(config.model):
        # the 1D-CNNs flatten time into their classifier: size it for the data's signals
        options["input_length"] = data.length
    return build(config.model, data.n_classes, in_channels=data.in_channels, **options)


def make_optimizer(config: TrainConfig, params: Iterator[nn.Parameter]) -> torch.optim.Optimizer:
    """Create the optimiser ``config.optimizer`` for ``params``."""
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adadelta":
        return torch.optim.Adadelta(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(
        params,
        lr=config.lr,
        momentum=config.momentum,
        nesterov=True,
        weight_decay=config.weight_decay,
    )


def make_scheduler(config: TrainConfig, opt: torch.optim.Optimizer) -> Scheduler | None:
    """Create the learning-rate scheduler ``config.scheduler`` (None: constant rate)."""
    if config.scheduler == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="min", factor=config.plateau_factor, patience=config.plateau_patience
        )
    if config.scheduler == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.epochs)
    return None


def seed_all(seed: int) -> None:
    """Seed Python's, NumPy's global and torch's random number generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (legacy global RNG, for user code)
    torch.manual_seed(seed)
