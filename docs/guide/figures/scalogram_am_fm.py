"""Figure of the user guide: scalogram am fm."""

from scatterwave import Scattering1D
from scatterwave.signals import am_fm_tone
from scatterwave.viz import plot_scalogram

x = am_fm_tone(4096)
plot_scalogram(x, scattering=Scattering1D(4096, J=7, Q=8, max_order=1))
