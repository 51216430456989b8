"""Print the fastest Python 3.11 of the candidates given (paths or names on PATH), for the venv.

Debian's /usr/bin/python3.11 is built with PGO and LTO and runs this project's pages about 13 %
faster than a source build (e.g. pyenv's) that `python3.11` on PATH may resolve to; the build flags
do not always say so, so each candidate is timed on plain Python. The interpreter the venv already
has (--current) is kept unless another is clearly faster, so timing noise never rebuilds the venv."""

import argparse
import os
import shutil
import subprocess
import sys

# Prints the interpreter's real path (a pyenv shim is a script that runs another binary) and its time.
TIMING = ("import os, sys, timeit; sys.exit(1) if sys.version_info[:2] != (3, 11) else "
          "print(os.path.realpath(sys.executable), min(timeit.repeat('sum(range(100))', number=50000, repeat=5)))")
CLEARLY = 0.8  # another interpreter must take under 80 % of the current one's time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("candidates", nargs="+")
    parser.add_argument("--current", default="")
    args = parser.parse_args()
    paths = [path for path in map(shutil.which, args.candidates) if path]
    timed = {}
    # Rounds in turn, the best of each kept: a burst of other load then slows one round, not one interpreter.
    for _round in range(3):
        for path in paths:
            try:
                answer = subprocess.run([path, "-c", TIMING], capture_output=True, text=True, timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if answer.returncode == 0:
                real, seconds = answer.stdout.split()
                timed[real] = min(float(seconds), timed.get(real, float("inf")))
    if not timed:
        return 1
    for real, seconds in sorted(timed.items(), key=lambda item: item[1]):
        print(f"{real}: sum(range(100)) {seconds / 50000 * 1e9:.0f} ns", file=sys.stderr)
    fastest = min(timed, key=timed.get)
    current = os.path.realpath(args.current) if args.current else ""
    if current in timed and timed[fastest] > CLEARLY * timed[current]:
        fastest = current
    print(fastest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
