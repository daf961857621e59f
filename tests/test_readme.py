"""The README's quickstart code runs as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_shows_the_two_setup_commands():
    text = README.read_text()
    assert "make demo" in text and "make test" in text


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_code_runs(index, capsys):
    if "torch" in python_blocks()[index]:
        pytest.importorskip("torch")
    exec(compile(python_blocks()[index], f"README.md block {index}", "exec"), {})
