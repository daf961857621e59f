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
    assert names == ["psi1_f", "psi2_f", "phi_f", "index"]
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


def test_module_requires_a_fixed_length():
    with pytest.raises(ValueError, match="fixed input length"):
        Scattering1D(None, 5)
