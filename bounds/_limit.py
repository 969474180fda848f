"""Early stopping alone: the limit law's Hermite spectrum, annealed truncation, W2 and TV
contraction (THEORY.md §8).

Derived in this project (THEORY.md §8), consistent with the abstract of [KTV26b]
(Khelifa, Turner, Venkataramanan, arXiv:2606.13796): none of these is that paper's theorem.
With the exact score, exact init and early stopping ``t0``, ``p_hat_{i+1} = P_{t0} q_i``; the
OU semigroup is diagonal in the Hermite basis of ``N(0, I)``, ``c_n(P_t mu) = e^{-|n| t / 2}
c_n(mu)``, so every mode follows a scalar recursion.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._errors import DomainError, ShapeError
from ._schedules import as_schedule
from ._validation import FloatArray, as_array, broadcast, check_interval, check_nonnegative, result

__all__ = [
    "hermite_gain",
    "mode_contraction",
    "mode_errors",
    "tv_contraction",
    "w2_ball",
    "w2_contraction",
]


def _order(order: Any) -> FloatArray:
    """``|n|``: non-negative integers (the total degree of a multi-index)."""
    arr = check_nonnegative("order", order)
    bad = arr != np.floor(arr)
    if np.any(bad):
        raise DomainError(f"order={float(arr[bad].flat[0])!r} must be an integer |n| >= 0")
    return arr


def hermite_gain(order: Any, alpha: Any, t0: Any) -> Any:
    r"""Gain of Hermite mode ``n`` from the data to the limit law.

    Derived in this project (THEORY.md §8), consistent with the abstract of [KTV26b]:

    .. math::
        c_n(p_\infty) = g_n\, c_n(p), \qquad
        g_n = \frac{\alpha \lambda_n}{1 - (1 - \alpha)\lambda_n}, \quad
        \lambda_n = e^{-|n| t_0 / 2}

    ``g_0 = 1`` (mass), ``g_n`` decreases in ``|n|``: a low-pass filter on the data's
    non-Gaussian structure. Computed as ``alpha lambda / (alpha + (1 - alpha)(1 - lambda))``
    with ``1 - lambda = -expm1(-|n| t0 / 2)``, accurate for small ``t0``. At ``alpha = 0``
    the limit is ``N(0, I)`` (``g_n = 0`` for ``|n| >= 1``), except with ``t0 = 0`` too, where
    every law is a fixed point (an error).

    Parameters
    ----------
    order : array_like of int, >= 0
        Total degree ``|n|`` of the multi-index.
    alpha : array_like, in [0, 1]
    t0 : array_like, >= 0
        Early-stopping time.

    Examples
    --------
    >>> hermite_gain(0, 0.3, 0.5), hermite_gain(2, 1.0, 0.5) == float(np.exp(-0.5))
    (1.0, True)
    >>> round(hermite_gain(4, 0.1, 0.02), 6)      # the paper's t0: 4th-order modes keep 71%
    0.710173
    """
    n, a = _order(order), check_interval("alpha", alpha, 0.0, 1.0)
    t = check_nonnegative("t0", t0)
    n, a, t = broadcast(order=n, alpha=a, t0=t)
    x = 0.5 * n * t
    if np.any((a == 0.0) & (x == 0.0) & (n > 0)):
        raise DomainError(
            "alpha=0 with t0=0: no fresh data and no smoothing, every law is a fixed point "
            "(no limit law); alpha must be > 0 or t0 > 0"
        )
    with np.errstate(invalid="ignore", divide="ignore"):  # x = 0 rows are set to 1 below
        gain = a * np.exp(-x) / (a + (1.0 - a) * -np.expm1(-x))
    return result(np.where(x == 0.0, 1.0, gain))


def mode_contraction(order: Any, alpha: Any, t0: Any) -> Any:
    r"""Factor ``(1 - alpha) lambda_n`` by which mode ``n`` moves towards the limit per
    generation (THEORY.md §8, derived in this project):
    ``c_n(p_hat_{i+1}) - c_n(p_inf) = (1 - alpha) lambda_n (c_n(p_hat_i) - c_n(p_inf))``.

    Examples
    --------
    >>> mode_contraction(0, 0.25, 1.0), round(mode_contraction(2, 0.5, 1.0), 12)
    (0.75, 0.18393972059)
    """
    n = _order(order)
    a = check_interval("alpha", alpha, 0.0, 1.0)
    t = check_nonnegative("t0", t0)
    n, a, t = broadcast(order=n, alpha=a, t0=t)
    return result((1.0 - a) * np.exp(-0.5 * n * t))


def _t0_values(schedule: Any, generations: int | None) -> FloatArray:
    """Truncation times ``t0^{(0)} .. t0^{(G-1)}`` from a number, a sequence or a schedule."""
    if generations is not None and (
        isinstance(generations, bool) or not isinstance(generations, int | np.integer)
    ):
        raise DomainError(f"generations={generations!r} must be an integer >= 0")
    if hasattr(schedule, "values"):
        if generations is None:
            raise DomainError("a schedule object needs generations= (how many t0 to take)")
        return check_nonnegative("t0", as_schedule(schedule).values(int(generations)))
    arr = check_nonnegative("t0", schedule)
    if arr.ndim == 0:
        if generations is None:
            raise DomainError("a constant t0 needs generations= (how many generations)")
        return np.full(int(generations), float(arr))
    if arr.ndim != 1:
        raise ShapeError(f"t0 has shape {arr.shape}; a schedule is one t0 per generation (G,)")
    if generations is not None and int(generations) != arr.size:
        raise ShapeError(f"t0 has {arr.size} values but generations={generations}")
    return arr


def mode_errors(
    order: Any,
    alpha: Any,
    t0: Any,
    generations: int | None = None,
    *,
    data_coef: Any = 1.0,
    initial_error: Any = 0.0,
) -> Any:
    r"""Error ``c_n(p_hat_k) - c_n(p)`` of Hermite mode ``n`` for ``k = 0 .. G`` under a
    truncation schedule ``t0^{(k)}`` (THEORY.md §8, derived in this project):

    .. math::
        c_n(\hat p_{k+1}) = \lambda_n^{(k)} \big(\alpha c_n(p) + (1 - \alpha) c_n(\hat p_k)\big),
        \qquad \lambda_n^{(k)} = e^{-|n| t_0^{(k)} / 2}

    so the error ``e_k`` follows ``e_{k+1} = (lambda - 1) c_n(p) + (1 - alpha) lambda e_k``
    (``lambda - 1`` by ``expm1``). With a constant ``t0`` it tends to ``(g_n - 1) c_n(p)``
    (:func:`hermite_gain`); with ``alpha > 0`` and ``t0^{(k)} -> 0`` to 0 (annealing).

    Parameters
    ----------
    order : array_like of int, >= 0
        ``|n|``.
    alpha : array_like, in [0, 1]
    t0 : float, sequence of G floats, or a schedule (``bounds`` schedule objects)
        The truncation time of each generation.
    generations : int, optional
        ``G`` (needed for a constant ``t0`` or a schedule object).
    data_coef : array_like
        ``c_n(p)`` (default 1: the error relative to the data's coefficient).
    initial_error : array_like
        ``c_n(p_hat_0) - c_n(p)`` (default 0: the recursion starts at the data).

    Returns
    -------
    ndarray, shape ``(G + 1, *broadcast shape)``

    Examples
    --------
    >>> e = mode_errors(2, 0.5, 0.1, 60)
    >>> bool(abs(e[-1] - (hermite_gain(2, 0.5, 0.1) - 1.0)) < 1e-15)
    True
    >>> annealed = mode_errors(2, 0.5, 0.1 * 0.8 ** np.arange(60))
    >>> bool(abs(annealed[-1]) < abs(e[-1]) / 1000)
    True
    """
    n = _order(order)
    a = check_interval("alpha", alpha, 0.0, 1.0)
    c = as_array("data_coef", data_coef)
    e0 = as_array("initial_error", initial_error)
    n, a, c, e0 = broadcast(order=n, alpha=a, data_coef=c, initial_error=e0)
    times = _t0_values(t0, generations)
    out = np.empty((times.size + 1, *n.shape))
    out[0] = e0
    for k, t in enumerate(times):
        x = -0.5 * n * t
        out[k + 1] = np.expm1(x) * c + (1.0 - a) * np.exp(x) * out[k]
    return out


def w2_contraction(alpha: Any, t0: Any) -> Any:
    r"""W2 contraction factor of the ideal map ``Phi(mu) = P_{t0}(alpha p + (1 - alpha) mu)``:
    ``kappa = e^{-t0/2} sqrt(1 - alpha)`` (derived in this project, THEORY.md §8: OU contracts
    W2 by ``e^{-t/2}``, mixing with a common law contracts squared W2 by ``1 - alpha``).

    Examples
    --------
    >>> w2_contraction(0.75, 0.0), w2_contraction(1.0, 0.3)
    (0.5, 0.0)
    """
    a = check_interval("alpha", alpha, 0.0, 1.0)
    t = check_nonnegative("t0", t0)
    a, t = broadcast(alpha=a, t0=t)
    return result(np.exp(-0.5 * t) * np.sqrt(1.0 - a))


def _generations(i: Any) -> FloatArray:
    arr = check_nonnegative("i", i, allow_inf=True)
    bad = np.isfinite(arr) & (arr != np.floor(arr))
    if np.any(bad):
        raise DomainError(f"i={float(arr[bad].flat[0])!r} must be an integer >= 0 (or inf)")
    return arr


def _power(log_base: FloatArray, i: FloatArray) -> FloatArray:
    """``base^i`` from ``log(base) <= 0``: ``base^0 = 1`` also for ``base = 0``, and
    ``1^inf = 1``."""
    one = (i == 0) | (log_base == 0.0)
    with np.errstate(invalid="ignore"):
        return np.where(one, 1.0, np.exp(np.where(one, 0.0, i) * log_base))


def w2_ball(i: Any, alpha: Any, t0: Any, delta: Any, *, initial: Any = 0.0) -> Any:
    r"""Bound on ``W2(p_hat_i, p_inf)`` when every learned generation is within ``delta`` (in
    W2) of the ideal map's output (derived in this project, THEORY.md §8):

    .. math::
        W_2(\hat p_i, p_\infty) \le \kappa^i W_2(\hat p_0, p_\infty)
        + \delta \frac{1 - \kappa^i}{1 - \kappa}

    with ``kappa`` of :func:`w2_contraction`; ``(1 - kappa^i) / (1 - kappa)`` is ``i`` at
    ``kappa = 1`` (``alpha = t0 = 0``) and ``1 / (1 - kappa)`` at ``i = inf``.

    Parameters
    ----------
    i : array_like of int, >= 0, or inf
        Generation.
    alpha : array_like, in [0, 1]
    t0 : array_like, >= 0
    delta : array_like, >= 0
        Per-generation W2 distance of the learned from the ideal map's output.
    initial : array_like, >= 0
        ``W2(p_hat_0, p_inf)``.

    Examples
    --------
    >>> w2_ball(1, 0.75, 0.0, 0.1, initial=2.0)     # 0.5 * 2 + 0.1
    1.1
    >>> w2_ball(float("inf"), 0.75, 0.0, 0.1)       # the ball's radius delta / (1 - kappa)
    0.2
    """
    n = _generations(i)
    a = check_interval("alpha", alpha, 0.0, 1.0)
    t = check_nonnegative("t0", t0)
    dlt = check_nonnegative("delta", delta)
    w0 = check_nonnegative("initial", initial)
    n, a, t, dlt, w0 = broadcast(i=n, alpha=a, t0=t, delta=dlt, initial=w0)
    with np.errstate(divide="ignore"):
        log_k = -0.5 * t + 0.5 * np.log1p(-a)  # -inf at alpha = 1
    power = _power(log_k, n)
    flat = log_k == 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(
            flat,
            n,
            np.where(n == 0, 0.0, -np.expm1(np.where(n == 0, 0.0, n) * log_k))
            / -np.expm1(np.where(flat, -1.0, log_k)),
        )
    with np.errstate(invalid="ignore"):  # inf * 0 (kappa = 1, i = inf, delta = 0): 0
        tail = np.where(dlt == 0.0, 0.0, dlt * ratio)
        head = np.where(w0 == 0.0, 0.0, power * w0)
    return result(head + tail)


def tv_contraction(i: Any, alpha: Any) -> Any:
    r"""``(1 - alpha)^i``: ``TV(p_hat_i, p_inf) <= (1 - alpha)^i TV(p_hat_0, p_inf)`` under the
    exact score, and the total weight (so the TV error) left out by truncating the limit law
    after ``i`` ages (THEORY.md §8, derived in this project). ``0^0 = 1``.

    Examples
    --------
    >>> tv_contraction(3, 0.5), tv_contraction(0, 1.0), tv_contraction(float("inf"), 0.1)
    (0.125, 1.0, 0.0)
    """
    n = _generations(i)
    a = check_interval("alpha", alpha, 0.0, 1.0)
    n, a = broadcast(i=n, alpha=a)
    with np.errstate(divide="ignore"):
        log_r = np.log1p(-a)
    return result(_power(log_r, n))
