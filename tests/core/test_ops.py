"""Array-API primitives: padding, Fourier subsampling of band-pass products, low-pass."""

import array_api_compat.numpy as xp
import numpy as np
import pytest

from scatterwave.core.ops import bandpass, extend_bins, modulus, pad, reflect_indices
from scatterwave.core.plan import _band_windows, _block_gather
from scatterwave.filters.sparse import BandFilters, positive_morlet


@pytest.mark.parametrize("N", [5, 128, 129])
@pytest.mark.parametrize("factor", [0.3, 1, 2, 4])
def test_reflect_matches_numpy_for_any_pad_length(N, factor):
    left, right = int(factor * N), int(factor * N) + 1
    x = np.arange(N, dtype=float)
    # np.pad's reflect mode repeats the reflection for pads longer than the signal.
    np.testing.assert_array_equal(
        x[reflect_indices(N, left, right)], np.pad(x, (left, right), "reflect")
    )


def test_pad_modes(rng):
    x = rng.standard_normal((3, 10))
    np.testing.assert_array_equal(pad(x, 4, 5, "zero", xp), np.pad(x, ((0, 0), (4, 5))))
    np.testing.assert_array_equal(
        pad(x, 4, 5, "reflect", xp), np.pad(x, ((0, 0), (4, 5)), "reflect")
    )
    edge = pad(x, 2, 3, lambda a, l, r: np.pad(a, ((0, 0), (l, r)), "edge"), xp)
    np.testing.assert_array_equal(edge, np.pad(x, ((0, 0), (2, 3)), "edge"))
    with pytest.raises(ValueError, match="pad_mode callable returned shape"):
        pad(x, 2, 3, lambda a, l, r: a, xp)


@pytest.mark.parametrize(("k_in", "k_out"), [(0, 0), (0, 2), (1, 3), (0, 4)])
def test_bandpass_is_exact_subsampled_convolution(rng, k_in, k_out):
    """gather + multiply + fold + IFFT equals (u * psi)[::2**k] computed at the input rate."""
    N = 1024
    parts = [positive_morlet(N, xi, s) for xi, s in [(0.02, 0.003), (0.012, 0.002), (0.05, 0.004)]]
    filters = BandFilters(N, np.array([lo for lo, _ in parts]), [v for _, v in parts])
    L = N >> k_in
    u = rng.standard_normal((2, 3, L))  # (B, rows, L) real inputs at level k_in
    n_bins = L // 2
    M = N >> k_out
    index = np.array([0, 1, 2, 1])
    rows = np.array([0, 2, 1, 1])
    start, values, n_blocks = _band_windows(filters, np.arange(3), k_in, M, n_bins)
    gather, per_row = _block_gather(rows, start[index], n_blocks, n_bins, M)
    spec = extend_bins(np.fft.rfft(u, axis=-1)[..., :n_bins], per_row * M, xp)
    z = bandpass(spec, xp.asarray(gather), values[index], len(rows), n_blocks, per_row, M, xp)
    z = z / 2 ** (k_out - k_in)
    for i, (r, n) in enumerate(zip(rows, index)):
        psi = filters.slab(np.array([n]), k_in, L)[0].copy()
        psi[n_bins:] = 0.0
        full = np.fft.ifft(np.fft.fft(u[:, r]) * psi)
        np.testing.assert_allclose(z[:, i], full[:, :: 2 ** (k_out - k_in)], atol=1e-12)


def test_modulus_has_finite_gradient_at_zero():
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace

    z = torch.zeros(3, dtype=torch.complex128, requires_grad=True)
    m = modulus(z, array_namespace(z))
    m.sum().backward()
    assert torch.all(torch.isfinite(z.grad))
    assert float(m.detach().max()) < 1e-150


def test_modulus_shift_only_where_gradients_can_flow():
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace

    from scatterwave.core.ops import modulus_parts

    z = torch.zeros(3, dtype=torch.complex128)
    xp = array_namespace(z)
    with torch.no_grad():  # no gradient: the exact modulus
        assert float(modulus(z, xp).max()) == 0.0
    assert 0.0 < float(modulus(z, xp).max()) < 1e-150  # grad mode: shifted by sqrt(tiny)
    # torch.func differentiates tensors that do not report requires_grad
    grad = torch.func.grad(lambda re: modulus_parts(re, torch.zeros_like(re), xp).sum())
    assert torch.all(torch.isfinite(grad(torch.zeros(4, dtype=torch.float64))))
    re, im = torch.tensor([3.0, -5.0]), torch.tensor([4.0, 12.0])
    np.testing.assert_allclose(modulus_parts(re, im, xp).numpy(), [5.0, 13.0], rtol=1e-7)
