"""``diffusion-collapse bound NAME --param value ...``: any numeric bound of :mod:`bounds`."""

from __future__ import annotations

import argparse
import inspect
from typing import Any

from ._common import PROG, UsageError

HELP = "evaluate a bound: bound NAME --param value ... (lists as 0.1,0.2)"

#: public functions of :mod:`bounds` that take no numbers and are not offered here (a schedule
#: constructor and the regime classifier, whose inputs are schedule objects)
NOT_NUMERIC = ("as_schedule", "classify_regime")


def bound_names() -> tuple[str, ...]:
    """Every public numeric bound: the functions in ``bounds.__all__`` but
    :data:`NOT_NUMERIC`, in the package's order."""
    import inspect

    import bounds

    return tuple(
        n for n in bounds.__all__ if inspect.isfunction(getattr(bounds, n)) and n not in NOT_NUMERIC
    )


def add_parser(sub: Any) -> None:
    bnd = sub.add_parser(
        "bound",
        help=HELP,
        description="NAME is a public function of the bounds package ('bound --help' lists "
        "them); 'bound NAME --help' lists its parameters.",
        add_help=False,
    )
    bnd.add_argument("-h", "--help", action="store_true", dest="show_help", help="this help")
    bnd.add_argument("name", metavar="NAME", nargs="?")
    bnd.add_argument("--json", action="store_true", help="machine-readable output")
    bnd.add_argument("params", nargs=argparse.REMAINDER, help="--param value pairs")


#: parameters that take a word rather than numbers
_WORDS = {"outside": ("raise", "vacuous")}


def _parse_value(name: str, text: str) -> Any:
    """A number or a comma-separated list of numbers (``float()`` only: no evaluation)."""
    import numpy as np

    if name in _WORDS:
        if text not in _WORDS[name]:
            raise UsageError(f"--{name} {text!r}: must be one of {', '.join(_WORDS[name])}")
        return text
    try:
        parts = [float(x) for x in text.split(",")]
    except ValueError as exc:
        raise UsageError(
            f"--{name} {text!r}: expected a number or numbers separated by commas"
        ) from exc
    return parts[0] if len(parts) == 1 and "," not in text else np.array(parts)


def _help(name: str, fn: Any, accepted: list[str]) -> str:
    doc = inspect.getdoc(fn) or ""
    summary = doc.split("\n\n")[0]
    flags = " ".join(f"--{p} X" for p in accepted)
    return (
        f"usage: {PROG} bound {name} {flags} [--json]\n\n{summary}\n\n"
        "Values: a number, or numbers separated by commas (arrays broadcast);"
        + (" --outside raise|vacuous." if "outside" in accepted else "")
        + f'\nFull docstring: python -c "import bounds; help(bounds.{name})"'
    )


def run(args: argparse.Namespace) -> int:
    import numpy as np

    import bounds as B

    from .._output import dumps

    names = bound_names()
    if args.name is None or (getattr(args, "show_help", False) and not args.params):
        print(
            f"usage: {PROG} bound NAME --param value ... [--json]\n\nNAME is one of: "
            f"{', '.join(names)}.\n'{PROG} bound NAME --help' lists its parameters."
        )
        return 0 if getattr(args, "show_help", False) else 2
    if args.name not in names:
        raise UsageError(f"unknown bound {args.name!r}; choose from {', '.join(names)}")
    fn = getattr(B, args.name)
    sig = inspect.signature(fn)
    accepted = list(sig.parameters)
    items = list(args.params)
    if "-h" in items or "--help" in items:
        print(_help(args.name, fn, accepted))
        return 0
    if "--json" in items:  # also accepted after NAME, among the parameters
        items.remove("--json")
        args.json = True
    values: dict[str, Any] = {}
    while items:
        flag = items.pop(0)
        if not flag.startswith("--") or not items:
            raise UsageError(
                f"bound {args.name}: parameters come as '--name value' pairs; got {flag!r}"
                f" (accepted: {', '.join('--' + p for p in accepted)})"
            )
        key = flag[2:].replace("-", "_")
        if key not in accepted:
            raise UsageError(
                f"bound {args.name}: unknown parameter --{key}; accepted: "
                f"{', '.join('--' + p for p in accepted)}"
            )
        if key in values:
            raise UsageError(f"bound {args.name}: --{key} given twice")
        values[key] = _parse_value(key, items.pop(0))
    missing = [
        p
        for p, v in sig.parameters.items()
        if v.default is inspect.Parameter.empty and p not in values
    ]
    if missing:
        raise UsageError(f"bound {args.name}: missing {', '.join('--' + p for p in missing)}")
    try:
        result = fn(**values)
    except ValueError as exc:
        text = str(exc).replace("Pass outside='vacuous'", "Pass --outside vacuous")
        raise UsageError(f"bound {args.name}: {text}") from exc
    arrays = result if isinstance(result, tuple) else (result,)
    shown = [np.asarray(r) for r in arrays]
    if args.json:
        value: Any = [s.tolist() for s in shown] if isinstance(result, tuple) else shown[0]
        print(dumps({"bound": args.name, "inputs": values, "value": value}))
        return 0
    for s in shown:
        print(np.array2string(s, precision=12) if s.ndim else f"{s.item():.12g}")
    return 0
