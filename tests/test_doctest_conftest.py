"""src/conftest.py: the modules left out of the doctests without their dependency exist."""

import ast
import importlib.util
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def _load_conftest():
    spec = importlib.util.spec_from_file_location("src_conftest", SRC / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_listed_paths_exist():
    for path in _load_conftest().IMPORT_TIME_DEPENDENCIES:
        assert (SRC / path).exists(), path


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_every_import_time_optional_dependency_is_listed():
    optional = {
        "torch", "keras", "tensorflow", "jax", "matplotlib", "PIL", "sklearn", "zarr", "tqdm",
        "soundfile", "dask", "distributed", "xarray", "tinysoundfont", "array_api_strict",
    }  # fmt: skip
    listed = _load_conftest().IMPORT_TIME_DEPENDENCIES
    for path in sorted((SRC / "scatterwave").rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        needed = _top_level_imports(path) & optional
        covering = [dep for key, dep in listed.items() if relative.startswith(key)]
        assert needed <= set(covering), f"{relative} imports {sorted(needed)} at import time"
