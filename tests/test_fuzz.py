"""The example counts of the property tests and their opt-in multiplier (tests/_fuzz.py)."""

from __future__ import annotations

import pytest

from _fuzz import VARIABLE, fuzz_factor


def test_factor_defaults_to_one_and_reads_the_variable():
    assert fuzz_factor({}) == 1
    assert fuzz_factor({VARIABLE: "20"}) == 20


@pytest.mark.parametrize("raw", ["0", "-3", "2.5", "many"])
def test_factor_rejects_what_is_not_a_positive_integer(raw):
    with pytest.raises(ValueError, match=rf"{VARIABLE} must be a positive integer.*{raw!r}"):
        fuzz_factor({VARIABLE: raw})
