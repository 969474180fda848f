"""Exact single-generation engine: Gaussian data, affine score error (THEORY.md §1, §3, §6).

With data ``N(m, S)`` the forward marginals are ``q_s = N(m_s, S_s)``, ``m_s = e^{-s/2} m``,
``S_s = e^{-s} S + (1 - e^{-s}) I``, and the reverse drift is affine,
``F(tau) y + f(tau)`` with ``F = I/2 - S_s^{-1}``, ``f = S_s^{-1} m_s``, ``s = T - tau``.
An affine error ``e = W y + xi`` scaled by ``eps`` keeps every law Gaussian, so the engine
integrates, in reverse time ``tau in [0, T - t0]``, one linear ODE system (layout and
derivation: ``_linear_system``) for

* the ideal moments ``mu*, Sigma*`` under standard init (``Sigma*`` stays diagonal in the
  eigenbasis of ``S``); under exact init they are the forward marginals ``m_s, S_s``, in
  closed form, and the ideal endpoint is the training law ``P_{t0}`` data exactly;
* per scale, the learned-minus-ideal moments divided by ``eps``, ``u = dmu / eps``,
  ``U = dSigma / eps`` (so that tiny errors keep their relative accuracy)::

      u' = (F + eps W) u + W mu* + xi
      U' = (F + eps W) U + U (F + eps W)^T + W Sigma* + Sigma* W^T

  and the learned energy divided by ``eps^2``; the row ``eps = 0`` is the sensitivity
  ``(nu, Psi)`` of THEORY.md §6 (Fisher-ratio formula) and the ideal energy
  ``int |W mu* + xi|^2 + tr(W Sigma* W^T) dtau`` per unit scale (``eps_star2`` is ``eps^2``
  times it).

How accurately: ``scipy.integrate.solve_ivp`` with the 8th-order Dormand–Prince method
(DOP853), ``rtol = 1e-12``, ``atol = 1e-14``, in the eigenbasis of ``S``, where ``F`` is
diagonal (``F X + X F^T`` entrywise) and the error is rotated; ``S_s^{-1}`` is exact through
that one eigendecomposition. Against a re-solve at ``rtol = 3e-14`` the energies agree to
~1e-15 and chi2, KL, eta to ~3e-13 (d = 10, scales 1e-6 and 0.5); tests confirm 1e-9
relative against closed forms (SymPy in 1-D, the forward marginals under exact init). A
divergence far below 1e-16 relative to the moments is limited by the endpoint laws' rounding,
not the solver: chi2 at ``eps = 1e-6`` is good to ~1e-10 under standard init.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from ._diffusion import Diffusion
from ._divergence import Divergence, chi2, kl
from ._errors import OracleDomainError, OracleShapeError
from ._laws import Gaussian
from ._linear_system import Layout, end_state, right_hand_side
from ._operations import ou_transition
from ._score_errors import AffineError
from ._validation import FloatArray, check_scalar

__all__ = ["LinearGaussianOracle", "LinearSolution"]

RTOL = 1e-12
ATOL = 1e-14
#: largest |W|, |xi| (times the data's scale) accepted: energies ~ |xi|^2 (T - t0) and the
#: moments grow like exp(|W| T), so 1e100 keeps every squared quantity inside float64
_ERROR_LIMIT = 1e100


@dataclass(frozen=True, slots=True)
class LinearSolution:
    """Every quantity of one generation of the linear-Gaussian oracle (names of THEORY.md).

    Attributes
    ----------
    scale : float
        Multiplier of the error field (``eps``).
    learned_endpoint, ideal_endpoint : Gaussian
        Laws at the end (forward time ``t0``) of the learned and the ideal reverse processes.
    training_law : Gaussian
        ``P_{t0}`` of the data: the early-stopped law the model is trained to produce.
    eps_star2, eps_hat2 : float
        Score energy along the ideal and the learned path (THEORY.md §3).
    path_kl : float
        ``KL(P_hat || P*) = eps_hat2 / 2`` (both processes start from the same law).
    endpoint_fisher : float
        Fisher information at 0 of the endpoint family ``eps -> p_hat_eps``, times ``scale^2``:
        equals ``eta * eps_star2`` (THEORY.md §6).
    eta : float
        Observability, ``endpoint_fisher / eps_star2`` in [0, 1] (0 when ``eps_star2 = 0``).
    chi2, kl : Divergence
        Learned endpoint against the **ideal endpoint** (what Prop. 3.1–Thm. 3.4 bound).
    chi2_training, kl_training : Divergence
        Learned endpoint against the **training law** ``P_{t0} data``.
    ideal_training_kl : Divergence
        Gap ``KL(ideal endpoint || training law)``: zero under exact init, the initial mismatch
        carried to the end under standard init.
    n_rhs : int
        Right-hand-side evaluations of the ODE solver.
    """

    scale: float
    learned_endpoint: Gaussian
    ideal_endpoint: Gaussian
    training_law: Gaussian
    eps_star2: float
    eps_hat2: float
    path_kl: float
    endpoint_fisher: float
    eta: float
    chi2: Divergence
    kl: Divergence
    chi2_training: Divergence
    kl_training: Divergence
    ideal_training_kl: Divergence
    n_rhs: int


class LinearGaussianOracle:
    """Exact one-generation oracle for Gaussian data and an affine score error.

    Parameters
    ----------
    data : Gaussian
        The law being learned (``q_i`` in the recursion).
    diffusion : Diffusion
        Horizon, early stopping and initialisation.
    error : AffineError
        Score error ``e(y, s) = W(s) y + xi(s)`` (learned minus true score).

    Examples
    --------
    >>> oracle = LinearGaussianOracle(Gaussian(0.0, 0.5), Diffusion(init="exact"),
    ...                               AffineError(xi=0.1))
    >>> sol = oracle.solve()
    >>> bool(sol.kl.value <= sol.path_kl), bool(0.0 <= sol.eta <= 1.0)
    (True, True)
    >>> round(oracle.solve(scale=0.5).eta / sol.eta, 12)    # eta does not depend on the scale
    1.0
    """

    def __init__(self, data: Gaussian, diffusion: Diffusion, error: AffineError) -> None:
        if not isinstance(data, Gaussian):
            raise OracleDomainError(
                f"data={data!r} must be a Gaussian (mixtures: use simulate_reverse)"
            )
        if not isinstance(diffusion, Diffusion):
            raise OracleDomainError(f"diffusion={diffusion!r} must be a Diffusion")
        if not isinstance(error, AffineError):
            raise OracleDomainError(f"error={error!r} must be an AffineError")
        d = data.dim
        if error.dim is not None and error.dim != d:
            raise OracleShapeError(f"error has dimension {error.dim} but data has dimension {d}")
        for s in (diffusion.T, diffusion.t0):  # validates callables' shapes now, not mid-solve
            w, xi = error.at(s, d)
            size = max(float(np.max(np.abs(w))), float(np.max(np.abs(xi))))
            scale = max(1.0, float(np.max(np.abs(data.mean))), float(np.max(data.cov)) ** 0.5)
            if size * scale > _ERROR_LIMIT:
                raise OracleDomainError(
                    f"error: W(s), xi(s) of size {size:.3g} at s={s!r} make the score energy "
                    f"exceed the float64 range; the engine accepts |W|, |xi| times the data's "
                    f"scale up to {_ERROR_LIMIT:g}"
                )
        self.data, self.diffusion, self.error = data, diffusion, error
        lam, vec = np.linalg.eigh(data.cov)
        self._lam, self._vec = lam, vec

    def solve(self, scale: float = 1.0, *, rtol: float = RTOL) -> LinearSolution:
        """Solve the moment, sensitivity and energy equations for the error times ``scale``.

        Parameters
        ----------
        scale : float, >= 0
            Error multiplier ``eps``.
        rtol : float, in [3e-14, 1e-6]
            Relative tolerance of the ODE solver (absolute tolerances scale with it).

        Returns
        -------
        LinearSolution
        """
        return self.solve_many([scale], rtol=rtol)[0]

    def solve_many(self, scales: Any, *, rtol: float = RTOL) -> list[LinearSolution]:
        """:meth:`solve` for several scales as one ODE system: the ideal moments, the
        sensitivities and the ideal energy (which do not depend on the scale) once, the
        learned-minus-ideal moments and the learned energy per scale, all rows in the same
        matrix products. Same tolerances, so the same accuracy, at a fraction of the cost
        per scale.

        Examples
        --------
        >>> oracle = LinearGaussianOracle(Gaussian(0.0, 0.5), Diffusion(init="exact"),
        ...                               AffineError(xi=0.1))
        >>> [round(x.eps_star2 / 0.1**2, 9) for x in oracle.solve_many([0.5, 2.0])]
        [0.995, 15.92]
        """
        raw = np.atleast_1d(np.asarray(scales, dtype=object))
        if raw.ndim != 1 or raw.size == 0:
            raise OracleDomainError(f"scales={scales!r} must be a non-empty sequence of numbers")
        eps = np.array([check_scalar("scale", x, low=0.0) for x in raw])
        rtol = check_scalar("rtol", rtol, low=3e-14, high=1e-6)  # solve_ivp floor: 100 ulps
        d, T = self.data.dim, self.diffusion.T
        standard = self.diffusion.init == "standard"
        layout = Layout(d, eps.size, ideal=standard)
        self.error.at(T, d)  # validated here and at t0 (__init__); the solver's calls are not
        vec, lam = self._vec, self._lam
        mean_rot = vec.T @ self.data.mean
        rhs = right_hand_side(layout, eps, lam, vec, mean_rot, self.error, T)
        z0 = np.zeros(layout.size)
        if standard:  # N(0, I), in any basis
            z0[d : 2 * d] = 1.0
        # errors below the accepted limit keep every quantity in range; anything the solver
        # still cannot integrate is reported as one ArithmeticError, not as warnings
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                sol = solve_ivp(
                    rhs,
                    (0.0, self.diffusion.horizon),
                    z0,
                    method="DOP853",
                    rtol=rtol,
                    atol=ATOL * rtol / RTOL,
                    # the rows start at 0, which makes the solver's own guess ~1e-3; the local
                    # error of the 8th-order method is ~ (rate h)^9 with rate ~ 1 at s = T,
                    # where q_T is close to N(0, I)
                    first_step=min(self.diffusion.horizon, 0.05 * (rtol / RTOL) ** (1 / 9)),
                )
            except ValueError:  # a callable W / xi changed shape mid-solve: say which, where
                for tau in np.linspace(0.0, self.diffusion.horizon, 65):
                    self.error.at(T - tau, d)
                raise
        if not sol.success or not np.all(np.isfinite(sol.y[:, -1])):
            raise ArithmeticError(
                f"ODE solver failed: {sol.message} (the moments or energies left the float64 "
                "range: scale the error down)"
            )
        return self._solutions(end_state(layout, sol.y[:, -1], vec), eps, int(sol.nfev))

    def _solutions(self, state: Any, eps: FloatArray, n_rhs: int) -> list[LinearSolution]:
        mu, sig, u, big_u, g = state
        nu, psi, e_star_unit = u[0], big_u[0], float(g[0])
        training = ou_transition(self.data, self.diffusion.t0)
        # under exact init the ideal process stays on the forward marginals: its endpoint is
        # the training law, in closed form
        same = mu is None
        ideal = training if same else Gaussian(mu, sig)
        mu, sig = ideal.mean, ideal.cov
        prec_nu = np.linalg.solve(sig, nu)
        prec_psi = np.linalg.solve(sig, psi)
        fisher_unit = float(nu @ prec_nu + 0.5 * np.sum(prec_psi * prec_psi.T))
        eta = fisher_unit / e_star_unit if e_star_unit > 0.0 else 0.0
        # eta lies in [0, 1]; ODE round-off (~1e-12) may push it just outside: clip that,
        # but leave anything further out visible (it would be a bug, not round-off)
        eta = float(np.clip(eta, 0.0, 1.0)) if abs(eta - np.clip(eta, 0, 1)) < 1e-9 else eta
        ideal_training_kl = kl(ideal, training)
        out = []
        for j, x in enumerate(eps):
            x = float(x)
            learned = Gaussian(mu + x * u[j + 1], sig + x * big_u[j + 1])
            eps_hat2 = x * x * float(g[j + 1])
            chi2_ideal, kl_ideal = chi2(learned, ideal), kl(learned, ideal)
            out.append(
                LinearSolution(
                    scale=x,
                    learned_endpoint=learned,
                    ideal_endpoint=ideal,
                    training_law=training,
                    eps_star2=x * x * e_star_unit,
                    eps_hat2=eps_hat2,
                    path_kl=0.5 * eps_hat2,
                    endpoint_fisher=x * x * fisher_unit,
                    eta=eta,
                    chi2=chi2_ideal,
                    kl=kl_ideal,
                    # under exact init the ideal endpoint is the training law: the same values
                    chi2_training=chi2_ideal if same else chi2(learned, training),
                    kl_training=kl_ideal if same else kl(learned, training),
                    ideal_training_kl=ideal_training_kl,
                    n_rhs=n_rhs,
                )
            )
        return out
