"""What the marginal can see: the weighted Helmholtz split of a score error (THEORY.md §6b).

At forward time ``s`` split ``e = grad phi + r`` with ``div(rho grad phi) = div(rho e)`` and
``div(rho r) = 0``, ``rho = q_s`` the ideal marginal under exact init. ``grad phi`` is the
``L^2(rho)`` projection of ``e`` onto gradients (``r`` is orthogonal to every gradient exactly
when ``div(rho r) = 0``). Only ``grad phi`` moves mass at first order: the tangent equation,
hence the Fisher information ``eta eps_star2``, sees it alone, and a purely solenoidal error
(``grad phi = 0``) leaves every marginal unchanged at every scale. At a finite scale a mixed
error's solenoidal part does change the endpoint, at second order (``div(rho_eps r) != 0`` once
``rho_eps`` moves away from ``rho_0``; measured: 2% of chi2 at ``eps_star2 = 0.03``).

The weighted Poisson equation is solved on a periodic grid (Fourier, :class:`Box`) for
``psi = sqrt(rho) phi``: ``sqrt(rho) grad phi = G psi`` with ``G psi = grad psi - psi grad log
q_s / 2``, and ``psi`` minimises ``|G psi - sqrt(rho) e|^2``, i.e. solves ``G^T G psi = G^T
sqrt(rho) e`` (``G^T G = -Lap + |score|^2 / 4 + div(score) / 2``, a Schrödinger operator whose
ground state ``sqrt(rho)`` spans its kernel), by conjugate gradients preconditioned with
``(c - Lap)^{-1}``. Every field then decays like ``sqrt(rho)``, so the box is the one of the
widened law (covariances doubled). The achieved accuracy is the change of the gradient energy
from the grid to one 1.3 times finer.

* in 1-D every error is a gradient (``rho r`` constant forces ``r = 0`` in ``L^2(rho)``);
* for ``N(m, Sigma)`` and ``b + E (x - m)``, ``grad phi = b + S (x - m)`` with
  ``S Sigma + Sigma S = E Sigma + Sigma E^T`` (:func:`affine_gradient_part`, exact).

Derived in this project, after arXiv:2606.06179.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.linalg import solve_sylvester
from scipy.sparse.linalg import LinearOperator, cg

from ._errors import OracleDomainError
from ._grid import MAX_POINTS, Box, box_for, grid_of, spectral_tail
from ._grid_sampling import trig_eval
from ._grid_solver import field_on
from ._law_tools import check_law, components
from ._laws import GaussianMixture
from ._operations import ou_transition
from ._score import score
from ._validation import FloatArray, check_scalar

__all__ = [
    "GradientPart",
    "HelmholtzSplit",
    "affine_gradient_part",
    "helmholtz_split",
    "split_energies",
]

#: spectral tail of ``sqrt(q_s) e`` the automatic grid resolves, relative to ``sqrt(tol)``:
#: the parts are then accurate pointwise to about the tail, their energies to its square
#: (measured: tanh on a 2-D mixture, 3e-5 pointwise and 1e-10 in energy on the law's grid)
RESOLVED = 0.1
#: most conjugate-gradient iterations (measured: 115 on a Gaussian, 240-450 on a 2-D mixture)
MAX_ITERATIONS = 5000


def affine_gradient_part(law: Any, E: Any) -> FloatArray:
    """``S`` with ``S Sigma + Sigma S = E Sigma + Sigma E^T``: the gradient part of ``E (x - m)``
    under ``N(m, Sigma)`` is ``S (x - m)`` (the constant part is a gradient already).

    Examples
    --------
    >>> from gaussian_oracle import Gaussian
    >>> J = np.array([[0.0, -1.0], [1.0, 0.0]])
    >>> bool(np.abs(affine_gradient_part(Gaussian([0.0, 0.0], np.eye(2)), J)).max() < 1e-15)
    True
    """
    sigma = np.asarray(check_law("law", law).cov)
    e = np.asarray(E, dtype=np.float64)
    return solve_sylvester(sigma, sigma, e @ sigma + sigma @ e.T)


@dataclass(frozen=True, slots=True)
class HelmholtzSplit:
    """The split at one time on a grid (values of shape ``(d, *box.shape)``).

    ``gradient_energy`` / ``solenoidal_energy``: ``int rho |grad phi|^2`` and ``int rho |r|^2``;
    ``change``: relative change of the gradient energy from the grid to one 1.3 times finer,
    relative to ``int rho |e|^2``, plus the solver's tolerance (the achieved accuracy);
    ``iterations``: conjugate-gradient iterations on ``box``; ``weighted``: ``sqrt(rho) grad
    phi`` (what the values of ``gradient`` are computed from; 0 where ``rho`` underflows).
    """

    box: Box
    gradient: FloatArray
    solenoidal: FloatArray
    gradient_energy: float
    solenoidal_energy: float
    change: float
    iterations: int
    weighted: FloatArray


def _widened(marg: Any) -> GaussianMixture:
    """The law whose density is ``>= sqrt`` of ``marg``'s up to a constant (covariances x2)."""
    w, m, c, _ = components(marg)
    return GaussianMixture(w, m, 2.0 * c)


@dataclass(slots=True)
class _Solve:
    """``psi`` of the module docstring on one box (``start``: a first guess, e.g. the last
    time's solution)."""

    box: Box
    root: FloatArray  # sqrt(rho)
    weighted: FloatArray  # G psi
    psi: FloatArray
    iterations: int


def _solve(marg: Any, e: FloatArray, box: Box, tol: float, start: Any = None) -> _Solve:
    d, shape = box.dim, box.shape
    n = int(np.prod(shape))
    pts = box.points
    root = np.exp(0.5 * marg.logpdf(pts)).reshape(shape)
    half = 0.5 * np.moveaxis(score(marg, pts), -1, 0).reshape((d, *shape))
    b = root * e

    def g_op(psi: FloatArray) -> FloatArray:
        return box.gradient(psi) - half * psi

    def g_adj(v: FloatArray) -> FloatArray:
        return -box.divergence(v) - np.sum(half * v, axis=0)

    k2 = sum(box._wave(j, True) ** 2 for j in range(d))
    c = 1.0 / float(np.min(np.linalg.eigvalsh(components(marg)[2])))  # the operator's gap

    def normal(x: FloatArray) -> FloatArray:
        return g_adj(g_op(x.reshape(shape))).ravel()

    def precondition(x: FloatArray) -> FloatArray:
        return box._ifft(box._fft(x.reshape(shape)) / (k2 + c)).ravel()

    rhs = g_adj(b).ravel()
    # absolute floor: a right-hand side at round-off (an all-solenoidal error) is solved
    norm_b = float(np.sqrt(np.sum(b * b)))
    scale = float(np.sqrt(np.max(k2) + np.max(np.sum(half * half, axis=0)) + c))
    count = [0]

    def tick(_: Any) -> None:
        count[0] += 1

    x0 = None if start is None else np.asarray(start).ravel()
    psi, info = cg(
        LinearOperator((n, n), matvec=normal, dtype=np.float64),
        rhs,
        x0=x0,
        rtol=tol,
        atol=1e-14 * scale * norm_b,
        maxiter=MAX_ITERATIONS,
        M=LinearOperator((n, n), matvec=precondition, dtype=np.float64),
        callback=tick,
    )
    if info != 0:
        raise OracleDomainError(
            f"the weighted Poisson solve did not converge in {MAX_ITERATIONS} iterations on "
            f"{box.n} points (tol={tol!r}): the error field is too rough for this grid"
        )
    psi = psi.reshape(shape)
    return _Solve(box, root, g_op(psi), psi, count[0])


def _resolving(error: Any, marg: Any, s: float, tol: float) -> Box:
    """The widened marginal's box, refined by 1.3 until ``sqrt(q_s) e`` is resolved to
    ``RESOLVED sqrt(tol)`` (spectral tail): the error's own features count too (``tanh`` has
    poles at ``+-i pi / 2``)."""
    box = box_for([_widened(marg)], refine=np.sqrt(2.0))
    while True:
        root = np.exp(0.5 * marg.logpdf(box.points)).reshape(box.shape)
        if spectral_tail(box, root * field_on(error, box, s)) <= RESOLVED * np.sqrt(tol):
            return box
        if max(box.refined(1.3).n) > MAX_POINTS[box.dim - 1]:
            return box  # the achieved accuracy (change) says how far it got
        box = box.refined(1.3)


#: ``sqrt(rho)`` (relative to its peak) below which the gradient part is set to 0: there the
#: weighted solution is round-off, and round-off over a vanishing ``sqrt(rho)`` is no field
#: (it made the learned drift of a grid solve huge in the far tails); ``rho`` below 1e-30 of its
#: peak weighs nothing in L^2(rho) (floors of 1e-7 and 1e-12 cost 4e-7 and 5e-12 of the split's
#: L^2 accuracy, measured on an affine error against the Lyapunov solution)
ROOT_FLOOR = 1e-15


def _unweight(weighted: FloatArray, root: FloatArray, peak: float | None = None) -> FloatArray:
    """``weighted / root`` where ``root`` is above :data:`ROOT_FLOOR` of ``peak`` (default its
    largest value), else 0."""
    ok = root > ROOT_FLOOR * (float(np.max(root)) if peak is None else peak)
    return np.where(ok, weighted / np.where(ok, root, 1.0), 0.0)


def _energy(box: Box, v: FloatArray) -> float:
    return float(box.integrate(np.sum(v * v, axis=0)))


def helmholtz_split(
    error: Any, law: Any, s: float, *, box: Box | None = None, tol: float = 1e-12
) -> HelmholtzSplit:
    """Split ``error`` at forward time ``s`` against ``q_s = P_s law`` (module docstring).

    Examples
    --------
    >>> from gaussian_oracle import Gaussian, RotatedScore
    >>> q = Gaussian([0.0, 0.0], [[1.0, 0.3], [0.3, 0.6]])
    >>> sp = helmholtz_split(RotatedScore(q, 1.0), q, 0.5)
    >>> sp.gradient_energy < 1e-12 < sp.solenoidal_energy       # invisible: all solenoidal
    True
    """
    law = check_law("law", law)
    s = check_scalar("s", s, low=0.0)
    tol = check_scalar("tol", tol, low=0.0, low_open=True)
    marg = ou_transition(law, s)
    box = _resolving(error, marg, s, tol) if box is None else box
    e = field_on(error, box, s)
    total = _energy(box, np.exp(0.5 * marg.logpdf(box.points)).reshape(box.shape) * e)
    if box.dim == 1:  # every 1-D error is a gradient
        root = np.exp(0.5 * marg.logpdf(box.points)).reshape(box.shape)
        return HelmholtzSplit(box, e.copy(), np.zeros_like(e), total, 0.0, 0.0, 0, root * e)
    main = _solve(marg, e, box, tol)
    finer_box = box.refined(1.3)
    finer = _solve(marg, field_on(error, finer_box, s), finer_box, tol)
    g_energy = _energy(box, main.weighted)
    change = abs(_energy(finer_box, finer.weighted) - g_energy) / max(total, 1e-300) + tol
    grad = _unweight(main.weighted, main.root)
    sol_weighted = main.root * e - main.weighted
    return HelmholtzSplit(
        box,
        grad,
        e - grad,
        g_energy,
        _energy(box, sol_weighted),
        change,
        main.iterations,
        main.weighted,
    )


@dataclass(eq=False)
class GradientPart:
    """The gradient part ``grad phi`` of ``error`` against ``q_s`` as an error field: at each
    time asked the split is solved (warm-started from the last time's solution) on a grid with
    the points asked as a sub-grid (the grid of :class:`GridOracle`), extended to the box of the
    widened marginal; at scattered points by trigonometric interpolation of ``sqrt(q_s) grad
    phi``. In 1-D it is ``error`` itself. Each call is a Poisson solve (0.1-0.5 s on a 2-D
    grid), so an ODE solve that calls it at every step (:class:`GridOracle`) takes many
    minutes: there use :class:`GradientTable`, the same field tabulated in time.

    Examples
    --------
    >>> from gaussian_oracle import GaussianMixture, RotatedScore, Tanh
    >>> law = GaussianMixture([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.5]], [np.eye(2), np.eye(2)])
    >>> rot, tanh = RotatedScore(law, 0.5), Tanh(0.3)
    >>> part = GradientPart(lambda y, s: tanh(y, s) + rot(y, s), law)
    >>> y = np.array([[0.3, -0.4], [1.0, 0.2]])
    >>> bool(np.abs(part(y, 0.5) - tanh(y, 0.5)).max() < 1e-8)  # tanh is the gradient part
    True
    """

    error: Any
    law: Any
    tol: float = 1e-12
    _last: dict[Any, FloatArray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.law = check_law("law", self.law)

    def __call__(self, y: Any, s: float) -> FloatArray:
        pts = np.asarray(y, dtype=np.float64)
        if self.law.dim == 1:
            return np.asarray(self.error(pts, s), dtype=np.float64)
        grid = grid_of(pts)
        if grid is None:
            marg = ou_transition(self.law, float(s))
            box = _resolving(self.error, marg, float(s), self.tol)
            return self._scattered(marg, box, pts, float(s))
        return self.on_grid(*grid, float(s))

    def on_grid(self, sub: Box, h: FloatArray, s: float) -> FloatArray:
        """The gradient part at the points of ``sub`` (spacing ``h``), shape ``(n, d)``."""
        weighted, root = self.weighted_on_grid(sub, h, s)
        out = _unweight(weighted, root)
        return np.moveaxis(out.reshape((sub.dim, -1)), 0, -1)

    def weighted_on_grid(
        self, sub: Box, h: FloatArray, s: float, times: Any = None
    ) -> tuple[FloatArray, FloatArray]:
        """``sqrt(q_s) grad phi`` (shape ``(d, *sub.shape)``) and ``sqrt(q_s)`` on ``sub``,
        solved on ``sub`` extended to the widened marginal's box at ``s`` (or the box of the
        widened marginals at all ``times``: one grid for every time of a table)."""
        marg = ou_transition(self.law, s)
        at = [s] if times is None else times
        wide = box_for(
            [_widened(ou_transition(self.law, float(t))) for t in at], refine=np.sqrt(2.0)
        )
        lo = np.minimum(sub.lower, wide.lower)
        lo = sub.lower - np.ceil((sub.lower - lo) / h) * h
        hi = np.maximum(sub.upper, wide.upper)
        n = [int(m) + int(m) % 2 for m in np.ceil((hi - lo) / h - 1e-9)]
        box = Box(lo, lo + np.array(n) * h, n)
        start = self._last.get(box.n)
        sol = _solve(marg, field_on(self.error, box, s), box, self.tol, start)
        self._last = {box.n: sol.psi}
        offset = np.rint((sub.lower - box.lower) / h).astype(int)
        idx = tuple(slice(o, o + m) for o, m in zip(offset, sub.n, strict=True))
        return sol.weighted[(slice(None), *idx)], sol.root[idx]

    def _scattered(self, marg: Any, box: Box, pts: FloatArray, s: float) -> FloatArray:
        sol = _solve(marg, field_on(self.error, box, s), box, self.tol)
        vals = np.stack([trig_eval(box, comp, pts) for comp in sol.weighted], axis=1)
        root = np.exp(0.5 * marg.logpdf(pts))
        peak = float(np.max(np.exp(0.5 * marg.logpdf(box.points))))
        return _unweight(vals.T, root, peak).T


def split_energies(
    error: Any, law: Any, t0: float, T: float, *, nodes: int = 16, tol: float = 1e-12
) -> tuple[float, float, float]:
    """``eps_star2`` of the gradient and solenoidal parts under exact init (``rho = q_s``) and
    the worst achieved accuracy, by Gauss–Legendre quadrature over ``s in [t0, T]``."""
    x, wq = np.polynomial.legendre.leggauss(nodes)
    s_nodes = 0.5 * (T - t0) * x + 0.5 * (T + t0)
    parts = [helmholtz_split(error, law, float(s), tol=tol) for s in s_nodes]
    half = 0.5 * (T - t0)
    grad = half * float(sum(w * p.gradient_energy for w, p in zip(wq, parts, strict=True)))
    sol = half * float(sum(w * p.solenoidal_energy for w, p in zip(wq, parts, strict=True)))
    return grad, sol, max(p.change for p in parts)
