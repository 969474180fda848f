"""Time of the verification report per profile (prints figures; no assertions).

Run: ``python benchmarks/bench_verify.py [--profile quick|thorough] [--seed N]``.
Targets (issue "verification"): quick under 60 s, thorough under 15 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import time

from verification import verify


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("quick", "thorough"), default="quick")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t = time.perf_counter()
    report = verify(args.profile, seed=args.seed)
    el = time.perf_counter() - t
    n = len(report.instances)
    print(
        f"verify --profile {args.profile}: {el:.1f} s, {n} instances ({n / el:.2f}/s), "
        f"{len(report.results)} results, as documented: {report.ok}"
    )


if __name__ == "__main__":
    main()
