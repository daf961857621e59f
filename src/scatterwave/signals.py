"""Synthetic test signals for scattering and joint time-frequency scattering.

Every generator returns NumPy ``float64`` arrays of length ``N`` and is deterministic: the
only randomness is optional additive white Gaussian noise, drawn from
``numpy.random.default_rng(seed)``.

Frequencies follow one convention throughout: when ``sample_rate`` is ``None`` (default) they
are *normalised* frequencies in cycles per sample and must lie in ``(0, 0.5)``; when a
``sample_rate`` is given they are in Hz and must lie in ``(0, sample_rate / 2)``. Times (pulse
centres, durations, shifts) are in samples when ``sample_rate`` is ``None`` and in seconds
otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "am_fm_tone",
    "chirp_sine_pulse",
    "exp_chirp",
    "fdts",
    "lin_chirp",
    "partials",
]


def _check_length(N: int) -> int:
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 2:
        raise ValueError(f"N must be an integer >= 2 (number of samples), got {N!r}.")
    return int(N)


def _check_sample_rate(sample_rate: float | None) -> float:
    if sample_rate is None:
        return 1.0
    if not np.isfinite(sample_rate) or sample_rate <= 0:
        raise ValueError(
            f"sample_rate must be a positive number of Hz or None, got {sample_rate!r}."
        )
    return float(sample_rate)


def _freq(f: float, sample_rate: float | None, name: str) -> float:
    """Convert ``f`` to cycles/sample and check that it lies strictly inside (0, Nyquist)."""
    fs = _check_sample_rate(sample_rate)
    unit = "cycles/sample" if sample_rate is None else "Hz"
    if not np.isfinite(f) or not 0 < f < fs / 2:
        raise ValueError(
            f"{name} must lie strictly between 0 and the Nyquist frequency {fs / 2:g} {unit}, "
            f"got {f!r}. Pass frequencies in {unit}"
            + (" (or give sample_rate to use Hz)." if sample_rate is None else ".")
        )
    return float(f) / fs


def _time(t: float, sample_rate: float | None) -> float:
    """Convert a time (seconds if ``sample_rate`` is given) to samples."""
    return float(t) * _check_sample_rate(sample_rate)


def _add_noise(x: np.ndarray, noise_std: float, seed: int | None) -> np.ndarray:
    if noise_std < 0 or not np.isfinite(noise_std):
        raise ValueError(f"noise_std must be a finite number >= 0, got {noise_std!r}.")
    if noise_std > 0:
        x = x + noise_std * np.random.default_rng(seed).standard_normal(x.shape[-1])
    return x


def exp_chirp(
    N: int,
    *,
    fmin: float = 0.005,
    fmax: float = 0.45,
    sample_rate: float | None = None,
    amplitude: float = 1.0,
    noise_std: float = 0.0,
    seed: int | None = None,
) -> np.ndarray:
    """Exponential (logarithmic) chirp sweeping from ``fmin`` to ``fmax``.

    The instantaneous frequency is ``f(t) = fmin * (fmax / fmin) ** (t / T)`` with
    ``T = N - 1`` samples, so the chirp travels at a constant speed in log-frequency, which a
    constant-Q filterbank sees as a straight line. The phase is the integral of ``2 pi f(t)``.

    Parameters
    ----------
    N : int
        Number of samples.
    fmin, fmax : float
        Start and end frequencies (cycles/sample, or Hz if ``sample_rate`` is given);
        ``fmax < fmin`` gives a downward sweep.
    sample_rate : float or None
        Sampling rate in Hz; ``None`` means frequencies are normalised.
    amplitude : float
        Peak amplitude.
    noise_std : float
        Standard deviation of additive white Gaussian noise (0 for none).
    seed : int or None
        Seed of the noise generator.

    Returns
    -------
    x : ndarray, shape (N,), float64
    """
    N = _check_length(N)
    f0, f1 = _freq(fmin, sample_rate, "fmin"), _freq(fmax, sample_rate, "fmax")
    if f0 == f1:
        raise ValueError(f"fmin and fmax must differ for a chirp, got both {fmin!r}.")
    t = np.arange(N, dtype=np.float64)
    T = max(N - 1, 1)
    k = np.log(f1 / f0)
    phase = 2 * np.pi * f0 * T / k * np.expm1(k * t / T)
    return _add_noise(amplitude * np.cos(phase), noise_std, seed)


def lin_chirp(
    N: int,
    *,
    fmin: float = 0.005,
    fmax: float = 0.45,
    sample_rate: float | None = None,
    amplitude: float = 1.0,
    noise_std: float = 0.0,
    seed: int | None = None,
) -> np.ndarray:
    """Linear chirp: instantaneous frequency ``f(t) = fmin + (fmax - fmin) t / T``, ``T = N - 1``.

    Parameters
    ----------
    N : int
        Number of samples.
    fmin, fmax : float
        Start and end frequencies (cycles/sample, or Hz if ``sample_rate`` is given).
    sample_rate : float or None
        Sampling rate in Hz; ``None`` means frequencies are normalised.
    amplitude : float
        Peak amplitude.
    noise_std : float
        Standard deviation of additive white Gaussian noise (0 for none).
    seed : int or None
        Seed of the noise generator.

    Returns
    -------
    x : ndarray, shape (N,), float64
    """
    N = _check_length(N)
    f0, f1 = _freq(fmin, sample_rate, "fmin"), _freq(fmax, sample_rate, "fmax")
    t = np.arange(N, dtype=np.float64)
    T = max(N - 1, 1)
    phase = 2 * np.pi * (f0 * t + 0.5 * (f1 - f0) * t**2 / T)
    return _add_noise(amplitude * np.cos(phase), noise_std, seed)


def am_fm_tone(
    N: int,
    *,
    f_carrier: float = 0.1,
    f_am: float = 0.002,
    am_depth: float = 0.5,
    f_fm: float | None = None,
    fm_deviation: float = 0.0,
    sample_rate: float | None = None,
    noise_std: float = 0.0,
    seed: int | None = None,
) -> np.ndarray:
    """Amplitude- and frequency-modulated tone.

    ``x(t) = (1 + m cos(2 pi f_am t)) cos(2 pi f_c t + (d / f_fm) sin(2 pi f_fm t))`` with
    ``m = am_depth`` and ``d = fm_deviation``, i.e. the instantaneous frequency oscillates as
    ``f_c + d cos(2 pi f_fm t)``.

    Parameters
    ----------
    N : int
        Number of samples.
    f_carrier : float
        Carrier frequency.
    f_am : float
        Amplitude-modulation frequency (it has no effect when ``am_depth == 0``).
    am_depth : float
        Modulation depth in ``[0, 1]`` (0: no AM).
    f_fm : float or None
        Frequency-modulation rate; required when ``fm_deviation > 0``.
    fm_deviation : float
        Peak frequency deviation (same unit as ``f_carrier``); 0 disables FM.
    sample_rate : float or None
        Sampling rate in Hz; ``None`` means frequencies are normalised.
    noise_std : float
        Standard deviation of additive white Gaussian noise (0 for none).
    seed : int or None
        Seed of the noise generator.

    Returns
    -------
    x : ndarray, shape (N,), float64
    """
    N = _check_length(N)
    fc = _freq(f_carrier, sample_rate, "f_carrier")
    fa = _freq(f_am, sample_rate, "f_am")
    if not 0 <= am_depth <= 1:
        raise ValueError(f"am_depth must lie in [0, 1], got {am_depth!r}.")
    t = np.arange(N, dtype=np.float64)
    phase = 2 * np.pi * fc * t
    if not fm_deviation >= 0 or not np.isfinite(fm_deviation):  # NaN fails both comparisons
        raise ValueError(f"fm_deviation must be a finite number >= 0, got {fm_deviation!r}.")
    if fm_deviation > 0:
        if f_fm is None:
            raise ValueError("f_fm (frequency-modulation rate) is required when fm_deviation > 0.")
        ff = _freq(f_fm, sample_rate, "f_fm")
        dev = fm_deviation / _check_sample_rate(sample_rate)
        if not fc - dev > 0 or not fc + dev < 0.5:
            raise ValueError(
                "f_carrier +/- fm_deviation must stay inside (0, Nyquist); got "
                f"f_carrier={f_carrier!r}, fm_deviation={fm_deviation!r}."
            )
        phase = phase + dev / ff * np.sin(2 * np.pi * ff * t)
    elif f_fm is not None:
        raise ValueError("f_fm was given but fm_deviation is 0: set fm_deviation > 0 to use FM.")
    x = (1 + am_depth * np.cos(2 * np.pi * fa * t)) * np.cos(phase)
    return _add_noise(x, noise_std, seed)


def partials(
    N: int,
    *,
    f0: float = 0.01,
    n_partials: int = 5,
    amplitudes: Sequence[float] | None = None,
    transposition: float = 0.0,
    sample_rate: float | None = None,
    window: bool = True,
    noise_std: float = 0.0,
    seed: int | None = None,
) -> np.ndarray:
    """Harmonic tone: partials at ``k * f0 * 2 ** (transposition / 12)``, ``k = 1..n_partials``.

    Parameters
    ----------
    N : int
        Number of samples.
    f0 : float
        Fundamental frequency before transposition.
    n_partials : int
        Number of harmonics.
    amplitudes : sequence of float or None
        Amplitude of each partial (length ``n_partials``); default ``1 / k``.
    transposition : float
        Transposition in semitones (12 = one octave up): multiplies all frequencies by
        ``2 ** (transposition / 12)`` and keeps the relative amplitudes, the
        frequency-transposition invariance test case of joint time-frequency scattering.
    sample_rate : float or None
        Sampling rate in Hz; ``None`` means frequencies are normalised.
    window : bool
        Apply a Tukey window (taper ratio 0.2) so the tone starts and ends smoothly.
    noise_std : float
        Standard deviation of additive white Gaussian noise (0 for none).
    seed : int or None
        Seed of the noise generator.

    Returns
    -------
    x : ndarray, shape (N,), float64
    """
    N = _check_length(N)
    if n_partials < 1:
        raise ValueError(f"n_partials must be >= 1, got {n_partials!r}.")
    ratio = 2.0 ** (transposition / 12)
    base = _freq(f0, sample_rate, "f0") * ratio
    if n_partials * base >= 0.5:
        raise ValueError(
            f"The highest partial n_partials * f0 * 2**(transposition/12) = {n_partials * base:g} "
            "cycles/sample reaches the Nyquist frequency 0.5: lower f0, n_partials or "
            "transposition."
        )
    if amplitudes is None:
        amps = 1.0 / np.arange(1, n_partials + 1)
    else:
        amps = np.asarray(amplitudes, dtype=np.float64)
        if amps.shape != (n_partials,):
            raise ValueError(
                f"amplitudes must have one value per partial (length {n_partials}), "
                f"got shape {amps.shape}."
            )
    t = np.arange(N, dtype=np.float64)
    k = np.arange(1, n_partials + 1, dtype=np.float64)[:, None]
    x = (amps[:, None] * np.cos(2 * np.pi * base * k * t)).sum(axis=0)
    if window:
        x = x * tukey(N, alpha=0.2)
    return _add_noise(x, noise_std, seed)


def fdts(
    N: int,
    *,
    f0: float = 0.02,
    n_partials: int = 5,
    partial_duration: float | None = None,
    total_shift: float | None = None,
    sample_rate: float | None = None,
    taper: float = 0.5,
    noise_std: float = 0.0,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Frequency-dependent time shift (FDTS) pair.

    Both signals are sums of the same harmonic partials ``k * f0`` (``k = 1..n_partials``,
    amplitude 1), each gated by a Tukey window of length ``partial_duration``. In ``x`` all
    partials share one window centred at ``N / 2``; in ``x_shifted`` partial ``k`` is delayed by
    ``total_shift * (k - 1) / (n_partials - 1) - total_shift / 2``, so the onset time grows
    linearly with frequency (an upward "spin"; a negative ``total_shift`` gives a downward one).
    Time scattering with averaging longer than the shift barely distinguishes the two; joint
    time-frequency scattering does, which makes the pair a standard test (Andén, Lostanlen and
    Mallat, "Joint time-frequency scattering", IEEE TSP 2019).

    Parameters
    ----------
    N : int
        Number of samples.
    f0 : float
        Fundamental frequency.
    n_partials : int
        Number of partials (>= 2).
    partial_duration : float or None
        Length of each partial's window (samples, or seconds with ``sample_rate``);
        default ``N / 4``.
    total_shift : float or None
        Delay between the lowest and highest partial; default ``N / 8``.
    sample_rate : float or None
        Sampling rate in Hz; ``None`` means frequencies are normalised, times in samples.
    taper : float
        Tukey window taper ratio in ``[0, 1]`` (0: rectangular, 1: Hann).
    noise_std : float
        Standard deviation of additive white Gaussian noise (0 for none), added to both.
    seed : int or None
        Seed of the noise generator (the same noise is added to both signals).

    Returns
    -------
    x : ndarray, shape (N,), float64
        Partials aligned in time.
    x_shifted : ndarray, shape (N,), float64
        Partials with frequency-dependent delays.
    """
    N = _check_length(N)
    if n_partials < 2:
        raise ValueError(
            f"n_partials must be >= 2 for a frequency-dependent shift, got {n_partials!r}."
        )
    if not 0 <= taper <= 1:
        raise ValueError(f"taper must lie in [0, 1], got {taper!r}.")
    base = _freq(f0, sample_rate, "f0")
    if n_partials * base >= 0.5:
        raise ValueError(
            f"The highest partial n_partials * f0 = {n_partials * base:g} cycles/sample reaches "
            "the Nyquist frequency 0.5: lower f0 or n_partials."
        )
    dur = N / 4 if partial_duration is None else _time(partial_duration, sample_rate)
    shift = N / 8 if total_shift is None else _time(total_shift, sample_rate)
    L = round(dur)
    if L < 2:
        raise ValueError(
            f"partial_duration must span at least 2 samples, got {partial_duration!r}."
        )
    if L + abs(shift) > N:
        raise ValueError(
            f"partial_duration + |total_shift| = {L + abs(shift):g} samples exceeds N = {N}: "
            "shorten them or increase N."
        )
    win = tukey(L, alpha=taper)
    t = np.arange(N, dtype=np.float64)
    x = np.zeros(N)
    xs = np.zeros(N)
    offsets = np.linspace(-shift / 2, shift / 2, n_partials)
    for k in range(1, n_partials + 1):
        tone = np.cos(2 * np.pi * k * base * t)
        for out, delay in ((x, 0.0), (xs, offsets[k - 1])):
            start = round(N / 2 - L / 2 + delay)
            env = np.zeros(N)
            env[start : start + L] = win
            out += env * tone
    if noise_std > 0:
        noise = _add_noise(np.zeros(N), noise_std, seed)
        x, xs = x + noise, xs + noise
    else:
        _add_noise(x, noise_std, seed)  # validates noise_std
    return x, xs


def chirp_sine_pulse(
    N: int,
    *,
    chirp_range: tuple[float, float] = (0.01, 0.3),
    f_sine: float = 0.35,
    pulse_center: float | None = None,
    pulse_width: float | None = None,
    sample_rate: float | None = None,
    noise_std: float = 0.0,
    seed: int | None = None,
) -> np.ndarray:
    """Mixture of an exponential chirp, a pure sine and a short broadband pulse.

    The three components have distinct time-frequency signatures (a log-frequency line, a
    horizontal line and a vertical line), which makes the mixture a quick visual check of a
    scalogram and of what each scattering order captures. The pulse is a Tukey-windowed
    (taper ratio 1, i.e. Hann) impulse-like burst: a Hann bump of ``pulse_width`` samples,
    differentiated once so that it has zero mean.

    Parameters
    ----------
    N : int
        Number of samples.
    chirp_range : (float, float)
        Start and end frequencies of the exponential chirp.
    f_sine : float
        Frequency of the sine.
    pulse_center : float or None
        Centre of the pulse (samples, or seconds with ``sample_rate``); default ``N / 2``.
    pulse_width : float or None
        Pulse length (samples, or seconds with ``sample_rate``); default ``max(8, N / 256)``.
    sample_rate : float or None
        Sampling rate in Hz; ``None`` means frequencies are normalised, times in samples.
    noise_std : float
        Standard deviation of additive white Gaussian noise (0 for none).
    seed : int or None
        Seed of the noise generator.

    Returns
    -------
    x : ndarray, shape (N,), float64
        Sum of the three components, each with peak amplitude about 1.
    """
    N = _check_length(N)
    chirp = exp_chirp(N, fmin=chirp_range[0], fmax=chirp_range[1], sample_rate=sample_rate)
    t = np.arange(N, dtype=np.float64)
    sine = np.cos(2 * np.pi * _freq(f_sine, sample_rate, "f_sine") * t)
    center = N / 2 if pulse_center is None else _time(pulse_center, sample_rate)
    width = max(8.0, N / 256) if pulse_width is None else _time(pulse_width, sample_rate)
    L = round(width)
    start = round(center - L / 2)
    if L < 3 or start < 0 or start + L > N:
        raise ValueError(
            f"The pulse (center {center:g}, width {width:g} samples) must be at least 3 samples "
            f"long and lie inside [0, N={N}): adjust pulse_center and pulse_width."
        )
    bump = np.diff(tukey(L + 1, alpha=1.0))
    pulse = np.zeros(N)
    pulse[start : start + L] = bump / np.abs(bump).max()
    return _add_noise(chirp + sine + pulse, noise_std, seed)


def tukey(M: int, alpha: float = 0.5) -> np.ndarray:
    """Tukey (tapered cosine) window; imported lazily because ``scipy.signal`` is slow to import."""
    from scipy.signal.windows import tukey as _tukey

    return _tukey(M, alpha=alpha)
