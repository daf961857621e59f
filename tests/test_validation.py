"""Every boolean-or-literal (and numeric) argument accepts exactly what is documented.

Truth values are not read from ints, floats or strings: ``average=1`` once meant global
averaging in TimeFrequencyScattering1D (``1 == True`` but ``1 is not True``). NumPy booleans
are booleans and behave exactly as Python's.
"""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave import Scattering1D, TimeFrequencyScattering1D

SMALL = {"N": 256, "J": 3, "Q": 4}
SMALL_JTFS = {"N": 512, "J": 4, "Q": 8, "J_fr": 2, "Q_fr": 1}

#: Invalid values common to both transforms.
COMMON_BAD = [
    ("average", 1),
    ("average", 0),
    ("average", 1.0),
    ("average", "True"),
    ("average", "Global"),
    ("average", None),
    ("average", "local"),
    ("pad_mode", True),
    ("pad_mode", "constant"),
    ("out_type", True),
    ("out_type", "Array"),
    ("check_input", 1),
    ("check_input", "no"),
    ("criterion_amplitude", "1e-3"),
    ("criterion_amplitude", True),
    ("criterion_amplitude", 0.5),
    ("paths_exclude", [1]),
    ("paths_exclude", {"n7": [0]}),
    ("paths_exclude", {"n2": 3}),  # a scalar, not a list
    ("paths_exclude", {"n2": ["0"]}),
    ("paths_exclude", {"n2": [True]}),
    ("oversampling", True),
    ("oversampling", 1.0),
    ("max_pad_factor", 1.0),
    ("Q", True),
    ("Q", 8.0),
    ("T", 16.0),
    ("T", True),
    ("J", np.True_),
    ("J", (3, 4)),  # J2 > J1
    ("J", (3, 0)),
    ("J", (3, 2.0)),
    ("J", (3, 2, 1)),
]

S1D_BAD = [
    ("max_order", True),
    ("max_order", np.True_),
    ("max_order", 2.0),
    ("max_order", "2"),
    ("max_order", 3),
    ("analytic", 1),
    ("analytic", "yes"),
    ("analytic", None),
    ("normalize", 1),
    ("normalize", "Energy"),
    ("min_path_energy", "0.1"),
    ("min_path_energy", True),
    ("min_path_energy", 1.0),
    ("paths_exclude", {"n1_fr": [0]}),
]

JTFS_BAD = [
    ("average_fr", 1),
    ("average_fr", "False"),
    ("aligned", 0),
    ("aligned", None),
    ("out_3D", "False"),
    ("out_3D", 1),
    ("F", "Global"),
    ("F", True),
    ("F", 4.0),
    ("J_fr", 2.0),
    ("Q_fr", True),
    ("out_exclude", "S0"),
    ("out_exclude", ["s0"]),
    ("sampling_filters_fr", True),
    ("sampling_filters_fr", "Resample"),
    ("pad_mode_fr", 1),
    ("pad_mode_fr", "conj_reflect"),
    ("paths_exclude", {"n1": [0]}),
]


@pytest.mark.parametrize(
    ("cls", "base", "name", "value"),
    [(Scattering1D, SMALL, n, v) for n, v in COMMON_BAD + S1D_BAD]
    + [(TimeFrequencyScattering1D, SMALL_JTFS, n, v) for n, v in COMMON_BAD + JTFS_BAD],
    ids=lambda p: p.__name__ if isinstance(p, type) else None,
)
def test_undocumented_values_are_rejected_naming_the_argument(cls, base, name, value):
    kwargs = {**base, name: value}
    with pytest.raises((TypeError, ValueError)) as info:
        cls(**kwargs)
    assert name in str(info.value), str(info.value)
    shown = repr(next(iter(value))) if isinstance(value, (dict, list)) else repr(value)
    assert shown in str(info.value), str(info.value)  # says what was given


@pytest.mark.parametrize(
    ("cls", "base", "name", "python", "numpy_value"),
    [
        (Scattering1D, SMALL, "average", True, np.True_),
        (Scattering1D, {**SMALL, "out_type": "dict"}, "average", False, np.False_),
        (Scattering1D, SMALL, "check_input", False, np.False_),
        (Scattering1D, SMALL, "J", 3, np.int64(3)),
        (Scattering1D, SMALL, "J", 3, (3, np.int64(3))),  # (J, J) is J
        (TimeFrequencyScattering1D, SMALL_JTFS, "J", 4, [4, 4]),
        (Scattering1D, SMALL, "Q", 4, np.int32(4)),
        (Scattering1D, SMALL, "criterion_amplitude", 1e-3, np.float32(1e-3)),
        (TimeFrequencyScattering1D, SMALL_JTFS, "average", True, np.True_),
        (TimeFrequencyScattering1D, SMALL_JTFS, "average_fr", True, np.True_),
        (TimeFrequencyScattering1D, SMALL_JTFS, "aligned", False, np.False_),
        (TimeFrequencyScattering1D, SMALL_JTFS, "out_3D", False, np.False_),
    ],
)
def test_numpy_scalars_act_as_the_python_values(cls, base, name, python, numpy_value):
    a = cls(**{**base, name: python})
    b = cls(**{**base, name: numpy_value})
    stored = getattr(b, name)
    if isinstance(python, bool):
        assert type(stored) is bool and stored is python
    x = np.random.default_rng(0).standard_normal(base["N"])
    ya, yb = a(x), b(x)
    if isinstance(ya, dict):
        assert ya.keys() == yb.keys()
        for k in ya:
            np.testing.assert_allclose(ya[k], yb[k], rtol=1e-6, atol=0)
    else:
        # float32 criterion_amplitude differs from 1e-3 in the 8th digit: same filters
        np.testing.assert_allclose(ya, yb, rtol=1e-6, atol=0)


@pytest.mark.parametrize(
    ("cls", "base"), [(Scattering1D, SMALL), (TimeFrequencyScattering1D, SMALL_JTFS)]
)
def test_T_with_global_averaging_is_refused_not_ignored(cls, base):
    with pytest.raises(ValueError, match="T=16 is not used with average='global'"):
        cls(**base, T=16, average="global")


def test_jtfs_average_true_is_local_whatever_its_type():
    """Issue 16: ``average=np.True_`` averaged globally (S1 of shape (n1, 1))."""
    shape = TimeFrequencyScattering1D(**SMALL_JTFS).output_shape["S1"]
    assert shape[1] > 1
    assert TimeFrequencyScattering1D(**SMALL_JTFS, average=np.True_).output_shape["S1"] == shape
    with pytest.raises(TypeError, match="average must be one of True, False, 'global'; got 1"):
        TimeFrequencyScattering1D(**SMALL_JTFS, average=1)


def test_jtfs_average_accepts_numpy_booleans():
    jtfs = TimeFrequencyScattering1D(**SMALL_JTFS, average=np.False_)
    assert jtfs.average is False  # normalised to the Python bool: no time averaging
    assert np.all(jtfs.meta()["stride"][:, 0] == 1)


@pytest.mark.parametrize(
    "argv",
    [
        ["extract", "a.wav", "-o", "o.zarr", "--transform", "Scattering"],
        ["extract", "a.wav", "-o", "o.zarr", "--channels", "1"],
        ["extract", "a.wav", "-o", "o.zarr", "--device", "CPU"],
        ["extract", "a.wav", "-o", "o.zarr", "--resume", "yes"],
        ["demo", "--no-figures", "false"],
        ["train", "--model", "m3", "--dataset", "synthetic", "--out", "o", "--optimizer", "Adam"],
        ["train", "--model", "m3", "--dataset", "synthetic", "--out", "o", "--progress", "1"],
    ],
)
def test_cli_literals_and_flags_are_strict(argv, capsys):
    """The CLIs take literals as exact ``choices`` and booleans as value-less flags."""
    from scatterwave.cli import build_parser

    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err or "unrecognized arguments" in err, err


@pytest.mark.parametrize(
    ("key", "value"),
    [("channels", True), ("channels", 1), ("device", "CUDA"), ("transform", 1)],
)
def test_extract_config_file_literals_are_strict(key, value):
    """Options read from --config files (TOML/JSON) meet the same literal checks."""
    from scatterwave.extract.config import ExtractConfig

    with pytest.raises(ValueError, match=key):
        ExtractConfig.from_mapping({key: value})
