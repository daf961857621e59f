"""Argument checks of :class:`~scatterwave.TimeFrequencyScattering1D` (its own options).

The options it shares with :class:`~scatterwave.Scattering1D` (``N``, ``J``, ``Q``, ``T``,
``average`` and the run options) are checked by the shared base class; the ones below are the
JTFS's own, and their combinations with ``average``.
"""

from __future__ import annotations

from typing import Any

from scatterwave._validation import check_bool, check_choice, check_int, check_mapping
from scatterwave.vocabulary import check_pairs


def check_jtfs_args(average: bool | str, args: dict[str, Any]) -> dict[str, Any]:
    """Check the JTFS's own arguments; return them with booleans and pairs normalised.

    ``args`` maps argument names to the values given; ``average`` is the checked ``average``.
    Raises TypeError or ValueError (naming the argument) for any value the class does not
    accept, NotImplementedError for documented but unimplemented choices.
    """
    out = dict(args)
    check_int("J_fr", args["J_fr"], minimum=1, allow_none=True)
    check_int("Q_fr", args["Q_fr"], minimum=1)
    F = args["F"]
    if isinstance(F, str) and F != "global":
        raise ValueError(f"F must be an integer >= 1, 'global' or None; got {F!r}")
    if F is not None and F != "global":
        check_int("F", F, minimum=1)
    for name in ("average_fr", "aligned", "out_3D"):
        out[name] = check_bool(name, args[name])
    check_choice("out_type", args["out_type"], ("dict", "array"))
    check_choice("normalize", args["normalize"], ("energy", "amplitude"))
    zero_rows = args["zero_rows"]
    if zero_rows is not None:
        check_choice("zero_rows", zero_rows, ("keep", "drop"))
    if zero_rows == "drop" and out["out_3D"]:
        raise ValueError(
            "zero_rows='drop' cannot be combined with out_3D=True: the 3-D slices need the "
            "padding rows to have equal lengths; use zero_rows='keep' (or None)"
        )
    if out["out_3D"] and not out["average_fr"]:
        raise ValueError(
            "out_3D=True needs average_fr=True so that every joint slice has the same "
            "number of frequency rows; set average_fr=True or out_3D=False"
        )
    if args["sampling_filters_fr"] == "recalibrate":
        raise NotImplementedError(
            "sampling_filters_fr='recalibrate' is not implemented; use 'resample' or 'exclude'"
        )
    check_choice("sampling_filters_fr", args["sampling_filters_fr"], ("resample", "exclude"))
    check_choice("edge_averaging", args["edge_averaging"], ("data", "padded"))
    if not callable(args["pad_mode"]):
        check_choice("pad_mode", args["pad_mode"], ("reflect", "zero"))
    if not callable(args["pad_mode_fr"]):
        check_choice(
            "pad_mode_fr",
            args["pad_mode_fr"],
            ("zero", "reflect", "conj-reflect", "conj-reflect-zero"),
        )
    check_int("max_pad_factor", args["max_pad_factor"], minimum=0, allow_none=True)
    check_int("max_pad_factor_fr", args["max_pad_factor_fr"], minimum=0, allow_none=True)
    check_int("oversampling", args["oversampling"], minimum=0)
    check_int("oversampling_fr", args["oversampling_fr"], minimum=0)
    if average is False and args["oversampling"] != 0:
        raise ValueError(
            f"oversampling={args['oversampling']} has no effect with average=False: every "
            "output is already at the input's rate (time stride 1); remove oversampling"
        )
    out["out_exclude"] = check_pairs("out_exclude", args["out_exclude"])
    check_mapping("paths_exclude", args["paths_exclude"], ("n2", "n1_fr"))
    return out
