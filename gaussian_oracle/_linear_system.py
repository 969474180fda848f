"""The linear engine's ODE system: its layout, its right-hand side, its end state.

Everything lives in the eigenbasis ``V`` of the data's covariance, where the drift matrix
``F(tau) = I/2 - S_s^{-1}`` is diagonal with entries ``phi = 1/2 - 1/lam_s``,
``lam_s = e^{-s} lam + 1 - e^{-s}``; the error is rotated, ``W~ = V^T W V``, ``xi~ = V^T xi``
(energies and norms are invariant).

State, in order:

* under standard init only, the ideal moments ``mu*, Sigma*`` (``d + d^2``). Under exact init
  the ideal process stays on the forward marginals, ``mu* = e^{-s/2} m``, ``Sigma* = S_s``
  (THEORY.md §3), which the right-hand side uses in closed form;
* ``k + 1`` rows ``[u, U, G]`` (``d + d^2 + 1`` each), one per scale ``eps_j`` with
  ``eps_0 = 0`` first: the learned-minus-ideal moments **divided by eps**, ``u = dmu / eps``,
  ``U = dSigma / eps``, and the learned energy divided by ``eps^2``::

      u' = F u + eps W u + (W mu* + xi)
      U' = F U + U F + eps (W U + U W^T) + W Sigma* + Sigma* W^T
      G' = |W mu* + xi + eps W u|^2 + tr(W Sigma* W^T) + eps tr(W U W^T)

  Row 0 is the sensitivity ``(nu, Psi)`` at ``eps = 0`` and the ideal energy per unit scale;
  row ``j`` gives ``dmu = eps u``, ``dSigma = eps U``, ``eps_hat2 = eps^2 G``. Dividing by
  ``eps`` keeps the relative accuracy of tiny errors with one absolute tolerance for all rows.

``U`` stays exactly symmetric: its derivative is ``H + H^T`` with
``H = diag(phi) U + eps W U + W Sigma*``, and floating-point addition commutes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._score_errors import AffineError, _Constant
from ._validation import FloatArray


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each block sits in the state vector."""

    d: int
    k: int  # number of scales (rows 1..k; row 0 is eps = 0)
    ideal: bool  # the ideal moments are integrated (standard init)

    @property
    def n_ideal(self) -> int:
        return 2 * self.d if self.ideal else 0

    @property
    def row(self) -> int:
        return self.d + self.d * self.d + 1

    @property
    def size(self) -> int:
        return self.n_ideal + (self.k + 1) * self.row

    def rows(self, z: FloatArray) -> FloatArray:
        """The ``(k + 1, d + d^2 + 1)`` block of rows of a state ``z`` (a view)."""
        return z[self.n_ideal :].reshape(self.k + 1, self.row)


def right_hand_side(
    layout: Layout,
    eps: FloatArray,
    lam: FloatArray,
    vec: FloatArray,
    mean_rot: FloatArray,
    error: AffineError,
    T: float,
) -> Callable[[float, FloatArray], FloatArray]:
    """``rhs(tau, z)`` of the system above (reverse time ``tau``, forward time ``T - tau``)."""
    d, k = layout.d, layout.k
    n0 = layout.n_ideal
    eps1 = np.concatenate([[0.0], eps])
    e3 = eps1[:, None, None]
    vec_t = vec.T
    out = np.empty(layout.size)
    rows_out = layout.rows(out)
    # each row's [u, U] as one (d + 1, d) matrix: u on top of U, so that one product
    # [u; U] W^T gives (W u)^T and U W^T = (W U)^T (U is symmetric)
    du_out, g_out = rows_out[:, :d], rows_out[:, -1]
    dbig_out = rows_out[:, d:-1].reshape(k + 1, d, d)
    forcing = np.empty((1, d + 1, d))  # [W mu* + xi; Sigma* W^T]
    weights = np.empty((k + 1, d + 1, d))  # [W mu* + xi + eps W u; W^T] per row
    fixed = _rotated(error, T, d, vec, vec_t) if _is_constant(error) else None

    def rhs(tau: float, z: FloatArray) -> FloatArray:
        s = T - tau
        c = math.exp(-s)
        lam_s = c * lam - math.expm1(-s)
        inv = 1.0 / lam_s
        phi = 0.5 - inv
        w, xi = fixed if fixed is not None else _rotated(error, s, d, vec, vec_t)
        w_t = w.T
        weights[:, 1:] = w_t
        if n0:  # standard init: mu*, and Sigma* stays diagonal in the eigenbasis
            mu, sig = z[:d], z[d:n0]
            out[:d] = phi * mu + math.sqrt(c) * mean_rot * inv
            out[d:n0] = 2.0 * phi * sig + 1.0
        else:  # exact init: the forward marginals
            mu, sig = math.sqrt(c) * mean_rot, lam_s
        sig_wt = sig[:, None] * w_t
        forcing[0, 0] = mu @ w_t + xi
        forcing[0, 1:] = sig_wt
        x = z[n0:].reshape(k + 1, layout.row)[:, :-1].reshape(k + 1, d + 1, d)
        xw = x @ w_t
        p = e3 * xw + forcing  # row 0: W mu* + xi + eps W u; below: Sigma* W^T + eps U W^T
        y = x * phi + p  # [u'; H^T] with H = diag(phi) U + eps W U + W Sigma*
        du_out[:] = y[:, 0]
        h_t = y[:, 1:]
        np.add(h_t, h_t.transpose(0, 2, 1), out=dbig_out)
        # G' = |W mu* + xi + eps W u|^2 + tr(W Sigma* W^T) + eps tr(W U W^T): the row p[:, 0]
        # times itself plus p[:, 1:] = Sigma* W^T + eps U W^T against W^T, in one reduction
        weights[:, 0] = p[:, 0]
        np.add.reduce((p * weights).reshape(k + 1, -1), axis=1, out=g_out)
        return out.copy()

    return rhs


def _is_constant(error: AffineError) -> bool:
    """Whether ``W`` and ``xi`` do not depend on time (rotated once, not per evaluation)."""
    w_fixed = error._zero_w or isinstance(error.W, _Constant)
    return w_fixed and (error._zero_xi or isinstance(error.xi, _Constant))


def _rotated(
    error: AffineError, s: float, d: int, vec: FloatArray, vec_t: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``W~ = V^T W V`` and ``xi~ = V^T xi`` at forward time ``s``."""
    w0, xi0 = error.at_unchecked(s, d)
    return vec_t @ w0 @ vec, xi0 @ vec


def end_state(layout: Layout, zf: FloatArray, vec: FloatArray) -> tuple[Any, ...]:
    """The solver's end state back from the eigenbasis (vectors ``V x``,
    matrices ``V X V^T``): the ideal ``(mu*, Sigma*)`` (``None`` when they were not
    integrated), and the rows' ``u`` ``(k + 1, d)``, ``U`` ``(k + 1, d, d)`` (symmetrised
    against the rotation's round-off) and ``G`` ``(k + 1,)``."""
    d = layout.d
    dd = d * d

    def sym(a: FloatArray) -> FloatArray:
        return 0.5 * (a + np.swapaxes(a, -1, -2))

    mu = sig = None
    if layout.ideal:
        mu, sig = vec @ zf[:d], sym((vec * zf[d : 2 * d]) @ vec.T)
    rows = layout.rows(zf)
    u = rows[:, :d] @ vec.T
    big_u = sym(vec @ rows[:, d : d + dd].reshape(-1, d, d) @ vec.T)
    return mu, sig, u, big_u, rows[:, -1].copy()
