"""Benchmark scatterwave's Scattering1D against Kymatio 0.3.0 on the same machine, same run.

Usage::

    nice -n 10 python benchmarks/scattering1d.py            # full matrix (~15 min, idle 2 cores)
    nice -n 10 python benchmarks/scattering1d.py --quick    # 3 configurations (< 3 min)
    python benchmarks/scattering1d.py --configs 2^16:8:8 --backends torch --json out.json
    python benchmarks/scattering1d.py --device cuda --no-peer   # torch on a GPU
    python benchmarks/scattering1d.py --configs 2^16:8:8 --backends tensorflow --clock cpu

Kymatio 0.3.0 imports ``scipy.special.sph_harm`` (removed in SciPy 1.15), so it runs in its
own virtual environment, ``benchmarks/.venv-kymatio``, created on first use with
``python -m venv`` and ``pip install kymatio==0.3.0 'scipy<1.15' numpy torch==2.13.0``
(plus ``tensorflow-cpu`` the first time the ``tensorflow`` backend is benchmarked: Kymatio's
TensorFlow frontend, against scatterwave on ``tf.Tensor`` inputs, both called eagerly).

Each library runs in its own long-lived worker process (``_scatterwave_worker.py`` in this
interpreter with ``src/`` first on the path, ``_kymatio_worker.py`` in the Kymatio venv); both
measure time and peak memory with the same code (``_worker_common.py``). For every
configuration the driver alternates the two workers call by call (ours, peer, ours, peer, ...)
so both see the same machine load, and reports medians. The *FFT floor* is the time of the
bare FFTs scatterwave's plan performs (see ``_scatterwave_worker.fft_workload``), with the
same library, dtype and batch.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _report import render_report

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PEER_VENV = HERE / ".venv-kymatio"
PEER_REQUIREMENTS = ["kymatio==0.3.0", "scipy<1.15", "numpy", "torch==2.13.0"]
PEER_TENSORFLOW = "tensorflow-cpu"
DTYPES = {"numpy": "float64", "torch": "float32", "tensorflow": "float32"}
Q = 8

#: (N, J, batch) of the full run; every configuration runs with each backend. N = 2^18 runs
#: with batch 1 only: a batch of 8 costs Kymatio about a minute per forward-backward call here.
FULL_CONFIGS = [
    (2**13, 8, 1),
    (2**13, 8, 32),
    (2**13, 10, 32),
    (2**16, 6, 8),
    (2**16, 8, 1),
    (2**16, 8, 8),
    (2**16, 10, 8),
    (2**18, 10, 1),
]
#: The configurations of the speed targets of issue 2.
QUICK_CONFIGS = [(2**13, 8, 32), (2**16, 8, 8)]


@dataclass
class Config:
    N: int
    J: int
    batch: int
    backend: str
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.backend} N=2^{self.N.bit_length() - 1} J={self.J} B={self.batch}"


class Worker:
    """A benchmark worker subprocess speaking JSON lines."""

    def __init__(self, name: str, python: str, script: Path, env: dict[str, str]) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            [python, str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(HERE),
        )

    def call(self, cmd: str, **kwargs: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kwargs}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name} worker exited (code {self.proc.wait()})")
        reply = json.loads(line)
        if not reply.pop("ok"):
            raise RuntimeError(f"{self.name} worker, {cmd} {kwargs}: {reply['error']}")
        return reply

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def worker_env(extra_path: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    # One BLAS/OpenMP thread in both workers, like their one torch thread: idle BLAS threads
    # spin, which doubled the CPU time of filterbank builds on 2 cores without changing their
    # wall time. Set these variables before starting the benchmark to override.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (extra_path, env.get("PYTHONPATH")) if p)
    else:
        env.pop("PYTHONPATH", None)
    return env


def ensure_peer_env(venv: Path, *, tensorflow: bool = False) -> str:
    """Path of the Kymatio venv's interpreter, creating the venv if it is missing or broken
    (and adding TensorFlow to it when ``tensorflow`` is asked for)."""
    python = venv / "bin" / "python"
    probe = "import kymatio, torch, scipy.special; assert kymatio.__version__ == '0.3.0'"
    if python.exists() and subprocess.run([str(python), "-c", probe]).returncode == 0:
        if tensorflow and subprocess.run([str(python), "-c", "import tensorflow"]).returncode:
            log(f"adding {PEER_TENSORFLOW} to {venv} (Kymatio's TensorFlow frontend)")
            pip = [str(python), "-m", "pip", "install", "--quiet", PEER_TENSORFLOW]
            subprocess.run(pip, check=True)
        return str(python)
    log(f"creating {venv} (kymatio 0.3.0 needs SciPy < 1.15); this takes a few minutes")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    extra = [PEER_TENSORFLOW] if tensorflow else []
    pip = [str(python), "-m", "pip", "install", "--quiet", *PEER_REQUIREMENTS, *extra]
    subprocess.run(pip, check=True)
    if subprocess.run([str(python), "-c", probe]).returncode != 0:
        raise RuntimeError(f"{venv} was created but kymatio 0.3.0 does not import there")
    return str(python)


def parse_size(text: str) -> int:
    for sep in ("^", "**"):
        if sep in text:
            base, exp = text.split(sep)
            return int(base) ** int(exp)
    return int(text)


def parse_configs(text: str) -> list[tuple[int, int, int]]:
    out = []
    for item in text.split(","):
        parts = item.strip().split(":")
        if len(parts) != 3:
            raise SystemExit(f"--configs entry {item!r}: expected N:J:batch, e.g. 2^16:8:8")
        N, J, B = parse_size(parts[0]), int(parts[1]), int(parts[2])
        if 2**J > N or B < 1:
            raise SystemExit(f"--configs entry {item!r}: need 2**J <= N and batch >= 1")
        out.append((N, J, B))
    return out


def median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


@dataclass
class WorkerSpec:
    """How to start one library's worker."""

    name: str
    python: str
    script: Path
    src: str | None

    def start(self, *, memory: bool = False) -> Worker:
        env = worker_env(self.src)
        if memory:  # every allocation >= 1 page is mmapped on demand, unmapped when freed
            env["MALLOC_MMAP_THRESHOLD_"] = "4096"
        return Worker(self.name, self.python, self.script, env)


def run_config(
    cfg: Config,
    workers: dict[str, Worker],
    specs: dict[str, WorkerSpec],
    args: argparse.Namespace,
) -> None:
    """Build, time and measure one configuration with every worker, alternating calls."""
    names = list(workers)
    res: dict[str, dict[str, Any]] = {
        n: {"build_s": [], "build_cpu_s": [], "times": {}, "cpu_times": {}} for n in names
    }
    kw = dict(N=cfg.N, J=cfg.J, Q=Q, batch=cfg.batch, backend=cfg.backend)
    kw["dtype"] = DTYPES[cfg.backend]
    for r in range(args.build_repeats):
        for n in names:
            reply = workers[n].call("build", seed=r, **kw)
            res[n]["build_s"].append(reply.pop("build_s"))
            res[n]["build_cpu_s"].append(reply.pop("build_cpu_s"))
            res[n].update(reply)
    ops = ["forward"] + (["backward"] if cfg.backend == "torch" else [])  # eager calls
    for op in ops:
        plan = [(n, op) for n in names]
        if op == "forward" and "ours" in workers:
            plan.append(("ours", "floor"))
        for r in range(args.repeats):
            for n, what in plan:
                # The build ran one forward call already: it is the forward warm-up.
                warmup = r == 0 and what != "forward"
                t = workers[n].call(
                    "measure", what=what, min_time=args.min_time, max_calls=50, warmup=warmup
                )
                res[n]["times"].setdefault(what, []).extend(t["times"])
                res[n]["cpu_times"].setdefault(what, []).extend(t["cpu_times"])
    for n in names:  # in a fresh process: the allocator's history must not matter
        w = specs[n].start(memory=True)
        try:
            hello = w.call(
                "hello", threads=args.threads, device=args.device, backends=[cfg.backend]
            )
            res[n]["memory_method"] = hello["memory_method"]
            w.call("build", seed=0, **kw)
            for op in ops:
                res[n][f"peak_{op}_bytes"] = w.call("memory", what=op)["peak_bytes"]
        finally:
            w.close()
    for n in names:
        res[n]["median_wall_s"] = {op: median(v) for op, v in res[n]["times"].items()}
        res[n]["median_cpu_s"] = {op: median(v) for op, v in res[n]["cpu_times"].items()}
        res[n]["build_median_wall_s"] = median(res[n]["build_s"])
        res[n]["build_median_cpu_s"] = median(res[n]["build_cpu_s"])
    cfg.results = res


def machine_info() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "loadavg_start": os.getloadavg(),
        "blas_threads": worker_env(None)["OPENBLAS_NUM_THREADS"],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="a small subset (< 3 minutes)")
    p.add_argument("--configs", help="comma-separated N:J:batch, e.g. 2^16:8:8,2^13:8:32")
    p.add_argument("--backends", default="numpy,torch", help="subset of numpy,torch,tensorflow")
    p.add_argument("--repeats", type=int, default=None, help="alternating rounds (default 3)")
    p.add_argument(
        "--min-time",
        type=float,
        default=None,
        help="repeat a call within a round up to this many seconds (default 0.2; quick: 0)",
    )
    p.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="what the tables report: wall-clock time, or the worker's CPU time (steadier "
        "on a loaded machine; both are in --json)",
    )
    p.add_argument("--build-repeats", type=int, default=None, help="default 3 (quick: 1)")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (both)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--no-peer", action="store_true", help="scatterwave only (no Kymatio)")
    p.add_argument(
        "--src",
        type=Path,
        default=ROOT / "src",
        help="directory holding the scatterwave package to benchmark (default: this repo's src)",
    )
    p.add_argument("--json", type=Path, help="write raw results (all timings) here")
    args = p.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3
    if args.min_time is None:
        args.min_time = 0.0 if args.quick else 0.2
    if args.build_repeats is None:
        args.build_repeats = 1 if args.quick else 3
    if args.repeats < 1 or args.build_repeats < 1 or args.threads < 1:
        raise SystemExit("--repeats, --build-repeats and --threads must be >= 1")
    if not (args.src / "scatterwave" / "__init__.py").is_file():
        raise SystemExit(f"--src {args.src}: no scatterwave package there")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not backends or set(backends) - set(DTYPES):
        raise SystemExit(
            f"--backends must be a subset of numpy,torch,tensorflow; got {args.backends!r}"
        )
    if args.device == "cuda" and args.clock == "cpu":
        raise SystemExit("--clock cpu measures CPU work; use --clock wall with --device cuda")
    if args.device == "cuda" and set(backends) != {"torch"}:
        log("--device cuda: only the torch backend is benchmarked on a GPU; torch only")
        backends = ["torch"]
    sizes = (
        parse_configs(args.configs)
        if args.configs
        else (QUICK_CONFIGS if args.quick else FULL_CONFIGS)
    )
    configs = [Config(N, J, B, b) for b in backends for (N, J, B) in sizes]
    if args.quick and not args.configs:  # the NumPy target is at N = 2^16 only
        configs = [c for c in configs if c.backend == "torch" or c.N == 2**16]

    workers: dict[str, Worker] = {}
    info = {"machine": machine_info(), "args": {k: str(v) for k, v in vars(args).items()}}
    info["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    try:
        specs = {
            "ours": WorkerSpec(
                "scatterwave", sys.executable, HERE / "_scatterwave_worker.py", str(args.src)
            )
        }
        if not args.no_peer:
            peer_python = ensure_peer_env(PEER_VENV, tensorflow="tensorflow" in backends)
            specs["peer"] = WorkerSpec("kymatio", peer_python, HERE / "_kymatio_worker.py", None)
        for name, spec in specs.items():
            workers[name] = spec.start()
        hello = {
            n: w.call("hello", threads=args.threads, device=args.device, backends=backends)
            for n, w in workers.items()
        }
        info["workers"] = hello
        if args.device == "cuda":
            if not hello["ours"]["cuda"]:
                log("CUDA is not available to torch here: skipping the --device cuda benchmark")
                return 0
            if "peer" in workers and not hello["peer"]["cuda"]:
                log("the Kymatio venv's torch has no CUDA: benchmarking scatterwave only")
                workers.pop("peer").close()
                specs.pop("peer")
        t_start = time.perf_counter()
        for i, cfg in enumerate(configs):
            log(f"[{i + 1}/{len(configs)}] {cfg.label}")
            run_config(cfg, workers, specs, args)
        info["elapsed_s"] = time.perf_counter() - t_start
    finally:
        for w in workers.values():
            w.close()
    info["machine"]["loadavg_end"] = os.getloadavg()
    info["configs"] = [
        {
            "N": c.N,
            "J": c.J,
            "Q": Q,
            "batch": c.batch,
            "backend": c.backend,
            "dtype": DTYPES[c.backend],
            "results": c.results,
        }
        for c in configs
    ]
    print(render_report(info["configs"], info, clock=args.clock))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(info, indent=1))
        log(f"raw results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
