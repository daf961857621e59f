"""Figure of the user guide: jtfs filterbank fr."""

from scatterwave import TimeFrequencyScattering1D
from scatterwave.viz import plot_filterbank_fr

plot_filterbank_fr(TimeFrequencyScattering1D(1024, J=5, Q=8, J_fr=2, Q_fr=1), Q1=8)
