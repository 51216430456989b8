"""scripts/pick_python.py, which chooses the venv's interpreter: the fastest Python 3.11 found, the
venv's own kept unless another is clearly faster, a candidate that fails left out."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pick_python.py"


def fake_python(tmp_path, name, seconds, real=None, fails=False):
    """An executable answering the timing as an interpreter at `real` taking `seconds` would."""
    path = tmp_path / name
    body = "exit 1" if fails else f'echo "{real or path} {seconds}"'
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def pick(*candidates, current=""):
    command = [sys.executable, str(SCRIPT), *candidates] + (["--current", current] if current else [])
    answer = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return answer.returncode, answer.stdout.strip()


def test_the_fastest_interpreter_is_chosen(tmp_path):
    source_build = fake_python(tmp_path, "python-pyenv", 0.013)
    pgo_build = fake_python(tmp_path, "python-debian", 0.009)
    assert pick(source_build, pgo_build) == (0, pgo_build)


def test_the_venvs_interpreter_stays_unless_another_is_clearly_faster(tmp_path):
    current = fake_python(tmp_path, "python-current", 0.010)
    a_bit_faster = fake_python(tmp_path, "python-other", 0.009)
    assert pick(a_bit_faster, current, current=current) == (0, current)
    much_faster = fake_python(tmp_path, "python-fast", 0.006)
    assert pick(much_faster, current, current=current) == (0, much_faster)


def test_a_shim_is_named_by_the_interpreter_it_runs_and_a_failing_candidate_is_left_out(tmp_path):
    shim = fake_python(tmp_path, "python3.11-shim", 0.010, real="/opt/python/3.11/bin/python3.11")
    broken = fake_python(tmp_path, "python-broken", 0.001, fails=True)
    assert pick(broken, shim) == (0, "/opt/python/3.11/bin/python3.11")
    assert pick(broken)[0] == 1
