"""Tests of scatterwave.toolkit.validate_filterbank and its report."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from scatterwave.toolkit import FilterbankValidation, validate_filterbank

CA = 1e-3  # the default criterion amplitude


def morlet_bank(N=4096, Q=4, n_octaves=4, xi_max=0.3, q=6.0, phi_width=0.7):
    """Analytic Gabor/Morlet bank: constant-Q part, two linear low filters, Gaussian low-pass.

    ``xi / sigma = q = 6`` makes the DC response ``exp(-18)``, i.e. zero mean; gains flatten the
    Littlewood-Paley sum at every peak and a global factor makes its maximum exactly 1.
    """
    f = np.fft.fftfreq(N)
    xi = xi_max * 2.0 ** (-np.arange(Q * n_octaves) / Q)
    sigma = xi / q
    step = xi[-1] * (1 - 2 ** (-1 / Q))
    n_lin = int((xi[-1] - 4 * sigma[-1]) // step)
    xi = np.concatenate([xi, xi[-1] - step * np.arange(1, n_lin + 1)])
    sigma = np.concatenate([sigma, np.full(n_lin, sigma[-1])])
    psi = np.exp(-0.5 * ((f[None] - xi[:, None]) / sigma[:, None]) ** 2) * (f[None] > 0)
    phi = np.exp(-0.5 * (f / (xi[-1] / phi_width)) ** 2)
    peaks = np.round(xi * N).astype(int)
    for _ in range(20):
        lp = 0.5 * (psi**2).sum(0) + phi**2
        psi *= (1 / lp[peaks])[:, None] ** 0.25
    lp = 0.5 * (psi**2).sum(0) + phi**2
    return psi.astype(complex) / np.sqrt(lp.max()), phi / np.sqrt(lp.max())


@pytest.fixture(scope="module")
def bank():
    return morlet_bank()


def _failed(result: FilterbankValidation) -> set[str]:
    return {name for name, c in result.checks.items() if not c.passed}


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_good_bank_passes(bank, backend):
    psi, phi = bank
    if backend == "torch":
        torch = pytest.importorskip("torch")

        psi, phi = torch.from_numpy(psi), torch.from_numpy(phi)
    r = validate_filterbank(psi, phi)
    assert r.ok, r.report()
    assert r.status == "ok"
    assert r["littlewood_paley"].metrics["B (max)"] == pytest.approx(1.0, abs=1e-12)
    assert r["constant_q"].metrics["filters per octave (constant-Q part)"] == pytest.approx(4.0)
    assert r["constant_q"].metrics["n non-constant-Q"] == 2


def test_truncated_filter_flagged(bank):
    psi, phi = bank
    psi = psi.copy()
    f = np.fft.fftfreq(psi.shape[1])
    k = 6
    peak_f = f[np.abs(psi[k]).argmax()]
    psi[k, f > peak_f * 1.05] = 0  # cut the upper half of the lobe at ~0.7 of the peak
    r = validate_filterbank(psi, phi)
    assert r["boundary_decay"].status == "error"
    assert r["boundary_decay"].flagged == (k,)
    assert r["boundary_decay"].metrics["max frequency cut ratio"] > 0.1


def test_undecayed_lowpass_flagged(bank):
    psi, _ = bank
    f = np.fft.fftfreq(psi.shape[1])
    phi = np.exp(-0.5 * (f / 2e-4) ** 2)  # time width ~800 samples: wraps around N = 4096
    r = validate_filterbank(psi, phi)
    assert "boundary_decay" in _failed(r)
    assert r["boundary_decay"].flagged == (-1,)


def test_duplicated_peak_flagged(bank):
    psi, phi = bank
    dup = np.vstack([psi[:5], psi[4:5], psi[5:]])
    r = validate_filterbank(dup, phi)
    assert r["redundancy"].status == "error"
    assert set(r["redundancy"].flagged) == {4, 5}
    assert r["constant_q"].status == "error"
    assert set(r["constant_q"].flagged) == {4, 5}
    assert r["littlewood_paley"].status == "error"  # the duplicate doubles the LP sum locally
    assert r.status == "error" and not r.ok


def test_non_analytic_filter_flagged(bank):
    psi, phi = bank
    bad = psi.copy()
    k = 3
    mirrored = np.concatenate([bad[k, :1], bad[k, 1:][::-1]])
    bad[k] = (bad[k] + mirrored) / np.sqrt(2)  # real, even response: a real-valued filter
    r = validate_filterbank(bad, phi)
    assert r["analyticity"].status == "error"
    assert r["analyticity"].flagged == (k,)
    assert r["analyticity"].metrics["max_negative_ratio"] == pytest.approx(1.0)


def test_dc_shift_and_aliasing_flagged(bank):
    psi, phi = bank
    N = psi.shape[1]
    f = np.fft.fftfreq(N)
    bad = psi.copy()
    bad[2, 0] = 0.1 * np.abs(bad[2]).max()
    bad[7] = bad[7] * np.exp(-2j * np.pi * f * 10)  # delay by 10 samples
    j = np.zeros(len(psi), dtype=int)
    j[0] = 4  # widest filter subsampled by 16: its envelope aliases
    r = validate_filterbank(bad, phi, subsampling=j)
    assert r["zero_mean"].flagged == (2,)
    assert r["peak_position"].flagged == (7,)
    assert r["peak_position"].metrics["max |peak index|"] == 10
    assert r["aliasing"].flagged == (0,)
    assert r["aliasing"].status == "warning"
    ok = validate_filterbank(psi, phi, subsampling=np.zeros(len(psi), dtype=int))
    assert ok["aliasing"].status == "ok"


def test_holes_in_tiling_warn(bank):
    psi, phi = bank
    r = validate_filterbank(psi[::3], phi)
    assert r["littlewood_paley"].status == "warning"
    assert r["littlewood_paley"].metrics["A / B"] < 0.5


def test_frequential_bank_both_spins(bank):
    psi, phi = bank
    down = np.concatenate([psi[:, :1], psi[:, 1:][:, ::-1]], axis=1)
    # complex inputs see no symmetrisation: halve each spin's energy to keep the same LP sum
    both = np.vstack([psi, down]) / np.sqrt(2)
    r = validate_filterbank(both, phi, for_real_inputs=False)
    assert r["analyticity"].status == "skipped"
    assert r["constant_q"].metrics["order"] == "decreasing"
    assert r.ok, r.report()
    assert (
        validate_filterbank(both * 2, for_real_inputs=False)["littlewood_paley"].status == "error"
    )


def test_scattering1d_filterbank_passes():
    from scatterwave import Scattering1D

    fb = Scattering1D(2048, 8, Q=8).filterbank()
    for name in ("psi1", "psi2"):
        r = validate_filterbank(fb[f"{name}_f"], fb["phi_f"], subsampling=fb[f"{name}_meta"]["j"])
        assert r.status != "error", r.report()
        assert _failed(r) <= {"boundary_decay"}, r.report()
        # Known, bounded: the strictly analytic extreme wavelets (notched at DC, cut at
        # Nyquist) decay more slowly than their Gaussian envelope, so a short signal's
        # capped padding may leave them slightly above the criterion amplitude.
        n = len(fb[f"{name}_f"])
        assert set(r["boundary_decay"].flagged) <= {0, n - 1}
        assert r["boundary_decay"].metrics["max time boundary ratio"] < 10 * CA


def test_report_sections_logging_and_verbose(bank, caplog, capsys):
    psi, phi = bank
    with caplog.at_level(logging.INFO, logger="scatterwave.toolkit.validate"):
        r = validate_filterbank(psi[::3], phi)
    text = r.report()
    assert str(r) == text
    for title in (
        "Analyticity",
        "Zero mean",
        "Littlewood-Paley bounds",
        "Redundancy",
        "Decay at the boundaries",
        "Aliasing",
        "Constant-Q tiling",
        "Time-domain peak position",
    ):
        assert title in text
    assert "Overall status: WARNING" in text
    assert text in caplog.text
    assert any(rec.levelno == logging.WARNING for rec in caplog.records)
    assert capsys.readouterr().out == ""  # silent unless verbose=True
    validate_filterbank(psi, phi, verbose=True)
    assert "Overall status: OK" in capsys.readouterr().out


def test_bad_inputs():
    with pytest.raises(ValueError, match="shape \\(n_filters, N\\)"):
        validate_filterbank(np.ones((2, 2)))
    with pytest.raises(ValueError, match="identically zero"):
        validate_filterbank(np.zeros((2, 16)))
    with pytest.raises(ValueError, match="phi_f must have shape"):
        validate_filterbank(np.ones((2, 16)), np.ones(8))
    with pytest.raises(ValueError, match="criterion_amplitude"):
        validate_filterbank(np.ones((2, 16)), criterion_amplitude=2.0)
    with pytest.raises(ValueError, match="one log2 stride"):
        validate_filterbank(np.ones((2, 16)), subsampling=[1])


def test_one_band_pass_without_a_low_pass_is_checked():
    """n_filters >= 1 is accepted: one Gaussian band-pass centred between two bins (0.1 at
    N=256) left no bin in [min xi, max xi], and the frame bounds' minimum of nothing raised
    numpy's "zero-size array" error. The band is then the bin nearest the peak."""
    f = np.fft.fftfreq(256)
    g = np.exp(-((f - 0.1) ** 2) / (2 * 0.01**2)) * (f > 0)
    report = validate_filterbank(g)
    lp = report.checks["littlewood_paley"]
    assert 0 < lp.metrics["A (min over band)"] <= lp.metrics["B (max)"]
