"""Model zoo: raw-waveform baselines and their Wavelet Network (W-) variants.

>>> from scatterwave.nn import models
>>> net = models.build("w-m5", n_classes=10, width_multiplier=0.25)
"""

from scatterwave.nn.models.registry import (
    accepted_options,
    available,
    build,
    paper_parameter_count,
)

__all__ = ["accepted_options", "available", "build", "paper_parameter_count"]
