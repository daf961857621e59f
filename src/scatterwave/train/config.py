"""Training configuration: one dataclass, validated, JSON round-trippable."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = ["RESUMABLE_FIELDS", "TrainConfig"]

Optimizer = Literal["adam", "adamw", "sgd", "adadelta"]
Scheduler = Literal["none", "plateau", "cosine"]
SelectOn = Literal["metric", "loss"]
Precision = Literal["float32", "bfloat16", "float16"]
Progress = Literal["auto", "bar", "log"]

#: Fields that may differ between an interrupted run and its resumption: they change when
#: and where the run stops, where its files and its data lie, or what it displays, not what
#: it computes. ``epochs`` may be raised (a cosine schedule then continues on the curve of
#: the new horizon); the data read from a new ``data_root`` must be the run's own (checked
#: against the signature its checkpoint keeps).
RESUMABLE_FIELDS = frozenset(
    {
        "epochs",
        "max_steps",
        "device",
        "num_threads",
        "progress",
        "checkpoint_every",
        "out_dir",
        "data_root",
    }
)


@dataclass
class TrainConfig:
    """Everything that defines a training run.

    Parameters
    ----------
    model : str
        Model name for :func:`scatterwave.nn.models.build`, e.g. ``"m3"`` or ``"w-m3"`` (a label
        only when :func:`~scatterwave.train.fit` gets a ``model_factory``).
    dataset : str
        Data-set name for :func:`scatterwave.datasets.load`, e.g. ``"ucr:FordA"``.
    out_dir : str
        Directory for ``config.json``, ``checkpoint.pt``, ``best.pt`` and ``metrics.json``.
    data_root : str, optional
        Local data directory (or SoundFont) passed to the loader as ``root``.
    dataset_options : dict
        Extra keyword options of the loader.
    width_multiplier : float
        Channel-width factor passed to the model builder.
    epochs : int
        Number of passes over the training split.
    batch_size : int
        Global batch size (split over processes under DistributedDataParallel).
    lr : float
        Initial learning rate.
    optimizer : {"adam", "adamw", "sgd", "adadelta"}
        ``"sgd"`` uses Nesterov momentum ``momentum``.
    momentum : float
        SGD momentum (used by ``"sgd"`` only; must stay 0.9 default otherwise).
    weight_decay : float
        L2 penalty (decoupled for ``"adamw"``).
    scheduler : {"none", "plateau", "cosine"}
        ``"plateau"`` halves (``plateau_factor``) the rate after ``plateau_patience`` epochs
        without a lower validation *task* loss; ``"cosine"`` anneals to 0 over ``epochs``.
    plateau_patience : int
    plateau_factor : float
    wavelet_loss_weight : float
        Weight of :func:`scatterwave.nn.wavelet_loss` added to the training loss (0 = off).
        It is reported separately and never enters validation or selection. Models without
        B-spline layers (the CNN baselines) refuse a positive weight.
    grad_clip : float, optional
        Clip the global gradient norm to this value.
    precision : {"float32", "bfloat16", "float16"}
        Arithmetic of the forward passes (training, validation and test) and of the loss:
        float32, or mixed precision under ``torch.autocast`` in bfloat16 or float16. The
        parameters, their gradients, the optimiser state and the wavelet regulariser stay
        float32. ``"float16"`` scales the loss with a ``torch.amp.GradScaler`` (steps whose
        gradients overflow are skipped and the scale backs off); its state is part of the
        checkpoint. The scattering transforms and the wavelet layers compute in float32
        whatever the autocast (docs/wavelet_networks.md).
    select_on : {"metric", "loss"}
        Model selection on the validation metric (accuracy, or tag-wise ROC-AUC for multi-label
        data) or on the validation task loss. The test split is never used for selection.
    seed : int
        Seeds the parameter initialisation, the data order, dropout and any data split.
    device : str
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    max_steps : int, optional
        Stop after this many optimizer steps in total (a budget; a checkpoint is written).
    checkpoint_every : int
        Also write ``checkpoint.pt`` every this many steps (0 = only at the end of each epoch).
    num_threads : int, optional
        ``torch.set_num_threads`` for CPU runs.
    progress : {"auto", "bar", "log"}
        Progress display: a tqdm bar on a terminal (``"auto"``) or log lines.
    """

    model: str
    dataset: str
    out_dir: str
    data_root: str | None = None
    dataset_options: dict[str, Any] = field(default_factory=dict)
    width_multiplier: float = 1.0
    epochs: int = 10
    batch_size: int = 32
    lr: float = 1e-3
    optimizer: Optimizer = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    scheduler: Scheduler = "plateau"
    plateau_patience: int = 5
    plateau_factor: float = 0.5
    wavelet_loss_weight: float = 0.0
    grad_clip: float | None = None
    precision: Precision = "float32"
    select_on: SelectOn = "metric"
    seed: int = 0
    device: str = "auto"
    max_steps: int | None = None
    checkpoint_every: int = 0
    num_threads: int | None = None
    progress: Progress = "auto"

    def __post_init__(self) -> None:
        choices = {
            "optimizer": get_args(Optimizer),
            "scheduler": get_args(Scheduler),
            "select_on": get_args(SelectOn),
            "progress": get_args(Progress),
            "precision": get_args(Precision),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{f.name} must be a finite number, got {value}")
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not 0 <= self.seed < 2**32
        ):
            raise ValueError(f"seed must be an integer in [0, 2**32), got {self.seed!r}")
        positive = {"epochs": self.epochs, "batch_size": self.batch_size, "lr": self.lr}
        positive["width_multiplier"] = self.width_multiplier
        positive["plateau_patience"] = self.plateau_patience
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"{name} must be > 0, got {value}")
        nonneg = {
            "weight_decay": self.weight_decay,
            "wavelet_loss_weight": self.wavelet_loss_weight,
            "checkpoint_every": self.checkpoint_every,
        }
        for name, value in nonneg.items():
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if not 0.0 < self.plateau_factor < 1.0:
            raise ValueError(f"plateau_factor must be in (0, 1), got {self.plateau_factor}")
        if self.optimizer != "sgd" and self.momentum != 0.9:
            raise ValueError(
                f"momentum={self.momentum} is only used by optimizer='sgd' "
                f"(got optimizer={self.optimizer!r}); leave it at its default"
            )
        if self.scheduler != "plateau" and (self.plateau_patience, self.plateau_factor) != (5, 0.5):
            raise ValueError("plateau_patience/plateau_factor are only used by scheduler='plateau'")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max_steps must be >= 1 or None, got {self.max_steps}")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValueError(f"grad_clip must be > 0 or None, got {self.grad_clip}")
        if self.num_threads is not None and self.num_threads < 1:
            raise ValueError(f"num_threads must be >= 1 or None, got {self.num_threads}")
        if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", str(self.device)):
            raise ValueError(
                f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {self.device!r}"
            )
        if not isinstance(self.dataset_options, dict):
            raise TypeError(f"dataset_options must be a dict, got {type(self.dataset_options)}")

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-serialisable)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown TrainConfig fields {unknown}; valid fields: {sorted(names)}")
        return cls(**d)

    def save(self, path: str | os.PathLike) -> None:
        """Write the configuration as JSON."""
        with open(path, "w") as f:
            json.dump(self.to_dict(), f, indent=2, sort_keys=True)

    @classmethod
    def load(cls, path: str | os.PathLike) -> TrainConfig:
        """Read a configuration written by :meth:`save`."""
        with open(path) as f:
            return cls.from_dict(json.load(f))

    @classmethod
    def resumed(cls, saved: dict[str, Any], given: dict[str, Any]) -> TrainConfig:
        """Rebuild the configuration of a resumed run: ``saved``, with the options ``given`` anew.

        Parameters
        ----------
        saved : dict
            The interrupted run's configuration (``checkpoint["config"]``).
        given : dict
            Options given for the resumption. Those in :data:`RESUMABLE_FIELDS` replace the
            saved values; any other must equal its saved value. ``max_steps`` (steps in
            all, those before the resumption included) is not carried over: unless given
            anew it is unset (the run goes to its end).

        Returns
        -------
        TrainConfig

        Raises
        ------
        ValueError
            If a given option outside :data:`RESUMABLE_FIELDS` differs from the saved run,
            naming each such option, both values and what may change.
        """
        unknown = sorted(set(given) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"unknown TrainConfig fields {unknown}")
        conflicts = {
            k: (saved.get(k), v)
            for k, v in given.items()
            if k not in RESUMABLE_FIELDS and _normal(v) != _normal(saved.get(k))
        }
        if conflicts:
            details = "; ".join(
                f"{k}: the run has {old!r}, given {new!r}" for k, (old, new) in conflicts.items()
            )
            may = ", ".join(sorted(RESUMABLE_FIELDS))
            raise ValueError(
                f"cannot resume with different options ({details}): the run's configuration "
                f"comes from its checkpoint and only {may} may change; drop those options, "
                "or start a new run in another out_dir"
            )
        values = {**saved, "max_steps": None}
        values.update({k: v for k, v in given.items() if k in RESUMABLE_FIELDS})
        return cls.from_dict(values)

    def differences(self, other: TrainConfig) -> dict[str, tuple[Any, Any]]:
        """Fields that differ from ``other`` and would change the result of a resumed run."""
        a, b = self.to_dict(), other.to_dict()
        return {k: (a[k], b[k]) for k in a if a[k] != b[k] and k not in RESUMABLE_FIELDS}


def _normal(value: Any) -> Any:
    """JSON form of a value, so that e.g. a tuple equals the list a checkpoint holds."""
    return json.loads(json.dumps(value))
