"""Scientific promises of TimeFrequencyScattering1D with its default arguments (issue 13).

The test signals are written here from their definitions, independently of
:mod:`scatterwave.signals`, so that a change there cannot make these tests pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from _reference import padded_buffer_means
from scatterwave import Scattering1D, TimeFrequencyScattering1D
from scatterwave.toolkit import coeff_energy_ratios

#: Pairs that do not enter the spin ratio; excluding them only skips their computation.
NOT_SPINNED = ("S0", "S1", "phi_t * phi_f", "phi_t * psi_f", "psi_t * phi_f")


def exponential_chirp(N: int, fmin: float, fmax: float) -> np.ndarray:
    """``cos(phase(t))`` with instantaneous frequency ``fmin * (fmax / fmin) ** (t / (N - 1))``.

    Frequencies in cycles per sample; the phase is the integral of ``2 pi f``, zero at t = 0.
    """
    t = np.arange(N) / (N - 1)
    k = np.log(fmax / fmin)
    return np.cos(2 * np.pi * fmin * (N - 1) / k * np.expm1(k * t))


def spin_energies(jtfs: TimeFrequencyScattering1D, x: np.ndarray) -> tuple[float, float]:
    S = jtfs(x)
    return float(np.sum(S["psi_t * psi_f_up"] ** 2)), float(np.sum(S["psi_t * psi_f_dn"] ** 2))


@pytest.mark.parametrize("J", [6, 7, 8, 9, 10])
def test_spin_with_default_arguments(J):
    """Rising chirp: E(up) / E(dn) > 300; the same chirp reversed in time: E(dn) / E(up) > 300.

    The signal is 16 times the largest time scale (``N = 2**(J + 4)``, so ``T = N / 16``) and
    the chirp sweeps from one or two octaves above the lowest first-order wavelet
    (``2**-(J - 1)``, ``2**-(J - 2)``) to 0.45 cycles/sample: ``J - 1.2`` and ``J - 2.2`` of
    the filterbank's ``J`` octaves. Smallest ratio measured over these ten chirps (and their
    reversals) with the defaults: 380 (J=6); with the former defaults (reflect time padding,
    ``"resample"``): 38 to 66 (measured 2026-12-07).
    """
    N = 2 ** (J + 4)
    jtfs = TimeFrequencyScattering1D(N, J=J, out_exclude=NOT_SPINNED)
    for fmin in (2.0 ** -(J - 1), 2.0 ** -(J - 2)):
        x = exponential_chirp(N, fmin, 0.45)
        up, dn = spin_energies(jtfs, x)
        assert up / dn > 300, (J, fmin, up / dn)
        up, dn = spin_energies(jtfs, x[::-1].copy())
        assert dn / up > 300, (J, fmin, dn / up)


@pytest.mark.parametrize("fmax", [0.45, 0.5 - 1e-9])
def test_spin_under_the_default_time_padding_reference_configuration(fmax):
    """The reference configuration: N=2048, J=8, Q=16, J_fr=4, Q_fr=2, F=4, average_fr, chirp
    from 1/32 cycles/sample; only the padding is left to its default. Measured 2026-12-07: 501
    (to 0.45), 456 (to Nyquist); 44.8 and 47.4 with reflect time padding.
    """
    N = 2048
    jtfs = TimeFrequencyScattering1D(
        N, J=8, Q=16, J_fr=4, Q_fr=2, F=4, average_fr=True, out_exclude=NOT_SPINNED
    )
    up, dn = spin_energies(jtfs, exponential_chirp(N, 1 / 32, fmax))
    assert up / dn > 300


def test_gradient_descent_reconstructs_a_chirp_with_default_arguments():
    """30 steps of SGD (Nesterov momentum 0.9) from noise towards an exponential chirp's JTFS
    (N=1024, J=6, Q=8, J_fr=4): the loss falls by more than 50x (measured 2026-12-07: 101x;
    70x with the former defaults). The step, 1e4, suits this loss's scale (the mean square of
    coefficients normalised to the signal's energy); 3e4 diverges.
    """
    torch = pytest.importorskip("torch")
    from scatterwave.nn import TimeFrequencyScattering1D as TorchJTFS

    N = 1024
    jtfs = TorchJTFS(N, J=6, Q=8, J_fr=4, out_type="array").double()
    y = torch.from_numpy(exponential_chirp(N, 1 / N, 0.5 - 1e-9))
    Sy = jtfs(y).detach()
    x = torch.randn(N, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x = (x * y.std()).requires_grad_()
    opt = torch.optim.SGD([x], lr=1e4, momentum=0.9, nesterov=True)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = torch.mean((jtfs(x) - Sy) ** 2)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.all(np.isfinite(losses))
    assert losses[0] / min(losses) > 50


def wavespin_echirp(N: int) -> np.ndarray:
    """WaveSpin's ``echirp(N, fmin=64)``: its ``N`` samples span ``[0, 1]`` (``N - 1``
    intervals) and its frequency rises exponentially from 64 to ``N / 2`` cycles per unit, so
    from ``64 / (N - 1)`` to ``N / (2 (N - 1))`` cycles/sample (just above Nyquist)."""
    return exponential_chirp(N, 64 / (N - 1), N / 2 / (N - 1))


def spin_ratios(jtfs: TimeFrequencyScattering1D, x: np.ndarray) -> tuple[float, float]:
    """E(up) / E(dn) over all spinned coefficients, and the mean over joint slices
    ``(n2, n1_fr)`` of each slice's E(up) / E(dn) (WaveSpin's ``coeff_energy_ratios``, with
    its spin labels swapped: see docs/jtfs.md, "Spin convention"), from
    :func:`scatterwave.toolkit.coeff_energy_ratios` (down over up); slices without spin-down
    energy are left out of the mean."""
    r = coeff_energy_ratios(jtfs(x), jtfs.meta())
    per_slice = r.slices[r.slices > 0]  # nan (no energy) and 0 (no spin-down) left out
    return 1 / r.total, float(np.mean(1 / per_slice))


#: WaveSpin's spin configuration (test ``up_vs_down``): N=2048, J=(8, 6), Q=16, J_fr=4,
#: Q_fr=2, F=4, average_fr.
WAVESPIN_SPIN = dict(J=(8, 6), Q=16, J_fr=4, Q_fr=2, F=4, average_fr=True)
#: WaveSpin's frequential options in that test: ``"resample"``, and frequency padding
#: ``"zero"`` with zero time padding, ``"conj-reflect-zero"`` with reflect time padding.
WAVESPIN_FR = {
    "zero": dict(sampling_filters_fr="resample"),
    "reflect": dict(sampling_filters_fr="resample", pad_mode_fr="conj-reflect-zero"),
}


def test_gradient_descent_reconstructs_a_chirp_on_wavespins_scale():
    """WaveSpin's reconstruction thresholds (loss falls by more than 50x in 30 steps, and
    below 1e-5) on its scale: the loss is the mean square difference of the coefficients
    divided by the target's largest coefficient, the start is noise divided by its largest
    magnitude, the target WaveSpin's ``echirp(N, fmin=1)`` (1 to ``N / 2`` cycles); defaults
    otherwise (N=1024, J=6, Q=8, J_fr=4, float64). The step is the one of the test above,
    1e4 on the raw loss, carried to this loss's scale (times the square of the divisor,
    5.08**2); twice that step diverges. Measured 2026-12-07: 54.6x, 9.8e-6. WaveSpin's own
    configuration (``"exclude"``, ``max_pad_factor=1``, ``max_pad_factor_fr=2``, step 1.4e5,
    float32) gives 35x and 1.5e-5 here, against its thresholds at its commit 2acb1ae
    (CPU: 30x, 2e-5).
    """
    torch = pytest.importorskip("torch")
    from scatterwave.nn import TimeFrequencyScattering1D as TorchJTFS

    N = 1024
    jtfs = TorchJTFS(N, J=6, Q=8, J_fr=4, out_type="array").double()
    y = torch.from_numpy(exponential_chirp(N, 1 / (N - 1), N / 2 / (N - 1)))
    Sy = jtfs(y).detach()
    div = Sy.max()
    x = torch.randn(N, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x = (x / x.abs().max()).requires_grad_()
    opt = torch.optim.SGD([x], lr=1e4 * float(div) ** 2, momentum=0.9, nesterov=True)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = torch.mean((jtfs(x) / div - Sy / div) ** 2)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.all(np.isfinite(losses))
    assert losses[0] / losses[-1] > 50
    assert min(losses) < 1e-5


@pytest.mark.parametrize(
    ("signal", "fr", "measured"),
    [
        ("1/32 to 0.45", False, (3416, 4775)),
        ("wavespin", False, (3052, 3409)),
        ("wavespin", True, (1926, 1420)),
    ],
)
def test_spin_at_wavespins_second_order_scale(signal, fr, measured):
    """WaveSpin's zero-padding spin thresholds, global > 800 and mean over slices > 670, in
    its configuration (``J=(8, 6)``: second-order wavelets up to scale ``2**6``); zero time
    padding (our default), our frequential defaults or (``fr``) WaveSpin's. Measured
    2026-12-06: ``measured``. With a single ``J=8`` (second-order wavelets up to ``2**8``,
    as long as the signal) the global ratio is 501 (to 0.45), see docs/jtfs.md.
    """
    N = 2048
    x = wavespin_echirp(N) if signal == "wavespin" else exponential_chirp(N, 1 / 32, 0.45)
    kw = WAVESPIN_FR["zero"] if fr else {}
    jtfs = TimeFrequencyScattering1D(N, **WAVESPIN_SPIN, **kw, out_exclude=NOT_SPINNED)
    overall, slice_mean = spin_ratios(jtfs, x)
    assert overall > 800
    assert slice_mean > 670


@pytest.mark.parametrize(("fr", "measured"), [(False, (435, 1497)), (True, (363, 400))])
def test_spin_under_reflect_time_padding_at_wavespins_second_order_scale(fr, measured):
    """WaveSpin's reflect-padding spin thresholds, global > 330 and mean over slices > 240,
    on its signal and configuration (``J=(8, 6)``, ``pad_mode="reflect"``), with our
    frequential defaults or (``fr``) WaveSpin's (``"resample"``, ``"conj-reflect-zero"``;
    ``"conj-reflect"`` gives 362 and 396). Measured 2026-12-06: ``measured``. The longest
    second-order wavelet decides it: with a single ``J=8`` the global ratio is 48 (slice
    mean 932), see docs/jtfs.md.
    """
    N = 2048
    kw = WAVESPIN_FR["reflect"] if fr else {}
    jtfs = TimeFrequencyScattering1D(
        N, **WAVESPIN_SPIN, pad_mode="reflect", **kw, out_exclude=NOT_SPINNED
    )
    overall, slice_mean = spin_ratios(jtfs, wavespin_echirp(N))
    assert overall > 330
    assert slice_mean > 240


def pair_energies(jtfs: TimeFrequencyScattering1D, x: np.ndarray) -> dict[str, float]:
    return {pair: float(np.sum(v**2)) for pair, v in jtfs(x).items()}


@pytest.mark.parametrize(
    "modes",
    [
        {},  # the defaults: zero padding in time and frequency, "exclude"
        dict(pad_mode="reflect", pad_mode_fr="conj-reflect", sampling_filters_fr="resample"),
    ],
)
def test_global_averages_are_the_limit_of_the_widest_local_ones(modes):
    """WaveSpin's global-averaging test: N=512, J=9, Q=4, J_fr=5, Q_fr=2, ``average_fr``, an
    exponential chirp (1 to 256 cycles) plus white noise; the energy of every pair with the
    widest local ``T = N - 1`` / ``F = 31`` (the frequency axis has 37 rows) against
    ``average="global"`` / ``F="global"``, in the three combinations: relative difference
    below 0.15 for every pair. Measured 2026-12-05 (averages normalised at the padding
    boundary): at most 0.047 (``S0``, time) with either padding; the joint pairs 0.016 or less.
    Before the normalisation: up to 12.4 (time) and 11.7 (frequency) with zero padding,
    0.55 and 0.46 with reflect padding.
    """
    N = 512
    t = np.linspace(0, 1, N)
    x = np.cos(2 * np.pi / np.log(256) * (256**t - 1))
    x = x + np.random.RandomState(0).randn(N)
    kw = dict(J=9, Q=4, J_fr=5, Q_fr=2, average_fr=True, **modes)
    T_local, F_local = dict(T=N - 1), dict(F=31)
    T_global, F_global = dict(average="global"), dict(F="global")
    ref = pair_energies(TimeFrequencyScattering1D(N, **kw, **T_local, **F_local), x)
    for T, F in ((T_local, F_global), (T_global, F_local), (T_global, F_global)):
        E = pair_energies(TimeFrequencyScattering1D(N, **kw, **T, **F), x)
        for pair, e in ref.items():
            assert abs(E[pair] - e) / e < 0.15, (pair, T, F, E[pair] / e)


def test_time_shift_sensitivity_at_a_quarter_of_the_length():
    """WaveSpin's ``test_T`` signal (N=2048: cosines at N/4, N/8, N/16, N/32 cycles under a
    Tukey window of N/8 samples, shifted circularly by N/8) with J=10, Q=16 and ``T = N / 4``,
    all else default: the relative distance of the whole output exceeds 0.15. Measured
    2026-12-07: 0.169 (0.146 before the boundary normalisation of the averages, whose
    zero-padded edges diluted the shifted window's response).
    """
    N = 2048
    width = N // 8
    taper = width // 4  # Tukey window, taper ratio 0.5
    ramp = 0.5 * (1 - np.cos(np.pi * np.arange(taper) / taper))
    window = np.concatenate([ramp, np.ones(width - 2 * taper), ramp[::-1]])
    window = np.pad(window, (N - width) // 2)
    t = np.arange(N) / N
    x = np.sum([np.cos(2 * np.pi * N / f * t) for f in (4, 8, 16, 32)], axis=0) * window
    jtfs = TimeFrequencyScattering1D(N, J=10, Q=16, T=N // 4, out_type="array")
    a, b = jtfs(x), jtfs(np.roll(x, N // 8))
    assert np.linalg.norm(a - b) / np.linalg.norm(a) > 0.15


def test_global_first_order_is_invariant_to_the_ideal_fdts():
    """An FDTS pair modelled on WaveSpin's "ideal" case (N=2048: partials at N/12 and 5 N/12
    cycles in Tukey segments of N/6 samples, the second delayed by N/6, both rolled by -N/5)
    and its configuration (J=8, Q=(8, 1), J_fr=4, Q_fr=4, F=4, zero padding, ``"resample"``,
    global time averaging): the time-scattering distance must stay below 8e-6. Under our
    definition of the global mean (the unpadded samples, docs/jtfs.md) the JTFS's own first
    order meets it (measured 6.6e-6); the spinned pairs differ by 0.41. WaveSpin's own
    generator delays the upper partial by ``int(N/6 * log2 5)`` = 791 samples instead:
    7.5e-6 and 0.433 on that pair (``test_ideal_fdts_at_wavespins_length`` runs it at N=4096).
    """
    N = 2048
    seg = N // 6
    taper = seg // 4  # Tukey window, taper ratio 0.5
    ramp = 0.5 * (1 - np.cos(np.pi * np.arange(taper) / taper))
    window = np.concatenate([ramp, np.ones(seg - 2 * taper), ramp[::-1]])
    right = (N - seg) // 2
    window = np.pad(window, (N - seg - right, right))
    t = np.arange(N) / N
    low, high = (np.sin(2 * np.pi * f * t) * window for f in (N // 12, 5 * (N // 12)))
    x = np.roll(low + high, -N // 5)
    xs = np.roll(low + np.roll(high, N // 6), -N // 5)
    d_ts, d_jtfs = ideal_fdts_distances(x, xs, J=8)
    assert d_ts < 8e-6
    assert d_jtfs > 0.3


def ideal_fdts_distances(x: np.ndarray, xs: np.ndarray, J: int) -> tuple[float, float]:
    """Relative distances between ``x`` and ``xs`` under WaveSpin's "ideal" FDTS configuration
    (Q=(8, 1), J_fr=4, Q_fr=4, F=4, zero padding, ``"resample"``, global time averaging): of
    the JTFS's own global first order (time scattering) and of the spinned pairs."""
    jtfs = TimeFrequencyScattering1D(
        x.shape[-1], J=J, Q=(8, 1), J_fr=4, Q_fr=4, F=4, average="global", average_fr=True,
        sampling_filters_fr="resample", max_pad_factor=None, max_pad_factor_fr=None,
        out_exclude=("S0", "phi_t * phi_f", "phi_t * psi_f", "psi_t * phi_f"),
    )  # fmt: skip
    S, Ss = jtfs(x), jtfs(xs)
    d_ts = np.linalg.norm(S["S1"] - Ss["S1"]) / np.linalg.norm(S["S1"])
    spinned = ("psi_t * psi_f_up", "psi_t * psi_f_dn")
    a = np.concatenate([S[p].ravel() for p in spinned])
    b = np.concatenate([Ss[p].ravel() for p in spinned])
    return float(d_ts), float(np.linalg.norm(a - b) / np.linalg.norm(a))


def test_spin_slice_mean_under_reflect_time_padding_with_one_scale():
    """With a single ``J=8`` (second-order wavelets up to the signal's length) and reflect
    time padding, the mean over slices still exceeds WaveSpin's 240 (chirp from 1/32 to 0.45
    cycles/sample, other arguments default). Measured 2026-12-05: 368; the global ratio is
    45 (see docs/jtfs.md, "Reflect padding and spin").
    """
    N = 2048
    jtfs = TimeFrequencyScattering1D(
        N, **{**WAVESPIN_SPIN, "J": 8}, pad_mode="reflect", out_exclude=NOT_SPINNED
    )
    assert spin_ratios(jtfs, exponential_chirp(N, 1 / 32, 0.45))[1] > 240


@pytest.mark.parametrize("N", [360, 1024])
def test_energy_of_short_signals_in_the_energy_configuration(N):
    """Energy conservation on short signals (``T = 128``, N=360 is less than 3 ``T``):
    ``||JTFS x||^2 / ||x||^2`` (``S0`` and the five joint pairs) above 0.94 for an AM tone
    and an AM cosine, with J=7, Q=(8, 3), J_fr=3, Q_fr=4, F=8, ``r_psi=0.9`` and the energy
    configuration of docs/jtfs.md (``pad_mode="reflect"``, ``sampling_filters_fr="resample"``).
    Measured 2026-12-07: 0.997 and 0.957 at N=360 (0.956 and 0.894 before the boundary
    normalisation of the averages), 0.983 and 0.953 at N=1024. With the defaults 0.89 at N=360:
    ``"exclude"`` drops coefficients (docs/jtfs.md).
    """
    t = np.arange(N) / N
    signals = [
        (1 + np.cos(2 * np.pi * 4 * t)) / 2 * np.cos(2 * np.pi * N / 8 * t),
        (1 + 0.5 * np.cos(2 * np.pi * 6 * t)) * np.cos(2 * np.pi * N / 5 * t),
    ]
    jtfs = TimeFrequencyScattering1D(
        N, J=7, Q=(8, 3), J_fr=3, Q_fr=4, F=8, T=128, r_psi=0.9, pad_mode="reflect",
        sampling_filters_fr="resample",
    )  # fmt: skip
    for x in signals:
        S = jtfs(x)
        energy = sum(float(np.sum(v**2)) for pair, v in S.items() if pair != "S1")
        assert energy / float(np.sum(x**2)) > 0.94


def test_energy_of_wavespin_white_noise_with_time_averaged_joint_pairs():
    """WaveSpin's ``test_energy_conservation`` signal and configuration (white noise, seed 0,
    N=362, "8.5 on a dyadic scale"; J=7, Q=(8, 3), J_fr=3, Q_fr=4, F=8, T=128, ``r_psi=0.9``,
    ``"resample"``, reflect time padding), with every pair time-averaged, a stricter quantity
    than WaveSpin's: its out / in takes the joint pairs without time averaging (tested with
    its threshold 0.94 in ``test_unaveraged_energy_of_wavespin_white_noise``: 0.949), and
    averaged joint pairs lose in addition what ``phi_T`` discards. Out / in must lie in
    (0.93, 1), WaveSpin's band for out / in at its commit 2acb1ae; the ``phi_t`` pairs must
    keep more than 0.95 of ``S1``'s energy, and not more than all of it. Measured 2026-12-07:
    0.939 and 0.994 (defaults, zero padding and ``"exclude"``: 0.948 and 0.991). The 0.948
    and 0.960 recorded early on 2026-12-06 were computed on a wrong time grid (docs/jtfs.md,
    "Subsampling costs").
    """
    N = 362
    x = np.random.RandomState(0).randn(N)  # the stream of np.random.seed(0); randn(N)
    jtfs = TimeFrequencyScattering1D(
        N, J=7, Q=(8, 3), J_fr=3, Q_fr=4, F=8, T=128, r_psi=0.9, pad_mode="reflect",
        sampling_filters_fr="resample",
    )  # fmt: skip
    E = pair_energies(jtfs, x)
    out = sum(e for pair, e in E.items() if pair != "S1")
    assert 0.93 < out / float(np.sum(x**2)) < 1.0
    assert 0.95 < (E["phi_t * phi_f"] + E["phi_t * psi_f"]) / E["S1"] < 1.0


def wavespin_energy_terms(**kw) -> tuple[float, float, float, float]:
    """WaveSpin's energy checks of ``test_energy_conservation`` on its signal (white noise,
    seed 0, N=362) and configuration (J=7, Q=(8, 3), J_fr=3, Q_fr=4, F=8, T=128,
    ``r_psi=0.9``, reflect time padding, ``"resample"``), ``normalize="energy"``, with ``A`` the
    transform without time averaging and ``S`` the averaged one: ``(S0 + U1) / ||x||**2``
    (``A``); ``phi_t`` pairs (``A``: ``U1 * phi_T`` at stride 1 along frequency) / ``S1``
    (``S``); the spinned pairs over ``U2 = E(U1) - E(S1) - E(psi_t * phi_f)`` (``U1`` and the
    joint pairs from ``A``, ``S1`` from ``S``); and out / in (``S``'s ``S0`` and ``A``'s five
    joint pairs)."""
    N = 362
    x = np.random.RandomState(0).randn(N)
    config = dict(J=7, Q=(8, 3), J_fr=3, Q_fr=4, F=8, T=128, r_psi=0.9, pad_mode="reflect")
    config.update(sampling_filters_fr="resample", **kw)
    A = pair_energies(TimeFrequencyScattering1D(N, average=False, **config), x)
    S = pair_energies(TimeFrequencyScattering1D(N, **config), x)
    energy = float(np.sum(x**2))
    first = (A["S0"] + A["S1"]) / energy
    phi_t = (A["phi_t * phi_f"] + A["phi_t * psi_f"]) / S["S1"]
    U2 = A["S1"] - S["S1"] - A["psi_t * phi_f"]
    spinned = (A["psi_t * psi_f_up"] + A["psi_t * psi_f_dn"]) / U2
    out = (S["S0"] + sum(e for pair, e in A.items() if pair not in ("S0", "S1"))) / energy
    return first, phi_t, spinned, out


def test_unaveraged_energy_of_wavespin_white_noise():
    """WaveSpin's thresholds with our default frequency padding (``"zero"``):
    ``(S0 + U1) / ||x||**2`` in (0.97, 1), ``phi_t`` pairs / ``S1`` in (0.95, 1) and out / in
    in (0.94, 1). Measured 2026-12-07: 0.981, 0.982 and 0.949. The ``phi_t`` pairs' loss is
    mostly the dip of the frequential Littlewood-Paley sum between ``phi_F`` and the widest
    ``psi_fr`` (0.85 at 1/128 cycles per row). With ``"reflect"`` or ``"conj-reflect"`` the
    ``phi_t`` share is 0.895 (docs/jtfs.md)."""
    first, phi_t, _, out = wavespin_energy_terms()
    assert 0.97 < first < 1.0
    assert 0.95 < phi_t < 1.0
    assert 0.94 < out < 1.0


def test_unaveraged_spinned_energy_of_wavespin_white_noise_under_reflected_frequency():
    """WaveSpin's joint ``U2`` check, spinned pairs / ``U2`` > 0.95, with ``"conj-reflect"``
    frequency padding, the nearest to WaveSpin's own (``"conj-reflect-zero"``). Measured
    2026-12-07: 1.041 (1.008 with ``"reflect"``; above 1 as the reflected rows are counted in
    the unpadded outputs). With ``"zero"`` 0.892: second-order wavelets that see few
    first-order rows lose the energy their frequential filtering spreads into the padding
    (61 to 88 % kept for the ten highest ``psi2`` computed; docs/jtfs.md)."""
    first, _, spinned, _ = wavespin_energy_terms(pad_mode_fr="conj-reflect")
    assert 0.97 < first < 1.0
    assert spinned > 0.95


def test_all_of_wavespins_energy_checks_with_its_plain_averages():
    """WaveSpin's four energy checks together, with its definitions mapped: its low-passes
    are plain convolutions of the padded axes (ours with ``edge_averaging="padded"``; the
    default normalises them at the padding boundary, which gives the time-averaged ``S1``
    more energy near the ends of this short signal, N=362 against T=128, and so a smaller
    ``U2``) and its frequency padding, ``"conj-reflect-zero"`` (``"conj-reflect"`` gives
    the same figures to 2e-4 here, docs/jtfs.md). ``(S0 + U1) / ||x||**2``, ``phi_t``
    pairs / ``S1``, spinned / ``U2`` and out / in must each lie in the issue's band,
    (0.97, 1), (0.95, 1), (0.95, 1), (0.94, 1).
    Measured 2026-12-07: 0.9811, 0.9527, 0.9909, 0.9416 (seed 0, WaveSpin's signal; seeds 1
    to 5 give 0.93 to 0.96 for the spinned share and 0.91 to 0.94 for out / in)."""
    first, phi_t, spinned, out = wavespin_energy_terms(
        pad_mode_fr="conj-reflect-zero", edge_averaging="padded"
    )
    assert 0.97 < first < 1.0
    assert 0.95 < phi_t < 1.0
    assert 0.95 < spinned < 1.0
    assert 0.94 < out < 1.0


def test_ideal_fdts_at_2048_is_limited_by_the_windows_leakage():
    """WaveSpin's "ideal" FDTS pair at N=2048 (J=8) with its Tukey windows replaced by
    Blackman-Harris windows of the same length (sidelobes below -92 dB), everything else as
    in ``wavespin_fdts_pair``: WaveSpin's thresholds for N=2048, TS distance below 8e-6 and
    ratio above 6.2e4, hold with a wide margin (measured 2026-12-06: 1.71e-6 and 2.59e5;
    with the Tukey windows 7.50e-6 and 5.78e4). The time-scattering distance of that pair
    comes from the windows' spectral leakage between the partials, which the modulus mixes
    differently once one partial is delayed, not from the transform (docs/jtfs.md)."""
    from scipy.signal.windows import blackmanharris

    x, xs = wavespin_fdts_pair(2048, taper=blackmanharris)
    d_ts, d_jtfs = ideal_fdts_distances(x, xs, J=8)
    assert d_ts < 8e-6
    assert d_jtfs / d_ts > 6.2e4


def wavespin_fdts_pair(N: int, taper=None) -> tuple[np.ndarray, np.ndarray]:
    """WaveSpin's ``fdts`` with its "ideal" arguments (``f0 = N // 12``, two partials,
    ``partials_f_sep=5``, ``total_shift = seg_len = N // 6``, ``global_shift = -N // 5``):
    partial ``p`` at ``f0 * 5**p`` cycles under one Tukey window (taper ratio 0.5), delayed
    by ``int(total_shift * log2(5**p) / log2(2))`` samples in the shifted signal.
    ``taper(n)`` replaces the Tukey window when given."""
    from scipy.signal.windows import tukey

    seg = N // 6
    right = (N - seg) // 2
    w = tukey(seg, alpha=0.5) if taper is None else taper(seg)
    window = np.pad(w, (N - seg - right, right))
    t = np.arange(N) / N
    x, xs = np.zeros(N), np.zeros(N)
    for p in range(2):
        partial = np.sin(2 * np.pi * (N // 12) * 5**p * t) * window
        x += partial
        xs += np.roll(partial, int(N // 6 * np.log2(5**p)))
    return np.roll(x, -N // 5), np.roll(xs, -N // 5)


def test_ideal_fdts_at_wavespins_length():
    """WaveSpin's "ideal" FDTS case on its exact pair at N=4096, J=9, Q=(8, 1), J_fr=4,
    Q_fr=4, F=4, zero padding, ``"resample"``, global time averaging, with WaveSpin's bounds
    for this length (``test_jtfs_vs_ts`` at commit 2acb1ae of its repository: 6.2e4 and
    8e-6 at N=2048, the issue's, and 3.5e5 and 2e-6 at N=4096): the time-scattering distance
    (the JTFS's own global first order, our definition of the global mean, docs/jtfs.md)
    below 2e-6 and the spinned pairs' distance more than 3.5e5 times larger. Measured
    2026-12-05: 1.12e-6 and 0.431 (ratio 3.86e5); at N=2048 (J=8): 7.5e-6 and 0.433 (5.78e4).
    """
    d_ts, d_jtfs = ideal_fdts_distances(*wavespin_fdts_pair(4096), J=9)
    assert d_ts < 2e-6
    assert d_jtfs / d_ts > 3.5e5


@pytest.mark.parametrize(
    ("N", "J", "max_ts", "min_ratio"), [(2048, 8, 8e-6, 6.2e4), (4096, 9, 2e-6, 3.5e5)]
)
def test_ideal_fdts_against_time_scattering_of_every_order(N, J, max_ts, min_ratio):
    """WaveSpin's "ideal" FDTS case as its test measures it: the time-scattering distance is
    that of every order of a ``Scattering1D`` with the same ``J``, ``Q=(8, 1)``, zero padding
    and WaveSpin's global mean (the padded-buffer mean, ``padded_buffer_means``), the JTFS
    distance that of the spinned pairs; WaveSpin's bounds for each length (its
    ``test_jtfs_vs_ts`` at commit 2acb1ae: 8e-6 and 6.2e4 at N=2048, 2e-6 and 3.5e5 at
    N=4096). Measured 2026-12-07: TS 6.96e-6 (first order 7.49e-6, second order, 75 % of
    the energy, 6.78e-6), JTFS 0.433, ratio 6.22e4; at N=4096 1.11e-6, 0.431 and 3.88e5.
    WaveSpin's own code on the same pair (float64): TS 6.87e-6, JTFS 0.431, ratio 6.28e4.
    With the first order alone as the time scattering the ratio is 5.78e4 (docs/jtfs.md).
    """
    x, xs = wavespin_fdts_pair(N)
    S = Scattering1D(N, J=J, Q=(8, 1), average="global", pad_mode="zero", max_pad_factor=None)
    a, b = padded_buffer_means(S, np.stack([x, xs]))
    d_ts = np.linalg.norm(a - b) / np.linalg.norm(a)
    _, d_jtfs = ideal_fdts_distances(x, xs, J=J)
    assert d_ts < max_ts
    assert d_jtfs / d_ts > min_ratio
