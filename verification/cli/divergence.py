"""``diffusion-collapse divergence P Q``: chi2, KL (and W2) between two laws given as JSON."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import LAW_HELP, UsageError, div_record, int_at_least, parse_law

HELP = "chi2, KL (and W2) between two laws given as JSON"


def add_parser(sub: Any) -> None:
    div = sub.add_parser("divergence", help=HELP)
    div.add_argument("p", metavar="P", help=LAW_HELP)
    div.add_argument("q", metavar="Q", help=LAW_HELP)
    div.add_argument("--json", action="store_true", help="machine-readable output")
    div.add_argument(
        "--seed", type=int_at_least(0), default=0, help="seed for Monte Carlo estimates"
    )
    div.add_argument(
        "--n-samples",
        type=int_at_least(2),
        default=200_000,
        help="Monte Carlo sample size (dimension > 2 with a mixture Q)",
    )


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from gaussian_oracle import Gaussian, OracleValueError, chi2, kl, w2

    from .._output import dumps

    p, q = parse_law("P", args.p), parse_law("Q", args.q)
    if p.dim != q.dim:
        raise UsageError(f"P has dimension {p.dim} and Q has dimension {q.dim}; they must match")
    rng = np.random.default_rng(args.seed)
    try:
        out: dict[str, Any] = {
            "chi2": div_record(chi2(p, q, n_samples=args.n_samples, rng=rng)),
            "kl": div_record(kl(p, q, n_samples=args.n_samples, rng=rng)),
        }
    except OracleValueError as exc:
        raise UsageError(str(exc)) from exc
    if isinstance(p, Gaussian) and isinstance(q, Gaussian):
        out["w2"] = {"value": w2(p, q), "abs_error": 0.0, "method": "closed-form", "exact": True}
    if args.json:
        print(dumps(out, indent=2))
        return 0
    for name, rec in out.items():
        err = "" if rec["exact"] else f" ± {rec['abs_error']:.2g}"
        reason = f"  ({rec['reason']})" if rec.get("reason") else ""
        print(f"{name:5s} {rec['value']}{err}  [{rec['method']}]{reason}")
    return 0
