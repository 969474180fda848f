"""A fuzz harness for the public API: valid edge values and bad values, outcomes classified.

Every target is a public function or constructor with a description of its parameters; a call
draws each parameter from its domain's edge values (valid) or replaces one of them by a bad
value (invalid). The outcome of a call is one of

``ok``
    valid input, a result without NaN, no warning;
``limit``
    valid input refused with a library ``ValueError`` subclass (an announced limit);
``rejected``
    invalid input refused with a library ``ValueError`` subclass naming the parameter;
``unnamed``
    invalid input refused with a library error that does not name the parameter;
``accepted``
    invalid input accepted (a result came back);
``nan``
    a result holding NaN (valid input, or invalid input that came back);
``warning``
    a warning was emitted;
``exception``
    any other exception (a crash: ``TypeError``, ``ArithmeticError``, ``LinAlgError``, ...).

Used by ``tests/fuzz/test_fuzz_api.py`` (Hypothesis, bounded, derandomised in CI) and by
``python -m tests.fuzz.report`` (a seeded sweep that prints the figures of the closing notes).
Only names that exist in the public API are used, so the harness runs on older versions too.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np

import bounds as B
import gaussian_oracle as O

#: edge values inside each domain
PROB = [0.0, 5e-324, 1e-300, 1e-10, 0.3, 0.5, 1.0 - 1e-10, 1.0 - 1e-16, 1.0]
NONNEG = [0.0, 5e-324, 1e-300, 1e-12, 0.25, 1.0, 3.0, 1e12, 1e300, 1.7e308]
POSITIVE = [5e-324, 1e-300, 1e-12, 0.25, 1.0, 3.0, 1e12, 1e300, 1.7e308]
#: values outside every numeric domain (or of the wrong type)
BAD_NUMBERS: list[Any] = [
    float("nan"),
    float("inf"),
    -float("inf"),
    -1.0,
    -5e-324,
    "0.3",
    True,
    None,
    [0.1, "a"],
    object(),
    1 + 1j,
]
BAD_PROB = [*BAD_NUMBERS, 1.0 + 1e-12, 2.0]


@dataclass(frozen=True)
class Param:
    """A parameter: its name, valid values (or a factory drawing one) and bad values."""

    name: str
    valid: list[Any] | Callable[[np.random.Generator], Any]
    bad: list[Any]
    keyword: bool = False

    def draw(self, rng: np.random.Generator) -> Any:
        if callable(self.valid):
            return self.valid(rng)
        return self.valid[int(rng.integers(len(self.valid)))]


@dataclass(frozen=True)
class Target:
    name: str
    fn: Callable[..., Any]
    params: tuple[Param, ...]


def _arr(values: list[float]) -> Callable[[np.random.Generator], Any]:
    def draw(rng: np.random.Generator) -> Any:
        n = int(rng.integers(1, 6))
        return [values[int(rng.integers(len(values)))] for _ in range(n)]

    return draw


#: scales of the drawn laws: from 1e-150 to 1e150 (whitened ratios 1e-300 .. 1e300) for the
#: sweep of ``report.py``; the test suite narrows them (numerical routes on laws 1e300 apart
#: are refused quickly, but some take tens of seconds before they are)
SCALES = [-150.0, -20.0, -3.0, 0.0, 0.0, 3.0, 20.0, 150.0]
MEAN_SCALES = [0.0, 1.0, 1e3, 1e150]
#: largest log10 condition number drawn (the accepted limit is 13)
LOG_COND_MAX = 12.7


def _cond_cov(rng: np.random.Generator, d: int) -> np.ndarray:
    """A covariance with a condition number up to the accepted limit (1e13 / 2) and a scale
    drawn from :data:`SCALES` (powers of ten)."""
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    cond = 10.0 ** rng.uniform(0.0, LOG_COND_MAX)
    scale = 10.0 ** rng.choice(SCALES)
    lam = scale * cond ** (-np.linspace(0.0, 1.0, d)) if d > 1 else np.array([scale])
    diag = bool(rng.integers(2))
    cov = np.diag(lam) if diag else (q * lam) @ q.T
    return 0.5 * (cov + cov.T)


def _gaussian(rng: np.random.Generator, d: int | None = None) -> O.Gaussian:
    d = int(rng.integers(1, 4)) if d is None else d
    cov = _cond_cov(rng, d)
    mean = rng.choice(MEAN_SCALES) * rng.standard_normal(d)
    try:
        return O.Gaussian(mean, cov)
    except O.OracleValueError:  # round-off past the accepted condition number: a milder one
        return O.Gaussian(mean, np.eye(d))


def _mixture(rng: np.random.Generator, d: int | None = None) -> O.GaussianMixture:
    d = int(rng.integers(1, 4)) if d is None else d
    k = int(rng.integers(1, 4))
    parts = [_gaussian(rng, d) for _ in range(k)]
    w = rng.dirichlet(np.ones(k))
    return O.GaussianMixture(w, [g.mean for g in parts], [g.cov for g in parts])


def _law(rng: np.random.Generator) -> Any:
    return _gaussian(rng) if rng.integers(2) else _mixture(rng)


def _pair(rng: np.random.Generator) -> tuple[Any, Any]:
    d = int(rng.integers(1, 3))
    make = (_gaussian, _mixture)
    return make[int(rng.integers(2))](rng, d), make[int(rng.integers(2))](rng, d)


def _points(law: Any, x: Any) -> Any:
    """Three points at ``x`` in every coordinate (a bad ``x`` is passed as it is)."""
    if isinstance(x, float) and not isinstance(x, bool):
        return np.full((3, getattr(law, "dim", 1)), x)
    return x


BAD_LAWS: list[Any] = [None, 1.0, "N(0,1)", [0.0, 1.0], {"mean": 0.0, "cov": 1.0}]
EXACT = O.Diffusion(init="exact")


def _targets() -> list[Target]:
    p, nn, pos = PROB, NONNEG, POSITIVE
    bad, badp = BAD_NUMBERS, BAD_PROB
    out = [
        Target("bounds.kl_upper", B.kl_upper, (Param("eps_hat2", nn, bad),)),
        Target(
            "bounds.chi2_lower",
            lambda e, h, C: B.chi2_lower(e, h, C=C, outside="vacuous"),
            (Param("eps_star2", nn, bad), Param("eta", p, badp), Param("C", nn, bad)),
        ),
        Target(
            "bounds.chi2_lower_clean",
            lambda e, h, C: B.chi2_lower_clean(e, h, C=C, outside="vacuous"),
            (Param("eps_star2", nn, bad), Param("eta", p, badp), Param("C", nn, bad)),
        ),
        Target(
            "bounds.clean_regime",
            lambda e, h, C: B.clean_regime(e, h, C=C),
            (Param("eps_star2", nn, bad), Param("eta", p, badp), Param("C", nn, bad)),
        ),
        Target(
            "bounds.chi2_upper",
            lambda e, c: B.chi2_upper(e, c=c),
            (Param("eps_star2", nn, bad), Param("c", nn, bad)),
        ),
        Target(
            "bounds.chi2_asymptotic",
            B.chi2_asymptotic,
            (Param("eps_star2", nn, bad), Param("eta", p, badp)),
        ),
        Target(
            "bounds.kl_asymptotic",
            B.kl_asymptotic,
            (Param("eps_star2", nn, bad), Param("eta", p, badp)),
        ),
        Target(
            "bounds.refresh",
            B.refresh,
            (Param("D", [*nn, math.inf], bad[:1] + bad[3:]), Param("alpha", p, badp)),
        ),
        Target(
            "bounds.next_lower",
            B.next_lower,
            (
                Param("D", [*nn, math.inf], bad[:1] + bad[3:]),
                Param("I", [*nn, math.inf], bad[:1] + bad[3:]),
                Param("alpha", p, badp),
            ),
        ),
        Target(
            "bounds.persistence_floor",
            B.persistence_floor,
            (Param("alpha", p, badp), Param("eta_min", p, badp), Param("eps_min2", nn, bad)),
        ),
        Target("bounds.memory_length", B.memory_length, (Param("alpha", p, badp),)),
        Target("bounds.fixed_point", B.fixed_point, (Param("k", nn, bad), Param("alpha", p, badp))),
        Target(
            "bounds.discounted_sum",
            lambda e, a, d0: B.discounted_sum(e, a, D_i0=d0),
            (
                Param("eps_star2", _arr(nn), [[[1.0]], [1.0, -1.0], [math.nan], "1,2"]),
                Param("alpha", p, badp),
                Param("D_i0", [*nn, math.inf], bad[:1] + bad[3:]),
            ),
        ),
        Target(
            "bounds.accumulated_upper",
            lambda e, a, c2, cb, d0: B.accumulated_upper(e, a, c2=c2, C_bias=cb, D_i0=d0),
            (
                Param("eps_star2", _arr(nn), [[[1.0]], [1.0, -1.0], [math.nan]]),
                Param("alpha", p, badp),
                Param("c2", nn, bad),
                Param("C_bias", nn, bad),
                Param("D_i0", [*nn, math.inf], bad[:1] + bad[3:]),
            ),
        ),
        Target(
            "bounds.accumulated_lower",
            lambda e, a, c1, cb, d0: B.accumulated_lower(e, a, c1=c1, C_bias=cb, D_i0=d0),
            (
                Param("eps_star2", _arr(nn), [[[1.0]], [1.0, -1.0], [math.nan]]),
                Param("alpha", p, badp),
                Param("c1", nn, bad),
                Param("C_bias", nn, bad),
                Param("D_i0", nn, bad),
            ),
        ),
        Target(
            "bounds.sqrt_recursion_step",
            B.sqrt_recursion_step,
            (Param("D", nn, bad), Param("J", nn, bad), Param("alpha", p, badp)),
        ),
        Target(
            "bounds.sqrt_recursion_bounds",
            lambda j, a, d0: B.sqrt_recursion_bounds(j, a, D_i0=d0),
            (
                Param("J", _arr(nn), [[[1.0]], [1.0, -1.0], [math.nan]]),
                Param("alpha", p, badp),
                Param("D_i0", [*nn, math.inf], bad[:1] + bad[3:]),
            ),
        ),
        Target("bounds.ConstantSchedule", B.ConstantSchedule, (Param("value", nn, bad),)),
        Target(
            "bounds.GeometricSchedule",
            B.GeometricSchedule,
            (Param("eps0_2", nn, bad), Param("r", p, badp)),
        ),
        Target(
            "bounds.PowerLawSchedule",
            B.PowerLawSchedule,
            (Param("c", nn, bad), Param("p", pos, [*bad, 0.0])),
        ),
        Target(
            "bounds.classify_regime",
            lambda c, a, h: B.classify_regime(B.ConstantSchedule(c), a, eta_min=h),
            (Param("value", nn, bad), Param("alpha", p, badp), Param("eta_min", p, badp)),
        ),
        Target(
            "gaussian_oracle.Gaussian",
            lambda m, c: O.Gaussian(m, c),
            (
                Param("mean", [0.0, 1e-300, 1e300, -1.7e308], bad[:3] + bad[5:]),
                Param("cov", [5e-324 * 1e10, 1e-300, 1.0, 1e300], [*bad, 0.0, [[1.0, 2.0]]]),
            ),
        ),
        Target(
            "gaussian_oracle.Diffusion",
            lambda T, t0: O.Diffusion(T=T, t0=t0, init="exact"),
            (Param("T", [1e-6, 4.0, 1e3], [*bad, 0.0]), Param("t0", [1e-9, 1e-6], [*bad, 0.0])),
        ),
        Target(
            "gaussian_oracle.chi2",
            lambda pq: O.chi2(*pq, n_samples=2000),
            (Param("p", _pair, [(x, O.Gaussian(0.0, 1.0)) for x in BAD_LAWS]),),
        ),
        Target(
            "gaussian_oracle.kl",
            lambda pq: O.kl(*pq, n_samples=2000),
            (Param("p", _pair, [(x, O.Gaussian(0.0, 1.0)) for x in BAD_LAWS]),),
        ),
        Target(
            "gaussian_oracle.w2",
            lambda pq: O.w2(*pq),
            (
                Param(
                    "p",
                    lambda r: (_gaussian(r, 2), _gaussian(r, 2)),
                    [(x, O.Gaussian(0.0, 1.0)) for x in BAD_LAWS],
                ),
            ),
        ),
        Target(
            "gaussian_oracle.chi2_tail_check",
            lambda pq: O.chi2_tail_check(*pq),
            (
                Param(
                    "p",
                    _pair,
                    [(O.Gaussian(0.0, 1.0), O.Gaussian([0.0, 0.0], np.eye(2)))],
                ),
            ),
        ),
        Target(
            "gaussian_oracle.score",
            lambda law, x, t: O.score(law, _points(law, x), t),
            (
                Param("law", _law, BAD_LAWS),
                Param("x", [0.0, 1e-300, 1.0, 1e10, 2e154, 1e300, -1.7e308], bad[:3] + bad[5:]),
                Param("t", [0.0, 1e-12, 1.0, 1e3], [*bad, -1e-3]),
            ),
        ),
        Target(
            "gaussian_oracle.ou_transition",
            O.ou_transition,
            (Param("law", _law, BAD_LAWS), Param("t", [0.0, 1e-300, 1.0, 1e300], bad)),
        ),
        Target(
            "gaussian_oracle.convolve",
            O.convolve,
            (Param("law", _law, BAD_LAWS), Param("h", [0.0, 1e-300, 0.5, 1e10, 1e200], bad)),
        ),
        Target(
            "gaussian_oracle.mix",
            lambda a, pq: O.mix(a, *pq),
            (
                Param("alpha", p, badp),
                Param("p", _pair, [(x, O.Gaussian(0.0, 1.0)) for x in BAD_LAWS]),
            ),
        ),
        Target(
            "gaussian_oracle.PopulationKDE",
            O.PopulationKDE,
            (Param("h", [0.0, 1e-300, 0.5, 1e3], bad),),
        ),
        Target(
            "gaussian_oracle.FiniteSampleKDE",
            O.FiniteSampleKDE,
            (Param("n", [1, 10], [0, -1, 2.5, "3", True, None]), Param("h", [1e-300, 0.5], bad)),
        ),
        Target(
            "gaussian_oracle.standard_init_endpoint",
            lambda law: O.standard_init_endpoint(law, O.Diffusion()),
            (Param("law", _gaussian, BAD_LAWS),),
        ),
        Target(
            "gaussian_oracle.run_recursion",
            lambda law, a: O.run_recursion(
                law,
                alpha=a,
                learner=O.PopulationKDE(0.1),
                diffusion=EXACT,
                generations=2,
                compute=("I", "I_ideal", "J"),
                n_samples=2000,
            ),
            (Param("data", lambda r: _gaussian(r, 1), BAD_LAWS), Param("alpha", p, badp)),
        ),
        Target(
            "gaussian_oracle.LinearGaussianOracle.solve",
            lambda law, s: O.LinearGaussianOracle(
                law, EXACT, O.AffineError(xi=0.1 * np.ones(getattr(law, "dim", 1)))
            ).solve(s),
            (
                Param("data", lambda r: _gaussian(r, int(r.integers(1, 3))), BAD_LAWS),
                Param("scale", [0.0, 1e-300, 1e-8, 1.0, 10.0], bad),
            ),
        ),
    ]
    return out


TARGETS: list[Target] = _targets()


def _library_error(exc: BaseException) -> bool:
    return isinstance(exc, O.OracleValueError | B.BoundsValueError)


def _has_nan(x: Any, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if isinstance(x, float | np.floating):
        return bool(np.isnan(x))
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "fc" and bool(np.any(np.isnan(x)))
    if isinstance(x, tuple | list):
        return any(_has_nan(v, depth + 1) for v in x)
    if isinstance(x, dict):
        return any(_has_nan(v, depth + 1) for v in x.values())
    if is_dataclass(x) and not isinstance(x, type):
        return any(_has_nan(getattr(x, f.name), depth + 1) for f in fields(x))
    return False


def call(target: Target, args: list[Any], bad_index: int | None) -> tuple[str, str]:
    """Run one call; ``(outcome, detail)`` as classified in the module docstring."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = target.fn(*args)
        except Warning as w:
            return "warning", f"{type(w).__name__}: {w}"
        except Exception as exc:
            if not _library_error(exc):
                return "exception", f"{type(exc).__name__}: {exc}"[:300]
            if bad_index is None:
                return "limit", str(exc)[:300]
            name = target.params[bad_index].name
            return ("rejected" if name in str(exc) else "unnamed"), str(exc)[:300]
    if _has_nan(out):
        return "nan", repr(out)[:300]
    if bad_index is None:
        return "ok", ""
    return "accepted", f"{target.params[bad_index].name}={args[bad_index]!r}"


def draw_call(target: Target, rng: np.random.Generator, bad: bool) -> tuple[list[Any], int | None]:
    """Arguments for one call: all valid, or one parameter replaced by a bad value."""
    args = [prm.draw(rng) for prm in target.params]
    if not bad:
        return args, None
    k = int(rng.integers(len(target.params)))
    choices = target.params[k].bad
    args[k] = choices[int(rng.integers(len(choices)))]
    return args, k
