"""Benchmark worker for Kymatio 0.3.0 (runs inside ``benchmarks/.venv-kymatio``).

Started by ``benchmarks/scattering1d.py``; speaks the JSON-lines protocol of
:mod:`_worker_common`. Kymatio's frontends: ``kymatio.numpy.Scattering1D`` and
``kymatio.torch.Scattering1D`` (an ``nn.Module`` moved to the device with ``.to``), built as
``Scattering1D(J, shape, Q)`` with its defaults (``T = 2**J``, ``max_order=2``, local averaging,
``out_type="array"``).
"""

from __future__ import annotations

from typing import Any

from _worker_common import Adapter, serve


class KymatioAdapter(Adapter):
    library = "kymatio"

    def versions(self) -> dict[str, str]:
        import kymatio
        import numpy
        import scipy
        import torch

        return {
            "kymatio": kymatio.__version__,
            "numpy": numpy.__version__,
            "scipy": scipy.__version__,
            "torch": torch.__version__,
        }

    def construct(self, N: int, J: int, Q: int) -> Any:
        if self.backend == "torch":
            from kymatio.torch import Scattering1D

            return Scattering1D(J=J, shape=N, Q=Q).to(self.device)
        from kymatio.numpy import Scattering1D

        return Scattering1D(J=J, shape=N, Q=Q)

    def forward(self, x: Any) -> Any:
        return self.transform(x)


if __name__ == "__main__":
    serve(KymatioAdapter())
