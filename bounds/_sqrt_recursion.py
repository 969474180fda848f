"""The exact square-root recursion derived in this project (THEORY.md §7; derivation in
docs/sqrt_recursion.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._discount import discounted
from ._errors import ShapeError
from ._recursion import _alphas, _schedule
from ._validation import (
    broadcast,
    check_interval,
    check_nonnegative,
    result,
)

__all__ = ["sqrt_recursion_bounds", "sqrt_recursion_step"]


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
