"""scatterwave: wavelet scattering, JTFS and Wavelet Networks for raw 1-D signals.

The transforms take arrays of any array-API library (NumPy by default; PyTorch, JAX, CuPy)
and return the same library, device and dtype. See :class:`Scattering1D` and
:class:`TimeFrequencyScattering1D`; torch modules live in :mod:`scatterwave.nn`, inversion by
gradient descent in :mod:`scatterwave.reconstruct`.
"""

import logging

# ``reconstruct`` is the module (its function is ``scatterwave.reconstruct.reconstruct``).
from scatterwave import reconstruct, signals, toolkit
from scatterwave._version import __version__
from scatterwave.jtfs import TimeFrequencyScattering1D
from scatterwave.scattering1d import Scattering1D

# A library never configures logging; this keeps "no handler" warnings off stderr.
logging.getLogger("scatterwave").addHandler(logging.NullHandler())

__all__ = [
    "Scattering1D",
    "TimeFrequencyScattering1D",
    "__version__",
    "reconstruct",
    "signals",
    "toolkit",
]
