"""``diffusion-collapse atlas``: search a family for the instances requiring the largest
implicit constants (:func:`verification.atlas`), and write the atlas.

Writes, as one staged set: ``atlas.md`` (the table), ``atlas.json`` (every result with its
trace and evaluations), ``atlas-<statement>-<family>.toml`` (the argmax instance, which
``diffusion-collapse oracle`` runs), ``atlas-<statement>.png`` (requirement against
eps_star2, the frontier drawn) and, unless ``--no-a3``, the A3 search's smallest eps_star2 with
an infinite chi2 (``atlas-a3-<family>.toml``).
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import LazyChoices, Progress, UsageError, int_at_least, out_folder

HELP = "search a family for the worst instances: the constants the paper leaves implicit"


def add_parser(sub: Any) -> None:
    atl = sub.add_parser(
        "atlas",
        help=HELP,
        description=(
            "Adversarial search (differential evolution, then a bounded polish) of a declared "
            "instance family for the largest constant each statement requires inside its "
            "hypotheses: C of Prop 3.3 and c of Thm 3.4. Writes atlas.md, atlas.json, the "
            "argmax instances as oracle configs and one figure per statement."
        ),
    )
    atl.add_argument(
        "--family",
        choices=LazyChoices("verification._atlas", "ATLAS_FAMILIES"),
        metavar="FAMILY",
        default="gaussian-affine",
        help="one of %(choices)s (variance-1d: a closed-form answer, 5.03290 for Thm 3.4)",
    )
    atl.add_argument(
        "--statement",
        choices=LazyChoices("verification._atlas", "ATLAS_CONSTANTS"),
        metavar="STATEMENT",
        action="append",
        default=None,
        help="one of %(choices)s (repeat for several; default all)",
    )
    atl.add_argument(
        "--budget", type=int_at_least(20), default=200, help="oracle evaluations per statement"
    )
    atl.add_argument("--seed", type=int_at_least(0), default=0, help="search seed")
    atl.add_argument("--out", default="atlas", help="output folder")
    atl.add_argument(
        "--no-a3",
        action="store_true",
        help="skip the search for the smallest eps_star2 with an infinite chi2 (A3 fails)",
    )
    atl.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args: argparse.Namespace) -> int:
    from .._atlas import ATLAS_CONSTANTS, ATLAS_FAMILIES, atlas
    from .._atlas_a3 import a3_search
    from .._atlas_files import atlas_markdown, save_atlas

    out = out_folder(args)
    statements = args.statement or list(ATLAS_CONSTANTS)
    report = None if args.quiet else Progress(name="atlas", unit="statements")
    results = []
    family = ATLAS_FAMILIES[args.family]()
    total = len(statements) + (0 if args.no_a3 else 1)
    try:
        for i, st in enumerate(statements):
            results.append(atlas(st, family, budget=args.budget, seed=args.seed))
            if report is not None:
                report(i + 1, total, st)
        a3 = None if args.no_a3 else a3_search(family, budget=args.budget, seed=args.seed)
        if report is not None and a3 is not None:
            report(total, total, "A3 search")
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    paths = save_atlas(results, out, a3)
    print(atlas_markdown(results, a3))
    print(f"wrote {len(paths)} files into {out}")
    return 0
