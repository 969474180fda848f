"""``diffusion-collapse verify``: every statement checked on curated and drawn instances.

Checks its output folder before any work and writes the report's files as one staged set
(:class:`verification._output.Staging`).
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import LazyChoices, Progress, UsageError, int_at_least, out_folder

HELP = "check every statement against the oracle; write report.md/json, figures"


def add_parser(sub: Any) -> None:
    ver = sub.add_parser("verify", help=HELP)
    ver.add_argument(
        "--profile",
        choices=LazyChoices("verification._verify", "PROFILES"),
        metavar="PROFILE",
        default="quick",
        help="one of %(choices)s: quick (~15 s) or thorough (~2 min), on 2 cores",
    )
    ver.add_argument("--seed", type=int_at_least(0), default=0, help="seed of the drawn instances")
    ver.add_argument("--out", default="verification-report", help="output folder")
    ver.add_argument("--quiet", action="store_true", help="no progress bar")
    ver.add_argument(
        "--workers",
        type=int_at_least(1),
        default=None,
        help="processes to run the instances on (default: every available core; 1: serial)",
    )
    ver.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS|local",
        help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' for a "
        "LocalCluster of --workers processes (needs the [dask] extra); same report",
    )


def run(args: argparse.Namespace) -> int:
    import importlib.util

    from .._executors import cli_executor
    from .._verify import verify

    if args.scheduler is not None and importlib.util.find_spec("distributed") is None:
        raise UsageError(
            "--scheduler needs Dask's distributed scheduler: pip install 'diffusion-collapse[dask]'"
        )
    out = out_folder(args)  # before the run, not after it
    with cli_executor(args.workers, args.scheduler) as executor:
        report = verify(
            args.profile,
            seed=args.seed,
            progress=False if args.quiet else Progress(),
            executor=executor,
        )
    paths = report.write(out)
    print(report.table())
    print()
    n = len(report.instances)
    print(
        f"{n} instances, {len(report.results)} results in {report.elapsed:.1f} s "
        f"({n / report.elapsed:.1f} instances/s); wrote {', '.join(str(p) for p in paths)}"
    )
    if report.ok:
        print(
            "every statement behaves as documented (the literal Thm 4.2 display fails, "
            "as THEORY.md §4 predicts)"
        )
        return 0
    for r in report.unexpected():
        print(
            f"UNEXPECTED: {r.check} on {r.instance}: {r.status} (lhs {r.lhs:.6g}, rhs "
            f"{r.rhs:.6g}) {r.note}"
        )
    return 1
