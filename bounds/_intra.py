"""Per-generation statements: Prop. 3.1, Prop. 3.3 (and its clean form), Thm. 3.4.

Also the sharp small-error behaviour derived in this project (THEORY.md §7), against which the
tightness of every per-generation bound is measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import (
    broadcast,
    check_hypothesis,
    check_interval,
    check_nonnegative,
    check_outside,
    result,
)

__all__ = [
    "chi2_asymptotic",
    "chi2_lower",
    "chi2_lower_clean",
    "chi2_upper",
    "clean_regime",
    "kl_asymptotic",
    "kl_upper",
]


def kl_upper(eps_hat2: Any) -> Any:
    r"""Upper bound on the KL divergence of one generation.

    Implements Prop. 3.1 of [KTV26]:

    .. math::
        \mathrm{KL}(\hat p \,\|\, p^\ast_{\mathrm{end}}) \le \mathrm{KL}(\hat P \,\|\, P^\ast)
        = \frac{\hat\varepsilon^2}{2}

    where :math:`p^\ast_{\mathrm{end}}` is the law of the ideal reverse process at its end
    (THEORY.md §1) and :math:`\hat\varepsilon^2` the score energy along the learned path.

    Hypotheses: A1 (finite :math:`\hat\varepsilon^2`), A2 (the Girsanov exponential is a true
    martingale). Under "exact" initialisation of a learner given as a law, the path KL gains
    the initial term :math:`\mathrm{KL}(\tilde q_T \| q_T)` (THEORY.md §1); add it yourself.

    Parameters
    ----------
    eps_hat2 : array_like, >= 0
        Learned-path score energy :math:`\hat\varepsilon^2`.

    Returns
    -------
    float or ndarray
        ``eps_hat2 / 2``, shape of ``eps_hat2``.

    Raises
    ------
    DomainError
        If ``eps_hat2`` is negative or not finite.

    References
    ----------
    .. [KTV26] Khelifa, Turner, Venkataramanan. Quantifying Error Propagation and Model
       Collapse in Diffusion Models. ICML 2026, arXiv:2602.16601.

    Examples
    --------
    >>> kl_upper(0.3)
    0.15
    """
    return result(0.5 * check_nonnegative("eps_hat2", eps_hat2))


def clean_regime(eps_star2: Any, eta: Any, *, C: Any) -> Any:
    r"""Whether the clean form of Prop. 3.3 applies: :math:`\varepsilon_\ast^2 \le
    \min(1, \eta / (8 C))`.

    Under this condition :math:`C\varepsilon_\ast^4 \le \eta\varepsilon_\ast^2 / 8`, so the
    lower bound of Prop. 3.3 is at least :math:`\eta\varepsilon_\ast^2/8`. With ``C = 0`` the
    condition is :math:`\varepsilon_\ast^2 \le 1`.

    Parameters
    ----------
    eps_star2 : array_like, >= 0
    eta : array_like, in [0, 1]
    C : array_like, >= 0
        The constant of Prop. 3.3 (depends on A3–A4; not given by the paper).

    Returns
    -------
    bool or ndarray of bool

    Examples
    --------
    >>> bool(clean_regime(0.01, 0.5, C=2.0)), bool(clean_regime(0.1, 0.5, C=2.0))
    (True, False)
    """
    e = check_nonnegative("eps_star2", eps_star2)
    h = check_interval("eta", eta, 0.0, 1.0)
    c = check_nonnegative("C", C)
    e, h, c = broadcast(eps_star2=e, eta=h, C=c)
    # C eps <= eta / 8 rather than eps <= eta / (8 C): no division, so a subnormal C cannot
    # overflow (found by hypothesis with C = 2.2e-311), C = 0 needs no special case, and a
    # huge C times eps = 0 stays 0
    with np.errstate(over="ignore"):  # C eps beyond float64 is +inf > eta / 8: the right answer
        ok = (e <= 1.0) & (c * e <= 0.125 * h)
    return bool(ok) if ok.ndim == 0 else ok


def chi2_lower(eps_star2: Any, eta: Any, *, C: Any, outside: str = "raise") -> Any:
    r"""Lower bound on the chi-square divergence of one generation.

    Implements Prop. 3.3 of [KTV26]:

    .. math::
        \chi^2(\hat p \,\|\, p^\ast_{\mathrm{end}}) \ge \frac{\eta\,\varepsilon_\ast^2}{4}
        - C\,\varepsilon_\ast^4

    Hypotheses: A1–A4, :math:`\varepsilon_\ast^2 \le 1`, generation index past the burn-in
    :math:`i_0`. The constant ``C`` depends on A3–A4, whose exact form is not confirmed
    (THEORY.md §4), so it is an explicit input. The bound may be negative (then vacuous).

    Parameters
    ----------
    eps_star2 : array_like, >= 0
        Ideal-path score energy :math:`\varepsilon_\ast^2`.
    eta : array_like, in [0, 1]
        Observability coefficient (Def. 3.2).
    C : array_like, >= 0
        Remainder constant.
    outside : {"raise", "vacuous"}
        Where :math:`\varepsilon_\ast^2 > 1`: raise :class:`AssumptionError`, or return the
        trivially true bound 0.

    Returns
    -------
    float or ndarray
        Broadcast shape of the inputs.

    Raises
    ------
    DomainError
        If an argument is outside its domain.
    AssumptionError
        If ``eps_star2 > 1`` somewhere and ``outside="raise"``.

    Examples
    --------
    >>> chi2_lower(0.4, 1.0, C=0.5)     # 0.1 - 0.08
    0.02
    """
    outside = check_outside(outside)
    e = check_nonnegative("eps_star2", eps_star2)
    h = check_interval("eta", eta, 0.0, 1.0)
    c = check_nonnegative("C", C)
    e, h, c = broadcast(eps_star2=e, eta=h, C=c)
    ok = check_hypothesis("Prop. 3.3", "eps_star2", e, e <= 1.0, "eps_star2 <= 1", outside)
    inside = np.where(ok, e, 0.0)  # e <= 1 there: C e^2 <= C, nothing overflows
    return result(np.where(ok, 0.25 * h * inside - c * inside * inside, 0.0))


def chi2_lower_clean(eps_star2: Any, eta: Any, *, C: Any, outside: str = "raise") -> Any:
    r"""Clean form of Prop. 3.3 of [KTV26]: :math:`\chi^2 \ge \eta\,\varepsilon_\ast^2 / 8`.

    .. math::
        \chi^2(\hat p \,\|\, p^\ast_{\mathrm{end}}) \ge \frac{\eta\,\varepsilon_\ast^2}{8}
        \quad\text{when}\quad \varepsilon_\ast^2 \le \min\Big(1, \frac{\eta}{8C}\Big)

    Hypotheses: those of Prop. 3.3 and the condition above (see :func:`clean_regime`).

    Parameters
    ----------
    eps_star2, eta, C
        As for :func:`chi2_lower`.
    outside : {"raise", "vacuous"}
        Outside the clean regime: raise :class:`AssumptionError`, or return 0.

    Examples
    --------
    >>> chi2_lower_clean(0.01, 0.8, C=1.0)
    0.001
    """
    outside = check_outside(outside)
    ok = np.asarray(clean_regime(eps_star2, eta, C=C))
    e, h, _ = broadcast(
        eps_star2=check_nonnegative("eps_star2", eps_star2),
        eta=check_interval("eta", eta, 0.0, 1.0),
        C=check_nonnegative("C", C),
    )
    check_hypothesis(
        "The clean form of Prop. 3.3",
        "eps_star2",
        e,
        ok,
        "eps_star2 <= min(1, eta / (8 C))",
        outside,
    )
    return result(np.where(ok, 0.125 * h * e, 0.0))


def chi2_upper(eps_star2: Any, *, c: Any) -> Any:
    r"""Upper bound on the chi-square divergence of one generation.

    Implements Thm. 3.4 of [KTV26]:

    .. math::
        \chi^2(\hat p \,\|\, p^\ast_{\mathrm{end}})
        \le 4\,\varepsilon_\ast^2 + c\,\varepsilon_\ast^4

    Hypotheses: A1–A4 and perturbative errors. With :math:`\eta \ge \eta_{\min} > 0` it
    combines with Prop. 3.3 into :math:`\chi^2 \asymp \varepsilon_\ast^2`. A3 puts the
    Girsanov density in :math:`L^2`, so an infinite endpoint chi-square certifies that A3 fails
    (THEORY.md §4): the bound is not violated there, it does not apply.

    Parameters
    ----------
    eps_star2 : array_like, >= 0
    c : array_like, >= 0
        Remainder constant (depends on A3–A4; not given by the paper).

    Examples
    --------
    >>> chi2_upper(0.1, c=10.0)
    0.5
    """
    e = check_nonnegative("eps_star2", eps_star2)
    cc = check_nonnegative("c", c)
    e, cc = broadcast(eps_star2=e, c=cc)
    with np.errstate(over="ignore"):  # c eps^4 beyond float64 is +inf, the correct rounding
        return result(4.0 * e + cc * e * e)


def chi2_asymptotic(eps_star2: Any, eta: Any) -> Any:
    r"""Sharp small-error chi-square of one generation: :math:`\eta\,\varepsilon_\ast^2`.

    Derived in this project (THEORY.md §7, not in [KTV26]):
    :math:`\chi^2(\hat p \| p^\ast_{\mathrm{end}}) = \eta\,\varepsilon_\ast^2\,(1 +
    O(\varepsilon_\ast))`, because :math:`\eta\varepsilon_\ast^2` is the Fisher information
    at 0 of the endpoint family obtained by scaling the error. The relative correction is of
    order :math:`\varepsilon_\ast` (the third-order term :math:`\varepsilon^3 E[s_1 s_2]` of
    the endpoint family is generically non-zero; the oracle measures order 1.00 in
    :math:`\varepsilon_\ast` on generic errors, the verifier's ``chi2-asymptotic`` check) and
    of order :math:`\varepsilon_\ast^2` when that term vanishes, e.g. a pure mean shift of a
    Gaussian. The sharp constants of the two-sided bound are therefore :math:`\eta` and 1,
    against the paper's :math:`\eta/4` and 4.

    Examples
    --------
    >>> chi2_asymptotic(0.02, 0.5)
    0.01
    """
    e = check_nonnegative("eps_star2", eps_star2)
    h = check_interval("eta", eta, 0.0, 1.0)
    e, h = broadcast(eps_star2=e, eta=h)
    return result(h * e)


def kl_asymptotic(eps_star2: Any, eta: Any) -> Any:
    r"""Sharp small-error KL of one generation: :math:`\tfrac12\,\eta\,\varepsilon_\ast^2`.

    Derived in this project (THEORY.md §7): :math:`\mathrm{KL} = \tfrac12\eta\varepsilon_\ast^2
    (1 + O(\varepsilon_\ast))` (order :math:`\varepsilon_\ast`, measured 1.00 on generic errors;
    :math:`\varepsilon_\ast^2` for a pure mean shift), so Prop. 3.1 is tight exactly when
    :math:`\eta \to 1`.

    Examples
    --------
    >>> kl_asymptotic(0.02, 0.5)
    0.005
    """
    return result(0.5 * np.asarray(chi2_asymptotic(eps_star2, eta)))
