"""Registry of the model zoo: names, builders and the paper's parameter budgets."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from torch import nn

__all__ = [
    "PAPER_PARAMETER_COUNTS",
    "accepted_options",
    "available",
    "build",
    "paper_parameter_count",
]

#: Parameters at width 1.0 for 10 classes (50 for the SampleCNNs): arithmetic on the
#: published layer shapes (Dai et al. 2017; Abdoli et al. 2019; Lee et al. 2017; Romero
#: et al. 2024), bias-free convolutions except in SampleCNN, 2 per batch-norm channel.
PAPER_PARAMETER_COUNTS: dict[str, int] = {
    "m3": 220_672,
    "m5": 558_080,
    "m11": 1_784_192,
    "m18": 3_679_872,
    "m34-res": 3_978_432,
    "1dcnn": 453_418,
    "samplecnn": 2_394_162,
    "w-m3": 219_450,
    "w-m5": 558_034,
    "w-m11": 1_806_369,
    "w-m18": 3_758_865,
    "w-m34-res": 4_020_525,
    "w-1dcnn": 458_614,
    "w-samplecnn": 2_403_860,
}

#: Number of classes the counts above are for.
PAPER_N_CLASSES: dict[str, int] = {
    name: 50 if name.endswith("samplecnn") else 10 for name in PAPER_PARAMETER_COUNTS
}


def _builders() -> dict[str, Callable[..., nn.Module]]:
    from scatterwave.nn.models.abdoli import Abdoli1DCNN, WAbdoli1DCNN
    from scatterwave.nn.models.dai import DaiNet, DaiResNet
    from scatterwave.nn.models.samplecnn import SampleCNN, WSampleCNN
    from scatterwave.nn.models.wdai import WDaiNet, WDaiResNet

    def named(cls: Callable[..., nn.Module], name: str) -> Callable[..., nn.Module]:
        # a partial keeps the class's signature (minus ``name``) for accepted_options
        return functools.partial(cls, name)

    table: dict[str, Callable[..., nn.Module]] = {
        name: named(DaiNet, name) for name in ("m3", "m5", "m11", "m18")
    }
    table.update({name: named(WDaiNet, name) for name in ("w-m3", "w-m5", "w-m11", "w-m18")})
    table.update(
        {
            "m34-res": DaiResNet,
            "w-m34-res": WDaiResNet,
            "1dcnn": Abdoli1DCNN,
            "w-1dcnn": WAbdoli1DCNN,
            "samplecnn": SampleCNN,
            "w-samplecnn": WSampleCNN,
        }
    )
    return table


def available() -> list[str]:
    """Names accepted by :func:`build`, baselines first then their W-variants."""
    return list(PAPER_PARAMETER_COUNTS)


def _check_name(name: object) -> str:
    if not isinstance(name, str) or name not in PAPER_PARAMETER_COUNTS:
        raise ValueError(f"unknown model name {name!r}; expected one of {available()}.")
    return name


def paper_parameter_count(name: str) -> int:
    """Parameter budget of ``name`` in the paper (10 classes; 50 for the SampleCNNs)."""
    return PAPER_PARAMETER_COUNTS[_check_name(name)]


def accepted_options(name: str) -> list[str]:
    """Keyword options that :func:`build` accepts for the model ``name``.

    Parameters
    ----------
    name : str
        One of :func:`available`.

    Returns
    -------
    list of str
        The model's keyword-only options in signature order, ``in_channels`` first, e.g.
        ``["in_channels", "width_multiplier", "dropout", "input_length"]`` for ``"1dcnn"``.
        A caller that knows its signal length passes it as ``input_length`` when this list
        contains it (the 1D-CNNs, whose classifier fixes the input length).

    Raises
    ------
    ValueError
        For an unknown name.
    """
    params = inspect.signature(_builders()[_check_name(name)]).parameters.values()
    return [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]


def build(name: str, n_classes: int, *, in_channels: int = 1, **options: Any) -> nn.Module:
    """Build a model of the zoo on the CPU, initialised from torch's global RNG.

    Parameters
    ----------
    name : str
        One of :func:`available` (lower case).
    n_classes : int
        Number of output logits.
    in_channels : int, default 1
        Input channels.
    **options
        Keyword options of the model class, e.g. ``width_multiplier`` (all models),
        ``n_scales`` and ``scale_pool`` (W-models), ``global_pool`` (M-nets), ``dropout``
        (1D-CNNs, SampleCNNs), ``input_length`` (1D-CNNs).

    Returns
    -------
    torch.nn.Module
        Maps ``(B, in_channels, T)`` float waveforms to ``(B, n_classes)`` logits and has a
        ``min_input_length`` attribute.

    Raises
    ------
    ValueError
        For an unknown name or an invalid option value.
    TypeError
        For an option the model does not have.
    """
    builder = _builders()[_check_name(name)]
    try:
        return builder(n_classes, in_channels=in_channels, **options)
    except TypeError as err:
        if "unexpected keyword argument" in str(err):
            raise TypeError(
                f"model {name!r} does not accept the option(s) {sorted(options)}: {err}"
            ) from err
        raise
