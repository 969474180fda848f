"""The ``diffusion-collapse`` command line.

Subcommands:

* ``verify [--profile quick|thorough] [--seed N] [--out DIR]`` -- every statement of THEORY.md
  §4 and §7 checked on curated and drawn oracle instances; prints the table, writes
  ``report.md``, ``report.json`` and figures. Exit 0 when every statement behaves as documented
  (the literal Thm 4.2 display failing included), 1 on an unexpected violation.
* ``phase [--kind floor|geometric|power-law|horizon|limit] [--out DIR] [--format png|svg|pdf]`` --
  a regime phase diagram (:func:`verification.phase_diagram`): writes the figure and a CSV of
  its tidy data, prints where the oracle exceeds the additive Thm 4.2 bound. The horizon
  diagram takes ``--schedule constant|geometric|power-law``, ``--eps0-2`` and ``--rate``.
* ``bound NAME --param value ...`` -- evaluate any bound of :mod:`bounds`
  (``bound NAME --help`` lists its parameters).
* ``oracle CONFIG.toml`` -- one generation or a recursion from a small TOML file (format in
  ``diffusion-collapse oracle --help``; defaults as in the Python API); malformed configs get
  an error naming the field.
* ``protocol [--scale small|paper] [--backend numpy|torch|cupy] [--runs R] [--out DIR]`` -- the
  paper's GMM experiment run literally and along the chain exact closure -> + finite samples ->
  + standard init -> + discretisation (:func:`gaussian_oracle.protocol_gaps`): prints the gap
  tables, writes them with the runs and three figures.
* ``atlas [--family F] [--statement S] [--budget N] [--seed S] [--out DIR]`` -- the constant
  atlas (:func:`verification.atlas`): the largest implicit constants a family requires, with
  the argmax instances as oracle configs and a figure per statement.
* ``demo`` -- worked examples of the oracle's exact divergences (THEORY.md §5–§6).
* ``divergence P Q`` -- chi-square, KL (and W2 for Gaussians) between two laws given as JSON.

Output. ``--json`` prints valid JSON: infinities are the strings ``"inf"`` / ``"-inf"`` and a
field that does not apply is ``null``. Commands that write files write them as one set (staged,
then moved into place), and check the output folder before any work.

Exit status: 0 on success; 1 on an unexpected violation (``verify``) or a computation that
failed (one line on stderr); 2 on bad usage (one-line message); 130 when interrupted (Ctrl-C).
No input produces a traceback; ``DIFFUSION_COLLAPSE_DEBUG=1`` shows it for an internal error.

One module per command (:data:`COMMANDS`). None imports anything heavy: each command imports
what it needs when it runs, and the choices of an option come from the registries
(``verify --profile``: :data:`verification.PROFILES`; ``phase --kind``:
:data:`verification.KINDS`; ``bound NAME``: the public functions of :mod:`bounds`; the
oracle's learners: :data:`gaussian_oracle.LEARNERS`), read when the option is parsed or its
help is shown, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from ._common import PROG, ComputationError, UsageError, version

__all__ = ["COMMANDS", "build_parser", "main"]

#: the subcommands, each a module of this package with ``add_parser(sub)`` and ``run(args)``
#: (a new command is one new module and its name here)
COMMANDS = ("demo", "divergence", "verify", "phase", "bound", "oracle", "protocol", "atlas")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Bounds, an exact Gaussian oracle and a verifier for error propagation and model "
            "collapse in diffusion models (Khelifa, Turner, Venkataramanan, ICML 2026)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        before = set(sub.choices)
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
        for added in set(sub.choices) - before:
            sub.choices[added].set_defaults(func=name)
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
        return int(importlib.import_module(f"{__name__}.{args.func}").run(args))
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
