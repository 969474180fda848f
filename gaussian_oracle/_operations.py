"""Operations that map Gaussians to Gaussians and mixtures to mixtures.

The OU transition, Gaussian smoothing and affine push-forwards act component by component and
keep component ages; fresh-data mixing concatenates components and their ages.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np

from ._errors import NotPositiveDefiniteError, OracleDomainError, OracleShapeError
from ._factors import _Factors, _readonly
from ._law_tools import _concatenate_factors, as_mixture, check_law
from ._laws import Gaussian, GaussianMixture, Law, _assemble
from ._validation import FloatArray, _show, as_float_array, check_scalar

__all__ = ["convolve", "mix", "ou_transition", "push_forward"]

L = TypeVar("L", bound=Gaussian | GaussianMixture)


def _rebuild(law: L, means: FloatArray, covs: FloatArray, *, valid: bool = False) -> L:
    """``law`` with new component moments; ``valid=True`` when the covariances are symmetric
    positive definite by construction (then only factorised, not re-checked)."""
    if isinstance(law, Gaussian):
        if not valid:
            return Gaussian(means[0], covs[0])  # type: ignore[return-value]
        out = object.__new__(Gaussian)  # valid by construction: factorised, not re-checked
        object.__setattr__(out, "mean", _readonly(means[0]))
        object.__setattr__(out, "cov", _readonly(covs[0]))
        object.__setattr__(out, "_factors", _Factors.of(covs[:1]))
        return out  # type: ignore[return-value]
    if valid:
        return _assemble(law.weights, means, covs, law.ages)  # type: ignore[return-value]
    return GaussianMixture(law.weights, means, covs, law.ages)  # type: ignore[return-value]


def _stack(law: Law) -> tuple[FloatArray, FloatArray]:
    if isinstance(law, Gaussian):
        return law.mean[None], law.cov[None]
    return law.means, law.covs


def ou_transition(law: L, t: float) -> L:
    r"""Law of :math:`X_t` when :math:`X_0` has law ``law``: the OU transition :math:`P_t`.

    The forward process is :math:`dX_t = -\tfrac12 X_t\,dt + dW_t` (THEORY.md §1), so
    :math:`N(m, S) \mapsto N(e^{-t/2} m,\; e^{-t} S + (1 - e^{-t}) I)`, component-wise for a
    mixture. ``1 - e^{-t}`` is computed as ``-expm1(-t)`` so that small ``t`` loses nothing.

    Parameters
    ----------
    law : Gaussian or GaussianMixture
    t : float, >= 0
        Forward time.

    Returns
    -------
    Gaussian or GaussianMixture
        Same type as ``law`` (ages kept).

    Examples
    --------
    >>> g = ou_transition(Gaussian(2.0, 0.25), 1.0)
    >>> round(float(g.mean[0]), 6), round(float(g.cov[0, 0]), 6)
    (1.213061, 0.72409)
    """
    law = check_law("law", law)
    t = check_scalar("t", t, low=0.0)
    means, covs = _stack(law)
    d = means.shape[1]
    decay = np.exp(-t)
    new_covs = decay * covs + (-np.expm1(-t)) * np.eye(d)  # eigenvalues move towards 1
    return _rebuild(law, np.exp(-0.5 * t) * means, new_covs, valid=True)


def convolve(law: L, h: float) -> L:
    r"""Law of :math:`X + hZ`, :math:`Z \sim N(0, I)` independent: ``law * N(0, h^2 I)``.

    The population limit of a Gaussian kernel density estimate with bandwidth ``h``.

    Parameters
    ----------
    law : Gaussian or GaussianMixture
    h : float, >= 0
        Bandwidth (standard deviation of the smoothing kernel).

    Examples
    --------
    >>> float(convolve(Gaussian(0.0, 1.0), 0.5).cov[0, 0])
    1.25
    """
    law = check_law("law", law)
    h = check_scalar("h", h, low=0.0)
    means, covs = _stack(law)
    with np.errstate(over="ignore", invalid="ignore"):  # h^2 = inf: refused just below
        new_covs = covs + h * h * np.eye(means.shape[1])
    if not np.all(np.isfinite(new_covs)):
        limit = float(np.sqrt(np.finfo(float).max - np.max(np.abs(covs))))
        raise OracleDomainError(
            f"h={h!r} makes the smoothed covariance exceed the float64 range "
            f"(h^2 + S beyond 1.8e308); h must be below {limit:.4g}"
        )
    return _rebuild(law, means, new_covs, valid=True)


def push_forward(law: L, A: Any, b: Any = 0.0) -> L:
    r"""Law of :math:`A X + b`: :math:`N(m, S) \mapsto N(A m + b, A S A^\top)`.

    Parameters
    ----------
    law : Gaussian or GaussianMixture
        Law of ``X`` in dimension ``d``.
    A : float or array_like, shape (d_out, d)
        Linear map; a scalar means ``A I``. ``A S A^T`` must be positive definite (``A`` of
        full row rank), otherwise the image law is degenerate and a
        :class:`NotPositiveDefiniteError` is raised.
    b : float or array_like, shape (d_out,)
        Shift; a scalar is broadcast.

    Examples
    --------
    >>> g = push_forward(Gaussian([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]), [[2, 0], [0, 1]], 1.0)
    >>> g.mean.tolist(), g.cov.tolist()
    ([1.0, 1.0], [[4.0, 0.0], [0.0, 1.0]])
    """
    law = check_law("law", law)
    means, covs = _stack(law)
    d = means.shape[1]
    a = as_float_array("A", A)
    if a.ndim == 0:
        a = a * np.eye(d)
    if a.ndim != 2 or a.shape[1] != d:
        raise OracleShapeError(
            f"A has shape {a.shape}; for a law in dimension {d} it must be (d_out, {d})"
        )
    d_out = a.shape[0]
    shift = as_float_array("b", b)
    if shift.ndim == 0:
        shift = np.full(d_out, float(shift))
    if shift.shape != (d_out,):
        raise OracleShapeError(
            f"b has shape {shift.shape}; with A of shape {a.shape} it must be ({d_out},)"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        new_means = means @ a.T + shift
        new_covs = a @ covs @ a.T  # batched over components
    if not (np.all(np.isfinite(new_means)) and np.all(np.isfinite(new_covs))):
        raise OracleDomainError(
            f"A={_show(a)}, b={_show(shift)} map the law beyond the float64 range (the image's "
            "means or covariances overflow); scale the law or the map down"
        )
    try:
        return _rebuild(law, new_means, new_covs)
    except NotPositiveDefiniteError as exc:
        raise NotPositiveDefiniteError(
            f"A={_show(a)} maps the law to a degenerate one (A S A^T is not positive definite); "
            f"A must have full row rank. Detail: {exc}"
        ) from exc


def mix(alpha: float, p: Law, q: Law) -> GaussianMixture:
    r"""The mixture :math:`\alpha p + (1 - \alpha) q` (THEORY.md §2, fresh-data mixing).

    Components of ``p`` come first, then those of ``q``; each keeps its age (a plain
    :class:`Gaussian` counts as one component of age 0). Sides of weight exactly zero
    (``alpha`` = 0 or 1) are dropped.

    Parameters
    ----------
    alpha : float in [0, 1]
        Weight of ``p`` (the fresh data in the recursion).
    p, q : Gaussian or GaussianMixture
        Laws of the same dimension.

    Examples
    --------
    >>> m = mix(0.25, Gaussian(0.0, 1.0), Gaussian(3.0, 1.0))
    >>> m.weights.tolist(), m.n_components
    ([0.25, 0.75], 2)
    """
    alpha = check_scalar("alpha", alpha, low=0.0, high=1.0)
    p = as_mixture(check_law("p", p))
    q = as_mixture(check_law("q", q))
    if p.dim != q.dim:
        raise OracleShapeError(
            f"p has dimension {p.dim} and q has dimension {q.dim}; they must match"
        )
    parts = [(alpha, p), (1.0 - alpha, q)]
    parts = [(a, m) for a, m in parts if a > 0.0]
    return _assemble(  # concatenation of validated laws: reuse their factors
        np.concatenate([a * m.weights for a, m in parts]),
        np.concatenate([m.means for _, m in parts]),
        np.concatenate([m.covs for _, m in parts]),
        np.concatenate([m.ages for _, m in parts]),
        _concatenate_factors([m._factors for _, m in parts]),
    )
