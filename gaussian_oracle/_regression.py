"""Observability by regression of the Girsanov martingale on endpoint features (private).

``eta = Var(E[M | Y_end]) / Var(M)`` (THEORY.md §3). Least squares of ``M`` on features
``f(Y_end)`` estimates the fraction of ``Var M`` explained by the projection of
``E[M | Y_end]`` onto ``span f``, which is **at most** eta (THEORY.md §6, "Estimating eta by
regression"). What the number is depends on the family:

* ``quadratic`` (``1, y_i, y_i y_j``): contains ``E[M | Y_end] = d/deps log p_hat_eps`` when
  the data is Gaussian and the error affine (the endpoint family is Gaussian), so the fit is a
  consistent **estimate**; for mixture data or non-affine errors it is a **lower bound**.
* ``spline`` (dimension 1): cubic B-splines with interior knots at quantiles of the endpoint,
  fitted for ``2, 4, 8, ...`` knots as long as the paths allow (:data:`PATHS_PER_FEATURE`).
  The family grows with the number of paths, so the last fit is a consistent **estimate** when
  the sequence has settled (its last two values agree within their standard errors); when it
  has not, the last value is reported as a **lower bound**.

The explained fraction is the adjusted coefficient of determination on all paths (the
adjustment removes the ``O(p / n)`` in-sample optimism); its standard error is the delta
method applied to the ratio of mean squared residual to mean squared deviation. A fit with
fewer than :data:`PATHS_PER_FEATURE` paths per feature is refused: such a fit interpolates the
noise, and with no residual degrees of freedom it would report ``eta = 1 +- 0``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import BSpline

from ._errors import OracleDomainError
from ._validation import FloatArray

#: paths required per regression feature: at least three residual degrees of freedom per
#: fitted coefficient, so the adjusted R^2 and its delta-method standard error are meaningful
PATHS_PER_FEATURE = 4
#: largest number of interior spline knots tried (68 features; the sequence settles well
#: before on smooth conditional expectations, and more knots only add variance)
MAX_KNOTS = 64
#: standard errors within which the last two values of the spline sequence must agree
SETTLE_SE = 2.0
#: the feature families :func:`simulate_reverse` accepts
ETA_FEATURES = ("auto", "quadratic", "spline")


@dataclass(frozen=True, slots=True)
class Fit:
    """Explained fraction of ``Var M`` on one feature family, with its standard error."""

    value: float
    se: float
    n_features: int


def quadratic_features(y: FloatArray) -> FloatArray:
    """``1, y_i, y_i y_j (i <= j)``: ``1 + d + d (d + 1) / 2`` columns."""
    n, d = y.shape
    i, j = np.triu_indices(d)
    return np.hstack([np.ones((n, 1)), y, y[:, i] * y[:, j]])


def n_quadratic(d: int) -> int:
    """Number of quadratic features in dimension ``d``."""
    return 1 + d + d * (d + 1) // 2


def spline_knots(x: FloatArray, k: int) -> FloatArray:
    """Knot vector of cubic B-splines with ``k`` interior knots at quantiles of ``x``."""
    qs = np.quantile(x, np.linspace(0.0, 1.0, k + 2))
    return np.concatenate([[qs[0]] * 3, qs, [qs[-1]] * 3])


def spline_features(x: FloatArray, knots: FloatArray) -> FloatArray:
    """Cubic B-spline design matrix (points clipped to the knot range): ``k + 4`` columns.

    The splines reproduce every cubic polynomial on the range, so the family contains the
    quadratic one.
    """
    clipped = np.clip(x, knots[0], knots[-1])
    return np.asarray(BSpline.design_matrix(clipped, knots, 3).toarray())


def check_paths(n_paths: int, n_features: int, what: str) -> None:
    """Refuse a regression with fewer than :data:`PATHS_PER_FEATURE` paths per feature."""
    need = PATHS_PER_FEATURE * n_features
    if n_paths < need:
        raise OracleDomainError(
            f"n_paths={n_paths} is too few for the eta regression on {what}: it needs at least "
            f"{PATHS_PER_FEATURE} x {n_features} = {need} paths (a smaller fit has too few "
            "residual degrees of freedom and would report eta near 1 with no error)"
        )


def explained(m: FloatArray, phi: FloatArray) -> Fit:
    """Adjusted R^2 of ``m`` on the columns of ``phi`` and its delta-method standard error.

    With residuals ``r_i`` and centred values ``c_i = m_i - mean(m)``, the estimate is
    ``1 - [sum r^2 / (n - p)] / [sum c^2 / (n - 1)]`` and the standard error that of the ratio
    ``mean(r^2) / mean(c^2)`` (first-order delta method). ``p`` is the numerical rank of
    ``phi``. Zero variance of ``m`` (no error along the paths) explains nothing: 0 +- 0.
    """
    n = m.shape[0]
    beta, _, rank, _ = np.linalg.lstsq(phi, m, rcond=None)
    resid = m - phi @ beta
    centred = m - m.mean()
    a, b = resid * resid, centred * centred
    mean_b = float(np.mean(b))
    if mean_b == 0.0:
        return Fit(0.0, 0.0, int(rank))
    ratio = float(np.mean(a)) / mean_b
    dof = (n - 1) / (n - int(rank))
    value = 1.0 - ratio * dof
    se = dof * float(np.std(a - ratio * b, ddof=1)) / (mean_b * np.sqrt(n))
    return Fit(float(value), float(se), int(rank))


def spline_sequence(m: FloatArray, x: FloatArray) -> tuple[list[int], list[Fit]]:
    """Fits on ``2, 4, 8, ...`` interior knots while the paths allow; ``(knots, fits)``."""
    n = m.shape[0]
    sizes = []
    k = 2
    while k <= MAX_KNOTS and PATHS_PER_FEATURE * (k + 4) <= n:
        sizes.append(k)
        k *= 2
    fits = [explained(m, spline_features(x, spline_knots(x, k))) for k in sizes]
    return sizes, fits


def settled(fits: list[Fit]) -> bool:
    """Whether the last two fits agree within :data:`SETTLE_SE` combined standard errors."""
    if len(fits) < 2:
        return False
    a, b = fits[-2], fits[-1]
    return abs(b.value - a.value) <= SETTLE_SE * float(np.hypot(a.se, b.se))


def family(choice: str, d: int, exact_limit: bool) -> str:
    """The feature family for ``eta_features=choice`` in dimension ``d`` (module docstring)."""
    if choice not in ETA_FEATURES:
        raise OracleDomainError(f"eta_features={choice!r} must be one of {', '.join(ETA_FEATURES)}")
    if choice == "spline" and d != 1:
        raise OracleDomainError(f"eta_features='spline' needs dimension 1 (data has dimension {d})")
    if choice == "auto":
        return "quadratic" if exact_limit or d > 1 else "spline"
    return choice


@dataclass(frozen=True, slots=True)
class EtaFit:
    """eta on the finest level, labelled, with the same features fitted on the coarse levels."""

    value: float
    se: float
    bias: float  # Q_2h - Q_h: the first-order estimate of value minus its h -> 0 limit
    kind: str
    note: str
    sequence: tuple[tuple[int, float, float], ...]  # (features, value, se) of the spline fits
    levels: list[float]  # the value on every level, finest first


def eta_fit(family: str, exact_limit: bool, levels: list[tuple[FloatArray, FloatArray]]) -> EtaFit:
    """Fit eta from ``(M, Y_end)`` of each coupled discretisation, finest first."""
    m, y = levels[0]
    seq: tuple[tuple[int, float, float], ...] = ()
    feats: Callable[[FloatArray], FloatArray]
    if family == "quadratic":
        feats = quadratic_features
        fit = explained(m, feats(y))
        kind = "estimate" if exact_limit else "lower-bound"
        note = f"regression on {fit.n_features} quadratic features of the ideal endpoint" + (
            " (well specified: Gaussian data, affine error)"
            if exact_limit
            else ": they cannot represent E[M | Y_end] for mixture data or non-affine errors, "
            "so this is a lower bound on eta"
        )
    else:
        x = y[:, 0]
        sizes, fits = spline_sequence(m, x)
        seq = tuple((k + 4, f.value, f.se) for k, f in zip(sizes, fits, strict=True))
        knots = spline_knots(x, sizes[-1])

        def feats(points: FloatArray) -> FloatArray:
            return spline_features(points[:, 0], knots)

        fit = fits[-1]
        ok = settled(fits)
        kind = "estimate" if ok else "lower-bound"
        trail = ", ".join(f"{v:.4f}" for _, v, _ in seq)
        note = (
            f"regression on cubic B-splines of the ideal endpoint, {len(seq)} basis sizes up to "
            f"{fit.n_features} features: {trail}; "
            + (
                "the last two agree within their standard errors (settled: consistent estimate)"
                if ok
                else "not settled, so the last value is a lower bound on eta"
            )
        )
    values = [fit.value] + [explained(mm, feats(yy)).value for mm, yy in levels[1:]]
    bias = values[1] - values[0] if len(values) > 1 else 0.0  # Q_2h - Q_h = c h to first order
    return EtaFit(fit.value, fit.se, bias, kind, note, seq, values)
