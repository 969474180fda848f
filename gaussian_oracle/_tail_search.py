"""Numerical helpers of the chi-square finiteness rule (private; the rule is in
:func:`gaussian_oracle.chi2_tail_check`): the whitened test of case 1, the common eigenbasis
of case 3, the exact 2-D scan of case 4, and the cutting planes and witness search of cases
5-6.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog, minimize

from ._errors import FinitenessUndecidedError
from ._validation import FloatArray

_COMMUTE_RTOL = 1e-10


def _commuting_basis(mats: FloatArray) -> FloatArray | None:
    """Orthogonal ``U`` diagonalising every matrix of the stack, or None if they do not commute."""
    d = mats.shape[-1]
    norms = np.linalg.norm(mats, ord=2, axis=(1, 2))
    coef = 1.0 + np.sqrt(2.0) * np.arange(1, len(mats) + 1) % 1.0  # generic positive weights
    combo = np.einsum("k,kij->ij", coef / norms, mats)
    _, basis = np.linalg.eigh(0.5 * (combo + combo.T))
    rot = np.einsum("ji,kjl,lm->kim", basis, mats, basis)
    off = rot - np.einsum("kii,ij->kij", rot, np.eye(d))
    if np.all(np.max(np.abs(off), axis=(1, 2)) <= _COMMUTE_RTOL * norms):
        return basis
    return None


def _lp_min_max(coeffs: FloatArray) -> tuple[float, FloatArray]:
    """``min_{lam in simplex} max_l coeffs[l] . lam``; returns value and minimiser.

    Solved on ``coeffs / max |coeffs|`` (the minimiser and the sign do not change; the value
    scales back), so precisions of any magnitude stay within the solver's range."""
    unit = float(np.max(np.abs(coeffs)))
    if unit == 0.0 or not np.isfinite(unit):
        unit = 1.0
    value, lam = _lp_min_max_unit(coeffs / unit)
    return value * unit, lam


def _lp_min_max_unit(coeffs: FloatArray) -> tuple[float, FloatArray]:
    n_l, d = coeffs.shape
    c = np.zeros(d + 1)
    c[-1] = 1.0
    a_ub = np.hstack([coeffs, -np.ones((n_l, 1))])
    a_eq = np.hstack([np.ones((1, d)), np.zeros((1, 1))])
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=np.zeros(n_l),
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=[(0, None)] * d + [(None, None)],
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - a bounded feasible LP always solves
        raise FinitenessUndecidedError(f"linear program of the tail rule failed: {res.message}")
    return float(res.fun), np.asarray(res.x[:d])


def _circle_min(b: FloatArray) -> tuple[float, FloatArray]:
    """Exact ``min_{|u|=1} max_l u^T B_l u`` in two dimensions."""
    a0 = 0.5 * (b[:, 0, 0] + b[:, 1, 1])
    a1 = 0.5 * (b[:, 0, 0] - b[:, 1, 1])
    a2 = b[:, 0, 1]
    cands = [np.arctan2(-a2, -a1)]
    i, j = np.triu_indices(len(b), 1)
    da, db, dc = a0[i] - a0[j], a1[i] - a1[j], a2[i] - a2[j]
    r = np.hypot(db, dc)
    ok = (r > 0) & (np.abs(da) <= r)
    psi = np.arctan2(dc[ok], db[ok])
    ang = np.arccos(np.clip(-da[ok] / r[ok], -1.0, 1.0))
    cands += [psi + ang, psi - ang]
    phi = np.concatenate(cands)
    env = np.max(a0[:, None] + a1[:, None] * np.cos(phi) + a2[:, None] * np.sin(phi), axis=0)
    k = int(np.argmin(env))
    theta = 0.5 * phi[k]
    return float(env[k]), np.array([np.cos(theta), np.sin(theta)])


#: (components of p) x (components of q) x d x d entries per block of the whitened test
_WHITE_BUDGET = 2_000_000


def _whitened_top(chol_p: FloatArray, cinv_q: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Top singular value and left singular vector of ``A = L_l^{-1} L_j`` for every ``(j, l)``.

    ``A A^T = L_l^{-1} S_j L_l^{-T}`` is ``S_j`` whitened by ``S_l``; its top eigenvalue is the
    square of the returned value (not formed: it may exceed float64 where the value does not).
    Computed in blocks of components of ``p`` (shapes ``(K_p, K_q)`` and ``(K_p, K_q, d)``).
    """
    kp, d = chol_p.shape[0], chol_p.shape[-1]
    kq = cinv_q.shape[0]
    top = np.empty((kp, kq))
    vec = np.empty((kp, kq, d))
    rows = max(1, _WHITE_BUDGET // max(1, kq * d * d))
    for start in range(0, kp, rows):
        block = slice(start, min(kp, start + rows))
        a = cinv_q[None] @ chol_p[block][:, None]
        u, sv, _ = np.linalg.svd(a)
        top[block], vec[block] = sv[..., 0], u[..., :, 0]
    return top, vec


def _envelope(b: FloatArray, u: FloatArray) -> float:
    u = u / np.linalg.norm(u)
    return float(np.max(np.einsum("i,lij,j->l", u, b, u)))


def _max_lambda_min(b: FloatArray, tol: float) -> tuple[float, float, list[FloatArray]]:
    """Cutting planes for ``max_{mu in simplex} lambda_min(sum mu_l B_l)``.

    Returns ``(lower, upper, directions)``: a certified lower bound, an LP upper bound, and the
    cut directions (candidates for a heavier-tail witness).
    """
    unit = float(np.max(np.abs(b)))  # the solver works on b / unit (signs unchanged)
    if unit == 0.0 or not np.isfinite(unit):
        unit = 1.0
    b, tol = b / unit, tol / unit
    n_l = len(b)
    cuts = [np.linalg.eigh(bl)[1][:, 0] for bl in b]
    cuts.append(np.linalg.eigh(b.mean(axis=0))[1][:, 0])
    cap = float(np.max(np.linalg.eigvalsh(b)[:, -1]))
    lower, upper = -np.inf, np.inf
    for _ in range(300):
        vals = np.array([[u @ bl @ u for bl in b] for u in cuts])  # (n_cuts, n_l)
        c = np.zeros(n_l + 1)
        c[-1] = -1.0
        a_ub = np.hstack([-vals, np.ones((len(cuts), 1))])
        res = linprog(
            c,
            A_ub=a_ub,
            b_ub=np.zeros(len(cuts)),
            A_eq=np.hstack([np.ones((1, n_l)), np.zeros((1, 1))]),
            b_eq=[1.0],
            bounds=[(0, None)] * n_l + [(None, cap)],
            method="highs",
        )
        if res.status != 0:  # pragma: no cover
            break
        upper = min(upper, float(-res.fun))
        mu = np.asarray(res.x[:n_l])
        w, v = np.linalg.eigh(np.einsum("l,lij->ij", mu, b))
        lower = max(lower, float(w[0]))
        if lower > tol or upper < -tol or upper - lower < 0.1 * tol:
            break
        cuts.append(v[:, 0])
    return lower * unit, upper * unit, cuts


def _witness_search(b: FloatArray, starts: list[FloatArray]) -> tuple[float, FloatArray]:
    """Local search for ``u`` minimising ``max_l u^T B_l u`` on the sphere (epigraph SLSQP)."""
    best_val, best_u = np.inf, starts[0]
    for u0 in starts:
        val = _envelope(b, u0)
        if val < best_val:
            best_val, best_u = val, u0 / np.linalg.norm(u0)
    for u0 in sorted(starts, key=lambda u: _envelope(b, u))[:8]:
        x0 = np.append(u0 / np.linalg.norm(u0), _envelope(b, u0))
        cons = [
            {"type": "ineq", "fun": lambda x, bl=bl: x[-1] - x[:-1] @ bl @ x[:-1]} for bl in b
        ] + [{"type": "eq", "fun": lambda x: x[:-1] @ x[:-1] - 1.0}]
        res = minimize(
            lambda x: x[-1],
            x0,
            method="SLSQP",
            constraints=cons,
            options={"maxiter": 200, "ftol": 1e-14},
        )
        val = _envelope(b, res.x[:-1])
        if val < best_val:
            best_val, best_u = val, res.x[:-1] / np.linalg.norm(res.x[:-1])
    return best_val, best_u
