"""The torch.nn.Module wrapper of Scattering1D: buffers, devices, dtypes, state_dict."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from scatterwave import Scattering1D as FunctionalScattering1D  # noqa: E402
from scatterwave.nn import Scattering1D  # noqa: E402


def test_module_equals_functional_transform():
    S = Scattering1D(1024, 5, 8)
    x = torch.randn(2, 1024, dtype=torch.float64)
    ref = FunctionalScattering1D(1024, 5, 8)(x.numpy())
    np.testing.assert_allclose(S(x).numpy(), ref, rtol=0, atol=1e-12)


def test_buffers_are_named_non_persistent_and_follow_dtype():
    S = Scattering1D(512, 4)
    names = [name for name, _ in S.named_buffers()]
    # lowpass_direct: second-order averages as matrix products (32 output samples per row)
    assert names == ["psi1_f", "psi2_f", "phi_f", "index", "lowpass_direct"]
    assert S.state_dict() == {}
    assert S.psi1_f.dtype == torch.float64 and S.index.dtype == torch.int64
    for dtype in (torch.float32, torch.float64):
        assert S(torch.randn(1, 512, dtype=dtype)).dtype == dtype


def test_module_trains_in_a_pipeline():
    S = Scattering1D(512, 4)
    n_paths, n_out = S.output_shape
    model = torch.nn.Sequential(S, torch.nn.Flatten(), torch.nn.Linear(n_paths * n_out, 2))
    x = torch.randn(4, 512)
    loss = torch.nn.functional.cross_entropy(model(x), torch.tensor([0, 1, 0, 1]))
    loss.backward()
    assert model[2].weight.grad is not None
    assert len(S.meta()["order"]) == n_paths


@pytest.mark.parametrize(
    "casts",
    [("half",), ("bfloat16",), ("float",), ("half", "float", "double"), ("bfloat16", "double")],
)
def test_dtype_casts_never_round_the_filters(casts):
    """``.half()``, ``.to(torch.bfloat16)``, ``.float()`` once rounded the float64 filters.

    Tolerances: float32 output within 1e-5 of the peak (float32 FFT round-off is about 2e-7;
    filters rounded to float16 gave 1.9e-4, bfloat16 1.4e-3); float64 within 1e-12 (3e-16 is
    typical; float32-rounded filters gave 2.4e-8).
    """
    S = Scattering1D(1024, J=5, Q=8)
    x = np.random.default_rng(0).standard_normal((2, 1024))
    ref = FunctionalScattering1D(1024, J=5, Q=8)(x)
    for cast in casts:
        S = S.to(torch.bfloat16) if cast == "bfloat16" else getattr(S, cast)()
    assert S.psi1_f.dtype == torch.float64 and S.index.dtype == torch.int64
    peak = np.abs(ref).max()
    out32 = S(torch.from_numpy(x).float())
    assert out32.dtype == torch.float32
    assert np.abs(out32.double().numpy() - ref).max() < 1e-5 * peak
    out64 = S(torch.from_numpy(x))
    assert np.abs(out64.numpy() - ref).max() < 1e-12 * peak


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_input_is_refused_with_the_fix(dtype):
    S = Scattering1D(512, J=4).to(getattr(torch, dtype))
    with pytest.raises(TypeError, match=r"S\(x.float\(\)\).half\(\)"):
        S(torch.randn(1, 512, dtype=getattr(torch, dtype)))


def test_repr_is_not_nested():
    """Issue 16: the module printed as ``Scattering1D(Scattering1D(...))``."""
    S = Scattering1D(4096, J=6, Q=16)
    assert repr(S) == "Scattering1D(N=4096, J=6, Q=16)"
    assert "(0): Scattering1D(N=4096, J=6, Q=16)" in repr(torch.nn.Sequential(S))


def test_module_requires_a_fixed_length():
    with pytest.raises(ValueError, match="fixed input length"):
        Scattering1D(None, 5)


def test_inputs_other_than_tensors_of_its_length_are_refused_with_the_fix():
    from scatterwave.nn import TimeFrequencyScattering1D

    modules = (Scattering1D(256, J=4), TimeFrequencyScattering1D(256, J=4))
    for S, name in zip(modules, ("Scattering1D", "TimeFrequencyScattering1D"), strict=True):
        for x, kind in ((np.zeros(256), "numpy.ndarray"), ([0.0] * 256, "builtins.list")):
            with pytest.raises(TypeError, match=rf"x is a {kind}; .* scatterwave\.{name} for"):
                S(x)
        # the length of the buffers: a module of another N, not N=None (refused for modules)
        with pytest.raises(ValueError, match=r"length 300 .* built for N=256; build another"):
            S(torch.zeros(2, 300))


# Run in a child process: a miscompiled backward used to abort the whole interpreter (SIGABRT),
# which must fail this test rather than end the test session.
_COMPILE_SCRIPT = """
import json, sys, time
import torch
from scatterwave.nn import Scattering1D
S = Scattering1D(128, J=3, Q=2)
C = torch.compile(S)
report = {}
for B in (8, 1):  # batch 8 first: its static graph is the one that was miscompiled
    x = torch.randn(B, 128, generator=torch.Generator().manual_seed(B), requires_grad=True)
    t = time.process_time()
    y = C(x)
    y.sum().backward()
    report[f"seconds_{B}"] = time.process_time() - t
    g = x.grad.clone()
    x.grad = None
    y_ref = S(x)
    y_ref.sum().backward()
    report[f"forward_{B}"] = float((y - y_ref).abs().max() / y_ref.abs().max())
    report[f"backward_{B}"] = float((g - x.grad).abs().max() / x.grad.abs().max())
print(json.dumps(report))
"""


@pytest.mark.slow
def test_torch_compile_forward_and_backward_match_eager():
    """torch.compile of the module, forward and backward, at batch 1 and 8 (issue 16).

    Tolerance: float32 round-off of FFTs of a few hundred points accumulates to about
    ``1e-6`` of the peak; a kernel reordered by the compiler stays within 1e-5 of the peak.
    """
    import json
    import os
    import subprocess
    import sys

    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-c", _COMPILE_SCRIPT],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    for B in (1, 8):
        assert report[f"forward_{B}"] < 1e-5, report
        assert report[f"backward_{B}"] < 1e-5, report


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("jtfs", [False, True])
def test_forward_traces_into_one_graph_from_the_first_call(jtfs, requires_grad):
    """docs/quickstart.md: the modules compile into one graph without breaks. Traced by
    TorchDynamo before any eager call (the caches a first call fills are filled when the
    module is built) and with gradients recorded (the JTFS's modulus nodes are module-level
    classes: a class built inside a function split the graph at every modulus). Without a
    warning either (``filterwarnings = error``): a tensor's device is read directly, not
    through array_api_compat's lru_cache'd type checks, and traced moduli are the composed
    operators, not the autograd nodes (TorchDynamo warned at both)."""
    import torch._dynamo

    from scatterwave.nn import TimeFrequencyScattering1D

    if jtfs:
        S = TimeFrequencyScattering1D(256, J=4, Q=8, J_fr=2, Q_fr=1, out_type="array")
    else:
        S = Scattering1D(128, J=3, Q=2)
    x = torch.randn(2, S.transform.N, requires_grad=requires_grad)
    torch._dynamo.reset()
    try:
        report = torch._dynamo.explain(S)(x)
    finally:
        torch._dynamo.reset()
    reasons = [str(b.reason).splitlines()[0] for b in report.break_reasons]
    assert (report.graph_count, report.graph_break_count) == (1, 0), reasons
