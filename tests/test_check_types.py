"""The mypy baseline checker (scripts/check_types.py), on saved mypy output."""

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_types.py"
_spec = importlib.util.spec_from_file_location("check_types", SCRIPT)
assert _spec is not None and _spec.loader is not None
check_types = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_types)

OUTPUT = """\
src/scatterwave/nn/layers.py:10: error: Incompatible types  [assignment]
src/scatterwave/nn/layers.py:12:5: error: Missing return  [return]
src/scatterwave/nn/layers.py:12: note: See https://mypy.rtfd.io
src/scatterwave/core/plan.py:3: error: Name "x" is not defined  [name-defined]
src/scatterwave/viz/jtfs.py:7: error: Bad  [misc]
Found 4 errors in 3 files (checked 96 source files)
"""


def test_count_errors_ignores_notes_and_summary():
    assert check_types.count_errors(OUTPUT) == Counter(
        {
            "src/scatterwave/nn/layers.py": 2,
            "src/scatterwave/core/plan.py": 1,
            "src/scatterwave/viz/jtfs.py": 1,
        }
    )


@pytest.mark.parametrize(
    ("path", "strict"),
    [
        ("src/scatterwave/core/plan.py", True),
        ("src/scatterwave/filters/bank.py", True),
        ("src/scatterwave/_transform.py", True),
        ("src/scatterwave/scattering1d.py", True),
        ("src/scatterwave/jtfs.py", True),
        ("src/scatterwave/viz/jtfs.py", False),
        ("src/scatterwave/nn/scattering.py", False),
        ("src/scatterwave/corex.py", False),
    ],
)
def test_strict_zone(path, strict):
    assert check_types.in_strict_zone(path) is strict


def test_compare_fails_over_budget_and_in_strict_zone_and_notes_below():
    counts = check_types.count_errors(OUTPUT)
    budget = {"src/scatterwave/nn/layers.py": 1, "src/scatterwave/toolkit/lp.py": 3}
    failures, notices = check_types.compare(counts, budget)
    assert failures == [
        "src/scatterwave/core/plan.py: 1 error(s) in the strict zone (allowed: 0)",
        "src/scatterwave/nn/layers.py: 2 error(s), baseline allows 1",
        "src/scatterwave/viz/jtfs.py: 1 error(s), baseline allows 0",
    ]
    assert notices == ["src/scatterwave/toolkit/lp.py: 0 error(s), baseline allows 3: lower it"]


def test_compare_passes_within_budget():
    counts = Counter({"src/scatterwave/nn/layers.py": 2})
    failures, notices = check_types.compare(counts, {"src/scatterwave/nn/layers.py": 2})
    assert (failures, notices) == ([], [])


def test_strict_zone_file_in_baseline_fails():
    failures, _ = check_types.compare(Counter(), {"src/scatterwave/core/plan.py": 1})
    assert failures == [
        "src/scatterwave/core/plan.py: listed in the baseline but in the strict zone"
    ]


def test_baseline_round_trip_leaves_out_the_strict_zone():
    counts = check_types.count_errors(OUTPUT)
    text = check_types.format_baseline(counts)
    assert check_types.read_baseline(text) == {
        "src/scatterwave/nn/layers.py": 2,
        "src/scatterwave/viz/jtfs.py": 1,
    }


@pytest.mark.parametrize("text", ["2\n", "x src/a.py\n", "1 a.py\n2 a.py\n"])
def test_read_baseline_rejects_malformed_lines(text):
    with pytest.raises(ValueError, match="baseline line"):
        check_types.read_baseline(text)


def test_main_on_saved_output(tmp_path, capsys):
    saved = tmp_path / "mypy.txt"
    saved.write_text(OUTPUT)
    assert check_types.main(["--mypy-output", str(saved), "--report"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: src/scatterwave/core/plan.py" in out
    assert "strict  src/scatterwave/core/plan.py" in out
