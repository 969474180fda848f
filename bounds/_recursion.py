"""Statements across generations, one step at a time: Lemma F.1, the lower recursion,
Prop. 4.1 (ii), the memory length and the fixed point (the accumulated statements are in
:mod:`bounds._accumulated`, the square-root recursion in :mod:`bounds._sqrt_recursion`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._errors import ShapeError
from ._validation import (
    FloatArray,
    broadcast,
    check_interval,
    check_nonnegative,
    result,
)

__all__ = ["fixed_point", "memory_length", "next_lower", "persistence_floor", "refresh"]


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
