"""The public names of scatterwave's outputs: JTFS pairs and the row-aligned meta layout.

Every module that names a JTFS output (the transform, toolkit, packing, plots, the command
line) imports the names from here, so they are spelled once.
"""

from __future__ import annotations

from typing import Literal, get_args

#: A joint time-frequency scattering output pair, in output order.
Pair = Literal[
    "S0",
    "S1",
    "phi_t * phi_f",
    "phi_t * psi_f",
    "psi_t * phi_f",
    "psi_t * psi_f_up",
    "psi_t * psi_f_dn",
]
#: Every pair, in output order.
PAIRS: tuple[str, ...] = get_args(Pair)
#: The pairs computed by the joint (second-order, frequential) stage.
JOINT_PAIRS: tuple[str, ...] = PAIRS[2:]
#: The two spinned pairs: up (``psi_f`` analytic, negative frequential frequencies) and down.
SPIN_PAIRS: tuple[str, ...] = ("psi_t * psi_f_up", "psi_t * psi_f_dn")

__all__ = ["JOINT_PAIRS", "PAIRS", "SPIN_PAIRS", "Pair"]
