"""Pictures of filterbanks, scalograms and (joint time-frequency) scattering coefficients.

Needs the ``viz`` extra (``pip install scatterwave[viz]``: matplotlib and Pillow). matplotlib
is imported only when a function draws, never by ``import scatterwave`` or this module.
Every function takes ``ax=None`` (a new figure) or existing Axes, returns what it drew on,
and never calls ``plt.show()``. Frequencies are in cycles per sample, or in Hz when a
``sample_rate`` is given; times in samples or seconds likewise.

* filterbanks: :func:`plot_filterbank`, :func:`plot_filterbank_heatmap`,
  :func:`plot_filterbank_fr`;
* signals: :func:`scalogram`, :func:`plot_scalogram`, :func:`cone_of_influence`;
* JTFS: :func:`plot_jtfs_2d`, :func:`joint_wavelet`, :func:`jtfs_grid_shape`,
  :func:`animate_jtfs_4d`;
* coefficients: :func:`plot_energy_profile`, :func:`plot_coeff_distance`;
* :func:`scatterwave.viz.gallery.write_demo_figures`: every picture for the built-in signals.
"""

from scatterwave.viz.animate import animate_jtfs_4d
from scatterwave.viz.energy import plot_coeff_distance, plot_energy_profile
from scatterwave.viz.filterbank import plot_filterbank, plot_filterbank_fr, plot_filterbank_heatmap
from scatterwave.viz.jtfs import joint_wavelet, jtfs_grid_shape, plot_jtfs_2d
from scatterwave.viz.scalogram import cone_of_influence, plot_scalogram, scalogram

__all__ = [
    "animate_jtfs_4d",
    "cone_of_influence",
    "joint_wavelet",
    "jtfs_grid_shape",
    "plot_coeff_distance",
    "plot_energy_profile",
    "plot_filterbank",
    "plot_filterbank_fr",
    "plot_filterbank_heatmap",
    "plot_jtfs_2d",
    "plot_scalogram",
    "scalogram",
]
