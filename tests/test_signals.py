"""Tests of scatterwave.signals: instantaneous frequencies, envelopes, delays, validation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import find_peaks, hilbert

from scatterwave import signals


def _inst_freq(x: np.ndarray) -> np.ndarray:
    """Instantaneous frequency (cycles/sample) from the analytic signal's phase."""
    return np.diff(np.unwrap(np.angle(hilbert(x)))) / (2 * np.pi)


def test_exp_chirp_follows_log_sweep():
    N = 4096
    x = signals.exp_chirp(N, fmin=0.01, fmax=0.3)
    assert x.shape == (N,) and x.dtype == np.float64
    t = np.arange(N - 1) + 0.5
    expected = 0.01 * 30 ** (t / (N - 1))
    mid = slice(N // 8, -N // 8)  # Hilbert edge effects at both ends
    # phase-difference estimate of a smooth chirp: relative error well below 1 %
    np.testing.assert_allclose(_inst_freq(x)[mid], expected[mid], rtol=1e-2)
    down = signals.exp_chirp(N, fmin=0.3, fmax=0.01)
    assert _inst_freq(down)[N // 4] > _inst_freq(down)[3 * N // 4]


def test_lin_chirp_and_sample_rate_units():
    N = 2048
    x = signals.lin_chirp(N, fmin=0.05, fmax=0.25)
    f = _inst_freq(x)
    t = np.arange(N - 1) + 0.5
    mid = slice(N // 8, -N // 8)
    np.testing.assert_allclose(f[mid], (0.05 + 0.2 * t / (N - 1))[mid], rtol=1e-2)
    # Hz with a sample rate gives the same signal as normalised frequencies
    y = signals.lin_chirp(N, fmin=50.0, fmax=250.0, sample_rate=1000.0)
    np.testing.assert_allclose(x, y, atol=1e-9)


def test_am_fm_tone_envelope_and_frequency():
    N = 8192
    x = signals.am_fm_tone(N, f_carrier=0.1, f_am=0.001, am_depth=0.5)
    env = np.abs(hilbert(x))
    t = np.arange(N)
    mid = slice(N // 8, -N // 8)
    # envelope of an AM tone with a slow modulator: Hilbert estimate accurate to ~1e-3
    np.testing.assert_allclose(env[mid], (1 + 0.5 * np.cos(2 * np.pi * 0.001 * t))[mid], atol=1e-2)
    y = signals.am_fm_tone(N, f_carrier=0.1, am_depth=0.0, f_fm=0.0005, fm_deviation=0.02)
    f = _inst_freq(y)[mid]
    assert f.max() == pytest.approx(0.12, abs=2e-3)
    assert f.min() == pytest.approx(0.08, abs=2e-3)


def test_partials_transposition():
    N = 8192
    x = signals.partials(N, f0=0.01, n_partials=4, window=False)
    y = signals.partials(N, f0=0.01, n_partials=4, transposition=12, window=False)
    freqs = np.fft.rfftfreq(N)

    def peaks(s):
        spec = np.abs(np.fft.rfft(s))
        idx, _ = find_peaks(spec, height=0.1 * spec.max())
        return freqs[idx]

    # peaks at multiples of f0 to within one bin; an octave up doubles every partial
    np.testing.assert_allclose(peaks(x), 0.01 * np.arange(1, 5), atol=1.5 / N)
    np.testing.assert_allclose(peaks(y), 0.02 * np.arange(1, 5), atol=1.5 / N)
    with pytest.raises(ValueError, match="amplitudes must have one value per partial"):
        signals.partials(N, n_partials=3, amplitudes=[1, 2])


def test_fdts_delays_grow_with_frequency():
    N = 4096
    f0, n_p, shift = 0.02, 5, 512
    x, xs = signals.fdts(N, f0=f0, n_partials=n_p, total_shift=shift)
    freqs = np.fft.fftfreq(N)
    t = np.arange(N)

    def centroid(s, k):
        band = np.abs(np.abs(freqs) - k * f0) < f0 / 2
        env = np.abs(np.fft.ifft(np.fft.fft(s) * band))
        return (t * env).sum() / env.sum()

    c_x = np.array([centroid(x, k) for k in range(1, n_p + 1)])
    c_s = np.array([centroid(xs, k) for k in range(1, n_p + 1)])
    # aligned partials share one centre; shifted ones follow the linear delay law (within 2 samples)
    np.testing.assert_allclose(c_x, N / 2, atol=2.0)
    np.testing.assert_allclose(c_s - c_x, np.linspace(-shift / 2, shift / 2, n_p), atol=2.0)
    assert np.sum(x**2) == pytest.approx(np.sum(xs**2), rel=1e-2)


def test_chirp_sine_pulse_components_and_noise_seed():
    N = 4096
    x = signals.chirp_sine_pulse(N, f_sine=0.35)
    spec = np.abs(np.fft.rfft(x))
    freqs = np.fft.rfftfreq(N)
    assert freqs[spec.argmax()] == pytest.approx(0.35, abs=1.5 / N)  # the sine dominates
    # the pulse lies around N / 2: removing chirp and sine leaves a zero-mean burst there
    rest = x - signals.exp_chirp(N, fmin=0.01, fmax=0.3) - np.cos(2 * np.pi * 0.35 * np.arange(N))
    support = np.flatnonzero(np.abs(rest) > 1e-12)
    assert abs(support.mean() - N / 2) < 16 and abs(rest.sum()) < 1e-9
    a = signals.chirp_sine_pulse(N, noise_std=0.1, seed=3)
    b = signals.chirp_sine_pulse(N, noise_std=0.1, seed=3)
    c = signals.chirp_sine_pulse(N, noise_std=0.1, seed=4)
    np.testing.assert_array_equal(a, b)
    assert np.std(a - x) == pytest.approx(0.1, rel=0.1)  # 4096 samples: std within ~3 %
    assert not np.allclose(a, c)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: signals.exp_chirp(1), "N must be an integer >= 2"),
        (lambda: signals.exp_chirp(64, fmax=0.6), "fmax must lie strictly between 0"),
        (lambda: signals.exp_chirp(64, fmin=0.1, fmax=0.1), "must differ"),
        (lambda: signals.lin_chirp(64, fmax=600.0, sample_rate=1000.0), "Nyquist frequency 500"),
        (lambda: signals.lin_chirp(64, sample_rate=-1.0), "sample_rate must be a positive"),
        (lambda: signals.am_fm_tone(64, am_depth=2.0), "am_depth must lie in"),
        (lambda: signals.am_fm_tone(64, fm_deviation=0.01), "f_fm .* is required"),
        (lambda: signals.am_fm_tone(64, f_fm=0.01), "fm_deviation is 0"),
        # NaN failed both checks (< 0 and > 0): the plain tone, without FM, was returned
        (lambda: signals.am_fm_tone(64, fm_deviation=float("nan")), "finite number >= 0"),
        (lambda: signals.am_fm_tone(64, fm_deviation=-0.01), "finite number >= 0"),
        (lambda: signals.am_fm_tone(64, am_depth=float("nan")), "am_depth must lie in"),
        (lambda: signals.partials(64, f0=0.2, n_partials=3), "reaches the Nyquist"),
        (lambda: signals.fdts(64, n_partials=1), "n_partials must be >= 2"),
        (lambda: signals.fdts(64, partial_duration=60, total_shift=20), "exceeds N = 64"),
        (lambda: signals.chirp_sine_pulse(256, pulse_center=2.0), "must be at least 3 samples"),
        (lambda: signals.exp_chirp(64, noise_std=-1.0), "noise_std must be"),
    ],
)
def test_bad_parameters(call, match):
    with pytest.raises(ValueError, match=match):
        call()
