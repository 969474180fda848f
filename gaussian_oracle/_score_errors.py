"""Score errors as first-class fields: ``e(y, s)``, the learned minus the true score.

An error field is any callable ``(y, s) -> (n, d)`` of points ``y`` of shape ``(n, d)`` and the
forward time ``s``. Two kinds have structure that engines use:

* :class:`AffineError`: ``e(y, s) = W(s) y + xi(s)``; with Gaussian data every quantity of the
  generation is exact (the linear engine, THEORY.md §6);
* :class:`ScoreDifference`: the error of a model that has learned the law ``q~`` exactly while
  the truth is ``q``, ``e = grad log P_s q~ - grad log P_s q``; under exact init the learned
  endpoint is ``P_{t0} q~`` exactly (the law-map engine), and between two Gaussians the error
  is affine.

Both pickle (no closures), so that instances built from them travel to worker processes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import OracleDomainError, OracleShapeError
from ._law_tools import as_mixture, check_law, single_gaussian
from ._laws import Law
from ._operations import ou_transition
from ._score import score
from ._validation import FloatArray, _show, as_float_array

__all__ = ["AffineError", "ErrorField", "ScoreDifference"]

#: any score error: ``(y, s) -> (n, d)`` (an :class:`AffineError`, a :class:`ScoreDifference`
#: or a plain callable)
ErrorField = Callable[[FloatArray, float], FloatArray]


@dataclass(frozen=True, slots=True)
class _Constant:
    """``s -> array`` for a constant array (a picklable stand-in for a closure)."""

    array: FloatArray

    def __call__(self, s: float) -> FloatArray:
        return self.array


def _none(s: float) -> None:
    return None


def _as_field(name: str, value: Any, ndim: int) -> tuple[Callable[[float], FloatArray], int | None]:
    """A constant array or a callable of forward time ``s``, as a callable; its dimension."""
    if callable(value):
        return value, None
    arr = as_float_array(name, value)
    if arr.ndim == 0:
        arr = arr.reshape((1,) * ndim)  # scalars mean d = 1
    if arr.ndim != ndim or (ndim == 2 and arr.shape[0] != arr.shape[1]):
        want = "(d, d)" if ndim == 2 else "(d,)"
        raise OracleShapeError(
            f"{name} has shape {arr.shape}; it must be {want} or a scalar (d = 1)"
        )
    arr = arr.copy()
    arr.setflags(write=False)
    return _Constant(arr), int(arr.shape[0])


@dataclass(frozen=True, slots=True, init=False)
class AffineError:
    r"""Affine score error :math:`e(y, s) = W(s)\,y + \xi(s)` (learned minus true score).

    Parameters
    ----------
    W : array_like (d, d), scalar (d = 1), or callable ``s -> (d, d)``; default 0
        Linear part, as a function of the forward time ``s``.
    xi : array_like (d,), scalar (d = 1), or callable ``s -> (d,)``; default 0
        Constant part.

    A callable is checked (shape, finiteness) when an oracle first evaluates it; a wrong shape
    raises :class:`OracleShapeError` naming ``W(s)`` or ``xi(s)``.

    Examples
    --------
    >>> e = AffineError(W=[[0.1, 0.0], [0.0, -0.2]], xi=[0.5, 0.0])
    >>> e(np.array([[1.0, 1.0]]), s=1.0).tolist()
    [[0.6, -0.2]]
    >>> AffineError(xi=lambda s: np.array([np.exp(-s)])).dim is None   # known once evaluated
    True
    """

    W: Callable[[float], FloatArray]
    xi: Callable[[float], FloatArray]
    dim: int | None
    _zero_w: bool = field(repr=False)
    _zero_xi: bool = field(repr=False)

    def __init__(self, W: Any = None, xi: Any = None) -> None:
        if W is None and xi is None:
            raise OracleDomainError("AffineError needs W, xi or both (got neither)")
        w_fn, dw = (None, None) if W is None else _as_field("W", W, 2)
        x_fn, dx = (None, None) if xi is None else _as_field("xi", xi, 1)
        if dw is not None and dx is not None and dw != dx:
            raise OracleShapeError(f"W is {dw} x {dw} but xi has length {dx}; they must match")
        dim = dw if dw is not None else dx
        object.__setattr__(self, "dim", dim)
        object.__setattr__(self, "_zero_w", W is None)
        object.__setattr__(self, "_zero_xi", xi is None)
        object.__setattr__(self, "W", w_fn if w_fn is not None else _none)
        object.__setattr__(self, "xi", x_fn if x_fn is not None else _none)

    def at(self, s: float, d: int) -> tuple[FloatArray, FloatArray]:
        """``(W(s), xi(s))`` as arrays of shapes ``(d, d)`` and ``(d,)``, validated."""
        if self._zero_w:
            w = np.zeros((d, d))
        else:
            w = np.asarray(self.W(s), dtype=np.float64)
            if w.ndim == 0 and d == 1:
                w = w.reshape(1, 1)
            if w.shape != (d, d) or not np.all(np.isfinite(w)):
                raise OracleShapeError(
                    f"W(s) at s={s!r} returned {_show(w)}; it must be a finite ({d}, {d}) array"
                )
        if self._zero_xi:
            x = np.zeros(d)
        else:
            x = np.asarray(self.xi(s), dtype=np.float64)
            if x.ndim == 0 and d == 1:
                x = x.reshape(1)
            if x.shape != (d,) or not np.all(np.isfinite(x)):
                raise OracleShapeError(
                    f"xi(s) at s={s!r} returned {_show(x)}; it must be a finite ({d},) array"
                )
        return w, x

    def at_unchecked(self, s: float, d: int) -> tuple[Any, Any]:
        """:meth:`at` without the checks, for solvers that checked once (the exact engine):
        a wrong shape later fails there with numpy's error, which the solver then explains."""
        w = np.zeros((d, d)) if self._zero_w else np.asarray(self.W(s), dtype=np.float64)
        x = np.zeros(d) if self._zero_xi else np.asarray(self.xi(s), dtype=np.float64)
        if d == 1:
            w, x = w.reshape(1, 1), x.reshape(1)
        return w, x

    def __call__(self, y: Any, s: float) -> FloatArray:
        """The error at points ``y`` of shape ``(n, d)`` and forward time ``s`` (in float32
        for float32 points, the Monte Carlo engine's reduced precision; else float64)."""
        pts = np.asarray(y)
        pts = pts if pts.dtype == np.float32 else pts.astype(np.float64, copy=False)
        w, x = self.at(s, pts.shape[-1])
        return pts @ w.T.astype(pts.dtype, copy=False) + x.astype(pts.dtype, copy=False)


@dataclass(frozen=True, slots=True, eq=False)
class _GaussianGap:
    """``s -> (W(s), xi(s))`` of the score difference of two Gaussians (picklable)."""

    q: Any
    q_tilde: Any
    part: int

    def __call__(self, s: float) -> FloatArray:
        a, b = ou_transition(self.q, s), ou_transition(self.q_tilde, s)
        pa, pb = np.linalg.inv(a.cov), np.linalg.inv(b.cov)
        return pa - pb if self.part == 0 else pb @ b.mean - pa @ a.mean


@dataclass(frozen=True, slots=True, init=False)
class ScoreDifference:
    r"""Score error of a model that learned the law ``q~`` exactly while the truth is ``q``.

    .. math:: e(y, s) = \nabla \log P_s\tilde q(y) - \nabla \log P_s q(y).

    Parameters
    ----------
    q, q_tilde : Gaussian or GaussianMixture
        The true (training) law and the learned law, of the same dimension.

    Examples
    --------
    >>> from gaussian_oracle import Gaussian
    >>> e = ScoreDifference(Gaussian(0.0, 1.0), Gaussian(0.5, 1.0))
    >>> e(np.array([[0.0], [2.0]]), s=0.0).ravel().tolist()   # a mean shift: constant error
    [0.5, 0.5]
    >>> e.affine() is not None                                 # two Gaussians: affine
    True
    """

    q: Any
    q_tilde: Any
    dim: int

    def __init__(self, q: Law, q_tilde: Law) -> None:
        q, q_tilde = check_law("q", q), check_law("q_tilde", q_tilde)
        if q.dim != q_tilde.dim:
            raise OracleShapeError(
                f"q has dimension {q.dim} and q_tilde has dimension {q_tilde.dim}; they must match"
            )
        object.__setattr__(self, "q", as_mixture(q))
        object.__setattr__(self, "q_tilde", as_mixture(q_tilde))
        object.__setattr__(self, "dim", q.dim)

    @property
    def zero(self) -> bool:
        """True when the learned law is the truth (no error at all)."""
        return bool(self.q_tilde == self.q)

    def affine(self) -> AffineError | None:
        """The same field as an :class:`AffineError` when both laws are Gaussian, else None."""
        g, gt = single_gaussian(self.q), single_gaussian(self.q_tilde)
        if g is None or gt is None:
            return None
        return AffineError(W=_GaussianGap(g, gt, 0), xi=_GaussianGap(g, gt, 1))

    def __call__(self, y: Any, s: float) -> FloatArray:
        """The error at points ``y`` of shape ``(n, d)`` and forward time ``s``."""
        return score(self.q_tilde, y, s) - score(self.q, y, s)


def check_error(name: str, error: Any) -> Any:
    """An error field (any callable), else an :class:`OracleDomainError` naming ``name``."""
    if not callable(error):
        raise OracleDomainError(
            f"{name}={error!r} must be an AffineError, a ScoreDifference or a callable "
            "(y, s) -> (n, d)"
        )
    return error
