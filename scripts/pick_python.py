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

TIMING = ("import timeit, sys; sys.exit(1) if sys.version_info[:2] != (3, 11) else "
          "print(min(timeit.repeat('sum(range(100))', number=20000, repeat=7)))")
CLEARLY = 0.9  # another interpreter must take under 90 % of the current one's time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("candidates", nargs="+")
    parser.add_argument("--current", default="")
    args = parser.parse_args()
    timed = {}
    for candidate in args.candidates:
        path = shutil.which(candidate)
        if not path:
            continue
        path = os.path.realpath(path)
        if path in timed:
            continue
        try:
            answer = subprocess.run([path, "-c", TIMING], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if answer.returncode == 0:
            timed[path] = float(answer.stdout)
    if not timed:
        return 1
    fastest = min(timed, key=timed.get)
    current = os.path.realpath(args.current) if args.current else ""
    if current in timed and timed[fastest] > CLEARLY * timed[current]:
        fastest = current
    print(fastest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
