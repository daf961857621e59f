"""Isolated instrument notes rendered from a General-MIDI SoundFont.

Each note is one recorded SoundFont sample played at the requested pitch, so the data are real
instrument recordings, and a change of pitch is partly a different recording and partly a
resampling (an exact time dilation): a natural test bed for scale-equivariant models. The
classification task is "which instrument", evaluated on pitches never seen in training.

Rendering runs in-process with ``tinysoundfont``. The default SoundFont is the General-MIDI
``TimGM6mb.sf2`` shipped inside the ``pretty_midi`` wheel (``pip install --no-deps pretty_midi
tinysoundfont``); any other ``.sf2`` file can be given, e.g. Debian's
``/usr/share/sounds/sf2/FluidR3_GM.sf2`` (package ``fluid-soundfont-gm``). Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path
from typing import Literal

import numpy as np

from scatterwave._validation import check_int, check_real
from scatterwave.datasets._base import ArraySplit, DatasetSplits

__all__ = ["DEFAULT_PROGRAMS", "GM_NAMES", "default_soundfont", "load_gm_notes", "render_notes"]

logger = logging.getLogger(__name__)

#: Names of the first 80 General-MIDI programs (the pitched melodic instruments used here).
GM_NAMES: tuple[str, ...] = (
    "piano", "bright piano", "electric grand", "honky-tonk", "e-piano 1", "e-piano 2",
    "harpsichord", "clavinet", "celesta", "glockenspiel", "music box", "vibraphone", "marimba",
    "xylophone", "tubular bells", "dulcimer", "drawbar organ", "percussive organ", "rock organ",
    "church organ", "reed organ", "accordion", "harmonica", "tango accordion", "nylon guitar",
    "steel guitar", "jazz guitar", "clean guitar", "muted guitar", "overdriven guitar",
    "distortion guitar", "guitar harmonics", "acoustic bass", "finger bass", "pick bass",
    "fretless bass", "slap bass 1", "slap bass 2", "synth bass 1", "synth bass 2", "violin",
    "viola", "cello", "contrabass", "tremolo strings", "pizzicato strings", "harp", "timpani",
    "strings 1", "strings 2", "synth strings 1", "synth strings 2", "choir aahs", "voice oohs",
    "synth voice", "orchestra hit", "trumpet", "trombone", "tuba", "muted trumpet",
    "french horn", "brass section", "synth brass 1", "synth brass 2", "soprano sax", "alto sax",
    "tenor sax", "baritone sax", "oboe", "english horn", "bassoon", "clarinet", "piccolo",
    "flute", "recorder", "pan flute", "blown bottle", "shakuhachi", "whistle", "ocarina",
)  # fmt: skip

#: Twelve instruments from different families: piano, harpsichord, vibraphone, nylon guitar,
#: violin, cello, harp, trumpet, alto sax, oboe, clarinet, flute.
DEFAULT_PROGRAMS: tuple[int, ...] = (0, 6, 11, 24, 40, 42, 46, 56, 65, 68, 71, 73)


def default_soundfont() -> Path:
    """Path of the General-MIDI SoundFont shipped with the ``pretty_midi`` wheel.

    Raises
    ------
    FileNotFoundError
        When ``pretty_midi`` is not installed.
    """
    spec = importlib.util.find_spec("pretty_midi")
    if spec is not None and spec.origin is not None:
        path = Path(spec.origin).parent / "TimGM6mb.sf2"
        if path.is_file():
            return path
    raise FileNotFoundError(
        "no SoundFont given and pretty_midi's TimGM6mb.sf2 is not installed: run "
        "'pip install --no-deps pretty_midi tinysoundfont' (or scripts/install_data.sh), or pass "
        "soundfont='/usr/share/sounds/sf2/FluidR3_GM.sf2' (Debian package fluid-soundfont-gm)"
    )


def render_notes(
    programs: list[int] | tuple[int, ...],
    pitches: list[int] | tuple[int, ...],
    velocities: list[int] | tuple[int, ...],
    *,
    sample_rate: int = 8000,
    duration: float = 0.5,
    release: float = 0.1,
    soundfont: str | os.PathLike | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Render every (program, pitch, velocity) combination as a mono clip.

    Parameters
    ----------
    programs : sequence of int
        General-MIDI program numbers (0-127, 0-based).
    pitches : sequence of int
        MIDI keys (60 is middle C).
    velocities : sequence of int
        MIDI velocities (1-127).
    sample_rate : int
        Output rate in Hz.
    duration : float
        Clip length in seconds; the key is released ``release`` seconds before the end.
    release : float
        Seconds of release kept at the end of each clip.
    soundfont : path, optional
        ``.sf2`` file; by default :func:`default_soundfont`.

    Returns
    -------
    x : ndarray, shape (n_notes, round(duration * sample_rate)), float32
        Clips in program-major, then pitch, then velocity order.
    meta : dict of ndarray, each shape (n_notes,)
        ``"program"``, ``"pitch"``, ``"velocity"`` (int64) and ``"rms"`` (float64).
    """
    check_int("sample_rate", sample_rate, minimum=1)
    check_real("duration", duration, low=0.0, low_open=True, hint=" seconds")
    try:
        import tinysoundfont
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "rendering notes needs tinysoundfont: pip install --no-deps tinysoundfont",
            name=exc.name,
        ) from exc
    if not 0.0 <= release < duration:
        raise ValueError(f"release must be in [0, duration={duration}), got {release}")
    for name, values, lo, hi in (
        ("programs", programs, 0, 127),
        ("pitches", pitches, 0, 127),
        ("velocities", velocities, 1, 127),
    ):
        bad = [v for v in values if not lo <= int(v) <= hi]
        if bad or len(values) == 0:
            raise ValueError(f"{name} must be a non-empty list of ints in [{lo}, {hi}], got {bad}")
    path = Path(soundfont) if soundfont is not None else default_soundfont()
    if not path.is_file():
        raise FileNotFoundError(f"SoundFont {str(path)!r} does not exist")
    n_total = round(duration * sample_rate)
    n_on = n_total - round(release * sample_rate)
    synth = tinysoundfont.Synth(samplerate=int(sample_rate))
    sfid = synth.sfload(str(path))
    clips: list[np.ndarray] = []
    meta: dict[str, list[int]] = {"program": [], "pitch": [], "velocity": []}
    for prog in programs:
        synth.program_select(0, sfid, 0, int(prog))
        for pitch in pitches:
            for vel in velocities:
                synth.sounds_off()
                synth.generate_simple(256)  # flush any residual voice state
                synth.noteon(0, int(pitch), int(vel))
                on = np.frombuffer(synth.generate_simple(n_on), dtype=np.float32)
                synth.noteoff(0, int(pitch))
                off = np.frombuffer(synth.generate_simple(n_total - n_on), dtype=np.float32)
                stereo = np.concatenate([on, off]).reshape(-1, 2)
                clips.append(stereo.mean(axis=1))
                meta["program"].append(prog)
                meta["pitch"].append(pitch)
                meta["velocity"].append(vel)
    x = np.stack(clips).astype(np.float32)
    out = {k: np.asarray(v, dtype=np.int64) for k, v in meta.items()}
    out["rms"] = np.sqrt(np.mean(x.astype(np.float64) ** 2, axis=1))
    return x, out


def _pitch_roles(
    pitches: np.ndarray, split: Literal["interleaved", "extrapolate"]
) -> dict[str, np.ndarray]:
    uniq = np.unique(pitches)
    if len(uniq) < 4:
        raise ValueError(f"need at least 4 distinct pitches to split by pitch, got {len(uniq)}")
    if split == "interleaved":
        i = np.arange(len(uniq))
        return {"train": uniq[i % 2 == 0], "val": uniq[i % 4 == 3], "test": uniq[i % 4 == 1]}
    if split == "extrapolate":
        n_train = int(np.ceil(0.5 * len(uniq)))
        n_val = max(1, (len(uniq) - n_train) // 3)
        return {
            "train": uniq[:n_train],
            "val": uniq[n_train : n_train + n_val],
            "test": uniq[n_train + n_val :],
        }
    raise ValueError(f"split must be 'interleaved' or 'extrapolate', got {split!r}")


def load_gm_notes(
    *,
    programs: tuple[int, ...] | list[int] = DEFAULT_PROGRAMS,
    pitch_range: tuple[int, int] = (48, 84),
    velocities: tuple[int, ...] | list[int] = (64, 100),
    sample_rate: int = 8000,
    duration: float = 0.5,
    split: Literal["interleaved", "extrapolate"] = "interleaved",
    soundfont: str | os.PathLike | None = None,
    min_rms: float = 1e-3,
) -> DatasetSplits:
    """Instrument classification on pitches unseen during training.

    The splits are disjoint in pitch: with ``split="interleaved"`` the training pitches are every
    other semitone (C3, D3, E3, ...), the test pitches the odd semitones 4k+1 above the lowest one
    and the validation pitches 4k+3; every held-out pitch lies one semitone from a training
    pitch. With ``split="extrapolate"`` the lowest half of the range trains, the next sixth
    validates and the highest third tests (transposition to an unseen register).

    Parameters
    ----------
    programs : sequence of int
        General-MIDI programs, one class each (default: 12 instruments of different families).
    pitch_range : (int, int)
        Lowest and highest MIDI key, inclusive (default C3..C6).
    velocities : sequence of int
        Velocities rendered for every pitch.
    sample_rate : int
        Hz.
    duration : float
        Clip length in seconds.
    split : {"interleaved", "extrapolate"}
        How pitches are assigned to splits.
    soundfont : path, optional
        ``.sf2`` file (default: pretty_midi's General-MIDI SoundFont).
    min_rms : float
        Clips quieter than this (silent notes outside an instrument's range) are dropped.

    Returns
    -------
    DatasetSplits
        Signals of shape (n, 1, round(duration * sample_rate)); the group id of a note is its
        pitch.
    """
    lo, hi = pitch_range
    if not 0 <= lo < hi <= 127:
        raise ValueError(
            f"pitch_range must be (lo, hi) with 0 <= lo < hi <= 127, got {pitch_range}"
        )
    if split not in ("interleaved", "extrapolate"):
        raise ValueError(f"split must be 'interleaved' or 'extrapolate', got {split!r}")
    x, meta = render_notes(
        list(programs),
        list(range(lo, hi + 1)),
        list(velocities),
        sample_rate=sample_rate,
        duration=duration,
        soundfont=soundfont,
    )
    audible = meta["rms"] >= min_rms
    if not audible.any():
        raise ValueError(f"every rendered note is quieter than min_rms={min_rms}")
    logger.info("GM notes: dropped %d near-silent notes", int((~audible).sum()))
    x = x[audible][:, None, :]
    meta = {k: v[audible] for k, v in meta.items()}
    y = np.searchsorted(np.asarray(sorted(programs)), meta["program"]).astype(np.int64)
    roles = _pitch_roles(meta["pitch"], split)
    splits = {
        r: ArraySplit(x[m], y[m], meta["pitch"][m])
        for r, m in ((r, np.isin(meta["pitch"], p)) for r, p in roles.items())
    }
    names = [GM_NAMES[p] if p < len(GM_NAMES) else f"program {p}" for p in sorted(programs)]
    return DatasetSplits(
        name=f"gm-notes:{split}",
        train=splits["train"],
        val=splits["val"],
        test=splits["test"],
        classes=names,
        sample_rate=float(sample_rate),
        info={
            "split": f"by pitch ({split}): train {roles['train'].tolist()}, "
            f"val {roles['val'].tolist()}, test {roles['test'].tolist()}",
            "soundfont": str(soundfont) if soundfont is not None else "pretty_midi TimGM6mb.sf2",
        },
    )
