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


def _load_conf():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "scatterwave_docs_conf", ROOT / "docs" / "conf.py"
    )
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_optional_pages_are_listed_only_when_present():
    conf = _load_conf()
    pages = conf.extra_pages()
    present = set(conf._docnames())
    # every existing optional page is listed, first and in the declared order
    expected = [p for p in conf.OPTIONAL_PAGES if p in present]
    assert pages[: len(expected)] == expected
    # nothing missing, nothing already placed by index.rst, no generated page
    assert set(pages) <= present
    assert not set(pages) & conf.LISTED
    assert "sg_execution_times" not in pages


def test_module_expansion_finds_public_modules():
    conf = _load_conf()
    mods = conf.public_modules("scatterwave.viz")
    assert "scatterwave.viz.jtfs" in mods and "scatterwave.viz.gallery" in mods
    assert not any(m.rsplit(".", 1)[-1].startswith("_") for m in mods)
    others = conf.other_toplevel_modules()
    assert "scatterwave.scattering1d" not in others and "scatterwave.cli" in others


def test_optional_link_only_when_the_page_exists(monkeypatch):
    conf = _load_conf()
    phrase, target = conf.OPTIONAL_LINKS["guide/jtfs"]
    text = f"see {phrase}."
    monkeypatch.setattr(conf, "_docnames", lambda: ["index"])
    source = [text]
    conf._expand(None, "guide/jtfs", source)
    assert source == [text]
    monkeypatch.setattr(conf, "_docnames", lambda: ["index", target])
    conf._expand(None, "guide/jtfs", source)
    assert source == [f"see {{doc}}`{phrase} <../{target}>`."]


def test_long_names_and_commands_stay_in_their_boxes():
    """The sidebar wraps long API names and code blocks wrap long lines (custom CSS), and the
    commands of the extraction page fit a code box (72 characters) without wrapping."""
    import re

    conf = _load_conf()
    assert "_static" in conf.html_static_path and "custom.css" in conf.html_css_files
    css = (ROOT / "docs" / "_static" / "custom.css").read_text(encoding="utf-8")
    rules = dict(re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S)))
    sidebar = next(v for k, v in rules.items() if "div.sphinxsidebar a" in k)
    code = next(v for k, v in rules.items() if "div.highlight pre" in k)
    assert "overflow-wrap: anywhere" in sidebar
    assert "white-space: pre-wrap" in code
    page = (ROOT / "docs" / "extract.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", page, flags=re.S)
    assert blocks and all(len(line) <= 72 for b in blocks for line in b.splitlines())
