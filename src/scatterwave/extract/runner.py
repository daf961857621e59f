"""Running an extraction job end to end: validate, plan, allocate, compute, commit."""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scatterwave.extract.audio import audio_extensions, scan_inputs
from scatterwave.extract.compute import (
    CannotStart,
    ChunkResult,
    ChunkTask,
    TransformSpec,
    check_cuda,
    make_transform,
)
from scatterwave.extract.config import ExtractConfig
from scatterwave.extract.executors import (
    DaskExecutor,
    Executor,
    InProcessExecutor,
    ProcessPoolExecutor,
)
from scatterwave.extract.plan import plan_extraction
from scatterwave.extract.progress import Progress
from scatterwave.extract.store import FeatureStore

__all__ = ["ExtractResult", "extract"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractResult:
    """Summary of a finished job.

    Attributes
    ----------
    output : pathlib.Path
        The store.
    n_items : int
        Items in the store.
    n_chunks : int
        Chunks in the store.
    computed_chunks : int
        Chunks computed by this run (fewer than ``n_chunks`` after ``resume``).
    computed_items : int
        Items in those chunks.
    failures : list of dict
        The store's failures table (``path``, ``reason`` and ``stage`` per failed input;
        ``stage="truncated"`` for a file shorter than its header says, whose decodable
        items are kept).
    skipped : list of str
        Files of the input folders that are not inputs: their suffix is no audio format
        of the installed libsndfile (also in the store's ``attrs["skipped"]``).
    seconds : float
        Wall time of the run.
    audio_seconds : float
        Seconds of audio (valid samples) in the items this run computed.
    """

    output: Path
    n_items: int
    n_chunks: int
    computed_chunks: int
    computed_items: int
    failures: list[dict[str, str]]
    seconds: float
    audio_seconds: float
    skipped: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every input was processed."""
        return not self.failures


def extract(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    config: ExtractConfig | None = None,
    *,
    resume: bool = False,
    progress: Progress | None = None,
) -> ExtractResult:
    """Extract features of every input into a Zarr store.

    Parameters
    ----------
    inputs : sequence of str or path-like, or one of them
        Audio files, folders (searched recursively) or text files listing paths.
    output : str or path-like
        The ``.zarr`` folder to create (or to finish, with ``resume``).
    config : ExtractConfig, optional
        Options (defaults: :class:`ExtractConfig()`).
    resume : bool
        Finish an interrupted job in ``output``: only chunks not yet committed are
        computed. Without it, an existing ``output`` is an error. With it and no
        ``output`` yet, the job starts from scratch.
    progress : Progress, optional
        Receives progress updates (see :mod:`scatterwave.extract.progress`).

    Returns
    -------
    result : ExtractResult

    Raises
    ------
    FileNotFoundError, FileExistsError, ValueError, ConnectionError
        Before any work, when the job cannot run: missing inputs, no usable audio, an
        existing output without ``resume``, inconsistent options, an unreachable scheduler,
        CUDA requested without a GPU (CannotStart, a RuntimeError), or a transform missing from this
        installation (NotImplementedError).
    """
    t0 = time.perf_counter()
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # A worker started by "spawn" imports the main script again (as multiprocessing's
        # own check for Process.start, which this call would only reach after failing).
        raise CannotStart(
            "extract() was called while a worker process was importing the main script: "
            "worker processes start by importing it, so the call must be guarded, as in "
            'docs/extract.md: put it under `if __name__ == "__main__":`'
        )
    config = ExtractConfig() if config is None else config
    if config.device == "cuda":
        check_cuda()
    output = Path(output)
    if isinstance(inputs, str | os.PathLike):  # one path, not a sequence of characters
        inputs = [inputs]
    scan = scan_inputs(list(inputs))
    files = scan.files
    if not files:
        raise ValueError(
            f"no audio files found in {[str(p) for p in inputs]} (folders are searched "
            f"recursively for {', '.join(sorted(audio_extensions()))}; "
            f"{len(scan.skipped)} other file(s) skipped); check the paths"
        )
    skipped = [str(p) for p in scan.skipped]
    if skipped:
        logger.warning(
            "skipped %d file(s) of the input folders that are not audio by their suffix "
            "(listed with -v, and in the store's attrs['skipped'])",
            len(skipped),
        )
    transform: Any = None
    if output.exists():
        if not resume:
            raise FileExistsError(
                f"output {str(output)!r} already exists; pass --resume to finish it, or "
                "choose another output path"
            )
        store = FeatureStore.open_resume(output, config=config, inputs=[str(p) for p in files])
        spec = _spec(config, int(store.attrs["n_samples"]))
        logger.info("resuming %s", output)
    else:
        plan = plan_extraction(files, config)
        spec = _spec(config, plan.n_samples)
        transform = make_transform(spec)  # fails fast on options the transform rejects
        if config.batch_size is None:
            config = dataclasses.replace(
                config, batch_size=auto_batch_size(transform, plan.n_samples, config.device)
            )
            logger.info("batch size %d (automatic for %s)", config.batch_size, config.device)
        store = None
    executor = _executor(config, transform)
    finished = False
    try:
        if store is None:
            store = FeatureStore.create(
                output, plan=plan, config=config, transform=transform, skipped=skipped
            )
        pending = store.pending_chunks()
        columns = store.item_columns()
        n_valid = columns["n_valid"]
        done_items = store.n_items - sum(_chunk_len(store, i) for i in pending)
        logger.info(
            "%d of %d chunk(s) to compute with %s",
            len(pending),
            store.n_chunks,
            executor.description,
        )
        audio_samples = 0

        def tasks() -> Iterator[ChunkTask]:
            for index in pending:
                yield store.task(index, columns)

        def on_result(result: ChunkResult) -> None:
            nonlocal audio_samples
            store.commit(result)
            first = result.index * store.chunk_items
            audio_samples += int(n_valid[first : first + result.data.shape[0]].sum())
            if progress is not None:
                progress.update(int(result.data.shape[0]))

        if progress is not None:
            progress.start(store.n_items, done_items)
        try:
            executor.run(spec, tasks(), on_result)
        finally:
            if progress is not None:
                progress.close()
        store.finalize()
        finished = True
    finally:
        # After an error or an interruption (Ctrl-C, SIGTERM in the command line), running
        # work is dropped at once: committed chunks are kept, the rest is done on resume.
        if finished:
            executor.close()
        else:
            executor.abort()
    failures = store.failures
    if failures:
        logger.warning("%d input(s) failed; see the failures table in %s", len(failures), output)
    return ExtractResult(
        output=output,
        n_items=store.n_items,
        n_chunks=store.n_chunks,
        computed_chunks=len(pending),
        computed_items=store.n_items - done_items,
        failures=failures,
        seconds=time.perf_counter() - t0,
        audio_seconds=audio_samples / float(store.attrs["sample_rate"]),
        skipped=list(store.attrs.get("skipped", skipped)),
    )


def _spec(config: ExtractConfig, n_samples: int) -> TransformSpec:
    params: dict[str, Any] = {
        "J": list(config.J) if isinstance(config.J, tuple) else config.J,
        "Q": list(config.Q) if isinstance(config.Q, tuple) else config.Q,
        "T": config.T,
    }
    if config.transform == "jtfs":
        params.update({"J_fr": config.J_fr, "F": config.F})
    return TransformSpec(
        transform=config.transform, params=params, n_samples=n_samples, device=config.device
    )


def _executor(config: ExtractConfig, transform: Any) -> Executor:
    if config.scheduler is not None:
        return DaskExecutor(config.scheduler)
    workers = config.effective_workers
    if workers == 1:
        return InProcessExecutor(transform)
    return ProcessPoolExecutor(workers)


def _chunk_len(store: FeatureStore, index: int) -> int:
    first = index * store.chunk_items
    return min(store.chunk_items, store.n_items - first)


#: Automatic batch sizes: 32 items on CPU; on CUDA between these bounds.
CPU_BATCH = 32
CUDA_BATCH_RANGE = (32, 4096)
#: Host memory one batch of float32 input may take (the batch is read before it is sent).
HOST_BATCH_BYTES = 2**30


def auto_batch_size(transform: Any, n_samples: int, device: str) -> int:
    """Items per batch (and store chunk) when the configuration leaves it open.

    CPU: :data:`CPU_BATCH` (the transform chunks a batch by its cache-sized budget anyway).
    CUDA: as many items as the transform's device-aware budget (half the GPU's free memory,
    :mod:`scatterwave._device`) takes in one chunk, within :data:`CUDA_BATCH_RANGE` and within
    :data:`HOST_BATCH_BYTES` of float32 input, so one call fills the GPU.
    """
    if device != "cuda":
        return CPU_BATCH
    per_signal = max(1, transform.plan(n_samples).bytes_per_signal(4))
    n = min(_cuda_budget_bytes() // per_signal, HOST_BATCH_BYTES // (4 * n_samples))
    low, high = CUDA_BATCH_RANGE
    return int(max(low, min(high, n)))


def _cuda_budget_bytes() -> int:
    """Return the transforms' default working-memory budget on the current CUDA device."""
    import torch

    from scatterwave._device import default_budget_bytes

    return default_budget_bytes(torch.empty(0, device="cuda"))
