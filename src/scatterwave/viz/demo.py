"""The demo's pictures under the module's first name: the objects of :mod:`scatterwave.viz.gallery`.

``scatterwave demo`` (:mod:`scatterwave.commands.demo`) computes the transforms and reports; the
pictures it writes are drawn by :mod:`scatterwave.viz.gallery`, whose names are importable from
here as well.
"""

from scatterwave.viz.gallery import (
    DEMO_SAMPLE_RATE,
    demo_figures,
    demo_signals,
    write_demo_figures,
)

__all__ = ["DEMO_SAMPLE_RATE", "demo_figures", "demo_signals", "write_demo_figures"]
