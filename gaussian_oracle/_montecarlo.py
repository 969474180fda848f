"""Monte Carlo engine: the ideal and learned reverse SDEs simulated side by side (THEORY.md §1, §3).

Both processes are driven by the same Brownian increments from the same initial draws, with
the Euler–Maruyama scheme in reverse time (weak order 1; tests fit the observed order). Along
the ideal paths it accumulates the Girsanov martingale ``M = int e . dB`` and its quadratic
variation ``<M> = int |e|^2 dtau``; along the learned paths the learned-path energy.

Observability by regression. ``eta = Var(E[M | Y_end]) / eps_star2``. For Gaussian data and an
affine error, ``E[M | Y_end = y] = d/deps log p_hat_eps(y)`` at ``eps = 0`` (THEORY.md §6), the
score of a Gaussian family in its parameter: a quadratic polynomial in ``y``. Regressing ``M``
on the features ``1, y_i, y_i y_j (i <= j)`` is therefore well specified, and least squares
is consistent; the adjusted coefficient of determination removes the ``O(p / n)`` in-sample
optimism. For mixture data or non-affine errors the conditional expectation is no longer
quadratic, and the estimate is the best quadratic approximation (a lower bound on eta in the
limit): the result says so. The standard error comes from 20 batch means.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._diffusion import AffineError, Diffusion
from ._errors import DomainError, ShapeError
from ._laws import Gaussian, GaussianMixture, Law, check_law
from ._operations import ou_transition
from ._score import score
from ._validation import FloatArray, check_positive_int, check_rng, check_scalar

__all__ = ["McEstimate", "MonteCarloResult", "simulate_reverse"]

_BATCHES = 20


@dataclass(frozen=True, slots=True)
class McEstimate:
    """A Monte Carlo estimate and its standard error (same shape)."""

    value: Any
    se: Any


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Estimates from :func:`simulate_reverse`, each with its standard error.

    Attributes
    ----------
    eps_star2, eps_hat2 : McEstimate
        Score energy along the ideal and the learned paths.
    learned_mean, learned_cov, ideal_mean, ideal_cov : McEstimate
        Endpoint moments (forward time ``t0``).
    eta : McEstimate
        Observability by regression of ``M`` on quadratic features of the ideal endpoint
        (exact in the limit for Gaussian data with affine errors; see ``eta_exact_in_limit``).
    eta_exact_in_limit : bool
        True when the regression is well specified (Gaussian data, affine error).
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


def _mean_se(x: FloatArray) -> McEstimate:
    n = x.shape[0]
    return McEstimate(np.mean(x, axis=0), np.std(x, axis=0, ddof=1) / np.sqrt(n))


def _cov_se(x: FloatArray) -> McEstimate:
    n = x.shape[0]
    c = x - x.mean(axis=0)
    prods = c[:, :, None] * c[:, None, :]
    return McEstimate(
        np.cov(x.T, ddof=1).reshape(x.shape[1], x.shape[1]),
        np.std(prods, axis=0, ddof=1) / np.sqrt(n),
    )


def _features(y: FloatArray) -> FloatArray:
    n, d = y.shape
    i, j = np.triu_indices(d)
    return np.hstack([np.ones((n, 1)), y, y[:, i] * y[:, j]])


def _adjusted_r2(m: FloatArray, phi: FloatArray) -> float:
    n, p = phi.shape
    beta, *_ = np.linalg.lstsq(phi, m, rcond=None)
    resid = m - phi @ beta
    sst = float(np.sum((m - m.mean()) ** 2))
    if sst == 0.0:
        return 0.0
    return 1.0 - (float(resid @ resid) / (n - p)) / (sst / (n - 1))


def _check_error_output(out: Any, n: int, d: int, s: float) -> FloatArray:
    arr = np.asarray(out, dtype=np.float64)
    if arr.shape != (n, d) or not np.all(np.isfinite(arr)):
        raise ShapeError(
            f"error(y, s) at s={s!r} returned an array of shape {arr.shape}"
            f"{'' if np.all(np.isfinite(arr)) else ' with non-finite entries'}; "
            f"it must be finite with shape ({n}, {d})"
        )
    return arr


def simulate_reverse(
    data: Law,
    diffusion: Diffusion,
    error: AffineError | Callable[[FloatArray, float], FloatArray],
    *,
    n_paths: int,
    n_steps: int,
    rng: np.random.Generator,
    scale: float = 1.0,
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
    n_paths : int, >= 2 (at least 2 per batch of the eta estimate: 40)
    n_steps : int, >= 1
        Euler–Maruyama steps over ``[0, T - t0]``.
    rng : numpy.random.Generator
    scale : float, >= 0

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> res = simulate_reverse(Gaussian(0.0, 0.5), Diffusion(init="exact"), AffineError(xi=0.2),
    ...                        n_paths=2000, n_steps=50, rng=np.random.default_rng(0))
    >>> bool(abs(res.eps_star2.value - 0.2**2 * 3.98) < 1e-12)   # constant xi: |xi|^2 (T - t0)
    True
    """
    data = check_law("data", data)
    if not isinstance(diffusion, Diffusion):
        raise DomainError(f"diffusion={diffusion!r} must be a Diffusion")
    n_paths = check_positive_int("n_paths", n_paths, minimum=2 * _BATCHES)
    n_steps = check_positive_int("n_steps", n_steps)
    rng = check_rng("rng", rng)
    eps = check_scalar("scale", scale, low=0.0)
    d = data.dim
    if isinstance(error, AffineError):
        if error.dim is not None and error.dim != d:
            raise ShapeError(f"error has dimension {error.dim} but data has dimension {d}")
        field: Callable[[FloatArray, float], FloatArray] = error
    elif callable(error):
        field = error
    else:
        raise DomainError(f"error={error!r} must be an AffineError or a callable e(y, s)")

    if diffusion.init == "standard":
        y0 = rng.standard_normal((n_paths, d))
    else:
        y0 = ou_transition(data, diffusion.T).sample(n_paths, rng)
    y_star, y_hat = y0.copy(), y0.copy()
    h = diffusion.horizon / n_steps
    sqrt_h = np.sqrt(h)
    m = np.zeros(n_paths)
    qv_star = np.zeros(n_paths)
    qv_hat = np.zeros(n_paths)
    for k in range(n_steps):
        s = diffusion.T - k * h
        e_star = _check_error_output(field(y_star, s), n_paths, d, s)
        e_hat = _check_error_output(field(y_hat, s), n_paths, d, s)
        db = sqrt_h * rng.standard_normal((n_paths, d))
        m += np.einsum("ni,ni->n", e_star, db)
        qv_star += h * np.einsum("ni,ni->n", e_star, e_star)
        qv_hat += h * np.einsum("ni,ni->n", e_hat, e_hat)
        marginal = ou_transition(data, s)  # q_s, factorised once per step for both processes
        drift_star = 0.5 * y_star + score(marginal, y_star)
        drift_hat = 0.5 * y_hat + score(marginal, y_hat) + eps * e_hat
        y_star = y_star + h * drift_star + db
        y_hat = y_hat + h * drift_hat + db

    phi = _features(y_star)
    batches = np.array_split(np.arange(n_paths), _BATCHES)
    etas = np.array([_adjusted_r2(m[b], phi[b]) for b in batches])
    exact_limit = isinstance(data, Gaussian) or (
        isinstance(data, GaussianMixture) and int(np.sum(data.weights > 0)) == 1
    )
    return MonteCarloResult(
        eps_star2=McEstimate(
            eps * eps * float(np.mean(qv_star)),
            eps * eps * float(np.std(qv_star, ddof=1) / np.sqrt(n_paths)),
        ),
        eps_hat2=McEstimate(
            eps * eps * float(np.mean(qv_hat)),
            eps * eps * float(np.std(qv_hat, ddof=1) / np.sqrt(n_paths)),
        ),
        learned_mean=_mean_se(y_hat),
        learned_cov=_cov_se(y_hat),
        ideal_mean=_mean_se(y_star),
        ideal_cov=_cov_se(y_star),
        eta=McEstimate(float(np.mean(etas)), float(np.std(etas, ddof=1) / np.sqrt(_BATCHES))),
        eta_exact_in_limit=exact_limit and isinstance(error, AffineError),
        n_paths=n_paths,
        n_steps=n_steps,
    )
