"""``scatterwave demo``: transform built-in signals, write coefficients, meta and pictures."""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def add_parser(subparsers) -> None:
    """Register ``scatterwave demo``."""
    p = subparsers.add_parser(
        "demo",
        help="compute scattering and JTFS of built-in signals; write coefficients and pictures",
        description=(
            "Computes Scattering1D and TimeFrequencyScattering1D of built-in test signals "
            "(a chirp + sine + pulse mixture, exponential chirps, an AM/FM tone, an FDTS pair), "
            "writes the coefficients and their meta to OUT (NPZ + JSON), the pictures as PNG "
            "and GIF when matplotlib is installed, and prints a short report."
        ),
    )
    p.add_argument(
        "--out", "-o", type=Path, default=Path("out"), help="output folder (default: out)"
    )
    p.add_argument("-N", type=int, default=4096, help="signal length (default 4096)")
    p.add_argument("--J", type=int, default=7, help="maximum log2 scale (default 7)")
    p.add_argument("--Q", type=int, default=8, help="first-order wavelets per octave (default 8)")
    p.add_argument("--no-figures", action="store_true", help="skip the pictures")
    p.set_defaults(_run=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo; returns the exit code (0 on success, 2 on bad options)."""
    error = _argument_error(args)
    if error is None:
        try:
            args.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # an existing file, a missing or read-only parent
            error = f"cannot create the output folder --out {str(args.out)!r}: {exc.strerror}"
    if error is None:
        try:
            return _run(args)
        except ValueError as exc:  # what the transforms reject in these sizes
            error = str(exc)
    print(f"error: {error}")
    return 2


def _run(args: argparse.Namespace) -> int:
    """Run the demo in ``args.out``, which exists."""
    import numpy as np

    from scatterwave import Scattering1D, TimeFrequencyScattering1D
    from scatterwave.viz.gallery import demo_signals
    from scatterwave.vocabulary import S1

    N = args.N
    out: Path = args.out
    signals = demo_signals(N)
    names = list(_SIGNAL_ORDER)
    x = np.stack([signals[k] for k in names])

    S, build_ts = _timed(lambda: Scattering1D(N, args.J, args.Q))
    Sx, time_ts = _timed(lambda: S(x))
    meta = S.meta()
    jtfs, build_jtfs = _timed(
        lambda: TimeFrequencyScattering1D(N, args.J, (args.Q, 1), J_fr=3, Q_fr=1)
    )
    Jd, time_jtfs = _timed(lambda: jtfs(x))
    pairs = list(Jd)
    _write_coefficients(out, x, names, Sx, meta, Jd)
    Jx = np.concatenate([Jd[p] for p in pairs], axis=-2)
    energy_in = (x**2).sum(axis=-1)
    energy_ts = (Sx**2).sum(axis=(-2, -1)) / energy_in
    # S1 is decomposed by the phi_t pairs: JTFS energy counts S0 and the five joint pairs.
    energy_jtfs = sum((Jd[p] ** 2).sum(axis=(-2, -1)) for p in pairs if p != S1) / energy_in
    d_ts, d_jtfs = _fdts_distances(x[4:6], args)
    report = {
        "N": N,
        "sample_rate_assumed_hz": _PICTURE_RATE,
        "scattering1d": {
            "transform": "Scattering1D",
            "config": _params(S, ("N", "J", "Q", "T", "average", "max_order")),
            "shape": list(Sx.shape),
            "build_s": build_ts,
            "forward_s": time_ts,
            "energy_ratio": dict(zip(names, energy_ts.tolist())),
        },
        "jtfs": {
            "transform": "TimeFrequencyScattering1D",
            "config": _params(jtfs, ("N", "J", "Q", "T", "J_fr", "Q_fr", "F", "average")),
            "shape": list(Jx.shape),
            "build_s": build_jtfs,
            "forward_s": time_jtfs,
            "energy_ratio": dict(zip(names, energy_jtfs.tolist())),
        },
        "fdts_distance": {"scattering1d": d_ts, "jtfs": d_jtfs},
    }
    (out / "report.json").write_text(json.dumps(report, indent=2))
    lines = [
        f"scatterwave demo: {len(names)} built-in signals of N={N} samples -> {out}/",
        f"  Scattering1D J={args.J} Q={args.Q}: output {tuple(Sx.shape)} "
        f"(signals, paths, time), built in {build_ts:.3f} s, computed in {time_ts:.3f} s",
        f"  JTFS J={args.J} Q=({args.Q}, 1) J_fr=3: output {tuple(Jx.shape)}, "
        f"built in {build_jtfs:.3f} s, computed in {time_jtfs:.3f} s",
        "  energy ||S x||^2 / ||x||^2 (scattering; jtfs without S1, which its phi_t pairs split):",
    ]
    for name, a, b in zip(names, energy_ts, energy_jtfs):
        lines.append(f"    {name:<13} {a:6.3f}  {b:6.3f}")
    lines.append(
        "  frequency-dependent time shift (FDTS), global averaging: distance "
        f"scattering {d_ts:.4f}, "
        f"JTFS {d_jtfs:.4f} ({d_jtfs / max(d_ts, 1e-300):.1f}x)"
    )
    if not args.no_figures:
        lines.append(
            f"  pictures: the signals are in cycles/sample; axes are labelled for an assumed "
            f"sample rate of {_PICTURE_RATE:g} Hz"
        )
        lines.append(_figures(out))
    print("\n".join(lines))
    return 0


#: Sample rate the pictures assume for their axes (Hz).
_PICTURE_RATE = 8000.0
#: The demo signals (:func:`scatterwave.viz.gallery.demo_signals`) in the order of the outputs.
_SIGNAL_ORDER = ("mixture", "chirp_up", "chirp_down", "am_fm", "fdts", "fdts_shifted")


def _argument_error(args: argparse.Namespace) -> str | None:
    """Return what is wrong with the demo's options, or None."""
    if args.N < 256:
        return f"-N must be >= 256, got {args.N}"
    if args.J < 1 or args.Q < 1:
        return f"--J and --Q must be >= 1, got --J {args.J} --Q {args.Q}"
    if 2**args.J > args.N:
        return f"--J {args.J} is too large for -N {args.N} (need 2**J <= N)"
    return None


def _timed(step: Any) -> tuple[Any, float]:
    """Call ``step()``; returns its result and the seconds it took."""
    t0 = time.perf_counter()
    result = step()
    return result, time.perf_counter() - t0


def _write_coefficients(out: Path, x: Any, names: list[str], Sx: Any, meta: dict, Jd: dict) -> None:
    """Write both transforms' coefficients (NPZ) and Scattering1D's meta (NPZ and JSON)."""
    import numpy as np

    pairs = list(Jd)
    meta_arrays: dict[str, Any] = {
        f"meta_{k}": np.asarray(v) for k, v in meta.items() if k != "key"
    }
    np.savez_compressed(
        out / "scattering1d.npz", signals=x, names=np.array(names), coefficients=Sx, **meta_arrays
    )
    np.savez_compressed(
        out / "jtfs.npz",
        signals=x,
        names=np.array(names),
        pairs=np.array(pairs),
        coefficients=np.concatenate([Jd[p] for p in pairs], axis=-2),
        rows_per_pair=np.array([Jd[p].shape[-2] for p in pairs]),
    )
    (out / "meta_scattering1d.json").write_text(
        json.dumps(
            {
                "key": [list(k) for k in meta["key"]],
                "order": meta["order"].tolist(),
                "xi": np.nan_to_num(meta["xi"], nan=-1.0).tolist(),
                "stride": meta["stride"].tolist(),
            }
        )
    )


def _params(transform, names) -> dict:
    """Return the transform's parameters as JSON values (not its repr: every one is named)."""
    import numpy as np

    def plain(value):
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        if isinstance(value, np.generic):
            return value.item()
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        return str(value)

    return {name: plain(getattr(transform, name)) for name in names if hasattr(transform, name)}


def _rel(a, b) -> float:
    import numpy as np

    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


def _fdts_distances(pair, args) -> tuple[float, float]:
    """Distances between an FDTS pair under global time averaging: TS barely sees the shifts."""
    import numpy as np

    from scatterwave import Scattering1D, TimeFrequencyScattering1D
    from scatterwave.vocabulary import PAIRS, SPIN_PAIRS

    N = pair.shape[-1]
    ts = Scattering1D(N, args.J, args.Q, average="global")(pair)
    jtfs = TimeFrequencyScattering1D(
        N,
        args.J,
        (args.Q, 1),
        J_fr=3,
        Q_fr=2,
        F=8,
        average="global",
        average_fr=True,
        pad_mode="zero",
        out_exclude=tuple(p for p in PAIRS if p not in SPIN_PAIRS),
    )(pair)
    joint = np.concatenate([jtfs[p] for p in SPIN_PAIRS], axis=-2)
    return _rel(ts[0], ts[1]), _rel(joint[0], joint[1])


def _figures(out: Path) -> str:
    try:
        from scatterwave.viz.gallery import write_demo_figures
    except ModuleNotFoundError as exc:
        return f"  pictures skipped: {exc.name} is not installed (pip install 'scatterwave[viz]')"
    written = write_demo_figures(out, sample_rate=_PICTURE_RATE)
    return f"  pictures: {len(written)} files ({', '.join(p.name for p in written[:4])}, ...)"
