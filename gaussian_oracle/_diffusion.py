"""The diffusion's time grid and initialisation, and affine score errors (THEORY.md §1, §6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import DomainError, ShapeError
from ._validation import FloatArray, _show, as_float_array, check_scalar

__all__ = ["AffineError", "Diffusion"]

INITS = ("standard", "exact")


@dataclass(frozen=True, slots=True)
class Diffusion:
    """Horizon, early-stopping time and initialisation of the reverse process.

    Parameters
    ----------
    T : float, > t0
        Horizon of the forward OU process (the paper's experiment: 4).
    t0 : float, in (0, T)
        Early-stopping time: the reverse process runs for reverse time ``T - t0`` and ends at
        forward time ``t0`` (the paper: 0.02).
    init : {"standard", "exact"}
        "standard": both reverse processes start from N(0, I), as in the paper; "exact": they
        start from the forward marginal at ``T``, so the ideal process has exactly the forward
        marginals and ends at ``P_{t0}`` of the data (THEORY.md §1).

    Examples
    --------
    >>> Diffusion().horizon
    3.98
    """

    T: float = 4.0
    t0: float = 0.02
    init: str = "standard"

    def __post_init__(self) -> None:
        T = check_scalar("T", self.T, low=0.0, low_open=True)
        t0 = check_scalar("t0", self.t0, low=0.0, low_open=True)
        if not t0 < T:
            raise DomainError(f"t0={t0!r} must be smaller than T={T!r}")
        if self.init not in INITS:
            raise DomainError(f"init={self.init!r} must be one of {', '.join(map(repr, INITS))}")
        object.__setattr__(self, "T", T)
        object.__setattr__(self, "t0", t0)

    @property
    def horizon(self) -> float:
        """Length ``T - t0`` of the reverse-time interval."""
        return self.T - self.t0


def _as_field(name: str, value: Any, ndim: int) -> tuple[Callable[[float], FloatArray], int | None]:
    """A constant array or a callable of forward time ``s``, as a callable; its dimension."""
    if callable(value):
        return value, None
    arr = as_float_array(name, value)
    if arr.ndim == 0:
        arr = arr.reshape((1,) * ndim)  # scalars mean d = 1
    if arr.ndim != ndim or (ndim == 2 and arr.shape[0] != arr.shape[1]):
        want = "(d, d)" if ndim == 2 else "(d,)"
        raise ShapeError(f"{name} has shape {arr.shape}; it must be {want} or a scalar (d = 1)")
    arr = arr.copy()
    arr.setflags(write=False)
    return (lambda s, _a=arr: _a), int(arr.shape[0])


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
    raises :class:`ShapeError` naming ``W(s)`` or ``xi(s)``.

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
            raise DomainError("AffineError needs W, xi or both (got neither)")
        w_fn, dw = (None, None) if W is None else _as_field("W", W, 2)
        x_fn, dx = (None, None) if xi is None else _as_field("xi", xi, 1)
        if dw is not None and dx is not None and dw != dx:
            raise ShapeError(f"W is {dw} x {dw} but xi has length {dx}; they must match")
        dim = dw if dw is not None else dx
        object.__setattr__(self, "dim", dim)
        object.__setattr__(self, "_zero_w", W is None)
        object.__setattr__(self, "_zero_xi", xi is None)
        object.__setattr__(self, "W", w_fn if w_fn is not None else (lambda s: None))
        object.__setattr__(self, "xi", x_fn if x_fn is not None else (lambda s: None))

    def at(self, s: float, d: int) -> tuple[FloatArray, FloatArray]:
        """``(W(s), xi(s))`` as arrays of shapes ``(d, d)`` and ``(d,)``, validated."""
        if self._zero_w:
            w = np.zeros((d, d))
        else:
            w = np.asarray(self.W(s), dtype=np.float64)
            if w.ndim == 0 and d == 1:
                w = w.reshape(1, 1)
            if w.shape != (d, d) or not np.all(np.isfinite(w)):
                raise ShapeError(
                    f"W(s) at s={s!r} returned {_show(w)}; it must be a finite ({d}, {d}) array"
                )
        if self._zero_xi:
            x = np.zeros(d)
        else:
            x = np.asarray(self.xi(s), dtype=np.float64)
            if x.ndim == 0 and d == 1:
                x = x.reshape(1)
            if x.shape != (d,) or not np.all(np.isfinite(x)):
                raise ShapeError(
                    f"xi(s) at s={s!r} returned {_show(x)}; it must be a finite ({d},) array"
                )
        return w, x

    def __call__(self, y: Any, s: float) -> FloatArray:
        """The error at points ``y`` of shape ``(n, d)`` and forward time ``s``."""
        pts = np.asarray(y, dtype=np.float64)
        w, x = self.at(s, pts.shape[-1])
        return pts @ w.T + x
