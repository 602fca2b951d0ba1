"""examples/: each example prints what the same program prints under torch."""
import os

import pytest

from helpers import run_python

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


@pytest.mark.parametrize("name", sorted(f for f in os.listdir(EXAMPLES) if f.endswith(".py")))
def test_example_prints_torchs_output(name, tmp_path):
    src = open(os.path.join(EXAMPLES, name)).read()
    assert "import pyautograd" in src
    (tmp_path / "ours.py").write_text(src)
    (tmp_path / "theirs.py").write_text(src.replace("pyautograd", "torch"))
    ours, theirs = run_python([tmp_path / "ours.py"]), run_python([tmp_path / "theirs.py"])
    assert ours.returncode == 0, ours.stderr
    assert theirs.returncode == 0, theirs.stderr
    assert ours.stdout == theirs.stdout and ours.stdout


def test_readme_example_prints_what_it_says(tmp_path):
    readme = open(os.path.join(os.path.dirname(EXAMPLES), "README.md")).read()
    src = readme.split("```python\n", 1)[1].split("```", 1)[0]
    claimed = src.strip().splitlines()[-1].split("# ", 1)[1].split(", as torch prints it")[0]
    (tmp_path / "ours.py").write_text(src)
    (tmp_path / "theirs.py").write_text(src.replace("pyautograd", "torch"))
    ours, theirs = run_python([tmp_path / "ours.py"]), run_python([tmp_path / "theirs.py"])
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout == claimed + "\n"
