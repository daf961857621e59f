"""Benchmark worker of ``benchmarks/workloads.py``: one library, real-workload shapes.

``python _workload_worker.py LIBRARY`` with LIBRARY one of ``scatterwave`` (``src`` first on
the path), ``kymatio-0.3.0`` (the PyPI release, installed with ``pip install --target`` into
``benchmarks/.venv-kymatio030``) or ``kymatio-main`` (the source snapshot in
``shared/peers/kymatio-main``); the driver puts the library's folder first on ``PYTHONPATH``.
Both Kymatio versions import ``scipy.special.sph_harm`` (removed in SciPy 1.15) for their 3-D
code only, so it is set to None before the import.

It speaks the JSON-lines protocol of :mod:`_worker_common` (``serve``, ``peak_memory``) with
its own requests: ``hello``, ``build`` (a workload spec), ``measure`` (user and system CPU time
of each call from ``resource.getrusage``, wall time, minor page faults) and ``memory``.
"""

from __future__ import annotations

import gc
import os
import resource
import sys
import time
from typing import Any

import numpy as np
from _worker_common import Adapter, memory_method, peak_memory, serve


def _usage() -> tuple[float, float, int]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime, r.ru_minflt


class WorkloadAdapter(Adapter):
    def __init__(self, library: str) -> None:
        super().__init__()
        self.library = library
        self.calls = 0

    # -- construction per library -----------------------------------------------------------
    def _construct(self, spec: dict[str, Any]) -> Any:
        kind, N, J, Q = spec["kind"], spec["N"], spec["J"], spec["Q"]
        Q = tuple(Q) if isinstance(Q, list) else Q
        if self.library == "scatterwave":
            from scatterwave import Scattering1D, TimeFrequencyScattering1D

            if kind == "s1d":
                return Scattering1D(N, J=J, Q=Q)
            return TimeFrequencyScattering1D(N, J=J, Q=Q, out_type="array", **spec["jtfs"])
        if kind == "s1d":
            from kymatio.numpy import Scattering1D as KS

            return KS(J=J, shape=N, Q=Q)
        from kymatio.numpy import TimeFrequencyScattering

        jt = dict(spec["jtfs"])
        if not jt.pop("average_fr", False):
            raise ValueError("Kymatio main's JTFS always averages along frequency")
        return TimeFrequencyScattering(J=J, shape=(N,), Q=Q, format="time", **jt)

    # -- requests ----------------------------------------------------------------------------
    def hello(self) -> dict[str, Any]:  # type: ignore[override]
        if self.library.startswith("kymatio"):
            import scipy.special

            scipy.special.sph_harm = None  # only Kymatio's 3-D code uses it
            import kymatio

            version = kymatio.__version__
            where = os.path.dirname(kymatio.__file__)
        else:
            import scatterwave

            version = scatterwave.__version__
            where = os.path.dirname(scatterwave.__file__)
        return {
            "library": self.library,
            "version": version,
            "path": where,
            "numpy": np.__version__,
            "memory_method": memory_method("cpu"),
        }

    def build(self, spec: dict[str, Any], seed: int = 0) -> dict[str, Any]:  # type: ignore[override]
        self.transform = None
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        self.transform = self._construct(spec)
        build_s, build_cpu = time.perf_counter() - t0, time.process_time() - c0
        self.x = np.random.default_rng(seed).standard_normal((spec["batch"], spec["N"]))
        out = self.transform(self.x)  # warm-up: first-call caches
        out = np.asarray(out)
        nonzero = int(np.count_nonzero(np.any(out != 0, axis=(0, -1))))
        extra = {}
        if self.library == "scatterwave":
            plan = self.transform.plan(spec["N"])
            extra["N_pad"] = int(getattr(plan, "first", plan).N_pad)
        return {
            **extra,
            "build_s": build_s,
            "build_cpu_s": build_cpu,
            "out_shape": list(out.shape),
            "rows": int(out.shape[-2]),
            "rows_nonzero": nonzero,
        }

    def measure(self, calls: int) -> dict[str, Any]:  # type: ignore[override]
        user, system, wall, faults = [], [], [], []
        for _ in range(calls):
            u0, s0, f0 = _usage()
            t0 = time.perf_counter()
            self.transform(self.x)
            t1 = time.perf_counter()
            u1, s1, f1 = _usage()
            user.append(u1 - u0)
            system.append(s1 - s0)
            wall.append(t1 - t0)
            faults.append(f1 - f0)
        return {"user": user, "sys": system, "wall": wall, "minflt": faults}

    def memory(self) -> dict[str, Any]:  # type: ignore[override]
        return {"peak_bytes": peak_memory(lambda: self.transform(self.x), "cpu")}


if __name__ == "__main__":
    serve(WorkloadAdapter(sys.argv[1]))
