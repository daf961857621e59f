"""Audio input: finding files, probing headers and reading resampled segments.

Everything here works on one file at a time and is safe to call from worker processes.
Audio is decoded with :mod:`soundfile` (libsndfile: WAV, FLAC, OGG, MP3, AIFF, ...) and
resampled with :func:`scipy.signal.resample_poly` using the exact rational ratio between
the target and the source rate.

Segments are read *windowed*: only the frames a segment needs (plus the anti-aliasing
filter's support) are decoded and resampled, and the window start is aligned so that the
result equals, to rounding, the corresponding samples of the whole file resampled at once.
Long recordings are therefore never loaded whole.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

__all__ = [
    "FORMAT_EXTENSIONS",
    "LIST_EXTENSIONS",
    "AudioError",
    "AudioInfo",
    "InputScan",
    "audio_extensions",
    "discover_inputs",
    "probe",
    "read_segment",
    "resampled_length",
    "scan_inputs",
]

logger = logging.getLogger(__name__)

#: File name suffixes of each libsndfile major format (the keys of
#: ``soundfile.available_formats()``). Folders yield the files whose suffix belongs to a
#: format the installed libsndfile reads. ``RAW`` (header-less: rate and encoding unknown)
#: and the MATLAB formats (``.mat`` files are seldom audio) are left out; name such files
#: explicitly to read them.
FORMAT_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "WAV": (".wav", ".wave"),
    "WAVEX": (".wav",),
    "RF64": (".rf64",),
    "W64": (".w64",),
    "AIFF": (".aif", ".aiff", ".aifc"),
    "AU": (".au", ".snd"),
    "CAF": (".caf",),
    "FLAC": (".flac",),
    "OGG": (".ogg", ".oga", ".opus"),
    "MP3": (".mp3",),
    "AVR": (".avr",),
    "HTK": (".htk",),
    "SVX": (".iff", ".svx"),
    "MPC2K": (".mpc2k",),
    "PAF": (".paf",),
    "PVF": (".pvf",),
    "SD2": (".sd2",),
    "SDS": (".sds",),
    "IRCAM": (".sf", ".ircam"),
    "VOC": (".voc",),
    "NIST": (".nist", ".sph"),
    "WVE": (".wve",),
    "XI": (".xi",),
}
#: Suffixes of text files that list input paths, one per line.
LIST_EXTENSIONS: frozenset[str] = frozenset({".txt", ".lst", ".list"})

# Kaiser window parameter and half-length factor of scipy.signal.resample_poly's default
# anti-aliasing filter (firwin with window=("kaiser", 5.0), half_len = 10 * max(up, down)).
_KAISER_BETA = 5.0
_HALF_LEN_FACTOR = 10


@functools.lru_cache(maxsize=1)
def audio_extensions() -> frozenset[str]:
    """Suffixes (lower case) of the formats the installed libsndfile reads.

    Returns
    -------
    suffixes : frozenset of str
        From ``soundfile.available_formats()`` and :data:`FORMAT_EXTENSIONS`; e.g. ``.mp3``
        only with libsndfile 1.1 or later.
    """
    import soundfile as sf

    formats = sf.available_formats()
    return frozenset(ext for name in formats for ext in FORMAT_EXTENSIONS.get(name, ()))


class AudioError(Exception):
    """A file could not be used as audio (missing, unreadable, corrupt, empty, not audio)."""


@dataclass(frozen=True)
class AudioInfo:
    """Header information of one audio file.

    Attributes
    ----------
    path : str
        Absolute path of the file.
    frames : int
        Number of frames (samples per channel) at the file's own rate.
    sample_rate : int
        The file's sample rate in Hz.
    channels : int
        Number of channels.
    declared_frames : int or None
        Frames announced by the header when the file holds fewer (a truncated file:
        ``frames`` is what it holds and decodes); ``None`` when header and file agree.
    """

    path: str
    frames: int
    sample_rate: int
    channels: int
    declared_frames: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class InputScan:
    """What :func:`scan_inputs` found.

    Attributes
    ----------
    files : list of pathlib.Path
        Input files, absolute and sorted.
    skipped : list of pathlib.Path
        Files met while walking folders whose suffix is no audio format the installed
        libsndfile reads (sorted); they are not inputs.
    """

    files: list[Path]
    skipped: list[Path]


def discover_inputs(inputs: list[str | os.PathLike[str]]) -> list[Path]:
    """Expand command-line inputs into a sorted, de-duplicated list of files.

    The same as ``scan_inputs(inputs).files``; see :func:`scan_inputs`.
    """
    return scan_inputs(inputs).files


def scan_inputs(inputs: list[str | os.PathLike[str]]) -> InputScan:
    """Expand command-line inputs into sorted, de-duplicated files, and the files skipped.

    Parameters
    ----------
    inputs : list of str or path-like
        Each entry is an audio file, a folder (searched recursively for files whose suffix
        is in :func:`audio_extensions`), or a text file (suffix in :data:`LIST_EXTENSIONS`)
        listing one path per line; blank lines and lines starting with ``#`` are skipped and
        relative paths are resolved against the list file's folder. A listed path may itself
        be a folder.

    Returns
    -------
    scan : InputScan
        ``files``: absolute paths, sorted. Files given explicitly are kept whatever their
        suffix, so a non-audio file named on the command line is reported as a failure
        later rather than silently skipped. ``skipped``: the other files of the folders,
        each logged (INFO) with the reason.

    Raises
    ------
    FileNotFoundError
        If an input (or a path listed in a list file) does not exist.
    ValueError
        If no input is given.
    """
    if not inputs:
        raise ValueError("no input given: pass audio files, folders or a text file of paths")
    found: set[Path] = set()
    skipped: set[Path] = set()
    for item in inputs:
        _expand(Path(item), found, skipped, listed_in=None)
    skipped -= found
    for path in sorted(skipped):
        logger.info("skipping %s: no audio format of this libsndfile has this suffix", path)
    return InputScan(files=sorted(found), skipped=sorted(skipped))


def _expand(path: Path, found: set[Path], skipped: set[Path], listed_in: Path | None) -> None:
    if not path.exists():
        where = f" (listed in {listed_in})" if listed_in is not None else ""
        raise FileNotFoundError(f"input {str(path)!r}{where} does not exist")
    path = path.resolve()
    if path.is_dir():
        suffixes = audio_extensions()
        for root, _dirs, names in os.walk(path):
            for name in names:
                target = found if Path(name).suffix.lower() in suffixes else skipped
                target.add(Path(root, name).resolve())
    elif path.suffix.lower() in LIST_EXTENSIONS and listed_in is None:
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = line.strip()
            if not entry or entry.startswith("#"):
                continue
            listed = Path(entry).expanduser()
            if not listed.is_absolute():
                listed = path.parent / listed
            _expand(listed, found, skipped, listed_in=path)
    else:
        found.add(path)


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Read the header of an audio file.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    info : AudioInfo
        With ``declared_frames`` set when the file is shorter than its header says
        (libsndfile then reads the frames the file holds).

    Raises
    ------
    AudioError
        If the file cannot be opened as audio, or holds no samples.
    """
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as f:
            frames, rate, channels = int(f.frames), int(f.samplerate), int(f.channels)
            log = f.extra_info
    except (RuntimeError, OSError, sf.LibsndfileError) as exc:
        raise AudioError(f"cannot read audio header: {_reason(exc)}") from exc
    if frames <= 0:
        raise AudioError("the file holds no audio samples (0 frames)")
    if channels <= 0 or rate <= 0:
        raise AudioError(f"invalid header: {channels} channel(s) at {rate} Hz")
    return AudioInfo(str(path), frames, rate, channels, _declared_frames(log, frames))


# libsndfile's header log notes a chunk whose size exceeds what the file holds as
# "data : 26798 (should be 2956)" (WAV, W64, RF64, CAF "data"; AIFF "SSND").
_SHORT_CHUNK = re.compile(r"^\s*(data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
# Sizes that streaming writers put in a header before the length is known: no claim.
_UNKNOWN_SIZES = frozenset({0, 0xFFFFFFFF, 0x7FFFFFFF, 0xFFFFFFFFFFFFFFFF})


def _declared_frames(log: str, frames: int) -> int | None:
    """Frames the header announces when the audio-data chunk is cut short, else None."""
    match = _SHORT_CHUNK.search(log)
    if match is None:
        return None
    declared, held = int(match.group(2)), int(match.group(3))
    if declared in _UNKNOWN_SIZES or held <= 0 or declared <= held:
        return None
    return round(frames * declared / held)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def resampled_length(frames: int, source_rate: int, target_rate: int) -> int:
    """Count the samples of a ``frames``-long signal resampled to ``target_rate``.

    Equals the output length of :func:`scipy.signal.resample_poly`: ``ceil(frames * up /
    down)`` with ``up / down`` the reduced ratio ``target_rate / source_rate``.

    Parameters
    ----------
    frames : int
        Length of the signal at ``source_rate``.
    source_rate, target_rate : int
        Sample rates before and after resampling, in Hz.

    Returns
    -------
    int
        Length of the resampled signal.
    """
    ratio = Fraction(int(target_rate), int(source_rate))
    return -((-frames * ratio.numerator) // ratio.denominator)


@functools.lru_cache(maxsize=16)
def _antialias_filter(up: int, down: int) -> np.ndarray:
    """Design the FIR filter that resample_poly designs by default, cached per ratio."""
    from scipy.signal import firwin

    max_rate = max(up, down)
    half_len = _HALF_LEN_FACTOR * max_rate
    h = firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", _KAISER_BETA))
    h.setflags(write=False)
    return h


def read_segment(
    info: AudioInfo,
    *,
    start: int,
    length: int,
    target_rate: int,
    channel: int | None,
) -> np.ndarray:
    """Read ``length`` samples at ``target_rate`` starting at sample ``start``.

    Parameters
    ----------
    info : AudioInfo
        Header of the file (from :func:`probe`).
    start : int
        First sample, counted at ``target_rate`` from the beginning of the file.
    length : int
        Number of samples wanted. Samples past the end of the file are zeros.
    target_rate : int
        Output sample rate in Hz.
    channel : int or None
        Channel to read, or ``None`` to mix all channels down to mono (their mean).

    Returns
    -------
    x : ndarray, shape (length,), float32

    Raises
    ------
    AudioError
        If decoding fails or the file is shorter than its header says.
    """
    import soundfile as sf

    if channel is not None and not 0 <= channel < info.channels:
        raise ValueError(f"channel {channel} out of range for {info.channels}-channel file")
    ratio = Fraction(int(target_rate), info.sample_rate)
    up, down = ratio.numerator, ratio.denominator
    total_out = resampled_length(info.frames, info.sample_rate, target_rate)
    out = np.zeros(length, dtype=np.float32)
    stop = min(start + length, total_out)
    if stop <= start:
        return out
    if up == down == 1:
        first, last, offset = start, stop, start
    else:
        # Input support of output samples [start, stop): positions start*down/up ..
        # stop*down/up, widened by the filter's half-length (in input samples). The first
        # input frame is a multiple of `down`, so it maps onto an integer output index.
        margin = math.ceil(_HALF_LEN_FACTOR * max(up, down) / up) + 2
        first = max(0, (start * down // up - margin) // down * down)
        last = min(info.frames, -((-stop * down) // up) + margin)
        offset = first * up // down
    try:
        data = sf.read(info.path, start=first, stop=last, dtype="float64", always_2d=True)[0]
    except (RuntimeError, OSError, sf.LibsndfileError) as exc:
        raise AudioError(f"cannot decode audio: {_reason(exc)}") from exc
    if data.shape[0] != last - first:
        raise AudioError(
            f"truncated file: expected {last - first} frames from frame {first}, "
            f"decoded {data.shape[0]}"
        )
    mono = data.mean(axis=1) if channel is None else data[:, channel]
    if not (up == down == 1):
        from scipy.signal import resample_poly

        mono = resample_poly(mono, up, down, window=_antialias_filter(up, down))
        if last == info.frames:
            # resample_poly returns ceil(n*up/down) samples; past the true end, clip.
            mono = mono[: total_out - offset]
    piece = mono[start - offset : stop - offset]
    if not np.all(np.isfinite(piece)):
        raise AudioError("decoded samples contain NaN or infinity")
    out[: piece.shape[0]] = piece
    return out
