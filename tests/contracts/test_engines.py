"""One battery for every registered engine: a new engine is tested the moment it registers.

Every engine that supports a Gaussian-affine instance must agree with the linear engine there
(exact engines to round-off, numerical ones within their stated errors); every engine returns
a picklable :class:`GenerationSolution` whose values are labelled; "auto" takes the most exact.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from gaussian_oracle import (
    ENGINES,
    AffineError,
    Diffusion,
    Gaussian,
    GaussianMixture,
    GenerationSolution,
    LinearGaussianOracle,
    ScoreDifference,
    push_forward,
    solve_generation,
    supporting_engines,
)

#: Gaussian-affine instances: an affine error on Gaussian data, and the score difference of
#: two Gaussians (which the law-map engine also supports), under both inits
DATA = Gaussian([0.3, -0.2], [[0.9, 0.2], [0.2, 0.6]])
GAUSSIAN_AFFINE = {
    "affine-exact": (DATA, AffineError(W=[[0.1, 0.0], [0.05, -0.1]], xi=[0.2, 0.0]), "exact"),
    "affine-standard": (DATA, AffineError(xi=[0.0, 0.3]), "standard"),
    "learned-law-exact": (
        DATA,
        ScoreDifference(DATA, push_forward(DATA, 1.05, [0.1, 0.0])),
        "exact",
    ),
}
#: sizes of the numerical routes in the battery: small enough to be fast, large enough for
#: the stated errors to be meaningful (regression: 4 paths per feature at least)
SIZES = {"n_samples": 4000, "eta_paths": 4000, "eta_steps": 40}


def _linear(data, error, diffusion):
    affine = error.affine() if isinstance(error, ScoreDifference) else error
    return LinearGaussianOracle(data, diffusion, affine).solve()


def _cases():
    for name in ENGINES:
        for label in GAUSSIAN_AFFINE:
            yield pytest.param(name, label, id=f"{name}-{label}")


@pytest.mark.parametrize(("engine", "label"), list(_cases()))
def test_every_engine_agrees_with_the_linear_engine_where_it_supports_it(engine, label):
    data, error, init = GAUSSIAN_AFFINE[label]
    diffusion = Diffusion(T=2.0, t0=0.05, init=init)
    why = ENGINES[engine].supports(data, error, diffusion)
    if why is not None:
        assert isinstance(why, str) and why  # a reason, in words
        with pytest.raises(ValueError, match=rf"engine='{engine}' does not support"):
            solve_generation(data, error, diffusion, engine=engine, **SIZES)
        return
    sol = solve_generation(
        data, error, diffusion, engine=engine, rng=np.random.default_rng(5), **SIZES
    )
    assert isinstance(sol, GenerationSolution) and sol.engine == engine
    exact = _linear(data, error, diffusion)
    for name in ("eps_star2", "eta"):
        got, want = getattr(sol, name), getattr(exact, name)
        assert got.kind in ("exact", "estimate", "lower-bound")
        if got.exact:
            # the same ODE solution or a closed form: round-off of the solver (rtol 1e-12)
            assert got.value == pytest.approx(want, rel=1e-9, abs=1e-14)
        elif got.kind == "estimate":
            # 5 standard errors (fixed seed) plus the estimated discretisation bias, plus the
            # cubature's own error estimate when the method is quadrature
            slack = 5.0 * got.abs_error + abs(got.bias) + 1e-9 * abs(want)
            assert abs(got.value - want) <= slack, (name, got, want)
        else:  # a lower bound, up to its errors
            assert got.value - 5.0 * got.abs_error - abs(got.bias) <= want
    assert pickle.loads(pickle.dumps(sol)).eps_star2 == sol.eps_star2


def test_auto_takes_the_most_exact_engine_and_says_why():
    data, error, _ = GAUSSIAN_AFFINE["learned-law-exact"]
    sol = solve_generation(data, error, Diffusion(init="exact"))
    assert sol.engine == "linear" and sol.exact
    assert "zero-error: the error is not known to vanish" in sol.reason
    mixture = GaussianMixture([0.5, 0.5], [[-1.0], [1.0]], [[[0.3]], [[0.3]]])
    learned = push_forward(mixture, 1.0, 0.1)
    reasons = supporting_engines(mixture, ScoreDifference(mixture, learned), Diffusion())
    assert reasons["linear"] == "the data is not Gaussian"
    assert "standard init" in reasons["law-map"] and reasons["monte-carlo"] is None
    zero = solve_generation(mixture, ScoreDifference(mixture, mixture), Diffusion())
    assert zero.engine == "zero-error" and zero.eps_star2.value == 0.0 and zero.eta.value == 0.0


def test_bad_engine_requests_are_clear_errors():
    data, error, _ = GAUSSIAN_AFFINE["affine-exact"]
    d = Diffusion()
    with pytest.raises(ValueError, match=r"engine='fd' must be 'auto' or one of"):
        solve_generation(data, error, d, engine="fd")
    with pytest.raises(ValueError, match=r"compute=\['energy'\]: energy not among"):
        solve_generation(data, error, d, compute=["energy"])
    with pytest.raises(ValueError, match="error=3 must be an AffineError, a ScoreDifference"):
        solve_generation(data, 3, d)
    with pytest.raises(ValueError, match=r"scale=-1\.0 must lie in"):
        solve_generation(data, error, d, scale=-1.0)
