r"""Symbolic twins of :mod:`bounds`: SymPy expressions with declared assumptions.

Every numeric function of :mod:`bounds` has an expression here with the same name, built from
the symbols below (``alpha`` positive, to be read in (0, 1]; ``eta`` and energies
non-negative). They print with :func:`latex`, and ``sympy.lambdify`` turns them into
functions that the test-suite compares with the numeric twins at random points.

Symbols
-------
alpha, eta, eta_min, eps_star2, eps_hat2, eps_min2, eps0_2, rho, C, c, c1, c2, C_bias, D, D_i0,
I, J, k, N, j -- the quantities of THEORY.md §2-§5 (``j`` is a summation index).
n, t0, i, c_n, e0, delta, W0 -- THEORY.md §8: the Hermite order ``|n|``, the truncation time,
a generation, the data's coefficient ``c_n(p)``, the initial mode error, the W2 slack and
``W2(p_hat_0, p_inf)``.

Expressions
-----------
kl_upper, chi2_lower, chi2_lower_clean, clean_condition, chi2_upper, chi2_asymptotic,
kl_asymptotic, refresh, next_lower, persistence_floor, memory_length, fixed_point,
discounted_sum (general, with an unspecified schedule ``e(j)``), discounted_sum_constant and
discounted_sum_geometric (closed forms) with their limits ``*_limit`` as N -> oo,
accumulated_upper_constant, accumulated_lower_constant, literal_constant_constant,
sqrt_step_lower, sqrt_step_upper; and (derived in this project, THEORY.md §8, consistent with
[KTV26b]) hermite_lambda, hermite_gain, hermite_gain_series (the limit law's age series, which
sums to hermite_gain), mode_contraction, mode_error_constant (the mode error under a constant
t0, closed form), w2_contraction, w2_ball, tv_contraction.

Examples
--------
>>> from bounds import symbolic as S
>>> print(S.latex(S.chi2_lower))
- C \left(\varepsilon_{*}^{2}\right)^{2} + \frac{\varepsilon_{*}^{2} \eta}{4}
>>> S.simplify(S.discounted_sum_constant_limit - S.fixed_point.subs(S.k, S.eps_star2))
0
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = [
    "W0",
    "C",
    "C_bias",
    "D",
    "D_i0",
    "I",
    "J",
    "N",
    "accumulated_lower_constant",
    "accumulated_upper_constant",
    "alpha",
    "c",
    "c1",
    "c2",
    "c_n",
    "chi2_asymptotic",
    "chi2_lower",
    "chi2_lower_clean",
    "chi2_upper",
    "clean_condition",
    "delta",
    "discounted_sum",
    "discounted_sum_constant",
    "discounted_sum_constant_limit",
    "discounted_sum_geometric",
    "discounted_sum_geometric_limit",
    "e",
    "e0",
    "eps0_2",
    "eps_hat2",
    "eps_min2",
    "eps_star2",
    "eta",
    "eta_min",
    "fixed_point",
    "hermite_gain",
    "hermite_gain_series",
    "hermite_lambda",
    "i",
    "j",
    "k",
    "kl_asymptotic",
    "kl_upper",
    "latex",
    "literal_constant_constant",
    "memory_length",
    "mode_contraction",
    "mode_error_constant",
    "n",
    "next_lower",
    "persistence_floor",
    "refresh",
    "rho",
    "simplify",
    "sqrt_step_lower",
    "sqrt_step_upper",
    "t0",
    "tv_contraction",
    "w2_ball",
    "w2_contraction",
]

# --- symbols (assumptions declared; alpha is read in (0, 1], eta and rho in [0, 1]) -------
alpha = sp.Symbol("alpha", positive=True)
eta = sp.Symbol("eta", nonnegative=True)
eta_min = sp.Symbol("eta_min", nonnegative=True)
eps_star2 = sp.Symbol("eps_star2", nonnegative=True)
eps_hat2 = sp.Symbol("eps_hat2", nonnegative=True)
eps_min2 = sp.Symbol("eps_min2", nonnegative=True)
eps0_2 = sp.Symbol("eps0_2", nonnegative=True)
rho = sp.Symbol("rho", nonnegative=True)
C = sp.Symbol("C", nonnegative=True)
c = sp.Symbol("c", nonnegative=True)
c1 = sp.Symbol("c1", positive=True)
c2 = sp.Symbol("c2", positive=True)
C_bias = sp.Symbol("C_bias", nonnegative=True)
D = sp.Symbol("D", nonnegative=True)
D_i0 = sp.Symbol("D_i0", nonnegative=True)
I = sp.Symbol("I", nonnegative=True)  # noqa: E741 - the paper's name
J = sp.Symbol("J", nonnegative=True)
k = sp.Symbol("k", nonnegative=True)
N = sp.Symbol("N", integer=True, nonnegative=True)
j = sp.Symbol("j", integer=True, nonnegative=True)
e = sp.Function("e")  # a generic schedule e(j) = eps_star2 of generation i0 + j
n = sp.Symbol("n", integer=True, nonnegative=True)  # |n|, the Hermite order
t0 = sp.Symbol("t0", positive=True)
i = sp.Symbol("i", integer=True, nonnegative=True)
c_n = sp.Symbol("c_n", real=True)
e0 = sp.Symbol("e0", real=True)
delta = sp.Symbol("delta", nonnegative=True)
W0 = sp.Symbol("W0", nonnegative=True)

_LATEX_NAMES = {
    alpha: r"\alpha",
    eta: r"\eta",
    eta_min: r"\eta_{\min}",
    eps_star2: r"\varepsilon_{*}^{2}",
    eps_hat2: r"\hat\varepsilon^{2}",
    eps_min2: r"\varepsilon_{\min}^{2}",
    eps0_2: r"\varepsilon_{0}^{2}",
    rho: r"\rho",
    C_bias: r"C_{\mathrm{bias}}",
    D_i0: r"D_{i_0}",
    c1: "c_1",
    c2: "c_2",
}

_r = (1 - alpha) ** 2  # the per-generation discount

# --- per generation (Prop. 3.1, Prop. 3.3, Thm. 3.4; THEORY.md §7) ------------------------
kl_upper = eps_hat2 / 2
chi2_lower = eta * eps_star2 / 4 - C * eps_star2**2
chi2_lower_clean = eta * eps_star2 / 8
clean_condition = sp.And(eps_star2 <= 1, 8 * C * eps_star2 <= eta)
chi2_upper = 4 * eps_star2 + c * eps_star2**2
chi2_asymptotic = eta * eps_star2
kl_asymptotic = eta * eps_star2 / 2

# --- across generations (Lemma F.1, lower recursion, Prop. 4.1 (ii), Thm. 4.2) -----------
refresh = _r * D
next_lower = alpha / 2 * I - _r * D
persistence_floor = alpha * eta_min * eps_min2 / (16 * (1 + _r))
memory_length = 1 / (2 * alpha)
fixed_point = k / (alpha * (2 - alpha))

discounted_sum = sp.Sum(_r ** (N - j) * e(j), (j, 0, N)) + _r ** (N + 1) * D_i0
discounted_sum_constant = eps_star2 * (1 - _r ** (N + 1)) / (1 - _r) + _r ** (N + 1) * D_i0
discounted_sum_constant_limit = eps_star2 / (1 - _r)
discounted_sum_geometric = (
    eps0_2 * (_r ** (N + 1) - rho ** (N + 1)) / (_r - rho) + _r ** (N + 1) * D_i0
)
discounted_sum_geometric_limit = sp.Integer(0)

accumulated_upper_constant = c2 * discounted_sum_constant + C_bias
accumulated_lower_constant = (
    c1 * (discounted_sum_constant - _r ** (N + 1) * D_i0) - _r ** (N + 1) * D_i0 - C_bias
)
literal_constant_constant = (sp.Symbol("D_next", nonnegative=True) + C_bias) / (
    discounted_sum_constant
)

# --- the square-root recursion (derived in this project, THEORY.md §7) --------------------
sqrt_step_lower = (sp.sqrt(J) - (1 - alpha) * sp.sqrt(D)) ** 2
sqrt_step_upper = (sp.sqrt(J) + (1 - alpha) * sp.sqrt(D)) ** 2


# --- early stopping alone (derived in this project, THEORY.md §8; consistent with [KTV26b]) --
hermite_lambda = sp.exp(-n * t0 / 2)
hermite_gain = alpha * hermite_lambda / (1 - (1 - alpha) * hermite_lambda)
hermite_gain_series = sp.Sum(  # c_n of p_inf = sum_k alpha (1 - alpha)^(k-1) P_{k t0} p
    alpha * (1 - alpha) ** (j - 1) * hermite_lambda**j, (j, 1, sp.oo)
)
mode_contraction = (1 - alpha) * hermite_lambda
_fixed_error = (hermite_gain - 1) * c_n
mode_error_constant = _fixed_error + mode_contraction**i * (e0 - _fixed_error)
_kappa = sp.exp(-t0 / 2) * sp.sqrt(1 - alpha)
w2_contraction = _kappa
w2_ball = _kappa**i * W0 + delta * (1 - _kappa**i) / (1 - _kappa)
tv_contraction = (1 - alpha) ** i


def latex(expr: Any) -> str:
    r"""LaTeX of an expression with the paper's symbols (:math:`\alpha`, :math:`\eta`, ...)."""
    return sp.latex(expr, symbol_names=_LATEX_NAMES)


def simplify(expr: Any) -> Any:
    """``sympy.simplify`` (re-exported for convenience)."""
    return sp.simplify(expr)
