"""``diffusion-collapse phase``: a regime phase diagram, theory beside the oracle's exact D.

Checks its output folder before any work and writes the figure and its CSV as one staged set.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import LazyChoices, Progress, UsageError, finite_float, int_at_least, out_folder

HELP = "regime phase diagram: theory contours and the oracle's exact D (figure + CSV)"

#: the schedules of ``phase --kind horizon`` (``--eps0-2`` their scale, ``--rate`` r or p)
HORIZON_SCHEDULES = ("constant", "geometric", "power-law")


def add_parser(sub: Any) -> None:
    pha = sub.add_parser(
        "phase",
        help=HELP,
        description=(
            "Grid over the fresh-data fraction alpha and one schedule parameter: regions "
            "coloured by regime, contours of the additive Thm 4.2 bound c2 S_N + C_bias, and "
            "the oracle's exact D_N at the same levels. Writes phase-KIND.FORMAT and "
            "phase-KIND.csv."
        ),
    )
    pha.add_argument(
        "--kind",
        choices=LazyChoices("verification._phase_data", "KINDS"),
        metavar="KIND",
        default="geometric",
        help="one of %(choices)s; second axis: error floor eps^2, decay rate r, exponent p, "
        "or generation N; 'limit': the limit law of early stopping over alpha x t0",
    )
    pha.add_argument("--out", default="phase-diagrams", help="output folder")
    pha.add_argument(
        "--format",
        choices=LazyChoices("verification._phase_data", "FORMATS"),
        metavar="FORMAT",
        default="png",
        help="one of %(choices)s",
    )
    pha.add_argument(
        "--points",
        type=int_at_least(2),
        default=17,
        help="grid size along each axis (default 17; about 2 ms per generation and point)",
    )
    pha.add_argument(
        "--generations", type=int_at_least(1), default=30, help="horizon N (default 30)"
    )
    pha.add_argument(
        "--eps0-2",
        type=finite_float,
        default=None,
        help="eps_0^2: scale of the geometric / power-law schedules (default 0.1) and of the "
        "horizon diagram's schedule (default 0.01); not used by --kind floor",
    )
    pha.add_argument(
        "--schedule",
        choices=HORIZON_SCHEDULES,
        default=None,
        help="schedule of the horizon diagram (default constant)",
    )
    pha.add_argument(
        "--rate",
        type=finite_float,
        default=None,
        help="r of a geometric or p of a power-law horizon schedule",
    )
    pha.add_argument(
        "--c2", type=finite_float, default=4.0, help="c2 of the additive Thm 4.2 bound"
    )
    pha.add_argument(
        "--C-bias", dest="C_bias", type=finite_float, default=0.0, help="C_bias (default 0)"
    )
    pha.add_argument(
        "--bias", choices=("aligned", "alternating"), default="aligned", help="oracle's shifts"
    )
    pha.add_argument("--no-oracle", action="store_true", help="theory only (instant)")
    pha.add_argument("--quiet", action="store_true", help="no progress bar")


def _horizon_schedule(args: argparse.Namespace) -> object:
    """The schedule of a horizon diagram from ``--schedule``, ``--eps0-2`` and ``--rate``."""
    from bounds import ConstantSchedule, GeometricSchedule, PowerLawSchedule

    eps = 0.01 if args.eps0_2 is None else args.eps0_2
    if args.schedule == "constant":
        if args.rate is not None:
            raise UsageError("--rate applies to --schedule geometric or power-law")
        return ConstantSchedule(eps)
    if args.rate is None:
        raise UsageError(f"--schedule {args.schedule} needs --rate (r of eps_0^2 r^i, or p)")
    if args.schedule == "geometric":
        return GeometricSchedule(eps, args.rate)
    return PowerLawSchedule(eps, args.rate)


def run(args: argparse.Namespace) -> int:
    from .._phase import phase_diagram

    if args.kind != "horizon" and (args.schedule is not None or args.rate is not None):
        raise UsageError(f"--schedule and --rate apply to --kind horizon, not {args.kind}")
    if args.kind == "floor" and args.eps0_2 is not None:
        raise UsageError("--eps0-2 has no effect with --kind floor (the axis is eps^2 itself)")
    if args.kind == "limit":
        return _run_limit(args)
    out = out_folder(args)
    try:
        kwargs: dict[str, object] = {}
        if args.kind == "horizon":
            args.schedule = args.schedule or "constant"
            kwargs["schedule"] = _horizon_schedule(args)
        elif args.eps0_2 is not None:
            kwargs["eps0_2"] = args.eps0_2
        diagram = phase_diagram(
            args.kind,
            points=args.points,
            horizon=args.generations,
            c2=args.c2,
            C_bias=args.C_bias,
            oracle=not args.no_oracle,
            bias=args.bias,
            progress=None if args.quiet else Progress(name="phase", unit="grid points"),
            **kwargs,
        )
    except ValueError as exc:  # the library's validation errors
        raise UsageError(str(exc)) from exc
    paths = diagram.save(out, format=args.format)
    ph = diagram.summary()
    print(f"wrote {', '.join(str(p) for p in paths)}")
    if args.no_oracle:
        return 0
    print(
        f"additive Thm 4.2 bound (c2 = {args.c2:g}, C_bias = {args.C_bias:g}) exceeded by the "
        f"oracle at {ph['exceeded']} of {ph['claimed']} summable, perturbative points"
        + (
            f"; largest D_N / bound {ph['max_ratio']:.3g} at alpha = {ph['alpha']:.3g}; "
            f"C_bias {ph['C_bias_needed']:.3g} would restore it"
            if ph["exceeded"]
            else ""
        )
    )
    return 0


def _run_limit(args: argparse.Namespace) -> int:
    """``--kind limit``: the limit law of early stopping over alpha x t0 (its own axes)."""
    from .._phase import phase_diagram

    if args.no_oracle or args.eps0_2 is not None:
        raise UsageError("--no-oracle and --eps0-2 do not apply to --kind limit (axes alpha, t0)")
    out = out_folder(args)
    try:
        diagram = phase_diagram(
            "limit",
            points=args.points,
            progress=None if args.quiet else Progress(name="phase", unit="rows"),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    paths = diagram.save(out, format=args.format)
    s = diagram.summary()
    print(f"wrote {', '.join(str(p) for p in paths)}")
    print(
        f"limit law of N(0, 1/2) (THEORY.md §8): chi2(p_inf || p) infinite at {s['infinite']} "
        f"of {s['points']} points (where (1 - alpha)^2 e^(t0/2) >= 1); largest finite chi2 "
        f"{s['max_finite_chi2']:.4g}; W2(p_inf, p) from {s['w2_min']:.3g} to {s['w2_max']:.3g}"
    )
    return 0
