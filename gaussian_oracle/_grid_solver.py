"""Fokker–Planck and tangent equations of one generation on a periodic grid (THEORY.md §6b).

In reverse time ``tau in [0, T - t0]`` (forward time ``s = T - tau``) the engine integrates, as
one system of ODEs in ``tau`` (method of lines; Fourier in space, :class:`Box`):

* the ideal density ``rho_0``: the forward marginal ``q_s`` in closed form under exact init;
  under the standard init its deficit ``w = rho_0 - q_s``, which solves the same equation
  ``d w = -div(b_0 w) + 1/2 Lap w`` (``q_s`` solves it exactly) from ``N(0, I) - q_T``: a
  difference again, so the tolerance is relative to the init error, not to the density;
* the learned-minus-ideal density ``delta = rho_eps - rho_0`` (a difference, so that small
  errors keep their relative accuracy)::

      d delta = -div(b_0 delta + eps e (rho_0 + delta)) + 1/2 Lap delta,   delta(0) = 0;

* the tangent ``u = d rho_eps / d eps`` at ``eps = 0``::

      d u = -div(b_0 u + e rho_0) + 1/2 Lap u,   u(0) = 0;

* the energies ``int E_{rho_0} |e|^2 dtau`` and ``int E_{rho_eps} |e|^2 dtau`` (unit scale).

``b_0 = y / 2 + grad log q_s`` is the ideal drift. Time stepping: ``scipy.integrate.solve_ivp``
with the 8th-order Dormand–Prince method (DOP853) at the given ``rtol``; in 1-D on fine grids
the implicit Radau method with the exact (dense) Jacobian, since the explicit step is bounded
by the spectral Laplacian.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from ._diffusion import Diffusion
from ._errors import OracleDomainError, OracleShapeError
from ._grid import Box, spectral_tail
from ._validation import FloatArray, _show

__all__ = [
    "IMPLICIT_FROM_GENERATION",
    "GridRun",
    "field_on",
    "implicit_on",
    "integrate_generation",
    "resolution_tail",
    "solution_tail",
]

#: in 1-D, from this many points on the implicit Radau method with the dense Jacobian replaces
#: DOP853, whose step the spectral Laplacian bounds like 1/n^2 (measured: 2.4x faster at 330
#: and 430 points, 7x slower at 100-230; both agree to 1e-13)
IMPLICIT_FROM = 300
#: the same for one generation's solves (GridOracle): with one block (a later scale of the
#: same grid) Radau is 3.2x faster at 254 points and as fast at 150. Not for the recursion:
#: there Radau's mass drift (~1e-11) shows in the Lemma F.1 identity, checked to 1e-12
IMPLICIT_FROM_GENERATION = 200


def implicit_on(box: Box, implicit_from: int = IMPLICIT_FROM) -> bool:
    """Whether :func:`integrate_generation` steps ``box`` with Radau (else DOP853)."""
    return box.dim == 1 and box.n[0] >= implicit_from


def field_on(error: Any, box: Box, s: float, marginals: Any = None) -> FloatArray:
    """The error field at every grid point, shape ``(d, *n)``, validated (shape, finiteness).

    A field made from the score of the training law itself (``error.from_score`` and
    ``error.q`` the law of ``marginals``: :class:`RotatedScore`) takes that score from
    ``marginals``, which the solver computes at the same time anyway (the drift).
    """
    if marginals is not None and hasattr(error, "from_score"):
        law = getattr(marginals, "law", None)
        if law is not None and (error.q is law or error.q == law):
            return np.asarray(error.from_score(marginals.score(box, s)), dtype=np.float64)
    pts = box.points
    out = np.asarray(error(pts, s), dtype=np.float64)
    if out.shape != pts.shape:
        raise OracleShapeError(
            f"the error field returned shape {out.shape} at s={s!r} for points of shape "
            f"{pts.shape}; it must return (n, d) = {pts.shape}"
        )
    if not np.all(np.isfinite(out)):
        raise OracleDomainError(
            f"the error field returned non-finite values at s={s!r} "
            f"(e.g. {_show(out[~np.isfinite(out)][:3])})"
        )
    return np.moveaxis(out, -1, 0).reshape((box.dim, *box.shape))


def resolution_tail(box: Box, marginals: Any, error: Any, times: Any) -> float:
    """Worst spectral tail (:func:`spectral_tail`) of ``q_s``, ``e q_s`` and ``b_0 q_s`` at
    ``times``: how well ``box`` resolves what the solver multiplies and differentiates."""
    worst = 0.0
    for s in times:
        rho = marginals.density(box, float(s))
        parts = (rho, field_on(error, box, float(s)) * rho, marginals.drift(box, float(s)) * rho)
        worst = max(worst, *(spectral_tail(box, p) for p in parts))
    return worst


def solution_tail(run: Any, rtol: float) -> float:
    """Worst spectral tail of the computed tangent ``u`` and learned-minus-ideal density: they
    can be unresolved where the inputs are not (a time-only error on a bimodal mixture: tail
    2e-5 on the 116 points that resolve ``q``, ``e q`` and ``b_0 q``, and eta off by 1.3%). A
    field at the size the tolerances leave (a zero tangent: the rotated score) is round-off,
    whose spectrum is flat: only fields above ``1e3 rtol`` of their natural size count."""
    size = float(np.sqrt(run.e_star))
    tails = [
        spectral_tail(run.box, f)
        for f, natural in ((run.u, size), (run.delta, run.scale * size))
        if float(run.box.integrate(np.abs(f))) > 1e3 * rtol * natural
    ]
    return max(tails, default=0.0)


@dataclass(frozen=True, slots=True)
class GridRun:
    """Raw endpoint arrays of one integration (unit-scale energies; ``delta`` at ``scale``)."""

    box: Box
    scale: float
    rho0: FloatArray
    delta: FloatArray
    u: FloatArray
    e_star: float
    e_hat: float
    n_rhs: int


def integrate_generation(
    marginals: Any,
    error: Any,
    diffusion: Diffusion,
    box: Box,
    *,
    scale: float,
    rtol: float,
    start: FloatArray | None = None,
    learned: bool = True,
    delta0: FloatArray | None = None,
    tangent: bool = True,
    step_rtol: float | None = None,
    implicit_from: int = IMPLICIT_FROM,
    on_time: Callable[[float], None] | None = None,
) -> GridRun:
    """Integrate the system of the module docstring.

    ``marginals`` gives the training law's forward marginals on the grid:
    ``marginals.drift(box, s)`` (``b_0``, shape ``(d, *n)``) and ``marginals.density(box, s)``
    (``q_s``). ``start`` is the initial ideal density on the grid (None: exact init, ``q_T``).
    ``learned=False`` leaves out ``delta`` and the learned energy (returned as zeros);
    ``tangent=False`` leaves out ``u`` (returned as zeros): for an error known to vanish
    (a learner whose learned law is the training law) both stay zero.
    ``delta0``: the learned minus the ideal start (default 0: both start at the same law; a
    learner given as a law ``q~`` under exact init starts at ``q~_T``, THEORY.md §1).
    ``step_rtol``: the stepping's relative tolerance (default ``rtol``); the absolute ones stay
    at ``1e-3 rtol`` of each field's size whatever it is: below ~1e-14 of the peak a generated
    law is round-off, whose changes in time a tighter test chases for nothing (measured: a KDE
    recursion under the standard init, 14,306 steps at ``1e-16`` of the peak, 785 at ``1e-14``).
    """
    d, shape = box.dim, box.shape
    size = int(np.prod(shape))
    T = diffusion.T
    exact = start is None
    rho_T = marginals.density(box, T) if exact else np.asarray(start, dtype=np.float64)
    peak = float(np.max(rho_T))
    e_T = field_on(error, box, T)
    e_t0 = field_on(error, box, diffusion.t0)
    e_size = max(
        float(np.sqrt(box.integrate(rho_T * np.sum(e_T**2, axis=0)))),
        float(
            np.sqrt(box.integrate(marginals.density(box, diffusion.t0) * np.sum(e_t0**2, axis=0)))
        ),
        1e-100,  # a zero error: keep every tolerance positive
    )
    names = (["delta"] if learned else []) + (["u"] if tangent else []) + ([] if exact else ["w"])
    at = {name: k for k, name in enumerate(names)}
    blocks = len(names)
    calls = [0]

    def rhs(tau: float, z: FloatArray) -> FloatArray:
        calls[0] += 1
        if on_time is not None:
            on_time(tau)
        s = T - tau
        b0 = marginals.drift(box, s)
        e = field_on(error, box, s, marginals)
        fields = z[: blocks * size].reshape((blocks, *shape))
        rho0 = marginals.density(box, s) if exact else marginals.density(box, s) + fields[at["w"]]
        src = np.zeros((blocks, d, *shape))
        if tangent:
            src[at["u"]] = e * rho0
        e2 = np.sum(e * e, axis=0)
        energies = [box.integrate(rho0 * e2), 0.0]
        if learned:
            rho = rho0 + fields[at["delta"]]
            src[at["delta"]] = scale * e * rho
            energies[1] = box.integrate(rho * e2)
        out = box.drift_diffusion(b0, fields, src)
        return np.concatenate([out.ravel(), energies])

    z0 = np.zeros(blocks * size + 2)
    if delta0 is not None and learned:
        z0[at["delta"] * size : (at["delta"] + 1) * size] = np.asarray(delta0).ravel()
    if not exact:
        z0[at["w"] * size : (at["w"] + 1) * size] = (rho_T - marginals.density(box, T)).ravel()
    floor = 1e-3 * rtol * peak
    scales = {"delta": floor * max(scale, 1e-300) * e_size, "u": floor * e_size, "w": floor}
    atol = np.concatenate(
        [np.full(size, scales[name]) for name in names]
        + [np.full(2, 1e-3 * rtol * e_size**2 * diffusion.horizon)]
    )
    if not names:  # exact init and nothing to carry: the ideal endpoint is q_t0
        zero = np.zeros(shape)
        return GridRun(box, scale, marginals.density(box, diffusion.t0), zero, zero, 0.0, 0.0, 0)
    method, extra = "DOP853", {}
    if implicit_on(box, implicit_from):
        method, extra = "Radau", {"jac": _jacobian_1d(box, marginals, error, T, scale, at, exact)}
    step = rtol if step_rtol is None else step_rtol
    sol = solve_ivp(rhs, (0.0, diffusion.horizon), z0, method=method, rtol=step, atol=atol, **extra)
    if not sol.success:
        raise OracleDomainError(f"the grid integration failed: {sol.message}")
    zf = sol.y[:, -1]
    fields = zf[: blocks * size].reshape((blocks, *shape))
    rho0 = marginals.density(box, diffusion.t0)
    if not exact:
        rho0 = rho0 + fields[at["w"]]
    delta = fields[at["delta"]] if learned else np.zeros(shape)
    u = fields[at["u"]] if tangent else np.zeros(shape)
    return GridRun(box, scale, rho0, delta, u, float(zf[-2]), float(zf[-1]), calls[0])


def _jacobian_1d(
    box: Box, marginals: Any, error: Any, T: float, scale: float, at: dict[str, int], exact: bool
) -> Any:
    """The Jacobian of the 1-D system (it is linear in the state): Fourier differentiation
    matrices around ``-D diag(b) + 1/2 D2`` per block, for the implicit Radau method."""
    n = box.n[0]
    eye = np.eye(n)
    dmat = box.divergence(eye[:, None, :]).T  # column j: derivative of the j-th unit vector
    d2 = box.laplacian(eye).T
    blocks = len(at)
    size = blocks * n + 2

    def jac(tau: float, z: FloatArray) -> FloatArray:
        s = T - tau
        b0 = marginals.drift(box, s)[0]
        e = field_on(error, box, s)[0]
        op = -dmat * b0[None, :] + 0.5 * d2
        de = -dmat * e[None, :]
        J = np.zeros((size, size))

        def put(row: str, col: str, m: FloatArray) -> None:
            r, c = at[row] * n, at[col] * n
            J[r : r + n, c : c + n] += m

        if "u" in at:
            put("u", "u", op)
        e2 = box.cell * e * e
        if "delta" in at:
            put("delta", "delta", op + scale * de)
            J[-1, at["delta"] * n : (at["delta"] + 1) * n] = e2
        if not exact:
            put("w", "w", op)
            if "u" in at:
                put("u", "w", de)
            if "delta" in at:
                put("delta", "w", scale * de)
                J[-1, at["w"] * n : (at["w"] + 1) * n] = e2
            J[-2, at["w"] * n : (at["w"] + 1) * n] = e2
        return J

    return jac


class CachedMarginals:
    """Density ``q_s`` and ideal drift ``y / 2 + grad log q_s`` of a law on a grid, computed
    together by ``_compute(box, s)``; the last (box, time) asked is kept, since the solver asks
    for both at each step (keyed by the box itself: ids of dead boxes recur)."""

    def __init__(self) -> None:
        self._key: tuple[Box, float] | None = None
        self._value: tuple[FloatArray, FloatArray] = (np.zeros(0), np.zeros(0))

    def _compute(self, box: Box, s: float) -> tuple[FloatArray, FloatArray]:
        raise NotImplementedError

    def _both(self, box: Box, s: float) -> tuple[FloatArray, FloatArray]:
        if self._key is None or self._key[0] is not box or self._key[1] != float(s):
            self._key, self._value = (box, float(s)), self._compute(box, float(s))
        return self._value

    def drift(self, box: Box, s: float) -> FloatArray:
        return self._both(box, s)[1]

    def density(self, box: Box, s: float) -> FloatArray:
        return self._both(box, s)[0]


class MixtureMarginals(CachedMarginals):
    """Forward marginals ``q_s`` of a Gaussian mixture (closed form) on a grid: density and
    ideal drift together, from one eigendecomposition per component (``S_s = e^{-s} S +
    (1 - e^{-s}) I`` keeps the eigenvectors of ``S``)."""

    def __init__(self, law: Any) -> None:
        from ._law_tools import components

        super().__init__()
        w, m, c, _ = components(law)
        live = w > 0
        self.law = law
        self.logw = np.log(w[live])
        self.means = m[live]
        lam, vec = np.linalg.eigh(c[live])
        self.lam, self.vec = lam, vec
        self._score = np.zeros(0)  # grad log q_s of the last (box, s), with the drift

    def _compute(self, box: Box, s: float) -> tuple[FloatArray, FloatArray]:
        pts = box.points
        a, v = np.exp(-0.5 * s), -np.expm1(-s)
        var = np.exp(-s) * self.lam + v  # (K, d)
        z = np.einsum("kji,knj->kni", self.vec, pts[None] - a * self.means[:, None])
        logn = (
            -0.5 * np.sum(z * z / var[:, None], axis=2)
            - 0.5 * np.sum(np.log(2.0 * np.pi * var), axis=1)[:, None]
        )
        joint = self.logw[:, None] + logn
        top = np.max(joint, axis=0)
        r = np.exp(joint - top)
        total = np.sum(r, axis=0)
        grads = -np.einsum("kij,knj->kni", self.vec, z / var[:, None])
        sc = np.einsum("kn,kni->ni", r / total, grads)
        dens = np.exp(top) * total
        self._score = np.moveaxis(sc, -1, 0).reshape((box.dim, *box.shape))
        drift = np.moveaxis(0.5 * pts + sc, -1, 0).reshape((box.dim, *box.shape))
        return dens.reshape(box.shape), drift

    def score(self, box: Box, s: float) -> FloatArray:
        """``grad log q_s`` on the grid, ``(d, *n)`` (computed with the drift)."""
        self._both(box, s)
        return self._score
