"""Symbolic twins: lambdified expressions agree with the numeric functions; closed forms agree
with SymPy's own summation."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import bounds as B
from bounds import symbolic as S

RNG = np.random.default_rng(11)
POINTS = 40


def _draw(name):
    if name in ("alpha", "eta", "eta_min", "rho"):
        return RNG.uniform(0.01, 0.99, POINTS)
    if name == "eps_star2":
        return RNG.uniform(0.0, 1.0, POINTS)  # Prop. 3.3 needs eps_star2 <= 1
    return RNG.uniform(0.0, 3.0, POINTS)


@pytest.mark.parametrize(
    ("expr", "numeric"),
    [
        (S.kl_upper, lambda v: B.kl_upper(v["eps_hat2"])),
        (S.chi2_lower, lambda v: B.chi2_lower(v["eps_star2"], v["eta"], C=v["C"])),
        (
            S.chi2_lower_clean,
            lambda v: B.chi2_lower_clean(v["eps_star2"], v["eta"], C=v["C"], outside="vacuous"),
        ),
        (S.chi2_upper, lambda v: B.chi2_upper(v["eps_star2"], c=v["c"])),
        (S.chi2_asymptotic, lambda v: B.chi2_asymptotic(v["eps_star2"], v["eta"])),
        (S.kl_asymptotic, lambda v: B.kl_asymptotic(v["eps_star2"], v["eta"])),
        (S.refresh, lambda v: B.refresh(v["D"], v["alpha"])),
        (S.next_lower, lambda v: B.next_lower(v["D"], v["I"], v["alpha"])),
        (
            S.persistence_floor,
            lambda v: B.persistence_floor(v["alpha"], v["eta_min"], v["eps_min2"]),
        ),
        (S.memory_length, lambda v: B.memory_length(v["alpha"])),
        (S.fixed_point, lambda v: B.fixed_point(v["k"], v["alpha"])),
        (S.sqrt_step_lower, lambda v: B.sqrt_recursion_step(v["D"], v["J"], v["alpha"])[0]),
        (S.sqrt_step_upper, lambda v: B.sqrt_recursion_step(v["D"], v["J"], v["alpha"])[1]),
    ],
    ids=lambda x: getattr(x, "__name__", str(x))[:40],
)
def test_lambdified_expression_matches_numeric_twin(expr, numeric):
    names = sorted(str(s) for s in expr.free_symbols)
    values = {n: _draw(n) for n in names}
    if expr is S.chi2_lower_clean:  # compare inside the clean regime, where both apply
        values["C"] = np.zeros(POINTS)
    f = sp.lambdify([sp.Symbol(n) for n in names], expr, "numpy")
    sym = f(*[values[n] for n in names])
    # same formula, different evaluation order: a few ulps; 1e-13 relative with a tiny floor
    np.testing.assert_allclose(numeric(values), sym, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("kind", ["constant", "geometric"])
def test_closed_form_discounted_sums_match_numeric(kind):
    n = 40
    for alpha, d0 in [(0.05, 0.0), (0.3, 1.5), (0.9, 0.2)]:
        if kind == "constant":
            e, expr, subs = np.full(n, 0.7), S.discounted_sum_constant, {S.eps_star2: 0.7}
        else:
            e = 0.8 * 0.6 ** np.arange(n)
            expr, subs = S.discounted_sum_geometric, {S.eps0_2: 0.8, S.rho: 0.6}
        f = sp.lambdify(S.N, expr.subs({**subs, S.alpha: alpha, S.D_i0: d0}), "numpy")
        np.testing.assert_allclose(
            B.discounted_sum(e, alpha, D_i0=d0), f(np.arange(n)), rtol=1e-12
        )  # closed form loses a few ulps to r^(N+1)


def test_closed_forms_equal_sympy_summation():
    r = (1 - S.alpha) ** 2
    const = sp.summation(r ** (S.N - S.j) * S.eps_star2, (S.j, 0, S.N)) + r ** (S.N + 1) * S.D_i0
    geom = (
        sp.summation(r ** (S.N - S.j) * S.eps0_2 * S.rho**S.j, (S.j, 0, S.N))
        + r ** (S.N + 1) * S.D_i0
    )
    for a in (sp.Rational(1, 3), sp.Rational(1, 7)):
        for n in (0, 1, 5):
            vals = {S.alpha: a, S.N: n, S.rho: sp.Rational(2, 5)}
            assert sp.simplify((const - S.discounted_sum_constant).subs(vals).doit()) == 0
            assert sp.simplify((geom - S.discounted_sum_geometric).subs(vals).doit()) == 0


def test_limits_as_n_goes_to_infinity():
    for a in (sp.Rational(1, 3), sp.Rational(1, 2), sp.Integer(1)):
        lim = sp.limit(S.discounted_sum_constant.subs(S.alpha, a), S.N, sp.oo)
        assert sp.simplify(lim - S.discounted_sum_constant_limit.subs(S.alpha, a)) == 0
        geo = sp.limit(
            S.discounted_sum_geometric.subs({S.alpha: a, S.rho: sp.Rational(1, 2)}), S.N, sp.oo
        )
        assert geo == S.discounted_sum_geometric_limit
    # the limit of the constant schedule is the fixed point of the scalar recursion
    assert sp.simplify(S.discounted_sum_constant_limit - S.fixed_point.subs(S.k, S.eps_star2)) == 0


def test_clean_condition_implies_the_clean_bound():
    # under 8 C eps <= eta, eta eps / 4 - C eps^2 >= eta eps / 8
    gap = sp.factor(S.chi2_lower - S.chi2_lower_clean)
    assert sp.simplify(gap - S.eps_star2 * (S.eta - 8 * S.C * S.eps_star2) / 8) == 0


def test_latex_uses_the_papers_symbols():
    text = S.latex(S.persistence_floor)
    assert r"\alpha" in text and r"\eta_{\min}" in text and r"\varepsilon_{\min}^{2}" in text
    assert r"C_{\mathrm{bias}}" in S.latex(S.accumulated_upper_constant)


def test_assumptions_let_sympy_simplify_what_the_theory_needs():
    """Replaces a test of the declarations against themselves: the assumptions must change what
    SymPy can prove (each line fails for a symbol declared without them)."""
    plain = sp.Symbol("x", real=True)
    assert sp.sqrt(S.eps_star2**2) == S.eps_star2 and sp.sqrt(plain**2) != plain
    assert sp.Abs(S.eta) == S.eta and sp.Abs(S.alpha) == S.alpha
    assert sp.ask(sp.Q.nonnegative(S.eta * S.eps_star2 / 4)) is True
    assert sp.simplify((-1) ** (2 * S.N)) == 1  # N is an integer


def test_accumulated_and_literal_closed_forms_match_numeric():
    n, alpha, d0, eps = 25, 0.2, 0.8, 0.3
    e = np.full(n, eps)
    vals = {S.alpha: alpha, S.D_i0: d0, S.eps_star2: eps, S.c1: 0.5, S.c2: 3.0, S.C_bias: 0.05}
    upper = sp.lambdify(S.N, S.accumulated_upper_constant.subs(vals), "numpy")(np.arange(n))
    lower = sp.lambdify(S.N, S.accumulated_lower_constant.subs(vals), "numpy")(np.arange(n))
    np.testing.assert_allclose(
        B.accumulated_upper(e, alpha, c2=3.0, C_bias=0.05, D_i0=d0), upper, rtol=1e-12
    )
    np.testing.assert_allclose(
        B.accumulated_lower(e, alpha, c1=0.5, C_bias=0.05, D_i0=d0), lower, rtol=1e-12
    )
    d_next = np.linspace(0.1, 0.5, n)
    lit = sp.lambdify(
        (S.N, sp.Symbol("D_next", nonnegative=True)),
        S.literal_constant_constant.subs(vals),
        "numpy",
    )(np.arange(n), d_next)
    np.testing.assert_allclose(
        B.literal_constant(d_next, e, alpha, C_bias=0.05, D_i0=d0), lit, rtol=1e-12
    )
