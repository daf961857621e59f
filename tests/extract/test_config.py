"""Tests of scatterwave.extract.config: validation and configuration files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scatterwave.extract.config import ExtractConfig, load_config_file


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"transform": "stft"}, "transform='stft'"),
        ({"J": 0}, "J=0: expected a positive integer"),
        ({"Q": (8, 1, 1)}, "one value or two"),
        ({"J": (8, 6, 4)}, "J=(8, 6, 4): give one value or two (J1, J2)"),
        ({"J": (6, 8)}, "J=(6, 8): the second-order J2 must not exceed J1; use J=(8, 6)"),
        ({"J": (6, 0)}, "J=0: expected a positive integer"),
        ({"sample_rate": 16000.5}, "sample_rate=16000.5"),
        ({"sample_rate": -8000}, "sample_rate=-8000"),
        ({"segment": 0.0}, "segment=0.0"),
        ({"hop": 1.0}, "hop is given without segment"),
        ({"J_fr": 3}, "J_fr is an option of the 'jtfs' transform"),
        ({"channels": "left"}, "channels='left'"),
        ({"device": "tpu"}, "device='tpu'"),
        ({"device": "cuda", "workers": 4}, "workers=4 with device='cuda'"),
        ({"workers": 2, "scheduler": "tcp://h:1"}, "exclusive"),
        ({"scheduler": "localhost"}, "tcp://host:8786"),
        ({"batch_size": True}, "batch_size=True"),
        # a boolean is not a number of seconds (True was taken as a 1 s segment)
        ({"segment": True}, "segment=True: expected a positive number of seconds"),
        ({"scheduler": 5}, "scheduler=5: expected an address like tcp://host:8786"),
    ],
)
def test_invalid_options_are_explained(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ExtractConfig(**options)


def test_from_mapping_accepts_dashes_lists_and_rejects_unknown() -> None:
    cfg = ExtractConfig.from_mapping({"sample-rate": 16000, "Q": [8, 2], "batch_size": 4})
    assert (cfg.sample_rate, cfg.Q, cfg.batch_size) == (16000, (8, 2), 4)
    assert cfg.to_dict()["Q"] == [8, 2]
    pair = ExtractConfig.from_mapping({"J": [8, 6], "Q": [8]})
    assert (pair.J, pair.Q, pair.content_dict()["J"]) == ((8, 6), 8, [8, 6])
    with pytest.raises(ValueError, match=r"unknown configuration keys: \['colour'\]"):
        ExtractConfig.from_mapping({"colour": "red"})


def test_effective_workers() -> None:
    assert ExtractConfig(workers=3).effective_workers == 3
    assert ExtractConfig().effective_workers >= 1


def test_config_files(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('transform = "scattering"\nJ = 5\nQ = [4, 1]\nsample-rate = 8000\n')
    data = load_config_file(toml)
    assert ExtractConfig.from_mapping(data) == ExtractConfig(J=5, Q=(4, 1), sample_rate=8000)
    js = tmp_path / "c.json"
    js.write_text(json.dumps({"segment": 2.0, "hop": 1.0}))
    assert ExtractConfig.from_mapping(load_config_file(js)).hop == 1.0
    bad = tmp_path / "c.yaml"
    bad.write_text("J: 3")
    with pytest.raises(ValueError, match=r"unknown format '\.yaml'"):
        load_config_file(bad)
    broken = tmp_path / "b.toml"
    broken.write_text("J = = 3")
    with pytest.raises(ValueError, match="does not parse"):
        load_config_file(broken)
    listing = tmp_path / "l.json"
    listing.write_text("[1, 2]")
    with pytest.raises(ValueError, match="table of options"):
        load_config_file(listing)
    with pytest.raises(FileNotFoundError):
        load_config_file(tmp_path / "none.toml")
