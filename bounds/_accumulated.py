"""Thm. 4.2 of [KTV26] across generations: the discounted sum S_N, the additive reading's upper
and lower bounds, and the constant the literal display would need."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._discount import _SCALE_ABOVE, Discounter, discounted
from ._errors import ShapeError
from ._recursion import _alphas, _schedule
from ._validation import FloatArray, check_interval, check_nonnegative

__all__ = ["accumulated_lower", "accumulated_upper", "discounted_sum", "literal_constant"]


def discounted_sum(eps_star2: Any, alpha: Any, *, D_i0: Any = 0.0) -> Any:
    r"""Right side of Thm. 4.2 of [KTV26] for every horizon at once.

    .. math::
        S[k] = \sum_{j=0}^{k} (1-\alpha)^{2(k-j)}\,\varepsilon_\ast^2[j]
        + (1-\alpha)^{2(k+1)} D_{i_0}

    where ``eps_star2[j]`` is the score energy of generation ``i0 + j``, so ``S[k]`` is the right
    side for ``N = i0 + k`` (it bounds :math:`D_{N+1}`). Computed in O(N) per alpha with
    relative error below ~2e-13 for N up to 10^6, alpha in [1e-10, 1 - 1e-10] and energies
    from 1e-300 to 1e300 (the algorithm is in ``bounds._discount``).

    Parameters
    ----------
    eps_star2 : array_like, shape (N,), >= 0
        Score energies, one per generation from the burn-in ``i0`` on.
    alpha : float or array_like, in [0, 1]
        Fresh-data fraction; an array of shape ``A`` gives a result of shape ``A + (N,)``.
    D_i0 : float, >= 0, may be ``inf``
        Accumulated divergence at the burn-in generation.

    Returns
    -------
    ndarray, shape ``alpha.shape + (N,)``

    Examples
    --------
    >>> discounted_sum([1.0, 1.0, 1.0], 0.5).tolist()     # 1, 1 + 1/4, 1 + 1/4 + 1/16
    [1.0, 1.25, 1.3125]
    """
    e = _schedule("eps_star2", eps_star2)
    a = _alphas(alpha)
    d0 = check_nonnegative("D_i0", D_i0, allow_inf=True)
    if d0.ndim != 0:
        raise ShapeError(f"D_i0 has shape {d0.shape}; it must be a scalar")
    flat = a.reshape(-1)
    out = np.empty((flat.size, e.size))
    top = max(float(np.max(e, initial=0.0)), float(d0))
    many = Discounter(e) if e.size and top <= _SCALE_ABOVE else None  # else: rescaled, inf
    for idx, alpha_k in enumerate(flat):
        if many is not None and alpha_k < 1.0:  # the buffers reused: bit-identical, faster
            many.run(float(alpha_k), 2, float(d0), out=out[idx])
        else:
            out[idx] = discounted(e, float(alpha_k), 2, float(d0))
    return out.reshape((*a.shape, e.size))


def _times(c: FloatArray, s: FloatArray) -> FloatArray:
    """``c * s`` with ``0 * inf = 0`` (an S_N beyond float64 is finite) and overflow to inf."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(c == 0.0, 0.0, c * s)


def accumulated_upper(eps_star2: Any, alpha: Any, *, c2: Any, C_bias: Any, D_i0: Any = 0.0) -> Any:
    r"""Upper bound on :math:`D_{N+1}` under the additive reading of Thm. 4.2 of [KTV26].

    .. math::
        D_{N+1} \le c_2\Big(\sum_{i=i_0}^{N} (1-\alpha)^{2(N-i)} \varepsilon_{\ast,i}^2
        + (1-\alpha)^{2(N+1-i_0)} D_{i_0}\Big) + C_{\mathrm{bias}}

    This is the form the appendix proves (THEORY.md §4); the displayed two-sided statement
    cannot hold as written (see :func:`literal_constant`). Hypotheses: A1–A5,
    :math:`\eta_i \ge \eta_{\min} > 0`, perturbative errors, summable energies. ``c2`` and
    ``C_bias`` are not given by the paper and are explicit inputs.

    Returns
    -------
    ndarray, shape ``alpha.shape + (N,)``: entry ``k`` bounds :math:`D_{i_0+k+1}`; ``+inf``
    (vacuous) where the discounted sum is infinite (``D_i0 = inf``), also when ``c2 = 0``.

    Examples
    --------
    >>> accumulated_upper([1.0, 1.0], 0.5, c2=2.0, C_bias=0.1).tolist()
    [2.1, 2.6]
    """
    s = np.asarray(discounted_sum(eps_star2, alpha, D_i0=D_i0))
    c = check_nonnegative("c2", c2)
    b = check_nonnegative("C_bias", C_bias)
    if c.ndim or b.ndim:
        raise ShapeError("c2 and C_bias must be scalars")
    # an infinite D_i0 makes the bound vacuous (+inf) wherever it is remembered, whatever c2,
    # also 0; a finite S_N beyond float64 (stored as inf) times c2 = 0 is 0
    remembered = np.isinf(np.asarray(D_i0, dtype=float)) & (np.asarray(alpha, dtype=float) < 1.0)
    with np.errstate(over="ignore"):  # a bound beyond float64 is +inf: the correct rounding
        bound = _times(c, s) + b
    return np.where(np.broadcast_to(remembered[..., None], s.shape), np.inf, bound)


def accumulated_lower(eps_star2: Any, alpha: Any, *, c1: Any, C_bias: Any, D_i0: Any = 0.0) -> Any:
    r"""Lower bound on :math:`D_{N+1}` under the additive reading of Thm. 4.2 of [KTV26].

    .. math::
        D_{N+1} \ge c_1 \sum_{i=i_0}^{N} (1-\alpha)^{2(N-i)} \varepsilon_{\ast,i}^2
        - (1-\alpha)^{2(N+1-i_0)} D_{i_0} - C_{\mathrm{bias}}

    Reconstruction: THEORY.md §4 says the appendix proves "a lower bound with a signed initial
    term"; the exact form is not confirmed, and this is the reading implemented (the initial
    term enters with a minus sign). Negative values are vacuous. Hypotheses as for
    :func:`accumulated_upper`.

    Examples
    --------
    >>> accumulated_lower([1.0, 1.0], 0.5, c1=0.5, C_bias=0.0, D_i0=1.0).tolist()
    [0.25, 0.5625]
    """
    e = _schedule("eps_star2", eps_star2)
    a = _alphas(alpha)
    d0 = check_nonnegative("D_i0", D_i0)
    c = check_nonnegative("c1", c1)
    b = check_nonnegative("C_bias", C_bias)
    if c.ndim or b.ndim or d0.ndim:
        raise ShapeError("c1, C_bias and D_i0 must be scalars")
    s = np.asarray(discounted_sum(e, a))
    k1 = np.arange(1, e.size + 1)
    with np.errstate(divide="ignore"):
        decay = np.exp(np.multiply.outer(2.0 * np.log1p(-a), k1))
    with np.errstate(over="ignore", invalid="ignore"):  # beyond float64: +-inf
        out = _times(c, s) - decay * d0 - b
    # c1 S = inf against finite terms is +inf; inf - inf cannot occur (d0 and b are finite)
    return out


def literal_constant(
    D_next: Any, eps_star2: Any, alpha: Any, *, C_bias: Any, D_i0: Any = 0.0
) -> Any:
    r"""The constant the literal display of Thm. 4.2 of [KTV26] would need.

    Read literally, Thm. 4.2 states :math:`c_1 S_N \le D_{N+1} + C_{\mathrm{bias}} \le c_2 S_N`
    with :math:`S_N` the right side (:func:`discounted_sum`). This returns the smallest
    admissible :math:`c_2`, :math:`(D_{N+1} + C_{\mathrm{bias}}) / S_N`, for each horizon.
    Under the theorem's own summability hypothesis :math:`S_N \to 0` while the numerator stays
    :math:`\ge C_{\mathrm{bias}} > 0`, so the required constant grows without bound: the
    display cannot hold as written (THEORY.md §4); the additive reading
    (:func:`accumulated_upper`) is the usable statement.

    Parameters
    ----------
    D_next : array_like, shape (N,), >= 0
        Observed :math:`D_{i_0+k+1}` for ``k = 0..N-1``.
    eps_star2 : array_like, shape (N,)
    alpha : float in [0, 1]
    C_bias : float, > 0 for the statement to be meaningful
    D_i0 : float

    Returns
    -------
    ndarray, shape (N,); ``inf`` where the right side is 0; 0 where it is infinite (the display
    then holds for every ``c2 > 0``).

    Examples
    --------
    >>> literal_constant([0.5, 0.3, 0.2], [1.0, 0.01, 0.0001], 1.0, C_bias=0.1).tolist()
    [0.6, 40.0, 3000.0]
    """
    d = check_nonnegative("D_next", D_next, allow_inf=True)
    a = check_interval("alpha", alpha, 0.0, 1.0)
    if a.ndim:
        raise ShapeError("alpha must be a scalar")
    s = np.asarray(discounted_sum(eps_star2, a, D_i0=D_i0))
    if d.shape != s.shape:
        raise ShapeError(f"D_next has shape {d.shape}; it must match eps_star2 {s.shape}")
    b = check_nonnegative("C_bias", C_bias)
    finite = np.isfinite(s)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.where(s > 0.0, (d + b) / np.where(s > 0.0, s, 1.0), np.inf)
    return np.where(finite, out, 0.0)
