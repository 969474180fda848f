"""The recursion checks that compare one step with the next: Lemma F.1 and the lower
recursion (both readings), and the helpers the accumulated checks share."""

from __future__ import annotations

from typing import Any

import numpy as np

import bounds as B

from ._checks import Constants, Outcome, check
from ._comparators import EXACT_RTOL, N_SE, identity_margin, relative
from ._instances import RecursionEvaluation
from ._steps import eta_interval, interval, lower_recursion_ideal

K = "[KTV26]"


def _series(traj: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    divs = getattr(traj, name)
    return np.array([d.value for d in divs]), np.array([d.abs_error for d in divs])


@check(
    "lemma-F.1",
    reference=f"Lemma F.1 {K}",
    statement="chi2(q_i || p) = (1 - alpha)^2 D_i",
    kind="recursion",
    comparator="identity",
)
def _lemma_f1(ev: RecursionEvaluation, k: Constants) -> Outcome:
    traj = ev.trajectory
    d = traj.D_values
    direct = np.array([r.value for r in traj.refreshed])  # chi2(q_i || p), computed directly
    live = np.isfinite(d)
    res = direct[live] - np.asarray(B.refresh(d[live], traj.alpha))
    worst = float(np.max(np.abs(res) / np.maximum(1.0, d[live]))) if np.any(live) else 0.0
    # both sides are closed forms on the same components: 1e-12 relative leaves 1e4 ulps
    ok = worst <= 1e-12
    return Outcome(
        "holds" if ok else "fails",
        worst,
        1e-12,
        identity_margin(worst, 1e-12),
        1.0,
        note=f"max |chi2(q_i || p) - (1 - alpha)^2 D_i| / max(1, D_i) over {len(d)} generations",
    )


@check(
    "lower-recursion",
    reference=f"lower recursion {K}",
    statement="D_(i+1) + (1 - alpha)^2 D_i >= alpha I_i / 2",
    kind="recursion",
    comparator="lower",
    reading="training",
)
def _lower_recursion(ev: RecursionEvaluation, k: Constants) -> Outcome:
    traj = ev.trajectory
    d = traj.D_values
    i_val, i_err = _series(traj, "I")
    a = traj.alpha
    lhs = d[1:] + (1 - a) ** 2 * d[:-1]
    # B.next_lower(D_i, I_i, alpha) = alpha I_i / 2 - (1 - alpha)^2 D_i, moved to this side so
    # that an infinite D_i does not meet inf - inf
    rhs = np.asarray(B.next_lower(np.zeros_like(i_val), i_val, a))
    slack = a * N_SE * i_err / 2.0  # quadrature / sampling error of I_i
    with np.errstate(invalid="ignore"):
        margins = np.where(np.isfinite(lhs), lhs - (rhs - slack), np.inf)
    j = int(np.argmin(margins))
    live = rhs > 0
    tight = float(np.max(rhs[live] / lhs[live])) if np.any(live & np.isfinite(lhs)) else 0.0
    status = "holds" if margins[j] >= -EXACT_RTOL * max(rhs[j], 1e-300) else "fails"
    if not np.any(live):
        status = "vacuous"
    return Outcome(
        status,
        float(lhs[j]),
        float(rhs[j]),
        relative(float(margins[j]), float(lhs[j]), float(rhs[j])),
        min(tight, 1.0),
        note=f"D_(i+1) + (1-alpha)^2 D_i >= alpha I_i / 2 for i < {len(rhs)}; worst at i = {j}",
    )


@check(
    "lower-recursion-ideal",
    reference=f"lower recursion {K}, vs ideal",
    statement="D_(i+1) + (1 - alpha)^2 D_i >= alpha I_ideal_i / 2",
    kind="recursion",
    comparator="lower",
    expected="reported",
    reading="ideal",
)
def _lower_recursion_ideal(ev: RecursionEvaluation, k: Constants) -> Outcome:
    return lower_recursion_ideal(ev)


def _observables(traj: Any) -> tuple[np.ndarray, np.ndarray]:
    """``eps_star_i^2`` and a lower end for ``eta_i``: N_SE standard errors and the estimated
    discretisation bias below the estimate, or the lower bound itself (quadratic regression on
    a mixture). Every statement that takes ``eta_min`` is monotone increasing in it, so a lower
    end is the safe direction: the hypothesis ``eta_i >= eta_min > 0`` is established when it is
    positive, and the bounds it enters are implied by the true ones."""
    e, _ = _series(traj, "eps_star2")
    return e, np.array([eta_interval(h)[0] for h in traj.eta])


def _run_hypotheses(traj: Any, eta_lo: np.ndarray, alpha: float, d: np.ndarray) -> tuple[str, ...]:
    """Hypotheses of Prop 4.1 and Thm 4.2 that a run can decide: alpha > 0, eta_i bounded
    away from 0 (4 standard errors and the bias below the estimate), perturbative energies
    (their upper ends, errors included, at most 1), and A3 (an infinite D_i certifies that it
    fails)."""
    e = np.array([interval(x)[1] for x in traj.eps_star2])
    out = []
    if not np.all(np.isfinite(d)):
        first = int(np.argmax(~np.isfinite(d)))
        out.append(f"A3: D_i is infinite from generation {first} (chi2 beyond L^2)")
    if alpha == 0.0:
        out.append("alpha > 0")
    if float(np.min(eta_lo)) <= 0.0:
        out.append(
            "eta_i >= eta_min > 0 (some eta_i is 0, or not established: its lower end, 4 s.e. "
            "and the discretisation bias below the estimate or a lower bound, is 0)"
        )
    if float(np.max(e)) > 1.0:
        out.append(f"perturbative: max eps_star_i^2 = {float(np.max(e)):.3g} > 1 (upper end)")
    return tuple(out)
