"""Toolkit for scattering coefficients and filterbanks.

Works on the outputs of any array library (NumPy, torch, JAX, ...):

* :func:`normalize`, :func:`fit_normalization`: log compression and standardisation for ML;
* :func:`energy`, :func:`coeff_energy`, :func:`coeff_distance`, :func:`coeff_energy_ratios`,
  :func:`est_energy_conservation`: energies and distances per pair and per slice;
* :func:`compute_lp_sum`, :func:`validate_filterbank`: Littlewood-Paley sum and filterbank checks.
"""

from scatterwave.toolkit.distance import PairDistance, coeff_distance
from scatterwave.toolkit.energy import (
    EnergyConservation,
    EnergyRatios,
    PairEnergy,
    coeff_energy,
    coeff_energy_ratios,
    energy,
    est_energy_conservation,
    is_averaged,
    partition_pairs,
)
from scatterwave.toolkit.lp import compute_lp_sum
from scatterwave.toolkit.normalize import NormalizationStats, fit_normalization, normalize
from scatterwave.toolkit.packing import pack_coeffs_jtfs
from scatterwave.toolkit.report import CheckResult, FilterbankValidation
from scatterwave.toolkit.validate import validate_filterbank

__all__ = [
    "CheckResult",
    "EnergyConservation",
    "EnergyRatios",
    "FilterbankValidation",
    "NormalizationStats",
    "PairDistance",
    "PairEnergy",
    "coeff_distance",
    "coeff_energy",
    "coeff_energy_ratios",
    "compute_lp_sum",
    "energy",
    "est_energy_conservation",
    "fit_normalization",
    "is_averaged",
    "normalize",
    "pack_coeffs_jtfs",
    "partition_pairs",
    "validate_filterbank",
]
