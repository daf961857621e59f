"""The public front-end protocol of the transforms and what their base class owns.

``plan(N)``, ``buffers(N, like)``, ``check(x, xp)``, ``compute(x, xp, buffers, caps)`` and
``run(x, xp, buffers, caps)`` (``scatterwave._transform.ArrayAPITransform``); the shared
argument checks and the ``__repr__`` derived from the signature.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from array_api_compat import array_namespace

from scatterwave import Scattering1D, TimeFrequencyScattering1D
from scatterwave._buffers import convert_buffers
from scatterwave.core.capabilities import capabilities

N = 512


def _transforms() -> list:
    return [
        Scattering1D(N, J=4, Q=(4, 1)),
        Scattering1D(N, J=4, Q=4, average=False, out_type="dict"),
        TimeFrequencyScattering1D(N, J=4, Q=(8, 1), J_fr=2, Q_fr=1, out_type="array"),
        TimeFrequencyScattering1D(N, J=4, Q=(8, 1), J_fr=2, Q_fr=1),
    ]


def _same(a, b) -> None:
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, tuple):
        for u, v in zip(a, b, strict=True):
            _same(u, v)
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("S", _transforms(), ids=repr)
def test_plan_is_cached_per_length(S):
    plan = S.plan(N)
    assert S.plan(N) is plan
    other = S.plan(2 * N)
    assert other is not plan and S.plan(2 * N) is other
    assert set(plan.buffers) == set(other.buffers)
    for name, arr in plan.buffers.items():
        assert isinstance(arr, np.ndarray)
        assert arr.dtype == (np.int64 if name == "index" else np.float64), name


@pytest.mark.parametrize("S", _transforms(), ids=repr)
def test_compute_on_numpy_equals_call(S):
    x = np.random.default_rng(0).standard_normal((3, N))
    xp, caps = array_namespace(x), capabilities(x)
    assert S.check(x, xp, caps) == N
    buffers = S.buffers(N, x, xp=xp, caps=caps)
    assert S.buffers(N, x) is buffers  # cached per library, device and dtype
    _same(S.compute(x, xp, buffers, caps), S(x))
    _same(S.compute(x, xp, buffers, caps, chunk=1), S(x))
    _same(S.run(x, xp, buffers, caps), S(x))


@pytest.mark.parametrize("S", _transforms(), ids=repr)
def test_torch_autocast_does_not_reach_the_transform(S):
    """Under ``torch.autocast`` the transforms compute in the input's dtype: bfloat16
    products lost three digits of the JTFS (relative error 2e-3, and float64 outputs for
    a float32 input) before autocast was switched off inside ``run``."""
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(np.random.default_rng(2).standard_normal((2, N)).astype(np.float32))
    xs = [x.clone().requires_grad_() for _ in range(2)]
    want = S(xs[0])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = S(xs[1])
    _same(tuple(t.detach() for t in _leaves(got)), tuple(t.detach() for t in _leaves(want)))
    assert all(t.dtype == torch.float32 for t in _leaves(got))
    for out in (want, got):
        sum(t.sum() for t in _leaves(out)).backward()
    _same(xs[1].grad, xs[0].grad)


def _leaves(out) -> list:
    return list(out.values()) if isinstance(out, dict) else [out]


@pytest.mark.parametrize("S", _transforms(), ids=repr)
def test_compute_on_torch_equals_call(S):
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(np.random.default_rng(1).standard_normal((2, N)).astype(np.float32))
    xp, caps = array_namespace(x), capabilities(x)
    buffers = S.buffers(N, x, xp=xp, caps=caps)
    _same(S.compute(x, xp, buffers, caps), S(x))


def test_buffers_are_complex_for_torch_and_real_for_numpy():
    torch = pytest.importorskip("torch")
    S = Scattering1D(N, J=4, Q=4)
    for dtype, real, cplx in ((torch.float32, torch.float32, torch.complex64),
                              (torch.float64, torch.float64, torch.complex128)):  # fmt: skip
        buffers = S.buffers(N, torch.zeros(1, dtype=dtype))
        for name, buf in buffers.items():
            if name == "index":
                assert buf.dtype == torch.int64
            elif name.endswith(("_f", "_fr")):
                assert buf.dtype == cplx, name
            else:
                assert buf.dtype == real, name
    host = S.buffers(N, np.zeros(1, dtype=np.float32))
    assert all(not np.iscomplexobj(b) for b in host.values())
    assert host["psi1_f"].dtype == np.float32


def test_torch_module_and_transform_convert_buffers_alike():
    """One conversion: from the plan's NumPy arrays or from torch master copies."""
    torch = pytest.importorskip("torch")
    S = Scattering1D(N, J=4, Q=4)
    x = torch.zeros(2, N, dtype=torch.float32)
    xp, caps = array_namespace(x), capabilities(x)
    masters = {k: torch.from_numpy(v.copy()) for k, v in S.plan(N).buffers.items()}
    from_torch = convert_buffers(masters, xp, x, caps)
    from_numpy = S.buffers(N, x)
    assert list(from_torch) == list(from_numpy)
    for name in from_numpy:
        assert from_torch[name].dtype == from_numpy[name].dtype, name
        assert torch.equal(from_torch[name], from_numpy[name]), name


@pytest.mark.parametrize("cls", [Scattering1D, TimeFrequencyScattering1D])
def test_shared_checks_give_the_same_messages(cls):
    with pytest.raises(ValueError, match="criterion_amplitude"):
        cls(N, J=4, criterion_amplitude=2.0)
    with pytest.raises((TypeError, ValueError), match="memory_budget_mb"):
        cls(N, J=4, memory_budget_mb=0)
    with pytest.raises(ValueError, match="r_psi values must be floats in"):
        cls(N, J=4, r_psi=1.5)
    with pytest.raises(ValueError, match="r_psi must be a float or up to"):
        cls(N, J=4, r_psi=(0.5,) * 4)
    with pytest.raises(ValueError, match="not used with average='global'"):
        cls(N, J=4, T=16, average="global")
    with pytest.raises(TypeError, match="check_input"):
        cls(N, J=4, check_input=1)
    key = "n1" if cls is Scattering1D else "n2"
    with pytest.raises(ValueError, match=rf"paths_exclude\['{key}'\] index 99 out of range"):
        cls(N, J=4, Q=(8, 1), paths_exclude={key: [99]})


@pytest.mark.parametrize("cls", [Scattering1D, TimeFrequencyScattering1D])
def test_paths_exclude_counts_negative_indices_from_the_end(cls):
    key = "n1" if cls is Scattering1D else "n2"
    kw = {"J_fr": 2, "Q_fr": 1, "out_type": "array"} if cls is TimeFrequencyScattering1D else {}
    a = cls(N, J=4, Q=(8, 1), paths_exclude={key: [-1]}, **kw)
    n = len(a.meta()["n"])
    count = len(a.filterbank()["psi1_f" if key == "n1" else "psi2_f"])
    b = cls(N, J=4, Q=(8, 1), paths_exclude={key: [count - 1]}, **kw)
    assert len(b.meta()["n"]) == n
    assert n < len(cls(N, J=4, Q=(8, 1), **kw).meta()["n"])


def test_unconfigured_length_is_asked_for():
    S = Scattering1D(None, J=4)
    with pytest.raises(ValueError, match="pass N explicitly"):
        S.meta()
    assert S.meta(N)["order"].shape == Scattering1D(N, J=4).meta()["order"].shape


def _every_argument_changed() -> dict:
    """A value different from the default for every argument of Scattering1D."""
    return {
        "Q": (4, 2),
        "T": 32,
        "max_order": 1,
        "average": True,
        "oversampling": 1,
        "pad_mode": "zero",
        "max_pad_factor": 1,
        "out_type": "dict",
        "paths_exclude": {"n1": [0]},
        "min_path_energy": 0.1,
        "r_psi": 0.5,
        "criterion_amplitude": 1e-4,
        "normalize": "amplitude",
        "memory_budget_mb": 64.0,
        "cuda_graphs": False,
        "check_input": False,
    }


def test_scattering1d_repr_shows_every_non_default_argument():
    given = _every_argument_changed()
    given.pop("average")  # its default: not shown
    S = Scattering1D(N, 4, **given)
    text = repr(S)
    assert text.startswith(f"Scattering1D(N={N}, J=4, ")
    params = list(inspect.signature(Scattering1D.__init__).parameters)[1:]
    shown = [name for name in params if f"{name}=" in text]
    assert shown == ["N", "J", *[p for p in params if p in given]]
    assert "average=" not in text and "analytic=" not in text
    rebuilt = eval(text, {"Scattering1D": Scattering1D})
    assert repr(rebuilt) == text
    x = np.random.default_rng(2).standard_normal(N)
    _same(rebuilt(x), S(x))


def test_jtfs_repr_is_derived_from_the_signature():
    S = TimeFrequencyScattering1D(N, 4, Q=(8, 1), J_fr=2, F="global", out_type="array")
    assert repr(S) == (
        f"TimeFrequencyScattering1D(N={N}, J=4, Q=(8, 1), J_fr=2, F='global', out_type='array')"
    )
