"""Time of the verification report per profile, serial and on a process pool (no assertions).

Run: ``python benchmarks/bench_verify.py [--profile quick|thorough] [--seed N] [--workers K]``.
Targets (issue "verification"): quick under 60 s, thorough under 15 minutes on 2 cores. With
``--workers K`` the same report is also computed on a ``ProcessPoolExecutor(K)`` (the tasks
are picklable): the ratio of the two times is printed, and the two reports' results must be
identical.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

from verification import verify
from verification._output import dumps


def _run(profile: str, seed: int, executor: object = None) -> tuple[float, object]:
    t = time.perf_counter()
    report = verify(profile, seed=seed, executor=executor)
    return time.perf_counter() - t, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("quick", "thorough"), default="quick")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0, help="also run on K processes")
    args = parser.parse_args()
    el, report = _run(args.profile, args.seed)
    n = len(report.instances)  # type: ignore[attr-defined]
    print(
        f"verify --profile {args.profile}: {el:.1f} s serial, {n} instances ({n / el:.2f}/s), "
        f"{len(report.results)} results, as documented: {report.ok}"  # type: ignore[attr-defined]
    )
    if args.workers > 0:
        with ProcessPoolExecutor(args.workers) as pool:
            el_pool, pooled = _run(args.profile, args.seed, pool)
        same = dumps([r.as_dict() for r in report.results]) == dumps(  # type: ignore[attr-defined]
            [r.as_dict() for r in pooled.results]  # type: ignore[attr-defined]
        )
        print(
            f"  on {args.workers} processes: {el_pool:.1f} s, serial / pool = "
            f"{el / el_pool:.2f}x (phase diagram serial in both); identical results: {same}"
        )


if __name__ == "__main__":
    main()
