"""Ready-made score-error fields (the paper's Fig. 2 ablation and beyond; THEORY.md §6b).

Every field is a picklable callable ``(y, s) -> (n, d)``. Fields that are affine in ``y`` have
``affine()`` (an :class:`AffineError`, so that the exact linear engine takes them on Gaussian
data); the others need the grid engine (dimension 1–2) or Monte Carlo.

* :class:`Aligned`: ``w y``, along the reverse drift's linear part;
* :func:`random_direction`: ``W y + xi`` with independent normal entries;
* :class:`TimeOnly`: ``xi(s) = u cos(omega s + phase)``, constant (``omega = 0``) or averaging
  to zero over the reverse horizon (:meth:`TimeOnly.zero_mean`): on Gaussian data the constant
  one is well observed, so "time-only errors are invisible" depends on the profile;
* :class:`Tanh`: ``c tanh(y / ell)``, bounded and nonlinear;
* :func:`kde_error`: the exact score of the KDE of ``n`` samples minus the true score;
* :class:`RotatedScore`: ``c J grad log q_s`` in 2-D (``J`` a quarter turn): divergence-free
  against ``q_s``, so invisible at the endpoint under exact init (chi2 = 0, eta = 0) while
  ``eps_star2 > 0``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._diffusion import Diffusion
from ._errors import OracleDomainError, OracleShapeError
from ._law_tools import check_law
from ._score import score
from ._score_errors import AffineError, ScoreDifference
from ._validation import FloatArray, as_float_array, check_positive_int, check_rng, check_scalar

__all__ = ["Aligned", "RotatedScore", "Tanh", "TimeOnly", "kde_error", "random_direction"]


def _points(y: Any) -> FloatArray:
    pts = np.asarray(y, dtype=np.float64)
    if pts.ndim != 2:
        raise OracleShapeError(f"points have shape {pts.shape}; they must be (n, d)")
    return pts


@dataclass(frozen=True, slots=True)
class Aligned:
    """``e(y, s) = w y``: the error along the linear part ``y / 2`` of the reverse drift.

    Examples
    --------
    >>> Aligned(0.5)(np.array([[2.0, -1.0]]), s=1.0).tolist()
    [[1.0, -0.5]]
    """

    w: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "w", check_scalar("w", self.w))

    def __call__(self, y: Any, s: float) -> FloatArray:
        return self.w * _points(y)

    def affine(self, dim: int = 1) -> AffineError:
        """The same field as an :class:`AffineError` in dimension ``dim``."""
        return AffineError(W=self.w * np.eye(check_positive_int("dim", dim)))


def random_direction(dim: int, rng: np.random.Generator, *, size: float = 1.0) -> AffineError:
    """``W y + xi`` with independent ``N(0, size^2)`` entries (the "random direction" family).

    Examples
    --------
    >>> random_direction(2, np.random.default_rng(0)).dim
    2
    """
    dim = check_positive_int("dim", dim)
    rng = check_rng("rng", rng)
    size = check_scalar("size", size, low=0.0)
    return AffineError(W=size * rng.standard_normal((dim, dim)), xi=size * rng.standard_normal(dim))


@dataclass(frozen=True, slots=True)
class _Profile:
    u: FloatArray
    omega: float
    phase: float

    def __call__(self, s: float) -> FloatArray:
        return self.u * np.cos(self.omega * s + self.phase)


@dataclass(frozen=True, slots=True, init=False)
class TimeOnly:
    """``e(y, s) = u cos(omega s + phase)``: a drift that ignores the state.

    Parameters
    ----------
    u : array_like (d,) or scalar (d = 1)
    omega, phase : float
        ``omega = 0`` (default) gives the constant error ``u cos(phase)``.

    Examples
    --------
    >>> e = TimeOnly.zero_mean(1.0, Diffusion())      # averages to 0 over [t0, T]
    >>> from scipy.integrate import quad
    >>> abs(quad(lambda s: e.xi(s)[0], 0.02, 4.0)[0]) < 1e-12
    True
    """

    u: FloatArray
    omega: float
    phase: float
    xi: _Profile = field(repr=False)

    def __init__(self, u: Any, omega: float = 0.0, phase: float = 0.0) -> None:
        vec = np.atleast_1d(as_float_array("u", u)).copy()
        if vec.ndim != 1:
            raise OracleShapeError(f"u has shape {vec.shape}; it must be (d,) or a scalar")
        vec.setflags(write=False)
        omega = check_scalar("omega", omega)
        phase = check_scalar("phase", phase)
        for name, v in (("u", vec), ("omega", omega), ("phase", phase)):
            object.__setattr__(self, name, v)
        object.__setattr__(self, "xi", _Profile(vec, omega, phase))

    @classmethod
    def zero_mean(cls, u: Any, diffusion: Diffusion) -> TimeOnly:
        """One full cosine period over the reverse horizon ``[t0, T]``: averages to zero."""
        omega = 2.0 * np.pi / diffusion.horizon
        return cls(u, omega, -omega * diffusion.t0)

    def __call__(self, y: Any, s: float) -> FloatArray:
        pts = _points(y)
        if pts.shape[1] != self.u.size:
            raise OracleShapeError(f"points have dimension {pts.shape[1]}; u has {self.u.size}")
        return np.broadcast_to(self.xi(s), pts.shape).copy()

    def affine(self) -> AffineError:
        """The same field as an :class:`AffineError` (``W = 0``)."""
        return AffineError(xi=self.xi)


@dataclass(frozen=True, slots=True)
class Tanh:
    """``e(y, s) = c tanh(y / ell)``, componentwise: bounded, nonlinear, time-independent.

    Examples
    --------
    >>> Tanh(0.5)(np.array([[0.0], [100.0]]), s=1.0).ravel().tolist()
    [0.0, 0.5]
    """

    c: float
    ell: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "c", check_scalar("c", self.c))
        object.__setattr__(self, "ell", check_scalar("ell", self.ell, low=0.0, low_open=True))

    def __call__(self, y: Any, s: float) -> FloatArray:
        return self.c * np.tanh(_points(y) / self.ell)


def kde_error(q: Any, n: int, h: float, rng: np.random.Generator) -> ScoreDifference:
    """The error of the exact score of a KDE of ``n`` samples of ``q`` (bandwidth ``h``).

    Examples
    --------
    >>> from gaussian_oracle import Gaussian
    >>> kde_error(Gaussian(0.0, 1.0), 20, 0.3, np.random.default_rng(0)).q_tilde.n_components
    20
    """
    from ._learners import FiniteSampleKDE

    q = check_law("q", q)
    return ScoreDifference(q, FiniteSampleKDE(n, h).learn(q, check_rng("rng", rng)))


@dataclass(frozen=True, slots=True)
class RotatedScore:
    """``e(y, s) = c J grad log q_s(y)`` in 2-D, ``J = [[0, -1], [1, 0]]`` (THEORY.md §6b).

    ``div(q_s J grad log q_s) = div(J grad q_s) = 0``, so under exact init the learned process
    keeps the ideal marginals: chi2 = 0 and eta = 0 at the endpoint, ``eps_star2 > 0``.

    Examples
    --------
    >>> from gaussian_oracle import Gaussian
    >>> e = RotatedScore(Gaussian([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]), 1.0)
    >>> e(np.array([[1.0, 0.0]]), s=0.0).tolist()     # score (-1, 0) turned a quarter
    [[0.0, -1.0]]
    """

    q: Any
    c: float = 1.0

    def __post_init__(self) -> None:
        check_law("q", self.q)
        if self.q.dim != 2:
            raise OracleDomainError(f"q has dimension {self.q.dim}; RotatedScore needs d = 2")
        object.__setattr__(self, "c", check_scalar("c", self.c))

    def __call__(self, y: Any, s: float) -> FloatArray:
        g = score(self.q, _points(y), s)
        return self.c * np.stack([-g[:, 1], g[:, 0]], axis=1)

    def from_score(self, g: FloatArray) -> FloatArray:
        """The field from the score ``g`` of ``q_s`` laid out as ``(2, ...)`` (the grid's
        layout): ``c J g``."""
        return self.c * np.stack([-g[1], g[0]])
