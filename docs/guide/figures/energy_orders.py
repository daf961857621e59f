"""Figure of the user guide: energy orders."""

from scatterwave import Scattering1D
from scatterwave.signals import chirp_sine_pulse
from scatterwave.viz import plot_energy_profile

x = chirp_sine_pulse(4096)
S = Scattering1D(4096, J=6, Q=8)
plot_energy_profile(S(x), S.meta(), x=x)
