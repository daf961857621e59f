"""Training Wavelet Networks and baselines on raw signals (PyTorch).

:func:`fit` trains a model named in a :class:`TrainConfig` on a :mod:`scatterwave.datasets`
task, with seeded data order, checkpoints, exact resumption, JSON metrics, model selection on
the validation split only, and DistributedDataParallel under ``torchrun``.

Only :class:`TrainConfig` is imported eagerly; everything else (which needs torch) is imported
on first access, so ``scatterwave --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from scatterwave.train.config import TrainConfig

_LAZY = {
    "atomic_save": "scatterwave.train.checkpoint",
    "load_checkpoint": "scatterwave.train.checkpoint",
    "launch_local": "scatterwave.train.distributed",
    "TrainResult": "scatterwave.train.loop",
    "epoch_batches": "scatterwave.train.loop",
    "evaluate": "scatterwave.train.loop",
    "fit": "scatterwave.train.loop",
    "accuracy": "scatterwave.train.metrics",
    "average_precision": "scatterwave.train.metrics",
    "roc_auc": "scatterwave.train.metrics",
    "tagging_metrics": "scatterwave.train.metrics",
}

__all__ = ["TrainConfig", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'scatterwave.train' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
