import math

import pytest

from scatterwave.nn.group import ScaleGrid


def test_dyadic_grid_values():
    grid = ScaleGrid(9)
    assert grid.scales == (1, 2, 4, 8, 16, 32, 64, 128, 256)
    assert len(grid) == 9
    assert list(grid) == list(grid.scales)
    # log-uniform: equal steps of ln 2 (the Haar measure ds/s weighs them equally)
    steps = [b - a for a, b in zip(grid.log_scales, grid.log_scales[1:])]
    assert steps == pytest.approx([math.log(2)] * 8, rel=1e-12)  # float round-off only


def test_other_base_and_lookup():
    grid = ScaleGrid(4, base=3)
    assert grid.scales == (1, 3, 9, 27)
    assert grid.index_of(9) == 2
    assert grid.scale(5) == 243
    assert grid.shift_of(9) == 2
    assert ScaleGrid(1).scales == (1,)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"n_scales": 0}, ValueError),
        ({"n_scales": 2.0}, TypeError),
        ({"n_scales": 3, "base": 1}, ValueError),
        ({"n_scales": 3, "base": 1.5}, TypeError),
        ({"n_scales": True}, TypeError),
    ],
)
def test_invalid_grid(kwargs, error):
    with pytest.raises(error):
        ScaleGrid(**kwargs)


def test_off_grid_lookups_raise():
    grid = ScaleGrid(4)
    with pytest.raises(ValueError, match="not on the grid"):
        grid.index_of(3)
    with pytest.raises(ValueError, match="not on the grid"):
        grid.index_of(16)
    with pytest.raises(ValueError, match="not a power"):
        grid.shift_of(6)
