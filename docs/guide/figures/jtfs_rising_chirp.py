"""Figure of the user guide: jtfs rising chirp."""

from scatterwave import TimeFrequencyScattering1D
from scatterwave.signals import exp_chirp
from scatterwave.viz import plot_jtfs_2d

jtfs = TimeFrequencyScattering1D(1024, J=5, Q=8, J_fr=2, Q_fr=1)
x = exp_chirp(1024, fmin=0.02, fmax=0.4)
plot_jtfs_2d(jtfs.meta(), jtfs(x), Q1=8)
