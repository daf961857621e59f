"""Figure of the user guide: jtfs wavelets."""

from scatterwave import TimeFrequencyScattering1D
from scatterwave.viz import plot_jtfs_2d

jtfs = TimeFrequencyScattering1D(1024, J=5, Q=8, J_fr=2, Q_fr=1)
plot_jtfs_2d(jtfs.meta(), view="wavelets", Q1=8)
