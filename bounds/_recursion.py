"""Statements across generations: Lemma F.1, the lower recursion, Prop. 4.1 (ii), Thm. 4.2.

Also the exact square-root recursion derived in this project (THEORY.md §7; derivation in
docs/sqrt_recursion.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._discount import discounted
from ._errors import ShapeError
from ._validation import (
    FloatArray,
    broadcast,
    check_interval,
    check_nonnegative,
    result,
)

__all__ = [
    "accumulated_lower",
    "accumulated_upper",
    "discounted_sum",
    "fixed_point",
    "literal_constant",
    "memory_length",
    "next_lower",
    "persistence_floor",
    "refresh",
    "sqrt_recursion_bounds",
    "sqrt_recursion_step",
]


def _discount2(alpha: FloatArray) -> FloatArray:
    """``(1 - alpha)^2`` computed as ``exp(2 log1p(-alpha))`` (exact 0 at alpha = 1)."""
    with np.errstate(divide="ignore"):
        return np.exp(2.0 * np.log1p(-alpha))


def refresh(D: Any, alpha: Any) -> Any:
    r"""Divergence of the training mixture from the data.

    Implements Lemma F.1 of [KTV26] (an exact identity):

    .. math::
        \chi^2(q_i \,\|\, p) = (1 - \alpha)^2 D_i, \qquad
        q_i = \alpha p + (1 - \alpha)\hat p_i, \quad D_i = \chi^2(\hat p_i \| p)

    Hypotheses: none. ``D = inf`` gives ``inf`` unless ``alpha = 1`` (then ``q_i = p``: 0).

    Parameters
    ----------
    D : array_like, >= 0, may be ``inf``
        Accumulated divergence :math:`D_i`.
    alpha : array_like, in [0, 1]
        Fresh-data fraction.

    Examples
    --------
    >>> refresh(2.0, 0.5)
    0.5
    >>> refresh(float("inf"), 1.0)
    0.0
    """
    d = check_nonnegative("D", D, allow_inf=True)
    a = check_interval("alpha", alpha, 0.0, 1.0)
    d, a = broadcast(D=d, alpha=a)
    r = _discount2(a)
    return result(np.where(r > 0.0, r * np.where(r > 0.0, d, 0.0), 0.0))


def next_lower(D: Any, I: Any, alpha: Any) -> Any:  # noqa: E741 - the paper's name
    r"""Lower bound on :math:`D_{i+1}` from the intra-generation divergence.

    Implements the lower recursion of [KTV26] (THEORY.md §4):

    .. math::
        D_{i+1} + (1 - \alpha)^2 D_i \ge \frac{\alpha}{2} I_i, \qquad
        I_i = \chi^2(\hat p_{i+1} \| q_i)

    returned as :math:`\tfrac{\alpha}{2} I_i - (1-\alpha)^2 D_i` (negative means vacuous). In the
    clean regime of Prop. 3.3, :math:`I_i \ge \eta\varepsilon_{\ast,i}^2/8` (with the caveat that
    Prop. 3.3 compares with the ideal endpoint, THEORY.md §1), giving
    :math:`D_{i+1} \ge \alpha\eta\varepsilon_{\ast,i}^2/16 - (1-\alpha)^2 D_i`.

    Hypotheses: none beyond the definitions. Infinite ``I`` gives ``inf`` (when alpha > 0);
    infinite ``D`` gives no information (``-inf``).

    Examples
    --------
    >>> next_lower(0.1, 1.0, 0.5)     # 0.25 - 0.025
    0.225
    """
    d = check_nonnegative("D", D, allow_inf=True)
    i = check_nonnegative("I", I, allow_inf=True)
    a = check_interval("alpha", alpha, 0.0, 1.0)
    d, i, a = broadcast(D=d, I=i, alpha=a)
    # alpha I / 2 as (alpha / 2) I would underflow alpha = 5e-324 to 0 and meet I = inf (found
    # by the fuzz test): an infinite I with alpha > 0 is an infinite gain, whatever alpha
    finite_i = np.where(np.isinf(i), 0.0, i)
    gain = np.where(a > 0.0, np.where(np.isinf(i), np.inf, a * finite_i * 0.5), 0.0)
    loss = np.asarray(refresh(d, a))
    with np.errstate(invalid="ignore"):
        out = gain - loss
    out = np.where(np.isinf(loss), -np.inf, out)
    return result(np.where(np.isinf(gain), np.inf, out))


def persistence_floor(alpha: Any, eta_min: Any, eps_min2: Any) -> Any:
    r"""Lower bound on :math:`\limsup_i D_i` under a uniform score-error floor.

    Implements Prop. 4.1 (ii) of [KTV26]:

    .. math::
        \limsup_{i\to\infty} D_i \ge
        \frac{\alpha\,\eta_{\min}\,\varepsilon_{\min}^2}{16\,(1 + (1-\alpha)^2)}

    Hypotheses: A1–A4, :math:`\eta_i \ge \eta_{\min} > 0` and
    :math:`\varepsilon_{\ast,i}^2 \ge \varepsilon_{\min}^2` for all large ``i``, perturbative
    errors. Vacuous (0) when ``alpha = 0`` or ``eta_min = 0``.

    Parameters
    ----------
    alpha : array_like, in [0, 1]
    eta_min : array_like, in [0, 1]
    eps_min2 : array_like, >= 0

    Examples
    --------
    >>> persistence_floor(1.0, 1.0, 1.0)   # alpha = 1: no memory, eta eps^2 / 16
    0.0625
    """
    a = check_interval("alpha", alpha, 0.0, 1.0)
    h = check_interval("eta_min", eta_min, 0.0, 1.0)
    e = check_nonnegative("eps_min2", eps_min2)
    a, h, e = broadcast(alpha=a, eta_min=h, eps_min2=e)
    return result(a * h * (e / (16.0 * (1.0 + _discount2(a)))))  # no overflow: e / 16 first


def memory_length(alpha: Any) -> Any:
    r"""Effective memory :math:`1 / (2\alpha)` in generations (THEORY.md §5).

    An error made ``m`` generations ago is discounted by :math:`(1-\alpha)^{2m} \approx
    e^{-2\alpha m}`; ``inf`` at ``alpha = 0`` (nothing is forgotten).

    Examples
    --------
    >>> memory_length(0.05)
    10.0
    """
    a = check_interval("alpha", alpha, 0.0, 1.0)
    with np.errstate(divide="ignore", over="ignore"):  # beyond float64: +inf, correct rounding
        return result(np.where(a > 0.0, 0.5 / np.where(a > 0.0, a, 1.0), np.inf))


def fixed_point(k: Any, alpha: Any) -> Any:
    r"""Fixed point :math:`k / (\alpha(2 - \alpha))` of :math:`D_{i+1} = (1-\alpha)^2 D_i + k`.

    THEORY.md §5: the level that a constant per-generation contribution ``k`` settles at; also
    the limit of :func:`discounted_sum` for a constant schedule. ``inf`` at ``alpha = 0`` when
    ``k > 0``.

    Examples
    --------
    >>> fixed_point(0.75, 0.5)
    1.0
    """
    kk = check_nonnegative("k", k)
    a = check_interval("alpha", alpha, 0.0, 1.0)
    kk, a = broadcast(k=kk, alpha=a)
    denom = a * (2.0 - a)
    # a fixed point beyond the float64 range is +inf, the correct rounding: no warning
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.where(denom > 0.0, kk / np.where(denom > 0.0, denom, 1.0), np.inf)
    return result(np.where(kk == 0.0, 0.0, out))


def _schedule(name: str, values: Any) -> FloatArray:
    arr = check_nonnegative(name, values)
    if arr.ndim != 1:
        raise ShapeError(
            f"{name} has shape {arr.shape}; it must be one-dimensional (one entry per generation)"
        )
    return arr


def _alphas(alpha: Any) -> FloatArray:
    return check_interval("alpha", alpha, 0.0, 1.0)


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
    for idx, alpha_k in enumerate(flat):
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


def sqrt_recursion_step(D: Any, J: Any, alpha: Any) -> tuple[Any, Any]:
    r"""Two-sided one-step bounds on :math:`D_{i+1}` from the exact square-root recursion.

    Derived in this project (THEORY.md §7; docs/sqrt_recursion.md), not in [KTV26]. With
    :math:`s_i = q_i/p \ge \alpha`, :math:`r_i = \hat p_{i+1}/q_i` and
    :math:`J_i = E_{q_i}[(r_i - 1)^2 s_i]`, the triangle inequality in :math:`L^2(p)` gives

    .. math::
        \big|\sqrt{J_i} - (1-\alpha)\sqrt{D_i}\big| \le \sqrt{D_{i+1}}
        \le \sqrt{J_i} + (1-\alpha)\sqrt{D_i}

    and :math:`\alpha I_i \le J_i \le (\sup s_i) I_i`. The lower side dominates the paper's
    :math:`D_{i+1} \ge J_i/2 - (1-\alpha)^2 D_i` in every case.

    Returns
    -------
    (lower, upper) : floats or arrays, bounds on :math:`D_{i+1}`.

    Examples
    --------
    >>> sqrt_recursion_step(1.0, 4.0, 0.5)    # (2 - 0.5)^2, (2 + 0.5)^2
    (2.25, 6.25)
    """
    d = check_nonnegative("D", D)
    j = check_nonnegative("J", J)
    a = check_interval("alpha", alpha, 0.0, 1.0)
    d, j, a = broadcast(D=d, J=j, alpha=a)
    sj, sd = np.sqrt(j), (1.0 - a) * np.sqrt(d)
    with np.errstate(over="ignore"):  # bounds beyond float64 are +inf: the correct rounding
        return result((sj - sd) ** 2), result((sj + sd) ** 2)


def sqrt_recursion_bounds(J: Any, alpha: Any, *, D_i0: Any = 0.0) -> Any:
    r"""Upper bound on :math:`D_{i_0+k+1}` unrolled from the square-root recursion (ours).

    Derived in this project (THEORY.md §7; docs/sqrt_recursion.md). Unrolling
    :math:`\sqrt{D_{i+1}} \le \sqrt{J_i} + (1-\alpha)\sqrt{D_i}` gives

    .. math::
        \sqrt{D_{i_0+k+1}} \le \sum_{j=0}^{k} (1-\alpha)^{k-j}\sqrt{J_{i_0+j}}
        + (1-\alpha)^{k+1}\sqrt{D_{i_0}}

    a discounted sum with discount :math:`(1-\alpha)` per generation on square roots.
    Unlike :func:`accumulated_upper` it needs no unknown constant: ``J`` is computable
    on the oracle, and :math:`J_i \le (\sup_x q_i/p)\, I_i`.

    Parameters
    ----------
    J : array_like, shape (N,), >= 0
    alpha : float or array_like, in [0, 1]
    D_i0 : float, >= 0

    Returns
    -------
    ndarray, shape ``alpha.shape + (N,)``

    Examples
    --------
    >>> sqrt_recursion_bounds([1.0, 1.0], 0.5).tolist()    # 1, (1 + 0.5)^2
    [1.0, 2.25]
    """
    j = _schedule("J", J)
    a = _alphas(alpha)
    d0 = check_nonnegative("D_i0", D_i0, allow_inf=True)
    if d0.ndim:
        raise ShapeError("D_i0 must be a scalar")
    flat = a.reshape(-1)
    out = np.empty((flat.size, j.size))
    for idx, alpha_k in enumerate(flat):
        root = discounted(np.sqrt(j), float(alpha_k), 1, float(np.sqrt(d0)))
        with np.errstate(over="ignore"):  # a bound beyond float64 is +inf: correct rounding
            out[idx] = root * root
    return out.reshape((*a.shape, j.size))
