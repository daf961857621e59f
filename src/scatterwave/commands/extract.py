"""``scatterwave extract``: compute scattering / JTFS features of audio files into Zarr.

Exit codes: 0 every input processed; 1 the store is complete but some inputs failed (see
its failures table); 2 the job could not start (bad options, no inputs, output exists
without ``--resume``, no CUDA, unreachable scheduler) or a chunk ended its local worker
twice (a first death is retried in a fresh worker); 3 the job stopped on an unexpected error
(a full disk, a defect: the finished chunks are kept, run again with ``--resume`` once the
cause is fixed); 130 interrupted by Ctrl-C or SIGTERM (the finished chunks are kept: run
again with ``--resume``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["add_parser", "run"]

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED_INPUTS, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _pair_value(name: str, example: str) -> Callable[[str], int | tuple[int, ...]]:
    """Parser of ``name`` or ``name1,name2`` (``example``: a pair to show in the error)."""

    def parse(text: str) -> int | tuple[int, ...]:
        parts = [p for p in text.replace(" ", "").split(",") if p]
        if not 1 <= len(parts) <= 2:
            raise argparse.ArgumentTypeError(
                f"expected {name} or {name}1,{name}2 (e.g. {example}), got {text!r}"
            )
        values = tuple(_positive_int(p) for p in parts)
        return values[0] if len(values) == 1 else values

    return parse


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``extract`` sub-command."""
    sup = argparse.SUPPRESS
    p = subparsers.add_parser(
        "extract",
        help="compute transform features of audio files into a Zarr store",
        description=(
            "Cut audio files into fixed-length segments, compute Scattering1D or JTFS "
            "coefficients, and write them to a Zarr store with per-segment metadata. "
            "Options may also come from --config (TOML or JSON, same keys); the command "
            "line wins."
        ),
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="audio file, folder (searched recursively) or .txt/.lst file listing paths",
    )
    p.add_argument("-o", "--output", required=True, metavar="OUT.zarr", help="output store")
    p.add_argument(
        "--transform",
        choices=("scattering", "jtfs"),
        default=sup,
        help="transform (default: scattering)",
    )
    _add_transform_options(p, sup)
    _add_segment_options(p, sup)
    _add_run_options(p, sup)
    p.add_argument("--config", metavar="FILE", help="TOML or JSON file of options")
    return p


def _add_transform_options(p: argparse.ArgumentParser, sup: str) -> None:
    """Add the transform's parameters."""
    p.add_argument(
        "--J",
        type=_pair_value("J", "6 or 6,4"),
        default=sup,
        help="octaves, J or J1,J2 (default: 6)",
    )
    p.add_argument(
        "--Q",
        type=_pair_value("Q", "8 or 8,1"),
        default=sup,
        help="wavelets per octave, Q or Q1,Q2 (default: 8)",
    )
    p.add_argument(
        "--T", type=_positive_int, default=sup, help="averaging scale in samples (default: 2**J)"
    )
    p.add_argument(
        "--J-fr",
        dest="J_fr",
        type=_positive_int,
        default=sup,
        help="frequential octaves (jtfs only)",
    )
    p.add_argument(
        "--F", type=_positive_int, default=sup, help="frequential averaging scale (jtfs only)"
    )


def _add_segment_options(p: argparse.ArgumentParser, sup: str) -> None:
    """Add how files become items: sample rate, segments, channels."""
    p.add_argument(
        "--sample-rate",
        dest="sample_rate",
        type=_positive_int,
        default=sup,
        metavar="HZ",
        help="resample every file to this rate (default: the inputs' common rate)",
    )
    p.add_argument(
        "--segment",
        type=_positive_float,
        default=sup,
        metavar="SECONDS",
        help="segment length (default: whole files, padded to the longest)",
    )
    p.add_argument(
        "--hop",
        type=_positive_float,
        default=sup,
        metavar="SECONDS",
        help="seconds between segment starts (default: --segment)",
    )
    p.add_argument(
        "--channels",
        choices=("mix", "each"),
        default=sup,
        help="mix channels to mono, or one item per channel (default: mix)",
    )


def _add_run_options(p: argparse.ArgumentParser, sup: str) -> None:
    """Add where and how the job runs."""
    p.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default=sup,
        help="where the transform runs (default: cpu)",
    )
    p.add_argument(
        "--batch-size",
        dest="batch_size",
        type=_positive_int,
        default=sup,
        help="items per batch and per store chunk (default: 32 on cpu, sized to the GPU on cuda)",
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=sup,
        help="local worker processes (default: all cores; 1 = in-process)",
    )
    p.add_argument(
        "--scheduler",
        default=sup,
        metavar="ADDRESS",
        help="run on a Dask distributed scheduler, e.g. tcp://host:8786",
    )
    p.add_argument(
        "--resume", action="store_true", help="finish an interrupted run into the same output"
    )


def _config_from_args(args: argparse.Namespace) -> Any:
    from scatterwave.extract.config import ExtractConfig, load_config_file

    values: dict[str, Any] = {}
    if args.config is not None:
        values.update(load_config_file(args.config))
        values = {k.replace("-", "_"): v for k, v in values.items()}
    # Every configuration field has a command-line option of the same name (the rest of the
    # namespace are job arguments: inputs, output, resume, config).
    given = {f.name for f in dataclasses.fields(ExtractConfig) if hasattr(args, f.name)}
    # the command line wins: one of the exclusive workers / scheduler replaces the other
    for name, other in (("workers", "scheduler"), ("scheduler", "workers")):
        if name in given and other not in given:
            values.pop(other, None)
    for dest in given:
        values[dest] = getattr(args, dest)
    return ExtractConfig.from_mapping(values)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM (``kill``, a batch scheduler's stop) acts as Ctrl-C.

    Only the main thread can install signal handlers; elsewhere the block runs unchanged.
    The previous handler is restored on exit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    """Run ``scatterwave extract``; returns the exit code."""
    from scatterwave.extract.compute import CannotStart
    from scatterwave.extract.pool import WorkerDied
    from scatterwave.extract.progress import make_progress
    from scatterwave.extract.runner import extract

    progress_logger = logging.getLogger("scatterwave.extract.progress")
    if progress_logger.getEffectiveLevel() > logging.INFO:
        progress_logger.setLevel(logging.INFO)
    try:
        with _sigterm_as_interrupt():
            config = _config_from_args(args)
            result = extract(
                args.inputs, args.output, config, resume=args.resume, progress=make_progress()
            )
    except KeyboardInterrupt:
        logger.error("interrupted; run the same command with --resume to finish")
        return EXIT_INTERRUPTED
    except (
        ValueError,
        FileNotFoundError,
        FileExistsError,
        NotImplementedError,
        ConnectionError,
        CannotStart,
        WorkerDied,
    ) as exc:
        logger.error("%s", exc)
        return EXIT_USAGE
    except ModuleNotFoundError as exc:
        logger.error(
            "%s: the extract command needs it; install it with: pip install 'scatterwave[cli]'",
            exc,
        )
        return EXIT_USAGE
    except Exception as exc:  # a full disk, a lost mount, a defect: never exit 1 (= complete)
        logger.debug("the job stopped on", exc_info=True)
        logger.error(
            "the job stopped on an unexpected %s: %s (traceback with -vv). The chunks "
            "already written are kept: fix the cause and run the same command with --resume",
            type(exc).__name__,
            exc,
        )
        return EXIT_ERROR
    for failure in result.failures:
        logger.warning("failed: %s: %s", failure["path"], failure["reason"])
    progress_logger.info(
        "wrote %s: %d item(s), %d chunk(s) computed in %.1f s (%.1f items/s), %d failed "
        "input(s), %d skipped non-audio file(s)",
        result.output,
        result.n_items,
        result.computed_chunks,
        result.seconds,
        result.computed_items / max(result.seconds, 1e-9),
        len(result.failures),
        len(result.skipped),
    )
    return EXIT_OK if result.ok else EXIT_FAILED_INPUTS
