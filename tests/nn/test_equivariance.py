import math

import pytest
import torch
from torch import nn

from scatterwave.nn.equivariance import check_equivariance, dilate
from scatterwave.nn.layers import GroupConv1d, LiftingConv1d
from scatterwave.nn.norm import ScaleBatchNorm
from scatterwave.nn.pooling import GlobalTimePool, ScalePool, TimePool

# float64 round-off of the B-spline sums and FFTs
EXACT = 1e-12


def _band_limited(batch: int, length: int, max_bin: int, seed: int) -> torch.Tensor:
    """Periodic signals with Fourier bins 1 … max_bin only (max_bin / length cycles/sample)."""
    g = torch.Generator().manual_seed(seed)
    spectrum = torch.zeros(batch, 1, length // 2 + 1, dtype=torch.complex128)
    spectrum[..., 1 : max_bin + 1] = torch.randn(
        batch, 1, max_bin, dtype=torch.complex128, generator=g
    )
    return torch.fft.irfft(spectrum, length)


def test_dilate_keeps_samples_and_is_band_limited():
    x = _band_limited(2, 64, 20, 0)
    y = dilate(x, 4)
    assert y.shape == (2, 1, 256)
    torch.testing.assert_close(y[..., ::4], x, rtol=0, atol=1e-13)  # FFT round-off
    # even-length input with a Nyquist component: samples still kept
    z = torch.randn(1, 1, 16, dtype=torch.float64)
    torch.testing.assert_close(dilate(z, 2)[..., ::2], z, rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match="positive int"):
        dilate(x, 0)


def test_circular_lifting_is_exactly_translation_equivariant():
    torch.manual_seed(0)
    lift = LiftingConv1d(1, 3, 9, 5, padding="circular").double()
    report = check_equivariance(lift, _band_limited(2, 256, 30, 1), shifts=(1, -7, 100))
    assert set(report.translation) == {1, -7, 100}
    assert max(report.translation.values()) < EXACT


def test_lifting_scale_error_on_band_limited_inputs():
    # Riemann-sum discretisation error: below 1e-2 from the second scale on for inputs
    # up to 0.12 cycles/sample (the W-Nets spec measured <= 3.5e-4 for <= 0.2 cycles/sample
    # Gaussian-windowed tones); the finest scale is allowed more.
    torch.manual_seed(1)
    lift = LiftingConv1d(1, 4, 9, 6, padding="circular").double()
    x = _band_limited(2, 512, 60, 2)
    report = check_equivariance(lift, x, shifts=(), scales=(2, 4))
    per_index = report.scale_by_index[2]
    assert len(per_index) == 5
    assert max(per_index[1:]) < 1e-2
    assert per_index[0] < 1e-1
    # the error decreases towards coarse scales
    assert per_index[-1] < per_index[0]
    coarse = check_equivariance(lift, x, shifts=(), scales=(2,), skip_finest=2)
    assert coarse.scale[2] < 1e-3
    assert len(report.scale_by_index[4]) == 4


def test_wrong_normalisation_is_detected():
    class SqrtLift(nn.Module):
        def __init__(self):
            super().__init__()
            self.lift = LiftingConv1d(1, 2, 9, 5, padding="circular").double()

        def forward(self, x):
            y = self.lift(x)
            return y * torch.tensor([2.0**j for j in range(5)], dtype=x.dtype).sqrt().view(
                1, 1, 5, 1
            )

    torch.manual_seed(2)
    x = _band_limited(1, 256, 20, 3)
    assert check_equivariance(SqrtLift(), x, shifts=(), scales=(2,)).scale[2] > 0.3


def test_group_conv_stack_with_pooling_and_eval_batch_norm():
    torch.manual_seed(3)
    model = nn.Sequential(
        LiftingConv1d(1, 3, 9, 7, padding="circular"),
        ScaleBatchNorm(3),
        nn.ReLU(),
        TimePool(2),
        GroupConv1d(3, 2, 3, 3, padding="circular"),
    ).double()
    model(_band_limited(4, 256, 40, 4).double())  # update running stats
    model.train()
    report = check_equivariance(model, _band_limited(2, 256, 20, 5), shifts=(2, 4), scales=(2,))
    assert model.training  # mode restored
    # circular padding, eval batch norm, shifts by multiples of the pooling stride: exact
    assert max(report.translation.values()) < EXACT
    # pooling aliasing and the ReLU make scale equivariance approximate, never exact here
    assert 0 < report.scale[2] < 0.2
    with pytest.raises(ValueError, match="multiple of the module's time stride"):
        check_equivariance(model, _band_limited(1, 256, 20, 6), shifts=(3,), scales=())


def test_invariant_and_time_layouts():
    torch.manual_seed(4)
    lift = LiftingConv1d(1, 2, 9, 6, padding="circular").double()
    invariant = nn.Sequential(lift, GlobalTimePool("max"), ScalePool("max"))
    x = _band_limited(2, 256, 10, 7)
    report = check_equivariance(invariant, x, shifts=(5,), scales=(2,))
    assert report.translation[5] < EXACT
    assert report.scale[2] < 0.05  # coarse-end content leaves the 6-scale grid
    assert report.scale_by_index[2] == ()
    timed = nn.Sequential(lift, ScalePool("max"))
    assert check_equivariance(timed, x, shifts=(3,), scales=()).translation[3] < EXACT


def test_margin_and_argument_errors():
    lift = LiftingConv1d(1, 1, 5, 3).double()
    x = _band_limited(1, 128, 10, 8)
    report = check_equivariance(lift, x, shifts=(4,), scales=(), margin=40)
    assert report.translation[4] < EXACT  # zero padding: exact away from the borders
    assert check_equivariance(lift, x, shifts=(4,), scales=()).translation[4] > EXACT
    with pytest.raises(ValueError, match="no output sample"):
        check_equivariance(lift, x, shifts=(1,), margin=64)
    with pytest.raises(ValueError, match="not a power"):
        check_equivariance(lift, x, shifts=(), scales=(3,))
    with pytest.raises(ValueError, match="layout must be one of"):
        check_equivariance(lift, x, layout="vector")
    with pytest.raises(ValueError, match="no output scale index"):
        check_equivariance(lift, x, shifts=(), scales=(4,), skip_finest=1)
    assert math.isfinite(check_equivariance(lift, x).scale[2])


def test_time_scale_input_for_a_group_convolution():
    torch.manual_seed(5)
    lift = LiftingConv1d(1, 2, 9, 6, padding="circular").double()
    gconv = GroupConv1d(2, 3, 5, 3, padding="circular").double()
    lifted = lift(_band_limited(2, 512, 30, 9))
    report = check_equivariance(gconv, lifted, shifts=(1, 9), scales=(2,))
    assert max(report.translation.values()) < EXACT
    # outputs 0 … 2 have partners; discretisation error of band-limited inputs (see above)
    assert len(report.scale_by_index[2]) == 3
    assert report.scale[2] < 1e-2
    with pytest.raises(ValueError, match="leaves none of the input's"):
        check_equivariance(gconv, lifted, shifts=(), scales=(64,))
    with pytest.raises(ValueError, match="must be an int"):
        check_equivariance(gconv, lifted, shifts=(1.5,))
