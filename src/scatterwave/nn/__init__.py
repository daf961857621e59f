"""PyTorch layers and modules: transform wrappers and Wavelet Networks.

- :class:`Scattering1D`, :class:`TimeFrequencyScattering1D`: the scattering transforms as
  ``torch.nn.Module`` with their filters as non-persistent buffers.
- Wavelet Networks (Romero et al., TMLR 2024): :class:`LiftingConv1d`, :class:`GroupConv1d`
  and friends on dyadic scale grids, :func:`check_equivariance`, :func:`wavelet_loss` and the
  model zoo :mod:`scatterwave.nn.models`.
"""

from scatterwave.nn import models
from scatterwave.nn.equivariance import EquivarianceErrors, check_equivariance
from scatterwave.nn.group import ScaleGrid
from scatterwave.nn.layers import GroupConv1d, LiftingConv1d, ScaleWindowLinear
from scatterwave.nn.norm import ScaleBatchNorm
from scatterwave.nn.pooling import GlobalTimePool, ScalePool, TimePool
from scatterwave.nn.regularizers import wavelet_loss
from scatterwave.nn.scattering import Scattering1D, TimeFrequencyScattering1D

__all__ = [
    "EquivarianceErrors",
    "GlobalTimePool",
    "GroupConv1d",
    "LiftingConv1d",
    "ScaleBatchNorm",
    "ScaleGrid",
    "ScalePool",
    "ScaleWindowLinear",
    "Scattering1D",
    "TimeFrequencyScattering1D",
    "TimePool",
    "check_equivariance",
    "models",
    "wavelet_loss",
]
