"""Exact score of the forward marginals ``P_t(law)`` (THEORY.md §1)."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from scipy.special import softmax

from ._laws import Gaussian, Law, _component_terms, _points, check_law, components
from ._operations import ou_transition
from ._validation import FloatArray, check_scalar

__all__ = ["score"]


def score(law: Law, x: Any, t: float = 0.0) -> FloatArray:
    r"""Exact score :math:`\nabla_x \log (P_t\,\mathrm{law})(x)` at points ``x``.

    For a mixture the score is :math:`\sum_k r_k(x)\,(-S_k^{-1}(x - m_k))` with responsibilities
    :math:`r_k` computed by a softmax of log-weights plus component log-densities, so points far
    in the tails (where every density underflows) still get the right score.

    Parameters
    ----------
    law : Gaussian or GaussianMixture
        Law at time 0.
    x : array_like, shape (..., d)
        Points; in one dimension a scalar is one point and a vector ``(n,)`` is ``n`` points.
    t : float, >= 0
        Forward time; ``t = 0`` gives the score of ``law`` itself.

    Returns
    -------
    ndarray, shape (..., d)

    Examples
    --------
    >>> float(score(Gaussian(1.0, 4.0), 3.0)[0])     # -(x - m) / s^2
    -0.5
    >>> float(score(Gaussian(0.0, 1.0), 2.0, t=5.0)[0])   # N(0, I) is invariant under P_t
    -2.0
    """
    law = check_law("law", law)
    t = check_scalar("t", t, low=0.0)
    marginal = ou_transition(law, t) if t > 0.0 else law
    pts, batch = _points(x, law.dim)
    weights, means, _, factors = components(marginal)
    logn, z = _component_terms(means, factors, pts, with_whitened=True)
    z = cast(FloatArray, z)  # requested with with_whitened=True, so never None
    # component scores -S^{-1}(x - m) = -L^{-T} z
    comp = -(z @ factors.chol_inv)  # rows of -L^{-T} z
    if isinstance(marginal, Gaussian):
        out = comp[0]
    else:
        with np.errstate(divide="ignore"):
            logw = np.log(weights)
        resp = softmax(logw[:, None] + logn, axis=0)
        out = np.einsum("kn,kni->ni", resp, comp)
    return out.reshape((*batch, law.dim))
