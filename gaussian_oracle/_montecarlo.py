"""Monte Carlo engine: the ideal and learned reverse SDEs simulated side by side (THEORY.md §1, §3).

Both processes are driven by the same Brownian increments from the same initial draws, with
the Euler–Maruyama scheme in reverse time (weak order 1). Along the ideal paths it accumulates
the Girsanov martingale ``M = int e . dB`` and its quadratic variation ``<M> = int |e|^2 dtau``;
along the learned paths the learned-path energy.

Discretisation bias (Richardson). The standard errors measure only the sampling noise; the
scheme's bias is of order ``h``. With ``richardson=True`` the same Brownian paths also drive two
coarser discretisations (steps ``2h`` and ``4h``, each made by merging consecutive fine steps
and summing their increments), at 1.75x the cost. For every estimate ``Q_h``, ``Q_h - Q_{2h}``
is the first-order Richardson estimate of its bias up to sign (reported as ``bias = Q_{2h} -
Q_h``, an estimate of the value minus its ``h -> 0`` limit, so ``value - bias`` is the
extrapolated value) and ``log2 |Q_{4h} - Q_{2h}| / |Q_{2h} - Q_h|`` the observed weak order
(``weak_order``, reported where the differences stand out of the noise). Quantities that need a
decision (the verifier's hypotheses) should use ``se`` and ``|bias|`` together.

Observability by regression: see :mod:`gaussian_oracle._regression`. ``eta.kind`` says what the
number is: ``"estimate"`` (consistent: quadratic features for Gaussian data with an affine
error; a settled growing spline basis in dimension 1) or ``"lower-bound"`` (a fixed family that
cannot represent ``E[M | Y_end]``, or a spline sequence that has not settled).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from . import _regression as R
from ._diffusion import Diffusion
from ._errors import OracleDomainError, OracleShapeError
from ._estimate import Estimate, Method
from ._law_tools import check_law
from ._laws import Gaussian, GaussianMixture, Law
from ._operations import ou_transition
from ._progress import bar, check_progress
from ._score import reverse_drift
from ._score_errors import AffineError
from ._validation import FloatArray, check_positive_int, check_rng, check_scalar

__all__ = ["McEstimate", "MonteCarloResult", "simulate_reverse"]

#: merge factors of the coupled discretisations (fine, 2h, 4h)
_LEVELS = (1, 2, 4)
KINDS = ("estimate", "lower-bound")


#: the Monte Carlo results are :class:`Estimate` values: ``value``, ``se`` (= ``abs_error``, one
#: standard error), ``bias`` (Richardson estimate of the discretisation bias: value minus its
#: ``h -> 0`` limit; 0 when not estimated), ``kind`` ("estimate" or "lower-bound": eta by
#: regression on a family that cannot represent ``E[M | Y_end]``) and ``note`` (= ``reason``)
McEstimate = Estimate


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Estimates from :func:`simulate_reverse`, each with its standard error and bias.

    Attributes
    ----------
    eps_star2, eps_hat2 : McEstimate
        Score energy along the ideal and the learned paths.
    learned_mean, learned_cov, ideal_mean, ideal_cov : McEstimate
        Endpoint moments (forward time ``t0``).
    eta : McEstimate
        Observability by regression of ``M`` on features of the ideal endpoint; ``eta.kind``
        says whether it is a consistent estimate or a lower bound, ``eta.note`` how it was made.
    eta_exact_in_limit : bool
        True when quadratic features are well specified (Gaussian data, affine error).
    eta_sequence : tuple of (int, float, float)
        ``(features, value, se)`` of every fit of the growing spline basis (empty otherwise).
    weak_order : dict of str to float
        Observed weak order of ``eps_star2``, ``eps_hat2`` and ``eta`` where the coupled
        differences are resolved above the noise (empty without ``richardson``).
    n_paths, n_steps : int
    """

    eps_star2: McEstimate
    eps_hat2: McEstimate
    learned_mean: McEstimate
    learned_cov: McEstimate
    ideal_mean: McEstimate
    ideal_cov: McEstimate
    eta: McEstimate
    eta_exact_in_limit: bool
    n_paths: int
    n_steps: int
    eta_sequence: tuple[tuple[int, float, float], ...] = ()
    weak_order: dict[str, float] = field(default_factory=dict)


@dataclass
class _Level:
    """State of one coupled discretisation (merge factor ``f`` of the fine steps): both
    processes as one array ``y`` (ideal paths first, learned below), so that every score and
    error evaluation is one call."""

    f: int
    y: FloatArray
    m: FloatArray
    qv_star: FloatArray
    qv_hat: FloatArray
    pending: tuple[FloatArray, ...] = ()
    db: FloatArray = field(default_factory=lambda: np.zeros(0))
    steps: int = 0

    y_star = property(lambda self: self.y[: self.y.shape[0] // 2])  # views of y
    y_hat = property(lambda self: self.y[self.y.shape[0] // 2 :])


def _mean_se(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    return np.mean(x, axis=0), np.std(x, axis=0, ddof=1) / np.sqrt(x.shape[0])


def _cov_se(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Covariance and per-entry standard errors (sd of the products ``c_i c_j`` of centred
    coordinates, by two products, not an ``(n, d, d)`` array; var >= mean^2 when Gaussian)."""
    n, c = x.shape[0], x - x.mean(axis=0)
    sums, sq = c.T @ c, c * c  # sums of c_i c_j and of c_i^2 c_j^2 (below)
    var = np.maximum(sq.T @ sq - sums * sums / n, 0.0) / (n - 1)
    return 0.5 * (sums + sums.T) / (n - 1), np.sqrt(var) / np.sqrt(n)


def _check_error_output(
    out: Any, n: int, d: int, s: float, dtype: Any
) -> tuple[FloatArray, FloatArray]:
    """The error's output in ``dtype`` and its squared norms per row (finiteness checked
    through their sum; entry by entry only where that overflows)."""
    arr = np.asarray(out).astype(dtype, copy=False)
    shaped = arr.shape == (n, d)
    with np.errstate(over="ignore", invalid="ignore"):  # a sum of finite entries may overflow
        sq = np.einsum("ni,ni->n", arr, arr) if shaped else np.zeros(0, dtype)
        quick = shaped and bool(np.isfinite(np.sum(sq)))
    if not quick and (not shaped or not np.all(np.isfinite(arr))):
        raise OracleShapeError(
            f"error(y, s) at s={s!r} returned an array of shape {arr.shape}"
            f"{'' if np.all(np.isfinite(arr)) else ' with non-finite entries'}; "
            f"it must be finite with shape ({n}, {d}), like the points y it was given (the "
            "ideal and the learned paths together, one row per point)"
        )
    return arr, sq


def _order(values: list[float], resolved: bool) -> float | None:
    """Observed weak order from three coupled levels, when the differences are resolved."""
    if len(values) < 3 or not resolved:
        return None
    d1, d2 = values[0] - values[1], values[1] - values[2]
    if d1 == 0.0 or d2 == 0.0:
        return None
    return float(np.log2(abs(d2) / abs(d1)))


def simulate_reverse(
    data: Law,
    diffusion: Diffusion,
    error: AffineError | Callable[[FloatArray, float], FloatArray],
    *,
    n_paths: int,
    n_steps: int,
    rng: np.random.Generator,
    scale: float = 1.0,
    richardson: bool = True,
    eta_features: str = "auto",
    precision: str = "float64",
    progress: bool | None = None,
) -> MonteCarloResult:
    r"""Simulate the ideal and learned reverse SDEs and estimate the theory's quantities.

    Reverse time :math:`\tau \in [0, T - t_0]`, forward time :math:`s = T - \tau`:

    .. math::
        dY^\ast = [\tfrac12 Y^\ast + \nabla\log q_s(Y^\ast)]\,d\tau + dB, \qquad
        d\hat Y = [\tfrac12 \hat Y + \nabla\log q_s(\hat Y)
        + \varepsilon\, e(\hat Y, s)]\,d\tau + dB

    with the exact score of :math:`q_s = P_s(\mathrm{data})` (mixtures included), started from
    the same draws of N(0, I) (``init="standard"``) or of :math:`q_T` (``"exact"``).

    Parameters
    ----------
    data : Gaussian or GaussianMixture
    diffusion : Diffusion
    error : AffineError or callable ``(y (n, d), s) -> (n, d)``
        Score error (learned minus true score); multiplied by ``scale``.
    n_paths : int, >= 2
        Paths; the eta regression needs 4 per feature (``4 (1 + d + d (d + 1) / 2)`` for the
        quadratic family, 24 for the smallest spline basis) and refuses fewer.
    n_steps : int, >= 1 (>= 4 with ``richardson``)
        Euler–Maruyama steps over ``[0, T - t0]``.
    rng : numpy.random.Generator
    scale : float, >= 0
    richardson : bool
        Also run the coupled ``2h`` and ``4h`` discretisations (1.75x the cost) for the bias
        estimates and observed weak orders (module docstring). False: ``bias`` is 0.
    precision : {"float64", "float32"}
        Arithmetic of the paths (state, noise, scores, affine errors; sums stay float64):
        "float32" is ~1.35x faster in d = 10 and moves the estimates by ~1e-8 relative on the
        same draws, far below their standard errors (``benchmarks/bench_engines.py``).
    progress : bool, optional
        A bar over the steps on stderr; ``None`` (default): when stderr is a terminal.
    eta_features : {"auto", "quadratic", "spline"}
        Regression features for eta: "auto" takes quadratics for Gaussian data with an affine
        error or in dimension >= 2, and the growing spline basis in dimension 1 otherwise.

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> res = simulate_reverse(Gaussian(0.0, 0.5), Diffusion(init="exact"), AffineError(xi=0.2),
    ...                        n_paths=2000, n_steps=50, rng=np.random.default_rng(0))
    >>> bool(abs(res.eps_star2.value - 0.2**2 * 3.98) < 1e-12)   # constant xi: |xi|^2 (T - t0)
    True
    >>> res.eta.kind, round(res.eps_star2.bias, 12)   # Gaussian data, affine error; constant
    ('estimate', 0.0)
    """
    data = check_law("data", data)
    if not isinstance(diffusion, Diffusion):
        raise OracleDomainError(f"diffusion={diffusion!r} must be a Diffusion")
    n_paths = check_positive_int("n_paths", n_paths, minimum=2)
    n_steps = check_positive_int("n_steps", n_steps)
    rng = check_rng("rng", rng)
    eps = check_scalar("scale", scale, low=0.0)
    if precision not in ("float64", "float32"):
        raise OracleDomainError(f"precision={precision!r} must be 'float64' or 'float32'")
    dtype = np.dtype(precision)
    if not isinstance(richardson, bool):
        raise OracleDomainError(f"richardson={richardson!r} must be True or False")
    if richardson and n_steps < 4:
        raise OracleDomainError(
            f"n_steps={n_steps} is too few for the discretisation-bias estimate, which needs "
            "the coupled 2h and 4h grids (n_steps >= 4); pass richardson=False"
        )
    d = data.dim
    if isinstance(error, AffineError):
        if error.dim is not None and error.dim != d:
            raise OracleShapeError(f"error has dimension {error.dim} but data has dimension {d}")
        field_fn: Callable[[FloatArray, float], FloatArray] = error
    elif callable(error):
        field_fn = error
    else:
        raise OracleDomainError(f"error={error!r} must be an AffineError or a callable e(y, s)")
    gaussian = isinstance(data, Gaussian) or (
        isinstance(data, GaussianMixture) and int(np.sum(data.weights > 0)) == 1
    )
    exact_limit = gaussian and isinstance(error, AffineError)
    family = R.family(eta_features, d, exact_limit)
    if family == "quadratic":
        R.check_paths(n_paths, R.n_quadratic(d), f"{R.n_quadratic(d)} quadratic features (d={d})")
    else:
        R.check_paths(n_paths, 6, "the smallest cubic spline basis (6 features)")

    if diffusion.init == "standard":
        y0 = rng.standard_normal((n_paths, d))
    else:
        y0 = ou_transition(data, diffusion.T).sample(n_paths, rng)
    factors = _LEVELS if richardson else (1,)
    both = np.concatenate([y0, y0]).astype(dtype)
    zero = np.zeros(n_paths)
    levels = [_Level(f, both.copy(), zero.copy(), zero.copy(), zero.copy()) for f in factors]
    h = diffusion.horizon / n_steps
    sqrt_h = np.sqrt(h)
    n = n_paths
    # the products of one step are too small to split between threads: with the BLAS's own
    # threads the loop ran 15x slower on a loaded 2-core machine
    meter = bar(n_steps, f"reverse SDEs ({2 * n_paths} paths)", check_progress(progress), "step")
    with threadpool_limits(limits=1), meter:
        for k in range(n_steps):
            meter.update()
            s = diffusion.T - k * h
            marginal = ou_transition(data, s)  # q_s, factorised once per step for every level
            db = (sqrt_h * rng.standard_normal((n_paths, d))).astype(dtype, copy=False)
            for lv in levels:
                if k % lv.f == 0:  # a block of f fine steps starts: evaluate the drifts here
                    e, sq = _check_error_output(field_fn(lv.y, s), 2 * n, d, s, dtype)
                    drift = reverse_drift(marginal, lv.y)
                    drift[n:] += eps * e[n:]
                    lv.pending = (e, drift, sq)
                    lv.db, lv.steps = (db if lv.f == 1 else np.zeros((n_paths, d), dtype)), 0
                if lv.f > 1:
                    lv.db += db
                lv.steps += 1
                if lv.steps == lv.f or k == n_steps - 1:  # the block ends: one Euler step
                    e, drift, sq = lv.pending
                    dt = lv.steps * h
                    lv.m += np.einsum("ni,ni->n", e[:n], lv.db)
                    lv.qv_star += dt * sq[:n]
                    lv.qv_hat += dt * sq[n:]
                    drift *= dt
                    lv.y += drift  # in place: nothing else holds the state
                    lv.y[:n] += lv.db
                    lv.y[n:] += lv.db
    return _result(levels, family, exact_limit, eps, n_paths, n_steps)


def _result(
    levels: list[_Level], family: str, exact_limit: bool, eps: float, n_paths: int, n_steps: int
) -> MonteCarloResult:
    fine = levels[0]
    orders: dict[str, float] = {}

    def energy(name: str, attr: str) -> McEstimate:
        per_path = [eps * eps * getattr(lv, attr) for lv in levels]
        value = float(np.mean(per_path[0]))
        se = float(np.std(per_path[0], ddof=1) / np.sqrt(n_paths))
        if len(levels) == 1:
            return Estimate(value, se, Method.MONTE_CARLO, n_samples=n_paths)
        diff = per_path[1] - per_path[0]  # coupled: the difference has its own small noise
        resolved = abs(float(np.mean(diff))) > 3.0 * float(np.std(diff, ddof=1) / np.sqrt(n_paths))
        order = _order([float(np.mean(x)) for x in per_path], resolved)
        if order is not None:
            orders[name] = order
        # bias = Q_2h - Q_h
        return Estimate(value, se, Method.MONTE_CARLO, n_samples=n_paths, bias=float(np.mean(diff)))

    def moments(which: str, cov: bool) -> McEstimate:
        stat = _cov_se if cov else _mean_se
        value, se = stat(getattr(fine, which))
        coarse = [stat(getattr(lv, which))[0] for lv in levels[1:2]]  # Q_2h - Q_h
        bias = coarse[0] - value if coarse else np.zeros_like(value)
        return Estimate(value, se, Method.MONTE_CARLO, n_samples=n_paths, bias=bias)

    fit = R.eta_fit(family, exact_limit, [(lv.m, lv.y_star) for lv in levels])
    eta = Estimate(
        fit.value, fit.se, Method.REGRESSION, fit.note, n_paths, bias=fit.bias, kind=fit.kind
    )
    seq, eta_levels = fit.sequence, fit.levels
    order = _order(eta_levels, abs(eta.bias) > 3.0 * eta.se)
    if order is not None:
        orders["eta"] = order
    return MonteCarloResult(
        eps_star2=energy("eps_star2", "qv_star"),
        eps_hat2=energy("eps_hat2", "qv_hat"),
        learned_mean=moments("y_hat", cov=False),
        learned_cov=moments("y_hat", cov=True),
        ideal_mean=moments("y_star", cov=False),
        ideal_cov=moments("y_star", cov=True),
        eta=eta,
        eta_exact_in_limit=exact_limit,
        n_paths=n_paths,
        n_steps=n_steps,
        eta_sequence=seq,
        weak_order=orders,
    )
