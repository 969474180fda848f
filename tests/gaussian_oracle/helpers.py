"""Random valid laws for the oracle tests: hypothesis strategies and seeded generators."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gaussian_oracle import Gaussian, GaussianMixture

finite = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False, allow_infinity=False)


@st.composite
def covariances(draw: st.DrawFn, d: int, lo: float = 0.2, hi: float = 3.0) -> np.ndarray:
    """SPD matrices with eigenvalues in [lo, hi] and a drawn orientation (Givens angles)."""
    eig = np.array(draw(st.lists(st.floats(lo, hi), min_size=d, max_size=d)))
    q = np.eye(d)
    for i in range(d):
        for j in range(i + 1, d):
            a = draw(st.floats(0.0, np.pi))
            g = np.eye(d)
            g[i, i] = g[j, j] = np.cos(a)
            g[i, j], g[j, i] = -np.sin(a), np.sin(a)
            q = q @ g
    return (q * eig) @ q.T


@st.composite
def gaussians(draw: st.DrawFn, d: int, lo: float = 0.2, hi: float = 3.0) -> Gaussian:
    mean = np.array(draw(st.lists(finite, min_size=d, max_size=d)))
    return Gaussian(mean, draw(covariances(d, lo, hi)))


@st.composite
def mixtures(
    draw: st.DrawFn, d: int, max_k: int = 3, lo: float = 0.2, hi: float = 3.0
) -> GaussianMixture:
    k = draw(st.integers(1, max_k))
    w = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k)))
    means = np.array([draw(st.lists(finite, min_size=d, max_size=d)) for _ in range(k)])
    covs = np.array([draw(covariances(d, lo, hi)) for _ in range(k)])
    return GaussianMixture(w / w.sum(), means, covs)


def random_cov(rng: np.random.Generator, d: int, lo: float = 0.3, hi: float = 3.0) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (q * rng.uniform(lo, hi, d)) @ q.T


def random_gaussian(rng: np.random.Generator, d: int, lo: float = 0.3, hi: float = 3.0) -> Gaussian:
    return Gaussian(rng.uniform(-1.5, 1.5, d), random_cov(rng, d, lo, hi))


def random_mixture(
    rng: np.random.Generator, d: int, k: int, lo: float = 0.3, hi: float = 3.0
) -> GaussianMixture:
    w = rng.uniform(0.2, 1.0, k)
    return GaussianMixture(
        w / w.sum(),
        rng.uniform(-1.5, 1.5, (k, d)),
        np.array([random_cov(rng, d, lo, hi) for _ in range(k)]),
    )


#: the largest condition number the laws accept (PD_RTOL = 1e-13), with margin for round-off
COND_LIMIT = 0.5e13


@st.composite
def conditioned_covariances(draw: st.DrawFn, d: int, max_cond: float = COND_LIMIT) -> np.ndarray:
    """SPD matrices whose condition number is drawn log-uniformly up to the accepted limit,
    with a scale from 1e-6 to 1e6 and a random orientation (diagonal half of the time)."""
    cond = 10.0 ** draw(st.floats(0.0, float(np.log10(max_cond))))
    scale = 10.0 ** draw(st.floats(-6.0, 6.0))
    lam = scale * cond ** (-np.linspace(0.0, 1.0, d)) if d > 1 else np.array([scale])
    if draw(st.booleans()):
        return np.diag(lam)
    seed = draw(st.integers(0, 2**32 - 1))
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    cov = (q * lam) @ q.T
    return 0.5 * (cov + cov.T)
