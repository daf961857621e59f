"""Frequency-transposition invariance of TimeFrequencyScattering1D (issue 13): WaveSpin's
``freq_tp_invar`` pair and measure, written here from their definitions."""

from __future__ import annotations

import numpy as np

from scatterwave import TimeFrequencyScattering1D

JOINT = ("phi_t * phi_f", "phi_t * psi_f", "psi_t * phi_f", "psi_t * psi_f_up", "psi_t * psi_f_dn")
#: WaveSpin's configuration of the test (N=2048, "2 time units at output").
CONFIG = dict(J=10, Q=16, Q_fr=1, J_fr=5, average_fr=True, out_exclude=("S0", "S1"))


def transposed_notes(N: int, f0: float) -> np.ndarray:
    """WaveSpin's ``fdts`` note without a shift: 5 partials at ``f0 * 1.6**k`` (cycles over
    ``N``) under one Tukey window (taper ratio 0.5) of ``N / 8`` samples, centred."""
    seg = N // 8
    taper = seg // 4
    ramp = 0.5 * (1 - np.cos(np.pi * np.arange(taper) / taper))
    window = np.concatenate([ramp, np.ones(seg - 2 * taper), ramp[::-1]])
    right = (N - seg) // 2
    window = np.pad(window, (N - seg - right, right))
    t = np.arange(N) / N
    return np.sum([np.sin(2 * np.pi * f0 * 1.6**k * t) for k in range(5)], axis=0) * window


def test_normalised_frequency_averages_are_more_transposition_invariant():
    """WaveSpin's transposition pair (f0 = N/12 and f0/sqrt 2; N=2048, J=10, Q=16, J_fr=5,
    Q_fr=1, ``average_fr``) at F=32 and F=64: for the pairs averaged by ``phi_F`` directly
    (``phi_t * phi_f``, ``psi_t * phi_f``) the relative distance between the two notes is
    smaller with the averages normalised at the padding boundary (the default, time and
    frequency) than with plain ones (``edge_averaging="padded"``), at both F: WaveSpin's
    ratio d(F=32) / d(F=64) falls for these pairs without a loss of invariance
    (docs/jtfs.md). Measured 2026-12-05, default / padded: ``phi_t * phi_f`` 0.188 / 0.220
    (F=32), 0.185 / 0.189 (F=64); ``psi_t * phi_f`` 0.137 / 0.176, 0.118 / 0.147. The
    frequential part alone: 0.219 -> 0.188, 0.188 -> 0.185, 0.160 -> 0.137, 0.130 -> 0.118.
    """
    N = 2048
    x0, x1 = transposed_notes(N, N // 12), transposed_notes(N, N // 12 / np.sqrt(2))
    pairs = ("phi_t * phi_f", "psi_t * phi_f")
    kw = CONFIG
    for F in (32, 64):
        dist = {}
        for edge_averaging in ("data", "padded"):
            jtfs = TimeFrequencyScattering1D(N, **kw, F=F, edge_averaging=edge_averaging)
            a, b = jtfs(x0), jtfs(x1)
            dist[edge_averaging] = [
                np.linalg.norm(a[p] - b[p]) / np.linalg.norm(a[p]) for p in pairs
            ]
        assert np.all(np.array(dist["data"]) < np.array(dist["padded"])), (F, dist)


def slice_distances(a: dict, b: dict, meta: dict) -> dict[str, np.ndarray]:
    """WaveSpin's per-slice distance: for each joint slice (rows of one ``(n2, n1_fr)``), the
    Euclidean norm of the difference over the slice divided by the mean of the two signals'
    norms over the whole pair."""
    pair_of, labels = np.asarray(meta["pair"]), np.asarray(meta["n"])
    out = {}
    for pair in JOINT:
        keys = [tuple(k[:2]) for k in labels[pair_of == pair]]
        order = list(dict.fromkeys(keys))
        ref = (np.linalg.norm(a[pair]) + np.linalg.norm(b[pair])) / 2
        rows = {k: [i for i, key in enumerate(keys) if key == k] for k in order}
        out[pair] = np.array([np.linalg.norm(a[pair][r] - b[pair][r]) / ref for r in rows.values()])
    return out


def distance_ratios(d_narrow: dict, d_wide: dict) -> dict[str, np.ndarray]:
    """Per slice, the distance at the narrower ``F`` over that at the wider one; slices whose
    distance is below 1e-3 of its pair's largest (at either ``F``) count as 1."""
    ratios = {}
    for pair in JOINT:
        p0, p1 = d_narrow[pair].copy(), d_wide[pair].copy()
        small = (p0 < 1e-3 * p0.max()) | (p1 < 1e-3 * p1.max())
        p0[small], p1[small] = 1.0, 1.0
        ratios[pair] = p0 / p1
    return ratios


def test_transposition_invariance_with_wavespins_named_modes():
    """WaveSpin's ``freq_tp_invar``: two notes of 5 partials a tritone apart (f0 = N/12 and
    f0/sqrt 2), N=2048, J=10, Q=16, J_fr=5, Q_fr=1, ``average_fr``, joint pairs only, with
    the modes its test names (reflect time padding, ``"conj-reflect-zero"``, ``"resample"``,
    ``max_pad_factor=2``, ``max_pad_factor_fr=None``) and WaveSpin's plain low-passes
    (``edge_averaging="padded"``, as for its energy checks). Widening ``phi_F`` from F=32 to
    F=64 must shrink the distance between the notes: the mean over pairs of the mean
    per-slice ratio d(32) / d(64) above 1.4 and the largest ratio above 2 (WaveSpin's
    thresholds). Measured 2026-12-06: 1.431 and 8.74 (per pair 0.844, 1.911, 1.307, 1.548,
    1.547); with the ``phi_F`` widths mapped to WaveSpin's (F=25 and 49): 1.405 and 4.33.
    With ``"conj-reflect"`` (which reflects the rows a group of second-order wavelets sees,
    data included, instead of their zero extension) 1.257; with the defaults 1.279
    (docs/jtfs.md, "Frequency-transposition invariance and the boundary")."""
    N = 2048
    x0, x1 = transposed_notes(N, N // 12), transposed_notes(N, N // 12 / np.sqrt(2))
    modes = dict(
        pad_mode="reflect", pad_mode_fr="conj-reflect-zero", sampling_filters_fr="resample",
        max_pad_factor=2, max_pad_factor_fr=None, edge_averaging="padded",
    )  # fmt: skip
    distances = []
    for F in (32, 64):
        jtfs = TimeFrequencyScattering1D(N, **CONFIG, **modes, F=F)
        distances.append(slice_distances(jtfs(x0), jtfs(x1), jtfs.meta()))
    ratios = distance_ratios(*distances)
    mean_of_means = float(np.mean([r.mean() for r in ratios.values()]))
    largest = max(float(r.max()) for r in ratios.values())
    assert mean_of_means > 1.4, {p: round(float(r.mean()), 3) for p, r in ratios.items()}
    assert largest > 2
