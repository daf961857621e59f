"""Markdown report of a Scattering1D benchmark run (see ``benchmarks/scattering1d.py``).

``python benchmarks/_report.py results.json [wall|cpu]`` re-renders the report of a run saved
with ``--json``, from its wall-clock or CPU timings.
"""

from __future__ import annotations

import json
import sys
from typing import Any

DASH = "—"


def _med(res: dict[str, Any] | None, op: str, clock: str) -> float | None:
    if not res:
        return None
    return res[f"median_{clock}_s"].get(op)


def _ms(seconds: float | None, batch: int) -> str:
    return DASH if seconds is None else f"{1e3 * seconds / batch:.2f}"


def _ratio(a: float | None, b: float | None, fmt: str = "{:.1f}x") -> str:
    return DASH if a is None or b is None or b == 0 else fmt.format(a / b)


def _mb(res: dict[str, Any] | None, op: str) -> str:
    value = (res or {}).get(f"peak_{op}_bytes")
    return DASH if value is None else f"{value / 2**20:.0f}"


def _size(N: int) -> str:
    return f"2^{N.bit_length() - 1}" if N & (N - 1) == 0 else str(N)


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    align = ["---" if i < 4 else "--:" for i in range(len(header))]
    return [_row(header), _row(align), *(_row(r) for r in rows)]


def render_report(configs: list[dict[str, Any]], info: dict[str, Any], clock: str) -> str:
    """The report: forward, backward, build/memory tables and the targets, as Markdown.

    ``clock`` ("wall" or "cpu") picks the timings the tables show.
    """
    fwd, bwd, mem = [], [], []
    for c in configs:
        ours, peer = c["results"].get("ours"), c["results"].get("peer")
        key = [c["backend"], _size(c["N"]), c["J"], c["batch"]]
        B = c["batch"]
        paths = f"{ours['n_paths']} / {peer['n_paths'] if peer else DASH}"
        f_ours, f_peer, floor = (
            _med(ours, "forward", clock),
            _med(peer, "forward", clock),
            _med(ours, "floor", clock),
        )
        fwd.append(
            [
                *key,
                paths,
                _ms(f_ours, B),
                _ms(f_peer, B),
                _ratio(f_peer, f_ours),
                _ms(floor, B),
                _ratio(f_ours, floor, "{:.2f}"),
            ]
        )
        if c["backend"] == "torch":
            b_ours, b_peer = _med(ours, "backward", clock), _med(peer, "backward", clock)
            bwd.append([*key, _ms(b_ours, B), _ms(b_peer, B), _ratio(b_peer, b_ours)])
        mem.append(
            [
                *key,
                f"{ours[f'build_median_{clock}_s']:.3f}",
                DASH if not peer else f"{peer[f'build_median_{clock}_s']:.3f}",
                _ratio(peer and peer[f"build_median_{clock}_s"], ours[f"build_median_{clock}_s"]),
                _mb(ours, "forward"),
                _mb(peer, "forward"),
                _mb(ours, "backward"),
                _mb(peer, "backward"),
            ]
        )
    head = ["backend", "N", "J", "batch"]
    what = "CPU time" if clock == "cpu" else "wall-clock time"
    lines = [f"### Forward (median {what} per signal, ms)", ""]
    lines += _table(
        [
            *head,
            "paths ours / Kymatio",
            "scatterwave",
            "Kymatio",
            "speed-up",
            "FFT floor",
            "ours / floor",
        ],
        fwd,
    )
    if bwd:
        lines += ["", f"### Forward + backward, torch (median {what} per signal, ms)", ""]
        lines += _table([*head, "scatterwave", "Kymatio", "speed-up"], bwd)
    lines += ["", "### Filterbank build (s) and peak memory of one call (MiB)", ""]
    lines += _table(
        [
            *head,
            "build ours",
            "build Kymatio",
            "speed-up",
            "fwd ours",
            "fwd Kymatio",
            "fwd+bwd ours",
            "fwd+bwd Kymatio",
        ],
        mem,
    )
    lines += ["", "### Targets", ""] + [f"- {t}" for t in check_targets(configs, clock)]
    lines += ["", machine_line(info, clock)]
    return "\n".join(lines)


def _find(configs: list[dict], backend: str, N: int, J: int, batch: int) -> dict | None:
    for c in configs:
        if (c["backend"], c["N"], c["J"], c["batch"]) == (backend, N, J, batch):
            return c
    return None


def check_targets(configs: list[dict[str, Any]], clock: str) -> list[str]:
    """One line per target of issue 2 that this run measured: value and PASS / MISS."""
    out = []

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    for backend, N, J, B, goal in (
        ("torch", 2**16, 8, 8, 5.0),
        ("torch", 2**13, 8, 32, 5.0),
        ("numpy", 2**16, 8, 8, 3.0),
        ("tensorflow", 2**16, 8, 8, 3.0),  # issue 14
    ):
        c = _find(configs, backend, N, J, B)
        if c is None or "peer" not in c["results"]:
            continue
        ours, peer = c["results"]["ours"], c["results"]["peer"]
        s = _med(peer, "forward", clock) / _med(ours, "forward", clock)
        out.append(
            f"forward {backend} N={_size(N)} J={J} batch {B}: {s:.1f}x faster than Kymatio "
            f"(goal >= {goal:.0f}x): {verdict(s >= goal)}"
        )
    for N, limit in ((2**16, 0.1), (2**18, 0.5)):
        builds = [c["results"]["ours"][f"build_median_{clock}_s"] for c in configs if c["N"] == N]
        if builds:
            worst = max(builds)
            out.append(
                f"filterbank build at N={_size(N)}: at most {worst:.3f} s over "
                f"{len(builds)} configurations (goal <= {limit} s): {verdict(worst <= limit)}"
            )
    over = [
        c
        for c in configs
        if "peer" in c["results"]
        and (c["results"]["ours"].get("peak_forward_bytes") or 0)
        > (c["results"]["peer"].get("peak_forward_bytes") or 0)
    ]
    n_peer = sum("peer" in c["results"] for c in configs)
    if n_peer:
        out.append(
            f"peak forward memory <= Kymatio's: {n_peer - len(over)}/{n_peer} configurations"
            + (f" (higher: {', '.join(_label(c) for c in over)})" if over else "")
            + f": {verdict(not over)}"
        )
    slow = [
        c
        for c in configs
        if _med(c["results"]["ours"], "forward", clock)
        > 2 * _med(c["results"]["ours"], "floor", clock)
    ]
    out.append(
        f"forward within 2x of the FFT floor: {len(configs) - len(slow)}/{len(configs)} "
        "configurations"
        + (f" (slower: {', '.join(_label(c) for c in slow)})" if slow else "")
        + f": {verdict(not slow)}"
    )
    return out


def _label(c: dict[str, Any]) -> str:
    return f"{c['backend']} {_size(c['N'])}/J{c['J']}/B{c['batch']}"


def machine_line(info: dict[str, Any], clock: str) -> str:
    m = info.get("machine", {})
    versions = "; ".join(
        f"{name}: " + ", ".join(f"{k} {v}" for k, v in w.get("versions", {}).items())
        for name, w in info.get("workers", {}).items()
    )
    load = [f"{x:.1f}" for x in m.get("loadavg_start", ())]
    load_end = [f"{x:.1f}" for x in m.get("loadavg_end", ())]
    args = info.get("args", {})
    return (
        f"Run {info.get('date', '?')} on {m.get('cpu', '?')} ({m.get('cores', '?')} cores), "
        f"device {args.get('device', 'cpu')}, torch threads {args.get('threads', '?')}, "
        f"BLAS threads {m.get('blas_threads', '?')}, "
        f"clock {clock}, "
        f"{args.get('repeats', '?')} alternating rounds of >= {args.get('min_time', '?')} s; "
        f"load average {'/'.join(load)} at start, {'/'.join(load_end)} at end; "
        f"{versions}; {info.get('elapsed_s', 0):.0f} s in all."
    )


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["wall"], ["cpu"]):
        raise SystemExit("usage: python benchmarks/_report.py RESULTS.json [wall|cpu]")
    with open(sys.argv[1]) as f:
        data = json.load(f)
    print(render_report(data["configs"], data, sys.argv[2] if len(sys.argv) == 3 else "wall"))
