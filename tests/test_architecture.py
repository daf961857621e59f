"""The package's layering (``docs/dev/architecture.md``), checked on the import statements.

Every module of ``src/scatterwave`` belongs to one unit (a subpackage or a top-level module),
and every unit to one floor. A unit may import from its own floor and the floors below, never
from a floor above; no two units import each other. The import statements are read with
``ast`` (including imports inside functions, which optional dependencies use), so the test
sees exactly what the source says, whether or not the optional libraries are installed.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "scatterwave"

#: Floors, bottom first (the table of ``docs/dev/architecture.md``).
FLOORS: tuple[tuple[str, ...], ...] = (
    ("_version", "vocabulary", "_validation", "_jtfs_args", "filters"),
    ("core",),
    ("_device", "_cuda_graph", "_buffers", "_transform"),
    ("scattering1d", "jtfs", "signals", "toolkit"),
    ("scatterwave", "nn", "keras", "sklearn", "reconstruct", "viz", "datasets"),
    ("extract", "train"),
    ("commands", "cli", "__main__"),
)
FLOOR = {unit: i for i, units in enumerate(FLOORS) for unit in units}

#: The compute modules of ``core`` run plans; they never design filters.
COMPUTE = ("core/scattering1d.py", "core/jtfs.py", "core/ops.py", "core/workspace.py")
#: Array libraries other than NumPy, which filter design must not touch (NumPy, float64 only).
ACCELERATED = ("torch", "jax", "cupy", "tensorflow", "keras", "array_api_compat")


def _unit(module: str) -> str:
    parts = module.split(".")
    return "scatterwave" if len(parts) == 1 else parts[1]


def _module(path: pathlib.Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: pathlib.Path) -> list[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    package = _module(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module(path)
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                names.append(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.append(node.module)
    return names


def _sources() -> list[pathlib.Path]:
    return sorted(SRC.rglob("*.py"))


def _unit_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in _sources():
        unit = _unit(_module(path))
        for name in _imports(path):
            if name.split(".")[0] == "scatterwave" and _unit(name) != unit:
                edges.setdefault(unit, set()).add(_unit(name))
    return edges


def test_every_unit_has_a_floor():
    units = {_unit(_module(path)) for path in _sources()}
    missing = sorted(units - set(FLOOR))
    assert not missing, f"add these units to FLOORS (and to docs/dev/architecture.md): {missing}"


def test_no_import_runs_up_a_floor():
    upward = [
        f"{unit} (floor {FLOOR[unit]}) imports {target} (floor {FLOOR[target]})"
        for unit, targets in _unit_edges().items()
        for target in targets
        if FLOOR.get(target, -1) > FLOOR.get(unit, -1)
    ]
    assert not upward, "\n".join(upward)


def test_no_two_units_import_each_other():
    edges = _unit_edges()
    cycles = sorted(
        f"{a} <-> {b}"
        for a, targets in edges.items()
        for b in targets
        if a < b and a in edges.get(b, ())
    )
    assert not cycles, cycles


@pytest.mark.parametrize("relative", COMPUTE)
def test_compute_core_imports_no_filter_design(relative):
    names = _imports(SRC / relative)
    assert not [n for n in names if n.startswith("scatterwave.filters")], names


def test_filter_design_uses_numpy_only():
    offenders = [
        f"{path.relative_to(SRC)}: {name}"
        for path in sorted((SRC / "filters").glob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] in ACCELERATED
    ]
    assert not offenders, offenders


def _matmul_calls(path: pathlib.Path) -> list[str]:
    """``<object>.matmul(...)`` calls in ``path``, as ``"<object>.matmul"``."""
    return [
        f"{ast.unparse(node.func.value)}.matmul"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "matmul"
    ]


def test_core_matrix_products_go_through_ops_matmul():
    """Every matrix product of the compute core is ``ops.matmul`` (JAX's ``HIGHEST``
    precision; TensorFlow's through the namespace, split where TF32 may run) or NumPy's own:
    a library's default ``matmul`` rounds float32 operands on some accelerators."""
    offenders = [
        f"{path.name}: {call}"
        for path in sorted((SRC / "core").glob("*.py"))
        if path.name not in ("ops.py", "tf_namespace.py")
        for call in _matmul_calls(path)
        if call != "np.matmul"
    ]
    assert not offenders, offenders


def test_the_checks_can_fail():
    """The walkers see real edges: the front end imports the core, which sits below it."""
    edges = _unit_edges()
    assert "core" in edges["scattering1d"]
    assert FLOOR["core"] < FLOOR["scattering1d"]
    assert "scatterwave.filters.bank" in _imports(SRC / "core" / "plan.py")
    assert "xp.matmul" in _matmul_calls(SRC / "core" / "ops.py")
