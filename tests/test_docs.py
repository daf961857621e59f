"""The documentation builds without warnings (gallery examples not executed).

Runs ``sphinx-build -W -b html -D plot_gallery=0`` into a temporary folder, the same build as
``make docs`` minus executing the gallery scripts (they are run by ``make docs`` itself and
each is checked by hand to stay under 30 s). The user guide's ``plot`` figures are rendered.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("myst_parser")
pytest.importorskip("matplotlib")


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    out = tmp_path / "html"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "-D",
        "plot_gallery=0",
        "-d",
        str(tmp_path / "doctrees"),
        str(ROOT / "docs"),
        str(out),
    ]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stdout}\n{done.stderr}"
    for page in ("index.html", "glossary.html", "api/viz.html", "auto_examples/index.html"):
        assert (out / page).is_file(), f"{page} was not built"
    assert "plot_jtfs_2d" in (out / "api" / "viz.html").read_text(encoding="utf-8")
