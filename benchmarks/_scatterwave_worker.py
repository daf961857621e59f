"""Benchmark worker for scatterwave (runs in the project's environment, ``src`` first on the path).

Started by ``benchmarks/scattering1d.py``; speaks the JSON-lines protocol of
:mod:`_worker_common`. Besides the transform it times the *FFT floor* of each configuration:
the bare FFTs that scatterwave's computation plan performs, with the same array library,
dtype, device and batch, and nothing else (no padding, filter products, modulus or copies).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from _worker_common import Adapter, serve, to_backend


def fft_workload(plan: Any) -> list[tuple[str, tuple[int, ...], int]]:
    """The FFTs one forward pass of ``plan`` performs, per signal.

    Returns
    -------
    list of (kind, shape, n)
        ``kind`` in {"rfft", "ifft", "irfft"}; ``shape`` is the input shape without the batch
        axis; ``n`` the transform length (output length for ``irfft``).
    """
    local = plan.average == "local"
    need_spectra = local or bool(plan.groups2)
    ops: list[tuple[str, tuple[int, ...], int]] = [("rfft", (1, plan.N_pad), plan.N_pad)]
    for g in plan.groups1:
        n = len(g.rows)
        ops.append(("ifft", (n, g.M), g.M))
        if need_spectra:
            ops.append(("rfft", (n, g.M), g.M))
    for g in plan.groups2:
        n = len(g.rows)
        ops.append(("ifft", (n, g.M), g.M))
        if local:
            ops.append(("rfft", (n, g.M), g.M))
    if local:  # one inverse FFT low-passes every row (S0 included) at the end
        n_rows, n_bins = len(plan.paths["order"]), plan.S0.n_bins
        ops.append(("irfft", (n_rows, n_bins), 2 * (n_bins - 1)))
    return ops


class ScatterwaveAdapter(Adapter):
    library = "scatterwave"

    def versions(self) -> dict[str, str]:
        import torch

        import scatterwave

        out = {
            "scatterwave": scatterwave.__version__,
            "numpy": np.__version__,
            "torch": torch.__version__,
        }
        if "tensorflow" in sys.modules:
            out["tensorflow"] = sys.modules["tensorflow"].__version__
        return out

    def _like(self) -> Any:
        return to_backend(np.zeros(1, dtype=self.dtype), self.backend, self.device)

    def construct(self, N: int, J: int, Q: int) -> Any:
        from scatterwave import Scattering1D

        S = Scattering1D(N, J, Q=Q)
        like = self._like()
        # Filters are converted to the input's library/device/dtype on first use and cached;
        # do it here so the build time covers everything Kymatio's constructor does.
        S.buffers(N, like)
        return S

    def forward(self, x: Any) -> Any:
        return self.transform(x)

    def build(
        self, N: int, J: int, Q: int, batch: int, backend: str, dtype: str, seed: int
    ) -> dict[str, Any]:
        reply = super().build(N, J, Q, batch, backend, dtype, seed)
        plan = self.transform.plan(N)
        self._floor_inputs = self._make_floor_inputs(fft_workload(plan), batch)
        reply["N_pad"] = plan.N_pad
        reply["fft_calls"] = len(self._floor_inputs)
        reply["fft_points_per_signal"] = int(sum(np.prod(s) for _, s, _ in fft_workload(plan)))
        return reply

    def _make_floor_inputs(self, ops: list, batch: int) -> list[tuple[str, Any, int]]:
        rng = np.random.default_rng(0)
        real = np.dtype(self.dtype)
        cplx = np.result_type(real, np.complex64)
        out = []
        for kind, shape, n in ops:
            full = (batch, *shape)
            a = rng.standard_normal(full).astype(real)
            if kind != "rfft":
                a = (a + 1j * rng.standard_normal(full)).astype(cplx)
            out.append((kind, to_backend(a, self.backend, self.device), n))
        return out

    def extra_ops(self) -> dict[str, Any]:
        from scatterwave._transform import _namespace
        from scatterwave.core.capabilities import capabilities

        inputs = self._floor_inputs
        xp = _namespace(inputs[0][1], capabilities(inputs[0][1]))

        def floor() -> None:
            for kind, a, n in inputs:
                if kind == "rfft":
                    xp.fft.rfft(a, axis=-1)
                elif kind == "ifft":
                    xp.fft.ifft(a, axis=-1)
                else:
                    xp.fft.irfft(a, n=n, axis=-1)

        return {"floor": floor}


if __name__ == "__main__":
    serve(ScatterwaveAdapter())
