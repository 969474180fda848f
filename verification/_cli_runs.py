"""``diffusion-collapse verify`` and ``diffusion-collapse phase`` (private).

Both check their output folder before any work (a file in the way, or a folder that cannot be
written, is a usage error at once) and write their files as one staged set
(:class:`verification._output.Staging`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ._cli_common import Progress, UsageError

#: the schedules of ``phase --kind horizon`` (``--eps0-2`` their scale, ``--rate`` r or p)
HORIZON_SCHEDULES = ("constant", "geometric", "power-law")


def _out(args: argparse.Namespace) -> Path:
    from ._errors import VerificationError
    from ._output import check_output_folder

    out = Path(args.out)
    try:
        check_output_folder(out)
    except VerificationError as exc:
        raise UsageError(str(exc)) from exc
    return out


def cmd_verify(args: argparse.Namespace) -> int:
    from ._report import verify

    out = _out(args)  # before the run, not after it
    report = verify(args.profile, seed=args.seed, progress=None if args.quiet else Progress())
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


def cmd_phase(args: argparse.Namespace) -> int:
    from ._phase import phase_diagram

    if args.kind != "horizon" and (args.schedule is not None or args.rate is not None):
        raise UsageError(f"--schedule and --rate apply to --kind horizon, not {args.kind}")
    if args.kind == "floor" and args.eps0_2 is not None:
        raise UsageError("--eps0-2 has no effect with --kind floor (the axis is eps^2 itself)")
    out = _out(args)
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
            progress=None if args.quiet else Progress(name="phase", unit="oracle runs"),
            **kwargs,  # type: ignore[arg-type]
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
