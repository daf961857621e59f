"""Figure of the user guide: filterbank order1."""

from scatterwave import Scattering1D
from scatterwave.viz import plot_filterbank

plot_filterbank(Scattering1D(8192, J=8, Q=8), log_freq=True, sample_rate=16000)
