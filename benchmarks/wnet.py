"""One SGD training step of the Wavelet Networks against the CNNs of equal parameter budget.

Measures, for M5, W-M5, M11 and W-M11 (names of ``scatterwave.nn.models.registry``), one
training step: ``zero_grad`` + forward + cross-entropy + backward + ``SGD(momentum=0.9).step``,
on a batch of ``(B, 1, T)`` white-noise waveforms with random labels (10 classes), and
reports the median step time and the peak activation memory, with the W/CNN ratios.

* Time: the models are called in alternation (M5, W-M5, M11, W-M11, M5, ...) after one
  untimed warm-up step each, so every model sees the same machine load. On CUDA the wall
  time between two ``torch.cuda.synchronize()``; on CPU both the wall time and the process
  CPU time (``time.process_time``, all threads) are kept, the CPU time is the headline
  figure (wall time is noisy on a shared machine). The CLI runs one torch (and OpenMP/BLAS)
  thread on CPU unless ``--threads`` says otherwise.
* Activation memory: memory held at the peak of one step on top of what exists before it
  (the parameters, their gradients and the optimizer's momentum buffers, all allocated by
  the warm-up; gradients are zeroed in place, not freed). On CUDA
  ``torch.cuda.max_memory_allocated`` minus ``torch.cuda.memory_allocated`` before the step.
  On CPU the growth of the process's peak resident set (``VmHWM``, reset through
  ``/proc/self/clear_refs``) during the step, measured in a separate process started
  with ``MALLOC_MMAP_THRESHOLD_=4096`` so that freed blocks go back to the kernel; see
  ``benchmarks/_worker_common.py``. The timings are taken without that setting, which
  would bill a page fault to every large allocation.

Usage::

    nice -n 10 python benchmarks/wnet.py --device cpu --json out.json
    python benchmarks/wnet.py --device cuda --repeats 7

Other scripts import :func:`run`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
SRC = HERE.parent / "src"
if SRC.is_dir() and str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from _worker_common import memory_method, peak_memory  # noqa: E402

#: (CNN, its Wavelet Network of equal parameter budget).
PAIRS = (("m5", "w-m5"), ("m11", "w-m11"))
BATCH = 32
LENGTH = 32_000
N_CLASSES = 10


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


class _Step:
    """A model, its optimizer and a fixed batch; calling it runs one SGD step."""

    def __init__(self, name: str, device: str, batch: int, length: int, seed: int) -> None:
        from scatterwave.nn.models.registry import build

        torch.manual_seed(seed)
        self.name = name
        self.model = build(name, N_CLASSES).to(device).train()
        self.params = sum(p.numel() for p in self.model.parameters())
        self.opt = torch.optim.SGD(self.model.parameters(), lr=1e-3, momentum=0.9)
        gen = torch.Generator().manual_seed(seed)
        self.x = torch.randn(batch, 1, length, generator=gen).to(device)
        self.y = torch.randint(0, N_CLASSES, (batch,), generator=gen).to(device)

    def __call__(self) -> float:
        self.opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return float(loss.detach())


def _time(step: _Step, device: str) -> tuple[float, float]:
    _sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    _sync(device)
    return time.perf_counter() - wall, time.process_time() - cpu


def run(
    device: str,
    repeats: int,
    *,
    batch: int = BATCH,
    length: int = LENGTH,
    models: tuple[str, ...] | None = None,
    memory: bool = True,
) -> list[dict[str, Any]]:
    """Time one SGD step of every model and measure its peak activation memory.

    Parameters
    ----------
    device : str
        ``"cpu"`` or a CUDA device (``"cuda"``, ``"cuda:0"``).
    repeats : int
        Timed steps per model (alternating between models); the median is reported.
    batch, length : int, keyword-only
        Input shape ``(batch, 1, length)``; the issue's shape is 32 x 32000.
    models : tuple of str, optional
        Registry names; default the CNNs and W-Nets of :data:`PAIRS`.
    memory : bool, default True
        Also measure the peak activation memory (one extra step per model).

    Returns
    -------
    list of dict
        One record per model: ``model``, ``device``, ``batch``, ``length``, ``params``,
        ``time_s`` (median; CUDA: wall, CPU: process CPU time), ``wall_s``, ``cpu_s``
        (medians), ``times_s`` (all), ``activation_bytes`` (None if not measured or not
        measurable), ``memory_method``, and for a W-Net ``peer`` (its CNN), ``time_ratio``
        and ``memory_ratio`` against that CNN measured in the same run.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}.")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but torch sees no CUDA device.")
    names = models or tuple(n for pair in PAIRS for n in pair)
    steps = [_Step(name, device, batch, length, seed=i) for i, name in enumerate(names)]
    params = {s.name: s.params for s in steps}
    for step in steps:  # warm-up: allocates grads and momentum buffers, autotuning
        step()
    _sync(device)
    walls: dict[str, list[float]] = {s.name: [] for s in steps}
    cpus: dict[str, list[float]] = {s.name: [] for s in steps}
    for _ in range(repeats):
        for step in steps:
            wall, cpu = _time(step, device)
            walls[step.name].append(wall)
            cpus[step.name].append(cpu)
    mem: dict[str, int | None] = dict.fromkeys(names)
    if memory and device == "cpu":
        del steps[:]
        gc.collect()
        mem.update(_cpu_memory(names, batch, length))
    elif memory:
        for step in steps:
            mem[step.name] = peak_memory(step, device)
            gc.collect()
    records = []
    for name in names:
        wall = statistics.median(walls[name])
        cpu = statistics.median(cpus[name])
        records.append(
            {
                "model": name,
                "device": device,
                "batch": batch,
                "length": length,
                "params": params[name],
                "time_s": cpu if device == "cpu" else wall,
                "clock": "cpu" if device == "cpu" else "wall",
                "wall_s": wall,
                "cpu_s": cpu,
                "times_s": walls[name] if device != "cpu" else cpus[name],
                "activation_bytes": mem[name],
                "memory_method": memory_method(device) if memory else "not measured",
                "torch_threads": torch.get_num_threads(),
            }
        )
    by_name = {r["model"]: r for r in records}
    for cnn, wnet in PAIRS:
        if cnn in by_name and wnet in by_name:
            w, c = by_name[wnet], by_name[cnn]
            w["peer"] = cnn
            w["time_ratio"] = w["time_s"] / c["time_s"]
            mw, mc = w["activation_bytes"], c["activation_bytes"]
            w["memory_ratio"] = mw / mc if mw is not None and mc else None
    return records


def _cpu_memory(names: tuple[str, ...], batch: int, length: int) -> dict[str, int | None]:
    """Peak activation memory of each model's step, in a fresh process per model."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="4096")
    out: dict[str, int | None] = {}
    for name in names:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-worker", name]
        cmd += ["--batch", str(batch), "--length", str(length)]
        cmd += ["--threads", str(torch.get_num_threads())]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        out[name] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def _memory_worker(name: str, batch: int, length: int) -> None:
    step = _Step(name, "cpu", batch, length, seed=0)
    step()  # warm-up: gradients and momentum buffers
    sys.stdout.write(json.dumps(peak_memory(step, "cpu")) + "\n")


def render(records: list[dict[str, Any]]) -> str:
    """Markdown table of :func:`run`'s records."""
    lines = [
        "| model | batch x length | params | step time (ms) | activation memory (MB) "
        "| time / CNN | memory / CNN |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in records:
        mem = "n/a" if r["activation_bytes"] is None else f"{r['activation_bytes'] / 2**20:.0f}"
        t_ratio = f"{r['time_ratio']:.2f}x" if "time_ratio" in r else ""
        m_ratio = f"{r['memory_ratio']:.2f}x" if r.get("memory_ratio") is not None else ""
        lines.append(
            f"| {r['model']} | {r['batch']} x {r['length']} | {r['params']:,} "
            f"| {1e3 * r['time_s']:.1f} ({r['clock']}) | {mem} | {t_ratio} | {m_ratio} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:i] (default cpu)")
    parser.add_argument("--repeats", type=int, default=None, help="timed steps per model")
    parser.add_argument(
        "--batch",
        type=int,
        default=None,
        help=f"batch size (default {BATCH} on CUDA, 2 on CPU to stay within ~3 minutes)",
    )
    parser.add_argument("--length", type=int, default=LENGTH, help="samples per signal")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch intra-op threads (default 1 on CPU, as the other benchmarks: on a shared "
        "machine idle threads spin and inflate CPU time; torch's default on CUDA)",
    )
    parser.add_argument("--models", default=None, help="comma-separated registry names")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory step")
    parser.add_argument("--json", default=None, help="write the records to this file")
    parser.add_argument("--memory-worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    on_cpu = args.device == "cpu"
    threads = args.threads if args.threads is not None else (1 if on_cpu else None)
    if threads is not None:
        torch.set_num_threads(threads)
    batch = args.batch if args.batch is not None else (2 if on_cpu else BATCH)
    if args.memory_worker:
        _memory_worker(args.memory_worker, batch, args.length)
        return
    repeats = args.repeats if args.repeats is not None else (3 if on_cpu else 7)
    models = tuple(args.models.split(",")) if args.models else None
    records = run(
        args.device,
        repeats,
        batch=batch,
        length=args.length,
        models=models,
        memory=not args.no_memory,
    )
    sys.stdout.write(render(records) + "\n")
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(records, indent=2) + "\n")


if __name__ == "__main__":
    main()
