"""Every validation path: a ValueError subclass naming the parameter, value and condition."""

from __future__ import annotations

import numpy as np
import pytest

from gaussian_oracle import (
    Gaussian,
    GaussianMixture,
    NotPositiveDefiniteError,
    OracleDomainError,
    OracleShapeError,
    OracleValueError,
    as_mixture,
    chi2,
    convolve,
    kl,
    mix,
    ou_transition,
    push_forward,
    score,
    w2,
)

G1 = Gaussian(0.0, 1.0)
G2 = Gaussian([0.0, 0.0], np.eye(2))
M1 = GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 2.0])


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: Gaussian([0.0, np.nan], np.eye(2)), OracleDomainError, r"mean=.*must be finite"),
        (lambda: Gaussian("abc", 1.0), OracleDomainError, r"mean='abc' must be a real number"),
        (
            lambda: Gaussian(np.zeros((2, 2)), np.eye(2)),
            OracleShapeError,
            r"mean=.*vector of shape",
        ),
        (
            lambda: Gaussian([0.0, 0.0], np.eye(3)),
            OracleShapeError,
            r"cov has shape \(3, 3\).*\(2, 2\)",
        ),
        (lambda: Gaussian([0.0, 0.0], 1.0), OracleShapeError, r"cov has shape \(\)"),
        (lambda: Gaussian(0.0, np.inf), OracleDomainError, r"cov=inf must be finite"),
        (
            lambda: Gaussian([0, 0], [[1.0, 0.5], [0.0, 1.0]]),
            NotPositiveDefiniteError,
            r"cov=.*must be symmetric",
        ),
        (
            lambda: Gaussian([0, 0], [[1.0, 2.0], [2.0, 1.0]]),
            NotPositiveDefiniteError,
            r"cov=.*must be positive definite: eigenvalues in \[-1, 3\]",
        ),
        (lambda: Gaussian(0.0, 0.0), NotPositiveDefiniteError, r"must be positive definite"),
        (
            lambda: Gaussian([0, 0], np.diag([1.0, 1e-15])),
            NotPositiveDefiniteError,
            r"1e-13 x the largest",
        ),
        (lambda: GaussianMixture([], [], []), OracleShapeError, r"weights=.*non-empty"),
        (
            lambda: GaussianMixture([[0.5, 0.5]], [0.0, 1.0], [1.0, 1.0]),
            OracleShapeError,
            r"weights=.*shape \(K,\)",
        ),
        (
            lambda: GaussianMixture([1.5, -0.5], [0.0, 1.0], [1.0, 1.0]),
            OracleDomainError,
            r"weights=\[ ?1.5, -0.5\] must be >= 0",
        ),
        (
            lambda: GaussianMixture([0.5, 0.6], [0.0, 1.0], [1.0, 1.0]),
            OracleDomainError,
            r"must sum to 1 .*sum to 1.1",
        ),
        (
            lambda: GaussianMixture([0.5, 0.5], [0.0, 1.0, 2.0], [1.0, 1.0]),
            OracleShapeError,
            r"means has shape \(3, 1\); with 2 weights",
        ),
        (
            lambda: GaussianMixture([0.5, 0.5], [[0, 0], [1, 1]], np.ones((3, 2, 2))),
            OracleShapeError,
            r"covs has shape \(3, 2, 2\)",
        ),
        (
            lambda: GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, -1.0]),
            NotPositiveDefiniteError,
            r"covs\[1\]=.*positive definite",
        ),
        (
            lambda: GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 1.0], ages=[0, -1]),
            OracleDomainError,
            r"ages=.*non-negative integers",
        ),
        (
            lambda: GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 1.0], ages=[0.5, 1]),
            OracleDomainError,
            r"ages=",
        ),
        (lambda: M1.component(2), OracleDomainError, r"k=2 must lie in \[0, 1\]"),
        (lambda: M1.aged(-1), OracleDomainError, r"by=-1 must be an integer >= 0"),
        (lambda: as_mixture("law"), OracleDomainError, r"law='law' must be a Gaussian"),
        (
            lambda: G1.sample(0, np.random.default_rng(0)),
            OracleDomainError,
            r"n=0 must be an integer >= 1",
        ),
        (lambda: G1.sample(2.5, np.random.default_rng(0)), OracleDomainError, r"n=2.5"),
        (lambda: G1.sample(True, np.random.default_rng(0)), OracleDomainError, r"n=True"),
        (
            lambda: G1.sample(3, np.random.RandomState(0)),
            OracleDomainError,
            r"rng=.*must be a numpy.random.Generator",
        ),
        (lambda: G1.sample(3, 42), OracleDomainError, r"rng=42 must be a numpy.random.Generator"),
        (
            lambda: G2.logpdf(np.zeros((4, 3))),
            OracleShapeError,
            r"x has shape \(4, 3\); its last axis",
        ),
        (lambda: G2.logpdf([np.nan, 0.0]), OracleDomainError, r"x=.*must be finite"),
        (lambda: ou_transition(G1, -0.1), OracleDomainError, r"t=-0.1 must lie in \[0, inf\]"),
        (lambda: ou_transition(G1, np.nan), OracleDomainError, r"t=nan must be finite"),
        (lambda: ou_transition(G1, [0.1, 0.2]), OracleShapeError, r"t=.*must be a scalar"),
        (lambda: ou_transition("G1", 0.1), OracleDomainError, r"law='G1' must be a Gaussian"),
        (lambda: convolve(G1, -1.0), OracleDomainError, r"h=-1.0 must lie in \[0, inf\]"),
        (lambda: push_forward(G2, np.ones((2, 3))), OracleShapeError, r"A has shape \(2, 3\)"),
        (
            lambda: push_forward(G2, np.eye(2), [1.0, 2.0, 3.0]),
            OracleShapeError,
            r"b has shape \(3,\)",
        ),
        (
            lambda: push_forward(G2, [[1.0, 0.0], [1.0, 0.0]]),
            NotPositiveDefiniteError,
            r"full row rank",
        ),
        (lambda: mix(1.3, G1, G1), OracleDomainError, r"alpha=1.3 must lie in \[0, 1\]"),
        (lambda: mix(0.5, G1, G2), OracleShapeError, r"p has dimension 1 and q has dimension 2"),
        (lambda: mix(0.5, G1, None), OracleDomainError, r"q=None must be a Gaussian"),
        (lambda: score(G2, np.zeros(3)), OracleShapeError, r"x has shape \(3,\)"),
        (lambda: score(G2, np.zeros(2), t=-1.0), OracleDomainError, r"t=-1.0"),
        (lambda: chi2(G1, G2), OracleShapeError, r"p has dimension 1 and q has dimension 2"),
        (lambda: kl(G1, "q"), OracleDomainError, r"q='q' must be a Gaussian"),
        (lambda: chi2(G1, G1, method="exact"), OracleDomainError, r"method='exact' must be one of"),
        (lambda: chi2(G1, M1, method="closed-form"), OracleDomainError, r"no closed form for chi2"),
        (
            lambda: kl(
                Gaussian(np.zeros(3), np.eye(3)),
                as_mixture(Gaussian(np.zeros(3), np.eye(3))),
                method="quadrature",
            ),
            OracleDomainError,
            r"dimension 1 or 2, not 3",
        ),
        (
            lambda: kl(M1, G1, n_samples=1),
            OracleDomainError,
            r"n_samples=1 must be an integer >= 2",
        ),
        (lambda: chi2(G1, G1, rng=0), OracleDomainError, r"rng=0 must be a numpy.random.Generator"),
        (
            lambda: w2(M1, G1),
            OracleDomainError,
            r"p has 2 components: w2 is implemented for Gaussian",
        ),
    ],
)
def test_bad_input_raises_a_named_error(call, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        call()
    assert isinstance(info.value, OracleValueError) and isinstance(info.value, ValueError)


def test_errors_leave_inputs_untouched():
    cov = np.array([[1.0, 2.0], [2.0, 1.0]])
    before = cov.copy()
    with pytest.raises(NotPositiveDefiniteError):
        Gaussian([0.0, 0.0], cov)
    np.testing.assert_array_equal(cov, before)


def test_infinite_divergences_raise_no_warning():
    # pytest runs with filterwarnings=error: any overflow/divide warning would fail this test
    assert chi2(Gaussian(0.0, 5.0), G1).value == np.inf
    huge = chi2(Gaussian(40.0, 1.0), G1)  # e^{1600} - 1 overflows float64: inf with the log
    assert huge.value == np.inf and "log(1 + chi2) = 1600" in huge.reason
    assert chi2(as_mixture(Gaussian(0.0, 5.0)), G1).value == np.inf


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda: __import__("gaussian_oracle").Diffusion(T=1.0, t0=1.0),
            OracleDomainError,
            r"t0=1.0 must be smaller than T=1.0",
        ),
        (
            lambda: __import__("gaussian_oracle").Diffusion(t0=0.0),
            OracleDomainError,
            r"t0=0.0 must lie in \(0, inf\]",
        ),
        (lambda: __import__("gaussian_oracle").Diffusion(T=np.nan), OracleDomainError, r"T=nan"),
        (
            lambda: __import__("gaussian_oracle").Diffusion(init="ideal"),
            OracleDomainError,
            r"init='ideal' must be one of 'standard', 'exact'",
        ),
        (lambda: __import__("gaussian_oracle").AffineError(), OracleDomainError, r"needs W, xi"),
        (
            lambda: __import__("gaussian_oracle").AffineError(W=np.ones((2, 3))),
            OracleShapeError,
            r"W has shape \(2, 3\)",
        ),
        (
            lambda: __import__("gaussian_oracle").AffineError(W=np.eye(2), xi=[1.0, 2.0, 3.0]),
            OracleShapeError,
            r"W is 2 x 2 but xi has length 3",
        ),
        (
            lambda: __import__("gaussian_oracle").AffineError(xi=[np.inf]),
            OracleDomainError,
            r"xi=.*must be finite",
        ),
    ],
)
def test_bad_diffusion_and_error(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_bad_oracle_arguments():
    from gaussian_oracle import AffineError, Diffusion, LinearGaussianOracle

    err = AffineError(xi=[0.1, 0.2])
    with pytest.raises(OracleShapeError, match="error has dimension 2 but data has dimension 1"):
        LinearGaussianOracle(G1, Diffusion(), err)
    with pytest.raises(OracleDomainError, match=r"data=.* must be a Gaussian"):
        LinearGaussianOracle(M1, Diffusion(), AffineError(xi=0.1))
    with pytest.raises(OracleDomainError, match=r"diffusion=4\.0 must be a Diffusion"):
        LinearGaussianOracle(G1, 4.0, AffineError(xi=0.1))
    bad_callable = AffineError(W=lambda s: np.eye(3))
    with pytest.raises(
        OracleShapeError, match=r"W\(s\) at s=4.0 returned .* must be a finite \(2, 2\)"
    ):
        LinearGaussianOracle(G2, Diffusion(), bad_callable)
    nan_callable = AffineError(xi=lambda s: np.array([np.nan, 0.0]))
    with pytest.raises(OracleShapeError, match=r"xi\(s\) at s=4.0"):
        LinearGaussianOracle(G2, Diffusion(), nan_callable)
    oracle = LinearGaussianOracle(G1, Diffusion(), AffineError(xi=0.1))
    with pytest.raises(OracleDomainError, match=r"scale=-1.0 must lie in \[0, inf\]"):
        oracle.solve(-1.0)
    with pytest.raises(OracleDomainError, match=r"rtol=1e-16"):
        oracle.solve(rtol=1e-16)


@pytest.mark.parametrize("bad", ["4.0", True, None, [1.0, "a"]])
def test_numeric_strings_and_bools_are_refused_by_the_oracle(bad):
    from gaussian_oracle import Diffusion, OracleDomainError, PopulationKDE

    with pytest.raises(OracleDomainError, match=r"T=.* must be a real number"):
        Diffusion(T=bad)
    with pytest.raises(OracleDomainError, match=r"h=.* must be a real number"):
        PopulationKDE(bad)
