"""Feature extraction at scale: audio files in, a Zarr store of transform coefficients out.

The pipeline (see ``docs/extract.md``):

1. :func:`~scatterwave.extract.audio.discover_inputs` expands files, folders and path lists;
2. :func:`~scatterwave.extract.plan.build_plan` reads headers and lays out fixed-length
   segments, each with a stable item index;
3. :class:`~scatterwave.extract.store.FeatureStore` pre-allocates the store, chunked by
   ``batch_size`` items, and records the plan, the transform's metadata and the options;
4. chunks are computed in-process, on a local process pool or on a Dask cluster, and
   committed one by one (data first, then a done flag), so interrupted jobs resume exactly.

:func:`extract` runs the whole job; :func:`open_features` reopens a store with xarray.
"""

from scatterwave.extract.config import ExtractConfig, load_config_file
from scatterwave.extract.runner import ExtractResult, extract
from scatterwave.extract.store import FeatureStore, open_features

__all__ = [
    "ExtractConfig",
    "ExtractResult",
    "FeatureStore",
    "extract",
    "load_config_file",
    "open_features",
]
