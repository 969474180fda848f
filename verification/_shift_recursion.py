"""The oracle's recursion behind the regime phase diagrams (:mod:`verification._phase`): data
``N(0, 1)``, exact init, the shift learner ``x -> x + b_i``, in closed form for every alpha."""

from __future__ import annotations

import math

import numpy as np

from gaussian_oracle import Diffusion

__all__ = ["shift_recursion_D"]


def _shifts(energies: np.ndarray, diffusion: Diffusion, bias: str) -> np.ndarray:
    """The learner's shifts ``b_i`` whose score energy on ``N(0, 1)`` is ``energies[i]``."""
    kappa = math.exp(-diffusion.t0) - math.exp(-diffusion.T)  # energy of a unit shift of N(0,1)
    b = np.sqrt(energies / kappa)
    if bias == "alternating":
        b = b * np.where(np.arange(b.size) % 2 == 0, 1.0, -1.0)
    return b


def shift_recursion_D(
    b: np.ndarray, alphas: np.ndarray, t0: float, every: bool = False
) -> np.ndarray:
    """Exact ``D_n = chi2(p_hat_n || N(0, 1))`` of the shift recursion, for all ``alphas`` at once.

    Data ``N(0, 1)``, exact init, learner ``x -> x + b_i``: the OU transition over ``t0`` maps
    ``N(m, 1)`` to ``N(c m, 1)`` with ``c = e^{-t0 / 2}``, so ``p_hat_n`` is a mixture of unit
    Gaussians, one per generation ``k < n`` at which fresh data entered: mean
    ``mu_k = sum_{j=k}^{n-1} c^{n-j} b_j``, weight ``alpha (1 - alpha)^{n-1-k}`` (``(1 -
    alpha)^{n-1}`` for ``k = 0``, which also carries ``p_hat_0 = p``). Against ``N(0, 1)``,
    ``log int N_k N_l / N_0 = mu_k mu_l`` exactly, so ``D_n = w^T expm1(mu mu^T) w``, which
    keeps its relative accuracy for tiny values (``inf`` where the finite value is beyond
    float64, as the oracle's method "overflow"). The means do not depend on ``alpha``: one
    ``n x n`` matrix serves every ``alpha``. Returns ``(len(alphas),)`` for ``n = len(b)``, or
    ``(len(alphas), len(b))`` with ``every`` (``D_1 .. D_N``). THEORY.md §2; checked against
    :func:`gaussian_oracle.run_recursion` in the tests.
    """
    c = math.exp(-0.5 * t0)
    a = np.asarray(alphas, dtype=float)[:, None]
    out = np.empty((a.shape[0], b.size))
    mu = np.zeros(0)
    for n in range(1, b.size + 1):
        mu = c * (np.append(mu, 0.0) + b[n - 1])  # components born at k = 0 .. n-1
        if not every and n < b.size:
            continue
        age = (n - 1 - np.arange(n))[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(age == n - 1, (1.0 - a) ** age, a * (1.0 - a) ** age)
        ww = w[:, :, None] * w[:, None, :]
        with np.errstate(over="ignore", invalid="ignore"):  # beyond float64: inf, as the oracle
            terms = np.where(ww > 0.0, ww * np.expm1(np.outer(mu, mu))[None], 0.0)
        out[:, n - 1] = np.sum(terms, axis=(1, 2))
    return out if every else out[:, -1]
