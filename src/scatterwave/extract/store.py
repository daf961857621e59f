"""The Zarr (v3) feature store: layout, atomic creation, chunk commits and resume.

Layout of ``OUT.zarr`` (a Zarr group; ``I`` items, ``P`` paths, ``T`` time frames)::

    coefficients        (item, path, time) float32, chunks of `batch_size` items, NaN = missing
    ok                  (item,) bool      False for items whose file failed to decode
    file_index          (item,) int32     index into attrs["sources"]
    channel             (item,) int16     channel read, -1 = mono mix
    start_sample        (item,) int64     first sample at attrs["sample_rate"]
    n_valid             (item,) int64     samples from the file (the rest is zero padding)
    start, duration     (item,) float64   the same in seconds
    padded              (item,) bool      True when the segment's tail is zero padding
    source_sample_rate  (item,) int32     the file's own rate before resampling
    path_<name>         (path, ...)       the transform's ``meta()`` arrays: numbers, or
                                          strings (JTFS ``path_pair``: the pair of each row)
    chunk_done          (chunk,) bool     commit markers (written after the chunk's data)

Attributes: ``config`` (all options), ``scatterwave_version``, ``transform`` (class name),
``sample_rate``, ``n_samples``, ``hop``, ``output_shape``, ``inputs``, ``skipped`` (files of
the input folders whose suffix is no audio format), ``sources`` (path, frames, sample_rate,
channels, size in bytes and mtime_ns per usable file, the last two checked on resume),
``failures`` (one row per failed file: path, reason, stage ``"header"``, ``"truncated"`` or
``"decode"`` and, for decode failures, the first failing item),
``path_keys`` (``Scattering1D``: the ``meta()["key"]`` tuples), ``complete``.

A chunk counts as done only once its ``chunk_done`` flag is set, which happens after its
coefficients and ``ok`` flags are written; on resume every other chunk is recomputed and
rewritten whole, so an interruption at any moment leaves neither holes nor duplicates.
"""

from __future__ import annotations

import datetime
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from scatterwave.extract.audio import AudioInfo
from scatterwave.extract.compute import ChunkResult, ChunkTask, output_shape
from scatterwave.extract.config import ExtractConfig
from scatterwave.extract.plan import Plan

__all__ = ["FORMAT_VERSION", "FeatureStore", "open_features"]

logger = logging.getLogger(__name__)

#: Version of the store layout written in ``attrs["format_version"]``.
FORMAT_VERSION = 1
_META_CHUNK_ROWS = 1 << 20


class FeatureStore:
    """An output store being filled (use :meth:`create` or :meth:`open_resume`)."""

    def __init__(self, path: Path, group: Any) -> None:
        self.path = path
        self.group = group
        self.attrs = dict(group.attrs)
        coeffs = group["coefficients"]
        self.n_items = int(coeffs.shape[0])
        self.chunk_items = int(coeffs.chunks[0])
        self.n_chunks = -(-self.n_items // self.chunk_items)
        fields = ("path", "frames", "sample_rate", "channels")
        self._sources = [AudioInfo(**{k: s[k] for k in fields}) for s in self.attrs["sources"]]
        # size and modification time at creation (absent from stores written before them)
        self._stats = [(s.get("size"), s.get("mtime_ns")) for s in self.attrs["sources"]]

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        plan: Plan,
        config: ExtractConfig,
        transform: Any,
        skipped: list[str] | None = None,
    ) -> FeatureStore:
        """Pre-allocate the store for ``plan`` and write everything but the coefficients.

        The store is built under ``<path>.incomplete`` and renamed into place, so ``path``
        either does not exist or holds a complete skeleton. ``skipped`` lists the files of
        the input folders that were not inputs (``attrs["skipped"]``).

        Raises
        ------
        FileExistsError
            If ``path`` exists.
        ValueError
            If ``config.batch_size`` is None (the runner resolves it first).
        """
        import zarr

        from scatterwave._version import __version__

        path = Path(path)
        if path.exists():
            raise FileExistsError(
                f"output {str(path)!r} already exists; pass --resume to finish it, or "
                "choose another output path"
            )
        if config.batch_size is None:
            raise ValueError("config.batch_size must be resolved before creating the store")
        staging = path.with_name(path.name + ".incomplete")
        if staging.exists():
            logger.info("removing %s left by an interrupted start", staging)
            shutil.rmtree(staging)
        n_paths, n_out = output_shape(transform, plan.n_samples)
        chunk = min(config.batch_size, plan.n_items)
        group = zarr.open_group(str(staging), mode="w-")
        group.create_array(
            "coefficients",
            shape=(plan.n_items, n_paths, n_out),
            chunks=(chunk, n_paths, n_out),
            dtype="float32",
            fill_value=np.nan,
            dimension_names=("item", "path", "time"),
        )
        group.create_array(
            "ok",
            shape=(plan.n_items,),
            chunks=(chunk,),
            dtype="bool",
            fill_value=False,
            dimension_names=("item",),
        )
        n_chunks = -(-plan.n_items // chunk)
        group.create_array(
            "chunk_done",
            shape=(n_chunks,),
            chunks=(1,),
            dtype="bool",
            fill_value=False,
            dimension_names=("chunk",),
        )
        rate = plan.sample_rate
        item_arrays = {
            "file_index": plan.file_index,
            "channel": plan.channel,
            "start_sample": plan.start,
            "n_valid": plan.n_valid,
            "start": plan.start / rate,
            "duration": plan.n_valid / rate,
            "padded": plan.n_valid < plan.n_samples,
            "source_sample_rate": np.array(
                [plan.sources[i].sample_rate for i in plan.file_index], dtype=np.int32
            ).reshape(-1),
        }
        for name, values in item_arrays.items():
            _write_whole(group, name, np.asarray(values), ("item",))
        meta_attrs = _write_meta(group, transform.meta(), n_paths)
        group.attrs.update(
            {
                "format": "scatterwave-features",
                "format_version": FORMAT_VERSION,
                "scatterwave_version": __version__,
                "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "transform": type(transform).__name__,
                "config": config.to_dict(),
                "sample_rate": rate,
                "n_samples": plan.n_samples,
                "hop": plan.hop,
                "output_shape": [n_paths, n_out],
                "inputs": plan.inputs,
                "sources": [_source_dict(s) for s in plan.sources],
                "failures": list(plan.failures),
                "skipped": list(skipped or []),
                "complete": False,
                **meta_attrs,
            }
        )
        staging.rename(path)
        return cls(path, zarr.open_group(str(path), mode="r+"))

    @classmethod
    def open_resume(
        cls, path: str | Path, *, config: ExtractConfig, inputs: list[str]
    ) -> FeatureStore:
        """Open an interrupted store, checking it was made by the same job.

        Raises
        ------
        ValueError
            If the store is not a scatterwave feature store, its options or inputs differ
            from ``config`` and ``inputs``, or an input that its pending chunks read has
            another header than at creation (:meth:`changed_sources`).
        """
        import zarr

        path = Path(path)
        if path.exists() and not path.is_dir():
            raise ValueError(
                f"{str(path)!r} is a file, not a scatterwave feature store (a folder); cannot "
                "resume: choose the store's folder, or another output path"
            )
        try:
            group = zarr.open_group(str(path), mode="r+")
        except (FileNotFoundError, FileExistsError, ValueError, KeyError) as exc:
            raise ValueError(f"{str(path)!r} is not a readable Zarr group: {exc}") from exc
        attrs: dict[str, Any] = dict(group.attrs)
        if attrs.get("format") != "scatterwave-features":
            raise ValueError(f"{str(path)!r} is not a scatterwave feature store; cannot resume")
        if attrs.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"{str(path)!r} has store format {attrs.get('format_version')}, this version "
                f"writes {FORMAT_VERSION}; extract again into a new output"
            )
        stored = attrs["config"]
        wanted = config.content_dict()
        if wanted["batch_size"] is None:  # automatic: whatever the interrupted run used
            wanted["batch_size"] = stored.get("batch_size")
        diff = {k: (stored.get(k), v) for k, v in wanted.items() if stored.get(k) != v}
        if diff:
            details = ", ".join(f"{k}: store has {a!r}, now {b!r}" for k, (a, b) in diff.items())
            raise ValueError(
                f"cannot resume {str(path)!r}: options differ from the interrupted run "
                f"({details}); use the same options or a new output"
            )
        if attrs["inputs"] != list(inputs):
            old, new = set(attrs["inputs"]), set(inputs)
            listed = [f"added {p}" for p in sorted(new - old)[:5]]
            listed += [f"missing {p}" for p in sorted(old - new)[:5]]
            raise ValueError(
                f"cannot resume {str(path)!r}: the input files differ from the interrupted "
                f"run ({len(new - old)} added, {len(old - new)} missing; first: "
                f"{'; '.join(listed)}); use the same inputs or a new output"
            )
        store = cls(path, group)
        changed = store.changed_sources()
        if changed:
            raise ValueError(
                f"cannot resume {str(path)!r}: {len(changed)} input file(s) that chunks still "
                f"to compute read changed since the interrupted run ({'; '.join(changed[:5])}); "
                "restore them, or extract into a new output"
            )
        return store

    def changed_sources(self) -> list[str]:
        """Describe the inputs of pending chunks whose header or size changed since creation.

        The chunks still to compute read their files with the headers recorded at creation
        (frames, sample rate, channels); a file replaced in between would be decoded with the
        wrong rate or channels, or mix two versions of its audio in the store. A file whose
        header and size are unchanged but whose modification time moved is logged as a
        warning (copies and ``touch`` move it too). A file that cannot be read now is not
        listed: its items fail as they would in an uninterrupted job.

        Returns
        -------
        list of str
            One description per changed file, naming it and what changed.
        """
        from scatterwave.extract.audio import AudioError, probe

        file_index = self.group["file_index"][:]
        used: set[int] = set()
        for index in self.pending_chunks():
            first = index * self.chunk_items
            used.update(int(k) for k in file_index[first : first + self.chunk_items])
        changed, touched = [], []
        for k in sorted(used):
            recorded = self._sources[k]
            try:
                now = probe(recorded.path)
                stat = Path(recorded.path).stat()
            except (AudioError, OSError):
                continue
            size, mtime_ns = self._stats[k]
            if now != recorded:
                changed.append(f"{recorded.path}: recorded {_header(recorded)}, now {_header(now)}")
            elif size is not None and stat.st_size != size:
                changed.append(f"{recorded.path}: recorded {size} bytes, now {stat.st_size}")
            elif mtime_ns is not None and stat.st_mtime_ns != mtime_ns:
                touched.append(recorded.path)
        if touched:
            logger.warning(
                "%d input file(s) that chunks still to compute read were modified since the "
                "interrupted run, with the same header and size (first: %s); if their audio "
                "changed, the store mixes two versions of it: extract into a new output",
                len(touched),
                "; ".join(touched[:5]),
            )
        return changed

    # ------------------------------------------------------------------ work
    def sources(self) -> list[AudioInfo]:
        """Return the usable input files, as recorded at creation."""
        return list(self._sources)

    def pending_chunks(self) -> list[int]:
        """Return the indices of the chunks not yet committed, ascending."""
        done = np.asarray(self.group["chunk_done"][:], dtype=bool)
        return [int(i) for i in np.flatnonzero(~done)]

    def task(self, index: int, columns: dict[str, np.ndarray] | None = None) -> ChunkTask:
        """Read back the work of chunk ``index`` from the store's item arrays.

        Parameters
        ----------
        index : int
            Chunk index, ``0 <= index < n_chunks``.
        columns : dict of str to numpy.ndarray or None
            The arrays of :meth:`item_columns`, when already read (None: read them).

        Returns
        -------
        ChunkTask
            The chunk's items: source file, channel, first sample and valid length.
        """
        cols = columns if columns is not None else self.item_columns()
        sources = self._sources
        first = index * self.chunk_items
        last = min(first + self.chunk_items, self.n_items)
        rows = [
            (
                sources[int(cols["file_index"][i])],
                None if int(cols["channel"][i]) < 0 else int(cols["channel"][i]),
                int(cols["start_sample"][i]),
                int(cols["n_valid"][i]),
            )
            for i in range(first, last)
        ]
        return ChunkTask(
            index=index,
            first=first,
            rows=rows,
            sample_rate=int(self.attrs["sample_rate"]),
            n_samples=int(self.attrs["n_samples"]),
        )

    def item_columns(self) -> dict[str, np.ndarray]:
        """Read the per-item arrays that define the work (read once, reused for every task)."""
        return {
            name: np.asarray(self.group[name][:])
            for name in ("file_index", "channel", "start_sample", "n_valid")
        }

    def commit(self, result: ChunkResult) -> None:
        """Write one chunk's results, then mark it done.

        Each write replaces whole chunk files (the local store writes a temporary file and
        renames it); the done flag comes last, so a chunk interrupted half-way is simply
        recomputed on resume.
        """
        first = result.index * self.chunk_items
        last = first + result.data.shape[0]
        expected = min(first + self.chunk_items, self.n_items)
        if last != expected:
            raise ValueError(
                f"chunk {result.index} holds {result.data.shape[0]} items, expected "
                f"{expected - first}"
            )
        self.group["coefficients"][first:last] = result.data
        self.group["ok"][first:last] = result.ok
        if result.errors:
            # One row per file; a file failing in several chunks keeps the reason of its
            # first failing item, so the table does not depend on the commit order.
            failures = {f["path"]: f for f in self.attrs["failures"]}
            for path, (item, reason) in result.errors.items():
                known = failures.get(path)
                if known is None or item < known.get("item", -1):
                    failures[path] = {
                        "path": path,
                        "reason": reason,
                        "stage": "decode",
                        "item": item,
                    }
            self.attrs["failures"] = sorted(failures.values(), key=lambda f: f["path"])
            self.group.attrs["failures"] = self.attrs["failures"]
        self.group["chunk_done"][result.index] = True

    def finalize(self) -> None:
        """Mark the store complete once every chunk is done."""
        pending = self.pending_chunks()
        if pending:
            raise RuntimeError(f"{len(pending)} chunk(s) are not done; cannot finalize")
        self.group.attrs["complete"] = True
        self.attrs["complete"] = True

    @property
    def failures(self) -> list[dict[str, Any]]:
        """The failures table: one ``{"path", "reason", "stage", ...}`` per failed input."""
        return list(self.attrs["failures"])


def _write_whole(group: Any, name: str, values: np.ndarray, dims: tuple[str, ...]) -> None:
    fill: Any = False if values.dtype == bool else 0
    if values.dtype.kind == "f":
        fill = np.nan
    arr = group.create_array(
        name,
        shape=values.shape,
        # one chunk up to 2**20 rows: these arrays are small and read whole
        chunks=tuple(max(1, min(n, _META_CHUNK_ROWS)) for n in values.shape),
        dtype=values.dtype,
        fill_value=fill,
        dimension_names=dims,
    )
    arr[...] = values


def _write_meta(group: Any, meta: dict[str, Any], n_paths: int) -> dict[str, Any]:
    """Store the transform's per-path metadata; returns what goes to the attributes."""
    attrs: dict[str, Any] = {}
    for name, value in meta.items():
        if _is_text_column(value, n_paths):
            # names per path (JTFS ``pair``): a string array, a coordinate like the others
            arr = group.create_array(
                f"path_{name}",
                shape=(n_paths,),
                chunks=(max(1, n_paths),),
                dtype=str,
                dimension_names=("path",),
            )
            arr[...] = np.asarray([str(v) for v in value], dtype=str)
            continue
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.ndim >= 1:
            if value.shape[0] != n_paths:
                raise ValueError(
                    f"transform meta()[{name!r}] has {value.shape[0]} rows but the output has "
                    f"{n_paths} paths"
                )
            dims = ("path", *(f"{name}_axis{k}" for k in range(1, value.ndim)))
            _write_whole(group, f"path_{name}", value, dims)
        else:
            attrs[f"path_{name}s" if name == "key" else f"path_{name}"] = _jsonable(value)
    return attrs


def _is_text_column(value: Any, n_paths: int) -> bool:
    """Tell whether ``value`` is a 1-D array of strings, one per path."""
    return (
        isinstance(value, np.ndarray)
        and value.ndim == 1
        and value.shape[0] == n_paths
        and value.dtype.kind in "OUT"
        and all(isinstance(v, str) for v in value.tolist())
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    try:
        json.dumps(value)
    except TypeError:
        return str(value)
    return value


def _source_dict(source: AudioInfo) -> dict[str, Any]:
    """Describe a source for the attributes: its header, size and modification time."""
    stat = Path(source.path).stat()
    return {
        "path": source.path,
        "frames": source.frames,
        "sample_rate": source.sample_rate,
        "channels": source.channels,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def _header(info: AudioInfo) -> str:
    return f"{info.frames} frames at {info.sample_rate} Hz, {info.channels} channel(s)"


def open_features(path: str | Path, *, allow_incomplete: bool = False) -> Any:
    """Open a feature store as an :class:`xarray.Dataset`, with item coordinates.

    The ``item`` dimension gets the coordinates ``source`` (file path), ``channel``,
    ``start``, ``duration`` (seconds), ``ok``, ``padded`` and ``computed``; every per-path
    metadata array ``path_<name>`` is a coordinate of the ``path`` dimension (``path_order`` for
    ``Scattering1D``; ``path_pair``, the pair name of each row such as ``"S1"`` or
    ``"psi_t * psi_f_up"``, for JTFS). Arrays stay lazy (dask).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.zarr`` folder.
    allow_incomplete : bool
        Open the store of an unfinished job as well. Its items not computed yet have
        ``ok = False`` and NaN coefficients, like inputs that failed; the ``computed``
        coordinate tells them apart.

    Returns
    -------
    ds : xarray.Dataset
        With the ``computed`` item coordinate (all True in a complete store).

    Raises
    ------
    ValueError
        If ``path`` is not a feature store, or is unfinished and ``allow_incomplete`` is
        False.
    """
    import xarray as xr

    ds = xr.open_zarr(str(path), consolidated=False)
    if ds.attrs.get("format") != "scatterwave-features":
        raise ValueError(f"{str(path)!r} is not a scatterwave feature store")
    done = np.asarray(ds["chunk_done"].values, dtype=bool)
    if not ds.attrs.get("complete", False) and not allow_incomplete:
        raise ValueError(
            f"{str(path)!r} is an unfinished extraction ({int(done.sum())} of {done.size} "
            "chunks done): finish it with the same command and --resume, or open it with "
            "allow_incomplete=True (the items not computed yet have computed=False)"
        )
    sources = np.array([s["path"] for s in ds.attrs["sources"]], dtype=str)
    file_index = ds["file_index"].values
    import zarr

    coefficients = zarr.open_group(str(path), mode="r")["coefficients"]
    assert isinstance(coefficients, zarr.Array)
    chunk_items = int(coefficients.chunks[0])
    computed = np.repeat(done, chunk_items)[: len(file_index)]
    coords: dict[str, Any] = {
        "source": ("item", sources[file_index]),
        "computed": ("item", computed),
    }
    for name in ("channel", "start", "duration", "ok", "padded"):
        coords[name] = ds[name].load()
    path_vars = [name for name in ds.data_vars if name.startswith("path_")]
    for name in path_vars:
        coords[name] = ds[name].load()
    if "path_pair" not in coords and "path_pair" in ds.attrs:
        # JTFS stores written before the pairs became an array kept them as an attribute
        coords["path_pair"] = ("path", np.asarray(ds.attrs["path_pair"], dtype=str))
    return ds.assign_coords(coords)
