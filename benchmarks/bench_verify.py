"""Time of the verification report per profile, serial and on a process pool (no assertions).

Run: ``python benchmarks/bench_verify.py [--profile quick|thorough] [--seed N] [--workers K]``.
The serial run (``executor=None``) is the baseline measured in the same run; with ``--workers
K`` (default: the available cores) the same report is computed on a local process pool of K
(what ``verify`` does by default): the ratio, the parallel efficiency (serial time / (K x
pooled time): what scheduling overhead and the longest task leave) and whether the two reports'
results are identical bit for bit are printed. Targets (issue 16): quick < 15 s and thorough
< 120 s on 2 cores (measured before: 24.7 s and ~215 s, serial).
"""

from __future__ import annotations

import argparse
import time

from verification import verify
from verification._executors import available_cores, local_pool
from verification._output import dumps


def _run(profile: str, seed: int, executor: object = None) -> tuple[float, object]:
    t = time.perf_counter()
    report = verify(profile, seed=seed, executor=executor)
    return time.perf_counter() - t, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("quick", "thorough"), default="quick")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=available_cores(), help="pool size")
    args = parser.parse_args()
    el, report = _run(args.profile, args.seed, None)
    n = len(report.instances)  # type: ignore[attr-defined]
    print(
        f"verify --profile {args.profile}: {el:.1f} s serial, {n} instances ({n / el:.2f}/s), "
        f"{len(report.results)} results, as documented: {report.ok}"  # type: ignore[attr-defined]
    )
    if args.workers > 1:
        with local_pool(args.workers) as pool:
            el_pool, pooled = _run(args.profile, args.seed, pool)
        same = dumps([r.as_dict() for r in report.results]) == dumps(  # type: ignore[attr-defined]
            [r.as_dict() for r in pooled.results]  # type: ignore[attr-defined]
        )
        print(
            f"  on {args.workers} processes: {el_pool:.1f} s, serial / pool = "
            f"{el / el_pool:.2f}x, efficiency {el / (args.workers * el_pool):.0%}; identical "
            f"results: {same}"
        )


if __name__ == "__main__":
    main()
