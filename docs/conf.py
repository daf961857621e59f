"""Sphinx configuration of the scatterwave documentation (built offline by ``make docs``).

Pages are reStructuredText or Markdown (MyST). Two build-time expansions keep the site robust
while several people write pages at the same time:

* ``.. scatterwave-pages::`` in ``index.rst`` becomes a toctree ("Topics and results") of the
  optional pages that exist (written by other contributors) and of any other page not listed
  elsewhere, so a page that is missing never breaks the build and a new page is never orphaned;
* ``.. scatterwave-modules:: package`` in an API page becomes one ``automodule`` per public
  module of ``package`` (found with :mod:`pkgutil`), so new modules appear automatically;
  ``.. scatterwave-other-modules::`` likewise lists the top-level modules without a page.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("MPLBACKEND", "Agg")

from scatterwave._version import __version__  # noqa: E402

project = "scatterwave"
author = "scatterwave developers"
copyright = "scatterwave developers, BSD-3-Clause"
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb", "**/*.zip"]
templates_path: list[str] = []

# Markdown (MyST): $...$ / $$...$$ maths, ::: fences, definition lists, heading anchors.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# API reference: docstrings are numpydoc; types and defaults are in the docstrings.
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Figures of the user guide (``plot`` directive): rendered at build time, code hidden.
plot_basedir = str(HERE)  # figure scripts are named from the docs folder
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 90)]
plot_rcparams = {"figure.autolayout": False}

# Gallery: examples/plot_*.py, each under 30 s on a CPU. Disable execution with
# ``-D plot_gallery=0`` (what ``make test`` does) for a fast, warning-free build check.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py|/_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "abort_on_example_error": True,
    "show_memory": False,
    "min_reported_time": 1,
}

html_theme = "alabaster"
html_title = f"scatterwave {release}"
html_static_path = ["_static"]
# custom.css: long names wrap in the sidebar, long commands wrap in their code box
html_css_files = ["custom.css"]
html_theme_options = {
    "description": "Wavelet scattering, JTFS and Wavelet Networks",
    "fixed_sidebar": True,
    "sidebar_width": "240px",
    "page_width": "1040px",
}

# Pages written by other contributors: listed in the toctree when (and only when) they exist.
OPTIONAL_PAGES = ["jtfs", "extract", "wavelet_networks", "results_wavelet_networks", "tensorflow"]
# Pages placed explicitly by index.rst or by a sub-toctree (never added twice).
LISTED = {
    "index",
    "install",
    "quickstart",
    "glossary",
    "guide/index",
    "guide/scattering",
    "guide/jtfs",
    "guide/pictures",
    "api/index",
    "dev/architecture",
    "dev/contracts",
    "dev/tooling",
}
# Phrases turned into links to optional pages when those exist: docname -> (phrase, target page).
OPTIONAL_LINKS = {"guide/jtfs": ("the JTFS design notes", "jtfs")}
# Written by sphinx-gallery into the source folder (orphan pages, git-ignored).
GENERATED = {"sg_execution_times"}
_PAGE_MARKER = re.compile(r"^\.\. scatterwave-pages::[ \t]*$", re.MULTILINE)
_MODULE_MARKER = re.compile(r"^\.\. scatterwave-modules::[ \t]+(\S+)[ \t]*$", re.MULTILINE)
_OTHER_MARKER = re.compile(r"^\.\. scatterwave-other-modules::[ \t]*$", re.MULTILINE)
# Top-level modules documented on their own API page (or through ``scatterwave`` itself).
TOPLEVEL_DOCUMENTED = {"scatterwave.scattering1d", "scatterwave.jtfs", "scatterwave.signals"}


def _docnames() -> list[str]:
    """Every page of the source tree (without suffix), outside build and gallery output."""
    names = []
    for path in sorted(HERE.rglob("*")):
        rel = path.relative_to(HERE)
        if path.suffix not in (".rst", ".md") or rel.parts[0] in ("_build", "auto_examples"):
            continue
        if rel.parts[0].startswith(("_", ".")) or rel.stem in GENERATED:
            continue
        names.append(rel.with_suffix("").as_posix())
    return names


def extra_pages() -> list[str]:
    """Optional pages that exist, then any other page no toctree lists, in a stable order."""
    present = set(_docnames())
    listed = LISTED | {d for d in present if d.startswith("api/")}
    optional = [p for p in OPTIONAL_PAGES if p in present]
    others = sorted(present - listed - set(optional))
    return optional + others


def public_modules(package: str) -> list[str]:
    """``package`` and its public submodules, recursively (names without a leading ``_``)."""
    pkg = importlib.import_module(package)
    out = [package]
    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        out.append(info.name)
    return sorted(out)


def other_toplevel_modules() -> list[str]:
    """Public top-level modules of scatterwave (not packages) without a page of their own."""
    pkg = importlib.import_module("scatterwave")
    return sorted(
        f"scatterwave.{info.name}"
        for info in pkgutil.iter_modules(pkg.__path__)
        if not info.ispkg
        and not info.name.startswith("_")
        and f"scatterwave.{info.name}" not in TOPLEVEL_DOCUMENTED
    )


def _expand(app, docname: str, source: list[str]) -> None:
    text = source[0]
    if docname in OPTIONAL_LINKS:
        phrase, target = OPTIONAL_LINKS[docname]
        if target in _docnames():
            depth = "../" * docname.count("/")
            text = text.replace(phrase, f"{{doc}}`{phrase} <{depth}{target}>`", 1)
    if _PAGE_MARKER.search(text):
        entries = "\n".join(f"   {p}" for p in extra_pages())
        block = (
            ".. toctree::\n   :maxdepth: 1\n   :caption: Topics and results\n\n" + entries + "\n"
        )
        text = _PAGE_MARKER.sub(lambda _: block if entries.strip() else "", text)
    for match in list(_MODULE_MARKER.finditer(text)):
        blocks = [f".. automodule:: {name}\n" for name in public_modules(match.group(1))]
        text = text.replace(match.group(0), "\n".join(blocks))
    if _OTHER_MARKER.search(text):
        blocks = "\n".join(f".. automodule:: {name}\n" for name in other_toplevel_modules())
        text = _OTHER_MARKER.sub(lambda _: blocks, text)
    source[0] = text


def setup(app) -> dict:
    app.connect("source-read", _expand)
    return {"parallel_read_safe": True}
