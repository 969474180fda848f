"""The ``diffusion-collapse`` command line.

Subcommands:

* ``verify [--profile quick|thorough] [--seed N] [--out DIR]`` -- every statement of THEORY.md
  §4 and §7 checked on curated and drawn oracle instances; prints the table, writes
  ``report.md``, ``report.json`` and figures. Exit 0 when every statement behaves as documented
  (the literal Thm 4.2 display failing included), 1 on an unexpected violation.
* ``phase [--kind floor|geometric|power-law|horizon] [--out DIR] [--format png|svg|pdf]`` --
  a regime phase diagram (:func:`verification.phase_diagram`): writes the figure and a CSV of
  its tidy data, prints where the oracle exceeds the additive Thm 4.2 bound. The horizon
  diagram takes ``--schedule constant|geometric|power-law``, ``--eps0-2`` and ``--rate``.
* ``bound NAME --param value ...`` -- evaluate any bound of :mod:`bounds`
  (``bound NAME --help`` lists its parameters).
* ``oracle CONFIG.toml`` -- one generation or a recursion from a small TOML file (format in
  ``diffusion-collapse oracle --help``; defaults as in the Python API); malformed configs get
  an error naming the field.
* ``demo`` -- worked examples of the oracle's exact divergences (THEORY.md §5–§6).
* ``divergence P Q`` -- chi-square, KL (and W2 for Gaussians) between two laws given as JSON.

Output. ``--json`` prints valid JSON: infinities are the strings ``"inf"`` / ``"-inf"`` and a
field that does not apply is ``null``. Commands that write files write them as one set (staged,
then moved into place), and check the output folder before any work.

Exit status: 0 on success; 1 on an unexpected violation (``verify``) or a computation that
failed (one line on stderr); 2 on bad usage (one-line message); 130 when interrupted (Ctrl-C).
No input produces a traceback; ``DIFFUSION_COLLAPSE_DEBUG=1`` shows it for an internal error.

The module imports nothing heavy: each command imports what it needs when it runs, so
``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from ._cli_common import PROG, ComputationError, UsageError, finite_float, int_at_least, version

__all__ = ["build_parser", "main"]

_seed = int_at_least(0)

#: kinds and figure formats of the phase diagrams (also in verification._phase; the test
#: suite checks that they agree, so that --help need not import the oracle)
KINDS = ("floor", "geometric", "power-law", "horizon")
FORMATS = ("png", "svg", "pdf")


def _command(module: str, name: str) -> str:
    return f"{module}:{name}"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    from ._cli_bound import BOUND_NAMES
    from ._cli_oracle import ORACLE_HELP
    from ._cli_runs import HORIZON_SCHEDULES

    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Bounds, an exact Gaussian oracle and a verifier for error propagation and model "
            "collapse in diffusion models (Khelifa, Turner, Venkataramanan, ICML 2026)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="worked examples of exact (and estimated) divergences")
    demo.add_argument("--json", action="store_true", help="machine-readable output")
    demo.add_argument("--seed", type=_seed, default=0, help="seed of the Monte Carlo examples")
    demo.set_defaults(func=_command("_cli_laws", "cmd_demo"))
    div = sub.add_parser("divergence", help="chi2, KL (and W2) between two laws given as JSON")
    from ._cli_common import LAW_HELP

    div.add_argument("p", metavar="P", help=LAW_HELP)
    div.add_argument("q", metavar="Q", help=LAW_HELP)
    div.add_argument("--json", action="store_true", help="machine-readable output")
    div.add_argument("--seed", type=_seed, default=0, help="seed for Monte Carlo estimates")
    div.add_argument(
        "--n-samples",
        type=int_at_least(2),
        default=200_000,
        help="Monte Carlo sample size (dimension > 2 with a mixture Q)",
    )
    div.set_defaults(func=_command("_cli_laws", "cmd_divergence"))
    ver = sub.add_parser(
        "verify", help="check every statement against the oracle; write report.md/json, figures"
    )
    ver.add_argument(
        "--profile",
        choices=("quick", "thorough"),
        default="quick",
        help="quick (~1 min) or thorough (~15 min on 2 cores)",
    )
    ver.add_argument("--seed", type=_seed, default=0, help="seed of the drawn instances")
    ver.add_argument("--out", default="verification-report", help="output folder")
    ver.add_argument("--quiet", action="store_true", help="no progress bar")
    ver.set_defaults(func=_command("_cli_runs", "cmd_verify"))
    pha = sub.add_parser(
        "phase",
        help="regime phase diagram: theory contours and the oracle's exact D (figure + CSV)",
        description=(
            "Grid over the fresh-data fraction alpha and one schedule parameter: regions "
            "coloured by regime, contours of the additive Thm 4.2 bound c2 S_N + C_bias, and "
            "the oracle's exact D_N at the same levels. Writes phase-KIND.FORMAT and "
            "phase-KIND.csv."
        ),
    )
    pha.add_argument(
        "--kind",
        choices=KINDS,
        default="geometric",
        help="second axis: error floor eps^2, decay rate r, exponent p, or generation N",
    )
    pha.add_argument("--out", default="phase-diagrams", help="output folder")
    pha.add_argument("--format", choices=FORMATS, default="png")
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
    pha.set_defaults(func=_command("_cli_runs", "cmd_phase"))
    bnd = sub.add_parser(
        "bound",
        help="evaluate a bound: bound NAME --param value ... (lists as 0.1,0.2)",
        description=f"NAME is one of: {', '.join(BOUND_NAMES)}. 'bound NAME --help' lists its "
        "parameters.",
        add_help=False,
    )
    bnd.add_argument("-h", "--help", action="store_true", dest="show_help", help="this help")
    bnd.add_argument("name", metavar="NAME", nargs="?")
    bnd.add_argument("--json", action="store_true", help="machine-readable output")
    bnd.add_argument("params", nargs=argparse.REMAINDER, help="--param value pairs")
    bnd.set_defaults(func=_command("_cli_bound", "cmd_bound"))
    orc = sub.add_parser(
        "oracle",
        help="run one generation or a recursion from a TOML config",
        description=ORACLE_HELP,
    )
    orc.add_argument("config", metavar="CONFIG.toml")
    orc.add_argument("--json", action="store_true", help="machine-readable output")
    orc.set_defaults(func=_command("_cli_oracle", "cmd_oracle"))
    return parser


def _fail(message: str, code: int) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (module docstring)."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        module, name = args.func.split(":")
        fn = getattr(importlib.import_module(f"verification.{module}"), name)
        return int(fn(args))
    except UsageError as exc:
        return _fail(f"error: {exc}", 2)
    except KeyboardInterrupt:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the exit
        return _fail("interrupted", 130)
    except ComputationError as exc:
        return _fail(f"computation failed: {exc}", 1)
    except (ArithmeticError, ValueError, OSError, RuntimeError) as exc:
        # valid input that could not be computed (the library's announced limits, an ODE
        # solver that gave up, a file system that refused a write)
        return _fail(f"computation failed: {type(exc).__name__}: {exc}", 1)
    except Exception as exc:  # an internal error: one line unless asked for the traceback
        if os.environ.get("DIFFUSION_COLLAPSE_DEBUG"):
            raise
        return _fail(
            f"internal error: {type(exc).__name__}: {exc} (please report it; "
            "DIFFUSION_COLLAPSE_DEBUG=1 shows the traceback)",
            1,
        )
