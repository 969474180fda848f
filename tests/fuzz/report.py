"""Seeded fuzz sweep of the public API; prints the outcome counts (``python -m tests.fuzz.report``).

``python -m tests.fuzz.report [CALLS_PER_TARGET] [SEED]`` (defaults 40 and 0): for every target
of :mod:`tests.fuzz.harness`, half of the calls with valid edge values and half with one bad
value; prints the counts per outcome and the first failures of each kind.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

import numpy as np

from .harness import TARGETS, call, draw_call

FAILURES = ("unnamed", "accepted", "nan", "warning", "exception")


def sweep(per_target: int, seed: int) -> tuple[Counter[str], list[tuple[str, str, str]]]:
    rng = np.random.default_rng(seed)
    counts: Counter[str] = Counter()
    bad_rows: list[tuple[str, str, str]] = []
    for target in TARGETS:
        for k in range(per_target):
            args, idx = draw_call(target, rng, bad=k % 2 == 1)
            outcome, detail = call(target, args, idx)
            counts[outcome] += 1
            if outcome in FAILURES:
                bad_rows.append((outcome, target.name, detail))
    return counts, bad_rows


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    per_target = int(argv[0]) if argv else 40
    seed = int(argv[1]) if len(argv) > 1 else 0
    start = time.perf_counter()
    counts, bad_rows = sweep(per_target, seed)
    total = sum(counts.values())
    print(f"{total} calls on {len(TARGETS)} targets in {time.perf_counter() - start:.1f} s")
    for outcome in ("ok", "limit", "rejected", *FAILURES):
        print(f"  {outcome:<10} {counts[outcome]:>6}")
    seen: set[tuple[str, str, str]] = set()
    for outcome, name, detail in bad_rows:
        key = (outcome, name, detail[:40] if outcome != "accepted" else detail)
        if key not in seen and (verbose or len(seen) < 60):
            seen.add(key)
            print(f"- {outcome}: {name}: {detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
