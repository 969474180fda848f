"""Which reading of each per-generation statement holds on the recursions (private).

The per-step checks of :mod:`verification._steps` run each statement against the ideal
endpoint and against the training law ``q_i`` (THEORY.md §1, §6 "Which endpoint"); this module
tallies them for the report and writes the finding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import CHECKS, CheckResult

#: (ideal reading, training reading) pairs of check ids
PAIRS = (
    ("prop-3.3-steps", "prop-3.3-steps-vs-q"),
    ("thm-3.4-steps", "thm-3.4-steps-vs-q"),
    ("lower-recursion-ideal", "lower-recursion"),
)


def readings(results: tuple[CheckResult, ...]) -> list[dict[str, Any]]:
    """One row per check of :data:`PAIRS`: runs, holds, fails and the worst factor (largest
    lhs / rhs of a failing upper bound, rhs / lhs of a failing lower one)."""
    rows = []
    for pair in PAIRS:
        for cid in pair:
            res = [r for r in results if r.check == cid]
            failing = [r for r in res if r.status == "fails"]
            upper = cid.startswith("thm")
            factor = max(
                (
                    (r.lhs / r.rhs if upper else r.rhs / r.lhs)
                    for r in failing
                    if r.rhs > 0 and r.lhs > 0 and np.isfinite(r.lhs) and np.isfinite(r.rhs)
                ),
                default=float("nan"),
            )
            rows.append(
                {
                    "check": cid,
                    "reading": CHECKS[cid].reading,
                    "runs": len(res),
                    "holds": sum(r.status == "holds" for r in res),
                    "fails": len(failing),
                    "worst_factor": factor,
                }
            )
    return rows


def reading_findings(rows: list[dict[str, Any]]) -> list[str]:
    """The report's lines on the two readings (empty without recursions)."""
    by_id = {r["check"]: r for r in rows}
    lines = []
    for ideal_id, training_id, what in (
        ("thm-3.4-steps", "thm-3.4-steps-vs-q", "Thm 3.4 (chi2 <= 4 eps^2 + c eps^4)"),
        ("prop-3.3-steps", "prop-3.3-steps-vs-q", "Prop 3.3 (chi2 >= eta eps^2 / 4 - C eps^4)"),
    ):
        ideal, train = by_id[ideal_id], by_id[training_id]
        if not ideal["runs"]:
            continue
        text = (
            f"- {what} at every step of the recursions: against the ideal endpoint it holds "
            f"on {ideal['holds']} of {ideal['runs']} runs and fails on {ideal['fails']}; "
            f"against the training law q_i (the paper's I_i) it holds on {train['holds']} "
            f"and fails on {train['fails']}"
        )
        if train["fails"] and np.isfinite(train["worst_factor"]):
            text += f", by up to a factor {train['worst_factor']:.3g}"
        if train["fails"] and ideal_id.startswith("thm"):
            text += (
                ". Early stopping alone moves p_hat_(i+1) away from q_i (an exact score gives "
                "I_i > 0 = 4 eps_star^2), so the statement holds for the ideal endpoint "
                "P_t0 q_i that the proofs use, not for the training law the paper writes"
            )
        lines.append(text + ".")
    low_i, low_t = by_id["lower-recursion-ideal"], by_id["lower-recursion"]
    if low_t["runs"]:
        lines.append(
            f"- The lower recursion D_(i+1) + (1-alpha)^2 D_i >= alpha I_i / 2 (exact for "
            f"I_i against q_i): holds on {low_t['holds']} of {low_t['runs']} runs; with "
            f"I_i against the ideal endpoint instead it fails on {low_i['fails']}. Its clean "
            "form combines it with Prop 3.3, which is proved for the other reading."
        )
    return lines
