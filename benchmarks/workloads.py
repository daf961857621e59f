"""Real-workload benchmark: UCR series lengths and 16 kHz notes, against Kymatio, same run.

Usage::

    nice -n 10 python benchmarks/workloads.py --quick            # 5 workloads, ~3 min
    nice -n 10 python benchmarks/workloads.py --json out.json    # every workload, ~15 min
    python benchmarks/workloads.py --only ucr-ecg5000,note-jtfs --no-peers

Workloads (NumPy float64, one thread, each library's default arguments otherwise):

* UCR archive lengths, Scattering1D: ECG5000 (N=140, J=5, batch 128), FordA (N=500, J=6,
  batch 128), EOGHorizontalSignal (N=1250, J=8, batch 64), and a sweep of N from 128 to 4096
  (batch 64) with ``J = floor(log2 N) - 2``, the J a user picks for such series (it gives
  J=5 at N=140, 6 at N=500, 8 at N=1250: the lowest wavelets span about a quarter of the
  series); ``Q = 8``.
* A 1.5 s note at 16 kHz (N=24000): Scattering1D J=10 Q=12 (batch 4), and JTFS J=10
  Q=(12, 1) J_fr=5 F=12 with frequential averaging (batch 1), for which our Scattering1D of
  the same J and Q is timed too (the "JTFS / S1D" ratio).

Peers, each in its own worker process, alternated call by call with ours: Kymatio 0.3.0 (PyPI,
installed on first use into ``benchmarks/.venv-kymatio030`` with ``pip install --target
--no-deps``) for Scattering1D, Kymatio's main branch (``--kymatio-main``, default
``../shared/peers/kymatio-main``) for JTFS, which the release lacks.

Per call every worker records user and system CPU time (``resource.getrusage``), wall time and
minor page faults; tables show medians per signal. Peak memory is measured as in
``scattering1d.py``: the growth of the resident set's high-water mark during one call, in a
fresh worker started with ``MALLOC_MMAP_THRESHOLD_=4096``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KYMATIO_030 = HERE / ".venv-kymatio030"
#: Kymatio main beside the checkout (``../shared``), or beside the folder of worktrees.
KYMATIO_MAIN = (
    next(
        (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.exists()),
        ROOT.parent / "shared",
    )
    / "peers"
    / "kymatio-main"
)
WORKER = HERE / "_workload_worker.py"

NOTE_JTFS = {"J_fr": 5, "F": 12, "average_fr": True}


def sweep_J(N: int) -> int:
    """The J of the sweep: the lowest wavelets span about a quarter of the series."""
    return max(1, math.floor(math.log2(N)) - 2)


def workloads() -> list[dict[str, Any]]:
    """Every workload: name, kind ("s1d" or "jtfs"), N, J, Q, batch, peer, calls per round."""
    out = [
        dict(name="ucr-ecg5000", kind="s1d", N=140, J=5, Q=8, batch=128),
        dict(name="ucr-forda", kind="s1d", N=500, J=6, Q=8, batch=128),
        dict(name="ucr-eog", kind="s1d", N=1250, J=8, Q=8, batch=64),
    ]
    for N in (128, 192, 256, 384, 512, 768, 1024, 1100, 1536, 1639, 2048, 3072, 4096):
        out.append(dict(name=f"sweep-{N}", kind="s1d", N=N, J=sweep_J(N), Q=8, batch=64))
    out.append(dict(name="note-s1d", kind="s1d", N=24000, J=10, Q=12, batch=4))
    out.append(
        dict(name="note-jtfs", kind="jtfs", N=24000, J=10, Q=[12, 1], batch=1, jtfs=NOTE_JTFS)
    )
    for w in out:
        w["peer"] = "kymatio-main" if w["kind"] == "jtfs" else "kymatio-0.3.0"
        w.setdefault("jtfs", {})
    return out


QUICK = ("ucr-ecg5000", "ucr-forda", "ucr-eog", "note-s1d", "note-jtfs")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Worker:
    """One library's worker process (JSON lines over stdin/stdout)."""

    def __init__(self, library: str, path: str, *, memory: bool = False) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")
        env["PYTHONPATH"] = path
        if memory:
            env["MALLOC_MMAP_THRESHOLD_"] = "4096"
        self.library = library
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), library],
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
            raise RuntimeError(f"the {self.library} worker exited (code {self.proc.wait()})")
        reply = json.loads(line)
        if not reply.pop("ok"):
            raise RuntimeError(f"{self.library} worker, {cmd}: {reply['error']}")
        return reply

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ensure_kymatio_030() -> str:
    """Folder holding Kymatio 0.3.0 (installed there with pip on first use)."""
    if not (KYMATIO_030 / "kymatio" / "__init__.py").exists():
        log(f"installing kymatio==0.3.0 into {KYMATIO_030}")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
             str(KYMATIO_030), "kymatio==0.3.0"],
            check=True,
        )  # fmt: skip
    return str(KYMATIO_030)


def median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def summarise(calls: list[dict[str, list]], batch: int) -> dict[str, float]:
    """Medians per signal over every timed call (seconds, faults)."""
    cat = {k: [v for c in calls for v in c[k]] for k in ("user", "sys", "wall", "minflt")}
    cpu = [u + s for u, s in zip(cat["user"], cat["sys"])]
    return {
        "user_s": median(cat["user"]) / batch,
        "sys_s": median(cat["sys"]) / batch,
        "cpu_s": median(cpu) / batch,
        "wall_s": median(cat["wall"]) / batch,
        "sys_share": median([s / max(c, 1e-12) for s, c in zip(cat["sys"], cpu)]),
        "minflt": median(cat["minflt"]) / batch,
        "calls": len(cpu),
    }


def calls_per_round(w: dict[str, Any], library: str) -> int:
    """Enough calls for a steady median without letting the slow peers dominate the run."""
    if w["kind"] == "jtfs":
        return 1 if library.startswith("kymatio") else 3
    if w["N"] >= 20000:
        return 1 if library.startswith("kymatio") else 5
    return 5


def run(args: argparse.Namespace) -> dict[str, Any]:
    chosen = [w for w in workloads() if (args.only is None and (not args.quick or w["name"]
              in QUICK)) or (args.only is not None and w["name"] in args.only)]  # fmt: skip
    if not chosen:
        raise SystemExit(f"no workload selected; names: {[w['name'] for w in workloads()]}")
    paths = {"scatterwave": str(ROOT / "src")}
    if not args.no_peers:
        if any(w["peer"] == "kymatio-0.3.0" for w in chosen):
            paths["kymatio-0.3.0"] = ensure_kymatio_030()
        if any(w["peer"] == "kymatio-main" for w in chosen):
            paths["kymatio-main"] = str(Path(args.kymatio_main).resolve())
    workers = {lib: Worker(lib, path) for lib, path in paths.items()}
    info = {lib: w.call("hello") for lib, w in workers.items()}
    for lib, i in info.items():
        log(f"{lib}: {i['version']} from {i['path']}")
    results = []
    try:
        for w in chosen:
            libs = ["scatterwave"] + ([w["peer"]] if w["peer"] in workers else [])
            specs = {lib: w for lib in libs}
            entries = {}
            if w["kind"] == "jtfs":  # our Scattering1D of the same J and Q, same note
                entries["scatterwave-s1d"] = dict(w, kind="s1d", jtfs={})
                specs["scatterwave-s1d"] = entries["scatterwave-s1d"]
            built, current = {}, {}
            for key, spec in specs.items():
                lib = "scatterwave" if key == "scatterwave-s1d" else key
                built[key] = workers[lib].call("build", spec=spec)
                current[lib] = key
            timings: dict[str, list] = {key: [] for key in specs}
            for _ in range(args.repeats):  # alternate: ours, peer, ours, peer, ...
                for key in specs:
                    lib = "scatterwave" if key == "scatterwave-s1d" else key
                    if current[lib] != key:  # one transform per worker at a time
                        workers[lib].call("build", spec=specs[key])
                        current[lib] = key
                    timings[key].append(workers[lib].call("measure", calls=calls_per_round(w, lib)))
            row = {"workload": w, "results": {}}
            for key in specs:
                row["results"][key] = {**built[key], **summarise(timings[key], w["batch"])}
            if not args.no_memory:
                for key in specs:
                    lib = "scatterwave" if key == "scatterwave-s1d" else key
                    fresh = Worker(lib, paths[lib], memory=True)
                    try:
                        fresh.call("hello")
                        fresh.call("build", spec=specs[key])
                        row["results"][key]["peak_bytes"] = fresh.call("memory")["peak_bytes"]
                    finally:
                        fresh.close()
            results.append(row)
            log(line(row))
    finally:
        for wk in workers.values():
            wk.close()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load": os.getloadavg(),
        "libraries": info,
        "rows": results,
    }


def line(row: dict[str, Any]) -> str:
    w, r = row["workload"], row["results"]
    ours = r["scatterwave"]
    text = f"{w['name']}: ours {1e3 * ours['cpu_s']:.3f} ms/signal"
    peer = r.get(w["peer"])
    if peer:
        text += f", {w['peer']} {1e3 * peer['cpu_s']:.3f} ({peer['cpu_s'] / ours['cpu_s']:.2f}x)"
    if "scatterwave-s1d" in r:
        text += f", JTFS / our S1D {ours['cpu_s'] / r['scatterwave-s1d']['cpu_s']:.1f}x"
    return text


def _mib(res: dict[str, Any] | None) -> str:
    if not res or res.get("peak_bytes") is None:
        return "—"
    return f"{res['peak_bytes'] / 2**20:.1f}"


def markdown(report: dict[str, Any]) -> str:
    head = (
        "| workload | N | J | Q | batch | N_pad ours | rows ours (nonzero) / peer "
        "| ours user / sys ms | ours sys share | peer user / sys ms | speed-up (CPU) "
        "| ours / peer peak MiB |\n"
        "|---|--:|--:|---|--:|--:|---|--:|--:|--:|--:|--:|\n"
    )
    lines = []
    for row in report["rows"]:
        w, r = row["workload"], row["results"]
        ours, peer = r["scatterwave"], r.get(w["peer"])
        rows = f"{ours['rows']} ({ours['rows_nonzero']}) / {peer['rows'] if peer else '—'}"
        speed = f"{peer['cpu_s'] / ours['cpu_s']:.2f}x" if peer else "—"
        peer_t = f"{1e3 * peer['user_s']:.3f} / {1e3 * peer['sys_s']:.3f}" if peer else "—"
        Q = "x".join(str(q) for q in w["Q"]) if isinstance(w["Q"], list) else w["Q"]
        lines.append(
            f"| {w['name']} | {w['N']} | {w['J']} | {Q} | {w['batch']} | "
            f"{ours.get('N_pad', '—')} | {rows} | "
            f"{1e3 * ours['user_s']:.3f} / {1e3 * ours['sys_s']:.3f} | "
            f"{100 * ours['sys_share']:.0f}% | {peer_t} | {speed} | {_mib(ours)} / {_mib(peer)} |"
        )
    extra = []
    for row in report["rows"]:
        r = row["results"]
        if "scatterwave-s1d" in r:
            s1d = r["scatterwave-s1d"]
            extra.append(
                f"- {row['workload']['name']}: our JTFS {1e3 * r['scatterwave']['cpu_s']:.1f} ms, "
                f"our Scattering1D of the same J and Q {1e3 * s1d['cpu_s']:.1f} ms: "
                f"**{r['scatterwave']['cpu_s'] / s1d['cpu_s']:.1f}x**."
            )
    return head + "\n".join(lines) + "\n" + ("\n" + "\n".join(extra) + "\n" if extra else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    parser.add_argument("--only", type=lambda s: s.split(","), help="comma-separated names")
    parser.add_argument("--repeats", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--no-peers", action="store_true", help="time scatterwave only")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory workers")
    parser.add_argument("--kymatio-main", default=str(KYMATIO_MAIN), help="Kymatio main folder")
    parser.add_argument("--json", help="save the raw results here")
    args = parser.parse_args(argv)
    report = run(args)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1))
    print(
        f"Run {report['date']} on {report['machine']}; load {report['load']}; "
        + "; ".join(f"{k} {v['version']}" for k, v in report["libraries"].items())
    )
    print(markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
