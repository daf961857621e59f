"""Run mypy on src/ and hold every file to its committed error budget.

Policy (docs/dev/tooling.md):

- Files of the strict zone (``STRICT_ZONE`` below) must have no mypy error at all.
- Every other file may have at most the number of errors recorded for it in
  ``mypy-baseline.txt`` (a file absent from the baseline has a budget of 0).
- A file below its budget is reported, without failing, so that the budget can be lowered.

Usage (from the repository root)::

    python scripts/check_types.py                    # run mypy, check; exit 1 on a violation
    python scripts/check_types.py --report           # also print the per-file table
    python scripts/check_types.py --write-baseline   # record today's counts outside the strict zone
    python scripts/check_types.py --mypy-output F    # check saved mypy output instead of running it

The exit status is 0 when the policy holds, 1 when it does not, 2 when mypy itself failed.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"

# Files and folders (relative to the repository root; a trailing "/" marks a folder) that must
# type-check with zero errors: the compute core, the filter design, and the transform front ends.
STRICT_ZONE: tuple[str, ...] = (
    "src/scatterwave/core/",
    "src/scatterwave/filters/",
    "src/scatterwave/_transform.py",
    "src/scatterwave/scattering1d.py",
    "src/scatterwave/jtfs.py",
)

_ERROR_LINE = re.compile(r"^(?P<path>[^:\n]+\.pyi?):\d+(?::\d+)?: error: ")

BASELINE_HEADER = """\
# mypy error budget per file, outside the strict zone (see docs/dev/tooling.md).
# Format: <count> <path>. A file not listed has a budget of 0. Counts may only go down:
# regenerate with `python scripts/check_types.py --write-baseline` after fixing errors.
"""


def in_strict_zone(path: str) -> bool:
    """Tell whether ``path`` belongs to the strict zone.

    Parameters
    ----------
    path : str
        File path relative to the repository root, with "/" separators.

    Returns
    -------
    bool
        True when the file must have no mypy error.
    """
    return any(
        path.startswith(entry) if entry.endswith("/") else path == entry for entry in STRICT_ZONE
    )


def count_errors(mypy_output: str) -> Counter[str]:
    """Count mypy's error lines per file.

    Parameters
    ----------
    mypy_output : str
        The text mypy printed (notes and the summary line are ignored).

    Returns
    -------
    Counter of str
        Number of errors per file path, with "/" separators.
    """
    counts: Counter[str] = Counter()
    for line in mypy_output.splitlines():
        match = _ERROR_LINE.match(line)
        if match:
            counts[match["path"].replace("\\", "/")] += 1
    return counts


def read_baseline(text: str) -> dict[str, int]:
    """Parse a baseline file.

    Parameters
    ----------
    text : str
        Lines of ``<count> <path>``; blank lines and lines starting with "#" are skipped.

    Returns
    -------
    dict of str to int
        Error budget per file path.

    Raises
    ------
    ValueError
        If a line is malformed or a path is listed twice.
    """
    budget: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) != 2 or not fields[0].isdigit():
            raise ValueError(f"baseline line {number}: expected '<count> <path>', got {raw!r}")
        count, path = int(fields[0]), fields[1]
        if path in budget:
            raise ValueError(f"baseline line {number}: {path} is listed twice")
        budget[path] = count
    return budget


def format_baseline(counts: Counter[str]) -> str:
    """Write the baseline text for the files outside the strict zone.

    Parameters
    ----------
    counts : Counter of str
        Number of errors per file path.

    Returns
    -------
    str
        The baseline file's content, files sorted by path.
    """
    lines = [f"{n} {path}" for path, n in sorted(counts.items()) if n and not in_strict_zone(path)]
    return BASELINE_HEADER + "".join(line + "\n" for line in lines)


def compare(counts: Counter[str], budget: dict[str, int]) -> tuple[list[str], list[str]]:
    """Hold the error counts to the policy.

    Parameters
    ----------
    counts : Counter of str
        Number of errors per file path, from mypy.
    budget : dict of str to int
        Error budget per file path, from the baseline.

    Returns
    -------
    failures : list of str
        One line per violation: an error in the strict zone, or a file over its budget
        (a file missing from the baseline has a budget of 0).
    notices : list of str
        One line per file below its budget, suggesting to lower it; these do not fail.
    """
    failures: list[str] = []
    notices: list[str] = []
    for path in sorted(set(counts) | set(budget)):
        n = counts.get(path, 0)
        if in_strict_zone(path):
            if n:
                failures.append(f"{path}: {n} error(s) in the strict zone (allowed: 0)")
            if path in budget:
                failures.append(f"{path}: listed in the baseline but in the strict zone")
            continue
        allowed = budget.get(path, 0)
        if n > allowed:
            failures.append(f"{path}: {n} error(s), baseline allows {allowed}")
        elif n < allowed:
            notices.append(f"{path}: {n} error(s), baseline allows {allowed}: lower it")
    return failures, notices


def report_table(counts: Counter[str], budget: dict[str, int]) -> str:
    """Lay out the per-file counts beside their budgets.

    Parameters
    ----------
    counts : Counter of str
        Number of errors per file path, from mypy.
    budget : dict of str to int
        Error budget per file path, from the baseline.

    Returns
    -------
    str
        One line per file with an error or a budget: errors, allowed, zone, path.
    """
    rows = ["errors  allowed  zone    path"]
    for path in sorted(set(counts) | set(budget)):
        strict = in_strict_zone(path)
        allowed = 0 if strict else budget.get(path, 0)
        zone = "strict" if strict else "budget"
        rows.append(f"{counts.get(path, 0):6d}  {allowed:7d}  {zone:6s}  {path}")
    rows.append(f"{sum(counts.values()):6d}  {sum(budget.values()):7d}          total")
    return "\n".join(rows)


def run_mypy() -> tuple[str, int]:
    """Run mypy with the configuration of pyproject.toml, from the repository root.

    Returns
    -------
    output : str
        What mypy printed on stdout and stderr.
    returncode : int
        mypy's exit status (0: clean, 1: errors found, 2: mypy failed).
    """
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-pretty", "--no-color-output"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout + proc.stderr, proc.returncode


def main(argv: list[str] | None = None) -> int:
    """Run the check from the command line.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 when the policy holds, 1 on a violation, 2 when mypy failed.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="print the per-file table")
    parser.add_argument(
        "--write-baseline",
        action="store_true",
        help=f"write today's counts outside the strict zone to {BASELINE.name}",
    )
    parser.add_argument(
        "--mypy-output", type=Path, help="read mypy's output from this file instead of running it"
    )
    args = parser.parse_args(argv)

    if args.mypy_output is not None:
        output, returncode = args.mypy_output.read_text(), 0
    else:
        output, returncode = run_mypy()
    counts = count_errors(output)
    if returncode not in (0, 1) or (returncode == 1 and not counts):
        print(output, file=sys.stderr)
        print(f"mypy failed (exit status {returncode})", file=sys.stderr)
        return 2

    if args.write_baseline:
        BASELINE.write_text(format_baseline(counts))
        print(f"wrote {BASELINE.relative_to(ROOT)}")
    budget = read_baseline(BASELINE.read_text()) if BASELINE.exists() else {}

    failures, notices = compare(counts, budget)
    if args.report:
        print(report_table(counts, budget))
    for line in notices:
        print(f"below baseline: {line}")
    for line in failures:
        print(f"FAIL: {line}")
    if failures:
        print(
            f"mypy check failed: {len(failures)} violation(s); run mypy on the files above "
            "(policy: docs/dev/tooling.md)"
        )
        return 1
    print(f"mypy check passed: {sum(counts.values())} error(s), all within the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
