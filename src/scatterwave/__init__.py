"""scatterwave: wavelet scattering, JTFS and Wavelet Networks for raw 1-D signals."""

from scatterwave._version import __version__
from scatterwave.scattering1d import Scattering1D

__all__ = ["Scattering1D", "__version__"]
