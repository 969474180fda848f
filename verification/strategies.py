"""Hypothesis strategies for valid oracle instances, for the verifier and for users' own tests.

>>> from hypothesis import given
>>> from verification.strategies import generation_instances
>>> @given(generation_instances(max_dim=2))
... def test_kl_below_path_kl(inst):
...     sol = inst.solution
...     assert sol.kl.value <= sol.path_kl * (1 + 1e-9)

Every strategy draws only valid inputs: covariances are built from a random orthonormal basis
and eigenvalues spread over a chosen condition number (1 to 1e3), so they are symmetric
positive definite by construction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from gaussian_oracle import (
    AffinePushforward,
    Diffusion,
    ExactScore,
    FiniteSampleKDE,
    FiniteSampleRefit,
    Gaussian,
    GaussianMixture,
    PopulationKDE,
)

from ._families import (
    ERROR_KINDS,
    affine_error_from,
    gaussian_from,
    generation_family,
    recursion_family,
)
from ._instances import PROFILES, GenerationInstance, RecursionInstance

__all__ = [
    "affine_errors",
    "alphas",
    "diffusions",
    "gaussian_data",
    "generation_instances",
    "learners",
    "mixtures",
    "recursion_instances",
]


@st.composite
def gaussian_data(draw: Any, dims: tuple[int, int] = (1, 5)) -> Gaussian:
    """Gaussian data in dimension ``dims[0]..dims[1]``, condition number up to 1e3."""
    d = draw(st.integers(*dims))
    log_cond, log_size = draw(st.floats(0.0, 3.0)), draw(st.floats(-0.7, 0.5))
    seed = draw(st.integers(0, 2**31 - 1))
    mean = draw(st.lists(st.floats(-2.0, 2.0), min_size=d, max_size=d))
    return gaussian_from(d, log_cond, log_size, seed, mean)


@st.composite
def mixtures(draw: Any, dims: tuple[int, int] = (1, 3), max_components: int = 4) -> GaussianMixture:
    """Gaussian mixtures: 1 to ``max_components`` components drawn as :func:`gaussian_data`,
    raw weights in [0.05, 1] normalised, so no weight is below 0.05 / K (every component
    visible)."""
    d = draw(st.integers(*dims))
    k = draw(st.integers(1, max_components))
    parts = [draw(gaussian_data(dims=(d, d))) for _ in range(k)]
    raw = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k)))
    return GaussianMixture(
        raw / raw.sum(),
        np.array([g.mean for g in parts]),
        np.array([g.cov for g in parts]),
    )


@st.composite
def learners(draw: Any, d: int = 1) -> Any:
    """One learner of each kind, with sizes that keep the error perturbative: bandwidths and
    biases from 0.01 to 0.3, scale errors within 10%, 50 to 500 samples."""
    kind = draw(st.sampled_from(["exact", "kde", "affine", "refit", "sample-kde"]))
    if kind == "exact":
        return ExactScore()
    if kind == "kde":
        return PopulationKDE(draw(st.floats(0.01, 0.3)))
    if kind == "affine":
        bias = draw(st.lists(st.floats(-0.3, 0.3), min_size=d, max_size=d))
        return AffinePushforward(draw(st.floats(0.9, 1.1)), bias)
    n = draw(st.integers(50, 500))
    if kind == "refit":
        return FiniteSampleRefit(n)
    return FiniteSampleKDE(n, draw(st.floats(0.05, 0.3)))


@st.composite
def affine_errors(draw: Any, d: int) -> tuple[np.ndarray, np.ndarray, str]:
    """``(W, xi, profile)``: bias-only, linear-only, both, or a skew rotation (nearly
    unobservable on near-isotropic data); time profile constant, noisy or clean."""
    kind = draw(st.sampled_from(ERROR_KINDS))
    w, xi = affine_error_from(kind, d, draw(st.integers(0, 2**31 - 1)))
    return w, xi, draw(st.sampled_from(PROFILES))


@st.composite
def diffusions(draw: Any, inits: tuple[str, ...] = ("standard", "exact")) -> Diffusion:
    """Horizon ``T`` in [1, 6], early stopping ``t0`` in [0.005, 0.1], either init."""
    return Diffusion(
        T=draw(st.floats(1.0, 6.0)),
        t0=draw(st.floats(0.005, 0.1)),
        init=draw(st.sampled_from(inits)),
    )


def alphas(*, positive: bool = True) -> st.SearchStrategy[float]:
    """Fresh-data fractions: (0, 1], or [0, 1] with ``positive=False``."""
    return st.floats(0.05 if positive else 0.0, 1.0)


def generation_instances(max_dim: int = 5) -> st.SearchStrategy[GenerationInstance]:
    """One generation of the linear-Gaussian oracle, error scale from 1e-3 to 3 (small,
    perturbative and large errors): the parameter boxes of
    :func:`verification._families.generation_family`, which the report draws from."""
    return generation_family(max_dim).strategy()


def recursion_instances(
    generations: int = 8, eta_paths: int = 1000, eta_steps: int = 60
) -> st.SearchStrategy[RecursionInstance]:
    """A recursion in dimension 1 (quadrature for every quantity): Gaussian data, exact init,
    a bias, a KDE bandwidth or the exact score, constant or geometrically decaying (the boxes
    of :func:`verification._families.recursion_family`)."""
    return recursion_family(generations, eta_paths, eta_steps).strategy()
