"""
Scalogram of a mixture: chirp, tone and click
=============================================

The scalogram ``|x * psi1|`` is the first layer of scattering before averaging. Three
components with distinct time-frequency signatures show how a constant-Q filterbank resolves
them: an exponential chirp is a straight line on the log-frequency axis, a tone a horizontal
line, and a short pulse a vertical line (its energy spreads over all wavelets).
"""

import matplotlib.pyplot as plt

from scatterwave import Scattering1D
from scatterwave.signals import chirp_sine_pulse
from scatterwave.viz import plot_scalogram

sample_rate = 8_000
N = 8192
x = chirp_sine_pulse(N, sample_rate=sample_rate, chirp_range=(60.0, 2_500.0), f_sine=3_000.0)
S = Scattering1D(N, J=9, Q=12, max_order=1)

fig, axes = plt.subplots(2, 1, figsize=(7, 6), layout="constrained")
plot_scalogram(x, scattering=S, sample_rate=sample_rate, ax=axes[0])
plot_scalogram(x, scattering=S, sample_rate=sample_rate, scale="log", ax=axes[1])
plt.show()
