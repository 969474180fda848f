"""The standard initialisation (the paper's N(0, I) start) in the recursion (THEORY.md §1).

The reverse SDE with the exact score of a learned law has the forward conditional law of
``X_{t0}`` given ``X_T`` as its transition kernel, whatever its start: for a Gaussian learned
law the endpoint from ``N(0, I)`` is the closed form :func:`standard_init_endpoint`; for a
mixture it is not a Gaussian mixture, so the recursion accepts the standard init only when
every learned law is Gaussian (:func:`standard_init_supported`, from the learners'
``gaussian_output``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._errors import OracleDomainError
from ._gaussian import Gaussian
from ._law_tools import check_law, single_gaussian
from ._laws import Law
from ._operations import ou_transition

__all__ = ["gaussian_training_laws", "standard_init_endpoint", "standard_init_supported"]


def standard_init_endpoint(law: Gaussian, diffusion: Diffusion) -> Gaussian:
    r"""Endpoint of the reverse SDE with the exact score of ``law``, started from ``N(0, I)``.

    The reverse process's transition kernel from forward time ``T`` to ``t0`` is the forward
    conditional law of :math:`X_{t_0}` given :math:`X_T`. With :math:`P_{t_0}\,\mathrm{law} =
    N(m, S)`, :math:`a = e^{-(T - t_0)/2}` and :math:`C = a^2 S + (1 - a^2) I` (the covariance
    of :math:`X_T`; it commutes with :math:`S`), starting from :math:`Y_T \sim N(0, I)` gives

    .. math::
        N\big((1 - a^2)\,C^{-1} m,\; S - a^2 S C^{-1} S + a^2 S C^{-2} S\big),

    computed in the eigenbasis of :math:`S` (eigenvalue :math:`\lambda` maps to
    :math:`\lambda - a^4 \lambda^2 (\lambda - 1) / c^2`, :math:`c = a^2\lambda + 1 - a^2`,
    evaluated as :math:`\lambda (1 - a^2)(1 + r) / c + r^2` with :math:`r = a^2 \lambda / c
    \in [0, 1]`, which neither overflows nor cancels for any eigenvalue).
    Derived in this project (THEORY.md §1: the initial mismatch carried to the end); the tests
    check it against the moment ODEs of :class:`LinearGaussianOracle` with zero error.

    Examples
    --------
    >>> g = standard_init_endpoint(Gaussian(0.0, 1.0), Diffusion(T=4.0, t0=0.02))
    >>> float(g.mean[0]), float(g.cov[0, 0])        # N(0, 1) is invariant: nothing to correct
    (0.0, 1.0)
    """
    law = check_law("law", law)
    if not isinstance(law, Gaussian):
        raise OracleDomainError(
            f"law={law!r} must be a Gaussian (a mixture has no closed form here)"
        )
    if not isinstance(diffusion, Diffusion):
        raise OracleDomainError(f"diffusion={diffusion!r} must be a Diffusion")
    end = ou_transition(law, diffusion.t0)
    a2 = float(np.exp(-diffusion.horizon))
    lam, vec = np.linalg.eigh(end.cov)
    c = a2 * lam + (-np.expm1(-diffusion.horizon))
    mean_gain = (1.0 - a2) / c
    r = a2 * lam / c  # in [0, 1]; lam - r^2 (lam - 1) = lam (1 - r)(1 + r) + r^2
    new_lam = lam * mean_gain * (1.0 + r) + r * r
    mean = vec @ (mean_gain * (vec.T @ end.mean))
    return Gaussian(mean, (vec * new_lam) @ vec.T)


def gaussian_training_laws(data: Law, alpha: float, p_hat_0: Law | None) -> bool:
    """Whether every training law ``q_i`` is Gaussian whatever the learner does with a
    Gaussian: Gaussian data and alpha 1, or alpha 0 from a Gaussian ``p_hat_0``."""
    gaussian_start = p_hat_0 is None or single_gaussian(p_hat_0) is not None
    return isinstance(data, Gaussian) and (alpha == 1.0 or (alpha == 0.0 and gaussian_start))


def standard_init_supported(
    data: Law, alpha: float, learner: Any, p_hat_0: Law | None
) -> str | None:
    """None when every learned law of the run is Gaussian (the standard-init endpoint map is
    exact), else why not. The learners say whether their output is Gaussian
    (``gaussian_output``); the training laws ``q_i`` are Gaussian when the data is and alpha is
    1, or alpha is 0 from a Gaussian ``p_hat_0``."""
    if learner.gaussian_output(gaussian_training_laws(data, alpha, p_hat_0)):
        return None
    if learner.gaussian_output(True):
        return (
            f"with {type(learner).__name__} the training laws q_i are Gaussian mixtures with "
            "several components unless the data is Gaussian and alpha is 1 (or 0 from a "
            "Gaussian p_hat_0)"
        )
    return f"{type(learner).__name__} learns a mixture from samples"
