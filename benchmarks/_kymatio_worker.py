"""Benchmark worker for Kymatio 0.3.0 (runs inside ``benchmarks/.venv-kymatio``).

Started by ``benchmarks/scattering1d.py``; speaks the JSON-lines protocol of
:mod:`_worker_common`. Kymatio's frontends: ``kymatio.numpy.Scattering1D`` and
``kymatio.torch.Scattering1D`` (an ``nn.Module`` moved to the device with ``.to``) and
``kymatio.tensorflow.Scattering1D`` (called eagerly, as Kymatio's examples do), built as
``Scattering1D(J, shape, Q)`` with its defaults (``T = 2**J``, ``max_order=2``, local averaging,
``out_type="array"``).
"""

from __future__ import annotations

import sys
from typing import Any

from _worker_common import Adapter, serve


class KymatioAdapter(Adapter):
    library = "kymatio"

    def versions(self) -> dict[str, str]:
        import kymatio
        import numpy
        import scipy
        import torch

        out = {
            "kymatio": kymatio.__version__,
            "numpy": numpy.__version__,
            "scipy": scipy.__version__,
            "torch": torch.__version__,
        }
        if "tensorflow" in sys.modules:
            out["tensorflow"] = sys.modules["tensorflow"].__version__
        return out

    def construct(self, N: int, J: int, Q: int) -> Any:
        if self.backend == "torch":
            from kymatio.torch import Scattering1D

            return Scattering1D(J=J, shape=N, Q=Q).to(self.device)
        if self.backend == "tensorflow":
            from kymatio.tensorflow import Scattering1D

            return Scattering1D(J=J, shape=N, Q=Q)
        from kymatio.numpy import Scattering1D

        return Scattering1D(J=J, shape=N, Q=Q)

    def forward(self, x: Any) -> Any:
        return self.transform(x)


if __name__ == "__main__":
    serve(KymatioAdapter())
