"""Configuration of a feature-extraction job: options, validation and config files.

A configuration file (TOML or JSON) holds the same keys as the command-line options, with
dashes or underscores (``sample-rate`` or ``sample_rate``); options given on the command
line override the file. Example (TOML)::

    transform = "scattering"
    J = 8
    Q = [8, 1]
    sample_rate = 16000
    segment = 4.0
    hop = 2.0
    channels = "mix"
    batch_size = 32          # default: 32 on CPU, sized to the GPU on CUDA
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["ExtractConfig", "load_config_file"]

TransformName = Literal["scattering", "jtfs"]
ChannelMode = Literal["mix", "each"]
DeviceName = Literal["cpu", "cuda"]

#: Keys of the configuration that decide the content of the output store; a resumed run
#: must use the same values. The others (device, workers, scheduler) only decide how the
#: work is executed.
CONTENT_KEYS: tuple[str, ...] = (
    "transform",
    "J",
    "Q",
    "T",
    "J_fr",
    "F",
    "sample_rate",
    "segment",
    "hop",
    "channels",
    "batch_size",
)


@dataclass(frozen=True, kw_only=True)
class ExtractConfig:
    """Options of a feature-extraction job.

    Parameters
    ----------
    transform : {"scattering", "jtfs"}
        :class:`~scatterwave.Scattering1D` or :class:`~scatterwave.TimeFrequencyScattering1D`.
    J : int or tuple of int
        Number of octaves of the wavelet filter bank (``2**J`` samples of averaging when
        ``T`` is not given), or ``(J1, J2)`` with ``J2 <= J1`` for second-order wavelets
        up to ``2**J2`` (see :class:`~scatterwave.Scattering1D`).
    Q : int or tuple of int
        Wavelets per octave, for the first order or ``(Q1, Q2)``.
    T : int or None
        Averaging scale in samples (``None``: the transform's default, ``2**J``).
    J_fr, F : int or None
        Frequential octaves and averaging scale, for ``transform="jtfs"`` only.
    sample_rate : int or None
        Rate in Hz every file is resampled to. ``None``: the common rate of the inputs (an
        error when the inputs have different rates).
    segment : float or None
        Segment duration in seconds. ``None``: one item per file (or channel), zero-padded
        to the longest input.
    hop : float or None
        Seconds between segment starts (default: ``segment``, no overlap).
    channels : {"mix", "each"}
        Mix multichannel files down to mono, or make one item per channel.
    device : {"cpu", "cuda"}
        Where the transform runs; ``"cuda"`` runs it through torch on the GPU.
    batch_size : int or None
        Items computed together; also the number of items per chunk of the store. None
        (default): 32 on CPU; on CUDA as many items as fill the GPU (see
        :func:`scatterwave.extract.runner.auto_batch_size`). The value used is recorded in the
        store, and a resumed run without ``batch_size`` takes it from there.
    workers : int or None
        Local worker processes (``None``: all cores on CPU, 1 on CUDA; 1 runs in-process).
    scheduler : str or None
        Address of a Dask distributed scheduler (``tcp://host:port``); runs there instead.
    """

    transform: TransformName = "scattering"
    J: int | tuple[int, ...] = 6
    Q: int | tuple[int, ...] = 8
    T: int | None = None
    J_fr: int | None = None
    F: int | None = None
    sample_rate: int | None = None
    segment: float | None = None
    hop: float | None = None
    channels: ChannelMode = "mix"
    device: DeviceName = "cpu"
    batch_size: int | None = None
    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        self.validate()

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        """Check every option, raising :class:`ValueError` with a fix on the first problem."""
        if self.transform not in ("scattering", "jtfs"):
            raise ValueError(
                f"transform={self.transform!r} is not supported; use 'scattering' or 'jtfs'"
            )
        for name in ("J", "Q"):
            value = getattr(self, name)
            values = value if isinstance(value, tuple) else (value,)
            if not 1 <= len(values) <= 2:
                raise ValueError(f"{name}={value!r}: give one value or two ({name}1, {name}2)")
            for v in values:
                _positive_int(name, v)
        if isinstance(self.J, tuple) and len(self.J) == 2 and self.J[1] > self.J[0]:
            J1, J2 = self.J
            raise ValueError(
                f"J={self.J!r}: the second-order J2 must not exceed J1; "
                f"use J=({J2}, {J1}) or J={J1}"
            )
        for name in ("T", "J_fr", "F"):
            value = getattr(self, name)
            if value is not None:
                _positive_int(name, value)
        if self.transform == "scattering":
            for name in ("J_fr", "F"):
                if getattr(self, name) is not None:
                    raise ValueError(
                        f"{name} is an option of the 'jtfs' transform; remove it or use "
                        "transform='jtfs'"
                    )
        if self.sample_rate is not None:
            _positive_int("sample_rate", self.sample_rate)
        for name in ("segment", "hop"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and math.isfinite(value)
                and value > 0
            ):
                raise ValueError(f"{name}={value!r}: expected a positive number of seconds")
        if self.hop is not None and self.segment is None:
            raise ValueError("hop is given without segment; pass segment too (both in seconds)")
        if self.channels not in ("mix", "each"):
            raise ValueError(f"channels={self.channels!r}: expected 'mix' or 'each'")
        if self.device not in ("cpu", "cuda"):
            raise ValueError(f"device={self.device!r}: expected 'cpu' or 'cuda'")
        if self.batch_size is not None:
            _positive_int("batch_size", self.batch_size)
        if self.workers is not None:
            _positive_int("workers", self.workers)
        if self.device == "cuda" and self.workers not in (None, 1):
            raise ValueError(
                f"workers={self.workers} with device='cuda': the GPU already runs a batch in "
                "parallel; use workers=1 (or leave it unset)"
            )
        if self.scheduler is not None and self.workers is not None:
            raise ValueError(
                "workers and scheduler are exclusive: the Dask cluster decides its workers"
            )
        if self.scheduler is not None and (
            not isinstance(self.scheduler, str) or "://" not in self.scheduler
        ):
            raise ValueError(
                f"scheduler={self.scheduler!r}: expected an address like tcp://host:8786"
            )

    # ------------------------------------------------------------------ derived values
    def samples(self, seconds: float, sample_rate: int) -> int:
        """Convert a duration to a number of samples at ``sample_rate`` (rounded, >= 1)."""
        return max(1, round(seconds * sample_rate))

    @property
    def effective_workers(self) -> int:
        """Local worker processes that will run (1 means in-process)."""
        if self.workers is not None:
            return self.workers
        if self.device == "cuda":
            return 1
        return os.cpu_count() or 1

    def to_dict(self) -> dict[str, Any]:
        """Return the options as a JSON-serialisable dict (tuples become lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def content_dict(self) -> dict[str, Any]:
        """Only the options that decide the content of the store (see ``CONTENT_KEYS``)."""
        full = self.to_dict()
        return {key: full[key] for key in CONTENT_KEYS}

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> ExtractConfig:
        """Build from a mapping with option names as keys (dashes allowed for underscores).

        Lists become tuples (``Q = [8, 1]``, ``J = [8, 6]``); unknown keys raise
        :class:`ValueError`.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        known: dict[str, Any] = {}
        unknown: list[str] = []
        for raw_key, value in values.items():
            key = _canonical_key(raw_key, names)
            if key not in names:
                unknown.append(raw_key)
                continue
            if isinstance(value, list):
                value = tuple(value)
            if key in ("J", "Q") and isinstance(value, tuple) and len(value) == 1:
                value = value[0]
            known[key] = value
        if unknown:
            raise ValueError(
                f"unknown configuration keys: {sorted(unknown)}; valid keys are {sorted(names)}"
            )
        return cls(**known)


def _canonical_key(raw: str, names: set[str]) -> str:
    key = raw.replace("-", "_")
    if key in names:
        return key
    for name in names:
        if name.lower() == key.lower():
            return name
    return key


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name}={value!r}: expected a positive integer")


def load_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a TOML (``.toml``) or JSON (``.json``) configuration file into a dict.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the suffix is neither ``.toml`` nor ``.json``, the file does not parse, or it
        does not hold a table/object at its top level.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"configuration file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise ValueError(
            f"configuration file {str(path)!r}: unknown format {suffix!r}; "
            "use a .toml or .json file"
        )
    text = path.read_text(encoding="utf-8")
    try:
        if suffix == ".json":
            data = json.loads(text)
        else:
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            data = tomllib.loads(text)
    except ValueError as exc:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise ValueError(f"configuration file {str(path)!r} does not parse: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(
            f"configuration file {str(path)!r} must hold a table of options at its top level"
        )
    return data
