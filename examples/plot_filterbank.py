"""
The time filterbank and its Littlewood-Paley sum
================================================

Scattering starts with a bank of analytic Morlet wavelets: constant-Q above an elbow
frequency (``Q`` wavelets per octave), linearly spaced below it, and a Gaussian low-pass
``phi_T`` that averages over ``T`` samples. scatterwave rescales the wavelets so that the
Littlewood-Paley sum ``A(f)`` touches 1 and never exceeds it: the transform keeps (up to the
small ripple of ``A``) the energy of every signal and never amplifies it.
"""

# %%
# Frequency responses
# -------------------
# First-order wavelets for a 16 kHz signal of 8192 samples, on a logarithmic axis where
# constant-Q wavelets all have the same width.
import matplotlib.pyplot as plt
import numpy as np

from scatterwave import Scattering1D
from scatterwave.viz import plot_filterbank, plot_filterbank_heatmap

sample_rate = 16_000
S = Scattering1D(8192, J=8, Q=8)
fig, axes = plt.subplots(2, 1, figsize=(7, 6), layout="constrained")
plot_filterbank(S, order=1, sample_rate=sample_rate, log_freq=True, ax=axes[0])
plot_filterbank(S, order=2, sample_rate=sample_rate, log_freq=True, ax=axes[1])

# %%
# The frame bounds are the extremes of the Littlewood-Paley sum between the lowest and the
# highest centre frequency.
bank = S.filterbank()
xi = bank["psi1_meta"]["xi"]
N_pad = bank["N_pad"]
band = slice(int(np.ceil(xi.min() * N_pad)), int(np.floor(xi.max() * N_pad)) + 1)
lp = bank["lp_sum"]["psi1"][band]
print(f"{len(xi)} first-order wavelets; Littlewood-Paley sum in [{lp.min():.3f}, {lp.max():.3f}]")

# %%
# Wavelets in time
# ----------------
# Each row is one wavelet, scaled to a unit peak: high frequencies (top) are short, low
# frequencies (bottom) are long. The modulus is the envelope that scattering keeps.
plot_filterbank_heatmap(S, order=1, sample_rate=sample_rate)
plt.show()
