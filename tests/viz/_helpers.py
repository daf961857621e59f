"""Helpers of tests/viz: a hand-built JTFS-shaped output and PNG checks.

The hand-built output follows the documented layout of ``TimeFrequencyScattering1D`` with
``out_type="dict"`` (pair name -> ``(batch, n_rows, N_out)``) and of its ``meta()`` (flat
row-aligned arrays with a ``pair`` column; ``n`` with columns ``(n2, n1_fr, n1)``, ``xi`` and
``sigma`` with the same columns, ``spin``), so that the pictures are tested independently of
the transform's numerics.
"""

from __future__ import annotations

import numpy as np

N1 = 6  # first-order rows
N_OUT = 16  # time samples per row
XI2 = [0.2, 0.1, 0.05]  # temporal wavelets (n2 = 0, 1, 2)
XI_FR = [0.25, 0.125]  # frequential wavelets (n1_fr = 0, 1), both spins


def _pair(rows: list[tuple[int, int, int]], xis: list[tuple[float, float, float]], spin: int):
    n = np.array(rows, dtype=int)
    xi = np.array(xis, dtype=float)
    sigma = np.where(np.isnan(xi), np.nan, np.abs(xi) / 4)
    return {"n": n, "xi": xi, "sigma": sigma, "spin": np.full(len(rows), spin)}


def make_fake_jtfs(batch: int = 2, seed: int = 0, layout: str = "flat") -> tuple[dict, dict]:
    """A JTFS-shaped output: every joint pair, spin-up slices 10x stronger than spin-down.

    ``layout="flat"``: meta as ``TimeFrequencyScattering1D.meta()`` returns it (row-aligned
    arrays with a ``pair`` column); ``"per_pair"``: ``meta[pair][field]``.
    """
    rng = np.random.default_rng(seed)
    xi1 = 0.4 * 2.0 ** -np.arange(N1)
    meta: dict[str, dict] = {}
    meta["S0"] = _pair([(-1, -1, -1)], [(np.nan, np.nan, np.nan)], 0)
    meta["S1"] = _pair([(-1, -1, k) for k in range(N1)], [(np.nan, np.nan, x) for x in xi1], 0)
    meta["phi_t * phi_f"] = _pair(
        [(-1, -1, k) for k in range(N1)], [(np.nan, np.nan, x) for x in xi1], 0
    )
    meta["phi_t * psi_f"] = _pair(
        [(-1, f, k) for f in range(2) for k in range(N1)],
        [(np.nan, XI_FR[f], x) for f in range(2) for x in xi1],
        1,
    )
    meta["psi_t * phi_f"] = _pair(
        [(n2, -1, k) for n2 in range(3) for k in range(N1)],
        [(XI2[n2], np.nan, x) for n2 in range(3) for x in xi1],
        0,
    )
    for name, spin in (("psi_t * psi_f_up", 1), ("psi_t * psi_f_dn", -1)):
        meta[name] = _pair(
            [(n2, f, k) for n2 in range(3) for f in range(2) for k in range(N1)],
            [(XI2[n2], spin * XI_FR[f], x) for n2 in range(3) for f in range(2) for x in xi1],
            spin,
        )
    Sx = {}
    for name, m in meta.items():
        gain = 0.1 if name.endswith("_dn") else 1.0
        Sx[name] = gain * np.abs(rng.standard_normal((batch, len(m["n"]), N_OUT)))
    if layout == "per_pair":
        return Sx, meta
    flat = {
        "pair": np.concatenate([np.full(len(m["n"]), p, dtype=object) for p, m in meta.items()])
    }
    for field in ("n", "xi", "sigma", "spin"):
        flat[field] = np.concatenate([m[field] for m in meta.values()])
    return Sx, flat


def saved_png_size(fig, path, dpi: int = 50) -> tuple[int, int]:
    """Save ``fig`` as PNG at ``dpi``, check it is a valid non-empty image, return its size."""
    from PIL import Image

    fig.savefig(path, dpi=dpi)
    assert path.stat().st_size > 0
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        assert im.format == "PNG"
        return im.size


def expected_size(fig, dpi: int = 50) -> tuple[int, int]:
    """Pixel size matplotlib produces for ``fig`` at ``dpi`` (no bbox cropping)."""
    w, h = fig.get_size_inches()
    return round(w * dpi), round(h * dpi)


def n_distinct_colours(path) -> int:
    """Number of distinct RGB colours of an image: a blank figure has very few."""
    from PIL import Image

    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB")).reshape(-1, 3)
    return len(np.unique(rgb, axis=0))
