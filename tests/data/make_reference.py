"""Regenerate the seeded reference outputs in this folder (see README.md).

Run from the repository root: ``.venv/bin/python tests/data/make_reference.py``. Only do so
after a deliberate change of the transform's numerics, and record it in README.md.
"""

from pathlib import Path

import numpy as np

from scatterwave import Scattering1D

#: Each configuration: (file stem, constructor kwargs). Kept small so the files stay tiny.
CONFIGS = {
    "scattering1d_J6_Q8": dict(N=1024, J=6, Q=8),
    "scattering1d_J5_Q16_T16_zero": dict(N=1000, J=5, Q=(16, 2), T=16, pad_mode="zero"),
    "scattering1d_J4_Q1_global": dict(N=512, J=4, Q=1, average="global"),
}
SEED = 20261122


def main() -> None:
    here = Path(__file__).parent
    rng = np.random.default_rng(SEED)
    for stem, kwargs in CONFIGS.items():
        kw = dict(kwargs)
        S = Scattering1D(kw.pop("N"), kw.pop("J"), **kw)
        x = rng.standard_normal((2, S.N))
        np.savez_compressed(here / f"{stem}.npz", x=x, Sx=S(x), order=S.meta()["order"])


if __name__ == "__main__":
    main()
