"""Array-API primitives: padding, Fourier subsampling of band-pass products, low-pass."""

import array_api_compat.numpy as xp
import numpy as np
import pytest

from scatterwave.core.buffers import band_windows, block_gather
from scatterwave.core.ops import (
    bandpass,
    bandpass_pairs,
    extend_bins,
    matmul,
    modulus,
    pad,
    reflect_indices,
)
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
    start, values, n_blocks = band_windows(filters, np.arange(3), k_in, M, n_bins)
    gather, per_row = block_gather(rows, start[index], n_blocks, n_bins, M)
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


def test_recorded_torch_modulus_is_one_autograd_node_with_exact_gradients(rng, monkeypatch):
    """Where PyTorch records gradients on CPU the modulus is one autograd node (its backward
    ran 11 operators per band group when composed). Its gradient is ``z / |z|`` (PyTorch's
    convention for ``abs``), checked numerically to second order in float64 (gradcheck's
    default tolerances, 1e-5 relative on finite differences of step 1e-6), and under
    ``torch.func.vmap`` of ``torch.func.grad`` to 1e-15 (round-off of one division)."""
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace

    from scatterwave.core import ops

    big = torch.randn(ops.NODE_MODULUS_INTERLEAVED + 1, dtype=torch.complex64)
    assert type(modulus(big.requires_grad_(), array_namespace(big)).grad_fn).__name__ == (
        "ModulusBackward"
    )
    small = big[: ops.NODE_MODULUS_INTERLEAVED].detach().requires_grad_()
    assert type(modulus(small, array_namespace(small)).grad_fn).__name__ == "SqrtBackward0"
    monkeypatch.setattr(ops, "NODE_MODULUS_INTERLEAVED", 0)  # the node on small tensors
    z = torch.from_numpy(rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3)))
    xp = array_namespace(z)
    leaf = z.clone().requires_grad_()
    m = modulus(leaf, xp)
    assert type(m.grad_fn).__name__ == "ModulusBackward"
    assert m.grad_fn.next_functions[0][0].variable is leaf  # straight to the input
    torch.autograd.gradcheck(lambda a: modulus(a, xp), (leaf,))
    torch.autograd.gradgradcheck(lambda a: modulus(a, xp), (leaf,))
    grads = torch.func.vmap(torch.func.grad(lambda a: modulus(a, xp).sum()))(z)
    torch.testing.assert_close(grads, z / z.abs(), rtol=1e-15, atol=0)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_recorded_stacked_modulus_is_one_autograd_node_with_exact_gradients(rng, axis, monkeypatch):
    """The modulus of (real, imaginary) parts stacked along an axis (the JTFS joint stage's
    real products): equal to ``modulus_parts`` of the two slices (to 1e-15, one rounding of
    the shift), one autograd node under PyTorch, gradient ``(re, im) / |z|`` checked to second
    order (gradcheck's default tolerances) and under ``torch.func.vmap`` of ``grad``."""
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace

    from scatterwave.core import ops
    from scatterwave.core.ops import modulus_parts, modulus_stacked

    monkeypatch.setattr(ops, "NODE_MODULUS_STACKED", 0)  # CPU: the node on small tensors too
    shape = [3, 4, 5]
    shape[axis] = 2
    z = torch.from_numpy(rng.standard_normal(shape))
    xp = array_namespace(z)
    re, im = z.select(axis, 0), z.select(axis, 1)
    with torch.no_grad():
        plain = modulus_stacked(z, axis, xp)
    torch.testing.assert_close(plain, modulus_parts(re, im, xp), rtol=1e-15, atol=0)
    leaf = z.clone().requires_grad_()
    m = modulus_stacked(leaf, axis, xp)
    assert type(m.grad_fn).__name__ == "StackedModulusBackward"
    torch.testing.assert_close(m, torch.hypot(re, im), rtol=1e-15, atol=0)
    torch.autograd.gradcheck(lambda a: modulus_stacked(a, axis, xp), (leaf,))
    torch.autograd.gradgradcheck(lambda a: modulus_stacked(a, axis, xp), (leaf,))
    batch = torch.stack([z, 2 * z])
    grads = torch.func.vmap(torch.func.grad(lambda a: modulus_stacked(a, axis, xp).sum()))(batch)
    expected = z / torch.hypot(re, im).unsqueeze(axis)
    torch.testing.assert_close(grads, torch.stack([expected, expected]), rtol=1e-15, atol=0)
    numpy_z = z.numpy()  # other libraries: the slices' modulus_parts
    np.testing.assert_allclose(
        modulus_stacked(numpy_z, axis, array_namespace(numpy_z)), plain.numpy(), rtol=1e-15
    )


def test_take_is_index_select_for_torch(rng):
    """``ops.take`` equals ``xp.take`` and, for PyTorch, is one ``index_select`` (no negative
    index mapping: array_api_compat's ``take`` adds a comparison, an addition and a ``where``)."""
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace
    from torch.overrides import TorchFunctionMode

    from scatterwave.core.ops import take

    a = rng.standard_normal((3, 5, 4))
    idx = np.array([4, 0, 0, 2])
    ref = np.take(a, idx, axis=1)
    np.testing.assert_array_equal(take(a, idx, 1, array_namespace(a)), ref)
    t, ti = torch.from_numpy(a), torch.from_numpy(idx)
    calls = []

    class Record(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            calls.append(getattr(func, "__name__", str(func)))
            return func(*args, **(kwargs or {}))

    with Record():
        out = take(t, ti, -2, array_namespace(t))
    assert [c for c in calls if c != "__get__"] == ["index_select"]  # __get__: a.ndim
    np.testing.assert_array_equal(out.numpy(), ref)


@pytest.mark.parametrize("overwrite", [False, True])
@pytest.mark.parametrize("n", [64, 1024])  # 384 elements: complex abs; 6144: the squares
def test_torch_modulus_matches_abs_and_leaves_input_unless_told(rng, overwrite, n):
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace

    from scatterwave.core.ops import _SMALL_MODULUS

    z = torch.from_numpy(rng.standard_normal((2, 3, n)) + 1j * rng.standard_normal((2, 3, n)))
    expected = torch.abs(z)
    before = z.clone()
    with torch.no_grad():
        m = modulus(z, array_namespace(z), overwrite=overwrite)
    # sqrt(re**2 + im**2) against hypot: a few ulps in float64.
    torch.testing.assert_close(m, expected, rtol=1e-14, atol=0)
    squares_in_place = overwrite and z.numel() > _SMALL_MODULUS
    assert torch.equal(z, before) != squares_in_place  # overwrite=True may square z in place


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_accelerator_torch_modulus_is_hypot_without_gradients(rng, dtype):
    """Off the CPU, PyTorch's modulus without gradient recording is ``hypot`` of the real
    and imaginary views (one kernel; complex ``abs`` runs two): equal to ``abs`` to one unit
    in the last place (the CPU's vectorised ``abs`` and ``hypot`` round differently, 4 of
    1000 float64 values), also at 0 and beyond float32's square range. With recording it is
    ``abs``, whose gradient at 0 is 0."""
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace
    from torch.profiler import ProfilerActivity, profile

    from scatterwave.core.capabilities import _record

    caps = _record("torch", "cuda", False, False)  # the accelerator route, run on the CPU
    values = rng.standard_normal((2, 3, 50)) + 1j * rng.standard_normal((2, 3, 50))
    values[0, 0, :3] = [0, 3e30 + 4e30j, 1e-30j]
    z = torch.from_numpy(values).to(getattr(torch, dtype))
    with torch.no_grad(), profile(activities=[ProfilerActivity.CPU]) as prof:
        m = modulus(z, array_namespace(z), caps=caps)
    eps = torch.finfo(m.dtype).eps
    torch.testing.assert_close(m, torch.abs(z), rtol=eps, atol=0)
    assert {e.name for e in prof.events()} & {"aten::abs", "aten::copy_"} == set()
    zg = z.clone().requires_grad_()
    (g,) = torch.autograd.grad(modulus(zg, array_namespace(zg), caps=caps).sum(), zg)
    assert torch.equal(g, torch.sgn(z)) and g[0, 0, 0] == 0


@pytest.mark.parametrize("amplitude", [1e-21, 1e21])
def test_float32_torch_scattering_is_exact_for_extreme_amplitudes(rng, amplitude):
    """The torch modulus squares; the cores' power-of-two input scaling keeps it in range.

    Without it, float32 squares of |z| ~ 1e-21 are subnormal (1e-42, 2-3 significant digits)
    and of 1e21 overflow to inf. Scattering is positively homogeneous, so S(a x) = a S(x)
    must hold to float32 round-off (rtol 1e-5, as for float32 against float64 elsewhere).
    """
    torch = pytest.importorskip("torch")
    from scatterwave import Scattering1D, TimeFrequencyScattering1D

    x = rng.standard_normal((2, 1024)).astype(np.float32)
    for S in (Scattering1D(1024, 5, Q=4), TimeFrequencyScattering1D(1024, 5, Q=(4, 1), J_fr=2)):
        ref, out = S(torch.from_numpy(x)), S(torch.from_numpy(x) * amplitude)
        if isinstance(ref, dict):  # JTFS: one array per pair
            ref, out = torch.cat(list(ref.values()), 1), torch.cat(list(out.values()), 1)
        out = out / amplitude
        assert torch.isfinite(out).all()
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6 * float(ref.abs().max()))


def test_bandpass_pairs_equals_the_gathered_bandpass(rng):
    """The broadcast product over (input row, filter) pairs equals gather + multiply."""
    B, R, M, n_blocks = 2, 3, 16, 2
    spectrum = rng.standard_normal((B, R, 6 * M)) + 1j * rng.standard_normal((B, R, 6 * M))
    filters = rng.standard_normal((4, n_blocks * M))
    first, n_in, start = 1, 2, 3
    out = bandpass_pairs(spectrum, first, n_in, start, filters, n_blocks, M, xp)
    rows = np.repeat(np.arange(first, first + n_in), 4)
    gather = (rows[:, None] * 6 + start + np.arange(n_blocks)[None, :]).ravel()
    ref = bandpass(spectrum, gather, np.tile(filters, (n_in, 1)), len(rows), n_blocks, 6, M, xp)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)


def test_recorded_torch_bandpass_has_no_copy_slices_node(rng):
    """Where PyTorch records a graph, the band product is out of place: an in-place product on
    the reshaped gather recorded a CopySlices node (two more copies of the gather in the
    backward pass). Values and gradients equal the unrecorded in-place route's (float64)."""
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace

    B, R, M, n_blocks = 2, 3, 16, 2
    spec = rng.standard_normal((B, R, 6 * M)) + 1j * rng.standard_normal((B, R, 6 * M))
    filters = torch.from_numpy(rng.standard_normal((4, n_blocks * M))).to(torch.complex128)
    gather = torch.tensor([0, 1, 7, 8, 13, 14, 3, 4])
    spectrum = torch.from_numpy(spec).requires_grad_()
    txp = array_namespace(spectrum)
    z = bandpass(spectrum, gather, filters, 4, n_blocks, 6, M, txp)
    nodes, stack = set(), [z.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in nodes:
            nodes.add(node)
            stack += [f for f, _ in node.next_functions]
    assert not any(type(n).__name__ == "CopySlices" for n in nodes)
    with torch.no_grad():  # the in-place route
        ref = bandpass(spectrum.detach(), gather, filters, 4, n_blocks, 6, M, txp)
    torch.testing.assert_close(z.detach(), ref, rtol=0, atol=0)
    (grad,) = torch.autograd.grad(z.abs().sum(), spectrum)
    picked = spectrum.detach().reshape(B, R * 6, M)[:, gather].reshape(B, 4, n_blocks, M)
    zf = torch.fft.ifft((picked * filters.reshape(1, 4, n_blocks, M)).sum(2), dim=-1)
    zf.requires_grad_()
    (g_z,) = torch.autograd.grad(zf.abs().sum(), zf)
    expected = torch.zeros(B, R * 6, M, dtype=torch.complex128)
    g_folded = torch.fft.fft(g_z, dim=-1) / M  # adjoint of ifft
    g_picked = (g_folded[:, :, None, :] * filters.reshape(1, 4, n_blocks, M).conj()).reshape(
        B, 4 * n_blocks, M
    )
    expected.index_add_(1, gather, g_picked)
    torch.testing.assert_close(grad, expected.reshape(B, R, 6 * M), rtol=0, atol=1e-12)


def test_library_forks_follow_the_capabilities_given():
    """The ``caps`` keyword decides the library's path; None resolves it from the array."""
    import dataclasses

    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace

    from scatterwave.core.capabilities import capabilities
    from scatterwave.core.ops import as_index, matmul, modulus, range_scale

    z = torch.randn(3, 4096, dtype=torch.complex128)
    xp, caps = array_namespace(z), capabilities(z)
    assert caps.modulus == "squares" and caps.range_scale
    assert torch.equal(modulus(z, xp), modulus(z, xp, caps=caps))
    hypot = dataclasses.replace(caps, modulus="hypot", range_scale=False)
    torch.testing.assert_close(modulus(z, xp, caps=hypot), z.abs(), rtol=1e-15, atol=0)
    x = torch.randn(2, 8, dtype=torch.float64) * 1e-30
    scaled, scale = range_scale(x, xp, caps=caps)
    assert scale is not None and float(scaled.abs().max()) > 0.5
    same, none = range_scale(x, xp, caps=hypot)
    assert same is x and none is None
    a = np.arange(4.0).reshape(2, 2)
    np_caps = capabilities(a)
    np.testing.assert_array_equal(matmul(a, a, np, caps=np_caps), a @ a)
    assert as_index(np.arange(3), a, np, caps=np_caps).dtype == np.int64
    as_jax = dataclasses.replace(np_caps, library="jax")
    assert as_index(np.arange(3), a, np, caps=as_jax).dtype == np.int32


def test_recorded_torch_matmul_takes_a_sliced_gradient_without_copying(rng):
    """A recorded ``(B, n, M) @ (M, K)`` product whose output is concatenated with others
    (as the direct low-pass rows are) receives a strided gradient: ``torch.matmul`` folds the
    batch and copies that gradient in its backward pass; :func:`matmul` does not (one kernel
    launch less per group on a GPU). Values and gradients equal ``torch.matmul``'s to
    round-off (float64; the batched and the folded products sum in other orders)."""
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace
    from torch.profiler import ProfilerActivity, profile

    a = torch.from_numpy(rng.standard_normal((3, 5, 8))).requires_grad_()
    K = torch.from_numpy(rng.standard_normal((8, 4)))
    other = torch.from_numpy(rng.standard_normal((3, 2, 4)))
    weight = torch.from_numpy(rng.standard_normal((3, 7, 4)))
    grads = []
    for product in (lambda: matmul(a, K, array_namespace(a)), lambda: torch.matmul(a, K)):
        y = product()
        torch.testing.assert_close(y, torch.matmul(a, K), rtol=1e-13, atol=1e-15)
        loss = (torch.cat([other, y], dim=1) * weight).sum()
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            (g,) = torch.autograd.grad(loss, a)
        grads.append(g)
        copies = [e.name for e in prof.events() if e.name in ("aten::clone", "aten::copy_")]
        assert bool(copies) == (len(grads) == 2)  # ours copies nothing; torch.matmul does
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-13, atol=1e-15)


def test_torch_bandpass_writes_its_product_into_the_padded_window(rng):
    """Without gradient recording, PyTorch writes an unfolded band's product straight into
    the zero-padded window of the longer inverse FFT (no padding copy): the same values as
    NumPy's route and as the recorded route (float64, to round-off: the same operations)."""
    torch = pytest.importorskip("torch")
    from array_api_compat import array_namespace
    from torch.profiler import ProfilerActivity, profile

    B, R, block, n_out = 2, 3, 8, 20
    spec = rng.standard_normal((B, R, 6 * block)) + 1j * rng.standard_normal((B, R, 6 * block))
    filt = rng.standard_normal((4, block))
    gather = np.array([0, 7, 13, 4])
    args = (4, 1, 6, block)
    want = bandpass(spec, gather, filt.astype(complex), *args, xp, n_out=n_out)
    spectrum, filters = torch.from_numpy(spec), torch.from_numpy(filt).to(torch.complex128)
    txp = array_namespace(spectrum)
    with torch.no_grad(), profile(activities=[ProfilerActivity.CPU]) as prof:
        got = bandpass(spectrum, torch.from_numpy(gather), filters, *args, txp, n_out=n_out)
    assert "aten::constant_pad_nd" not in {e.name for e in prof.events()}
    recorded = bandpass(
        spectrum.requires_grad_(), torch.from_numpy(gather), filters, *args, txp, n_out=n_out
    )
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-13, atol=1e-15)
    torch.testing.assert_close(got, recorded.detach(), rtol=1e-13, atol=1e-15)
